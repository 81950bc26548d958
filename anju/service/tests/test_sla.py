import datetime

import pytest
from django.utils import timezone

from anju.service import services
from anju.service.choices import TaskStatus
from anju.service.models import Delivery, Notification
from anju.service.tests.conftest import aware, new_task
from anju.tasks import sla
from anju.tasks.models import EscalationLog, Task

pytestmark = pytest.mark.django_db


def test_deadlines_across_spring_festival(svc):
    created = aware(2026, 2, 13, 15)  # Friday before 春节; Feb 14 is a make-up working day
    task = new_task(svc, now=created)
    # 空鼓: reply 1, answer 2, processing 7 working days.
    assert task.reply_due == aware(2026, 2, 14, 15)
    assert task.answer_due == aware(2026, 2, 24, 15)
    assert task.process_due == aware(2026, 3, 2, 15)
    assert task.next_escalation_at == aware(2026, 2, 14, 15)


def test_deadlines_weekend_and_make_up_day(svc):
    task = new_task(svc, now=aware(2026, 4, 30, 17))  # Thursday before 劳动节 May 1–5, May 9 worked
    assert task.reply_due == aware(2026, 5, 6, 17)
    assert task.answer_due == aware(2026, 5, 7, 17)
    assert task.process_due == aware(2026, 5, 13, 17)  # 6, 7, 8, 9 (Sat, make-up), 11, 12, 13


def test_emergency_repairs_run_in_minutes(svc):
    task = new_task(svc, task_type="repair", problem=svc.urgent_problem, now=aware(2026, 2, 15, 3))
    assert task.reply_due == aware(2026, 2, 15, 3, 30)
    assert task.process_due == aware(2026, 2, 15, 7)


def test_service_complaints_in_working_hours(svc):
    task = new_task(
        svc,
        problem=svc.service_problem,
        now=aware(2026, 3, 6, 16),
        responsible_kind="person",
        responsible_user=svc.engineer1,
    )
    assert task.reply_due == aware(2026, 3, 9, 11)  # 4 working hours: Fri 16–18, Mon 9–11


def test_timeouts_recorded_when_a_clock_stops_late(svc):
    created = aware(2026, 3, 9, 9)
    task = new_task(svc, now=created)
    late = aware(2026, 3, 11, 9)  # reply was due Mar 10 09:00
    task = services.task_transition(actor=svc.engineer1, task=task, action="reply", now=late)
    assert task.reply_timeout and not task.answer_timeout
    task = services.task_transition(
        actor=svc.engineer1, task=task, action="answer", now=aware(2026, 3, 11, 9)
    )  # exactly on time
    task = services.task_transition(
        actor=svc.engineer1, task=task, action="complete", now=aware(2026, 3, 12, 10)
    )
    assert task.reply_timeout and not task.answer_timeout and not task.process_timeout


def test_sweep_marks_timeouts_escalates_and_is_idempotent(
    svc, django_capture_on_commit_callbacks, mailoutbox
):
    created = aware(2026, 3, 9, 9)
    task = new_task(svc, now=created)
    new_task(svc, now=timezone.now())  # not due: untouched
    assert Notification.objects.filter(template="task_escalated").count() == 0
    at = aware(2026, 3, 10, 9, 1)  # reply overdue by a minute
    with django_capture_on_commit_callbacks(execute=True):
        result = sla.sweep(now=at)
    assert result["reply"] == 1 and result["escalations"] == 1
    task.refresh_from_db()
    assert task.reply_timeout and task.escalation_level == 1
    assert task.next_escalation_at == aware(2026, 3, 10, 14, 30)  # + 4 working hours (lunch excluded)
    notes = Notification.objects.filter(template="task_escalated")
    assert [n.recipient for n in notes] == [svc.engineer1]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["e1@example.com"]
    # Twice at the same moment: nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert sla.sweep(now=at) == {"reply": 0, "answer": 0, "process": 0, "escalations": 0}
    assert notes.all().count() == 1 and len(mailoutbox) == 1
    # The ladder: acceptor, supervisor (department manager), project head (company manager).
    svc.world.company_a.manager = svc.world.superuser
    svc.world.company_a.save(update_fields=["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        sla.sweep(now=aware(2026, 3, 20, 9))
        sla.sweep(now=aware(2026, 3, 20, 9))
        sla.sweep(now=aware(2026, 3, 30, 9))
    task.refresh_from_db()
    assert task.answer_timeout and task.process_timeout
    levels = list(EscalationLog.objects.filter(task=task).order_by("level").values_list("level", "user"))
    assert levels == [
        (1, svc.engineer1.pk),
        (2, svc.acceptor.pk),
        (3, svc.supervisor.pk),
        (4, svc.world.superuser.pk),
    ]
    assert notes.all().count() == 4
    assert task.next_escalation_at is None
    # Each delivery recorded once with a status; SMS went to the outbox.
    assert (
        Delivery.objects.filter(
            notification__template="task_escalated", channel="email", status="sent"
        ).count()
        == 3
    )
    assert Delivery.objects.filter(channel="sms", status="sent").exists(), list(
        Delivery.objects.filter(notification__template="task_escalated").values_list(
            "channel", "status", "address", "error"
        )
    )
    from anju.service.models import SmsOutbox

    assert SmsOutbox.objects.filter(phone="13900000002").exists()


def test_timeout_stays_after_completion(svc):
    task = new_task(svc, now=aware(2026, 3, 9, 9))
    sla.sweep(now=aware(2026, 3, 25, 9))
    for action in ("reply", "answer", "complete"):
        task = services.task_transition(actor=svc.engineer1, task=task, action=action)
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED
    assert task.reply_timeout and task.answer_timeout and task.process_timeout
    assert sla.sweep(now=aware(2026, 4, 25, 9))["escalations"] == 0


def test_company_ladder(svc):
    from anju.tasks.models import EscalationStep

    EscalationStep.objects.create(company=svc.world.company_a, level=1, target="supervisor", after_hours=0)
    task = new_task(svc, now=aware(2026, 3, 9, 9))
    sla.sweep(now=aware(2026, 3, 10, 10))
    assert list(EscalationLog.objects.filter(task=task).values_list("user", flat=True)) == [svc.supervisor.pk]
    task.refresh_from_db()
    assert task.next_escalation_at is None


def test_sweep_over_many_due_tasks_is_batched(svc):
    tasks = [new_task(svc, now=aware(2026, 3, 9, 9)) for _i in range(5)]
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(
        reply_due=aware(2026, 3, 9, 9) + datetime.timedelta(hours=1),
        next_escalation_at=aware(2026, 3, 9, 9) + datetime.timedelta(hours=1),
    )
    done = sla.escalate(aware(2026, 3, 9, 10, 30), batch=2)
    assert done == 5
    assert EscalationLog.objects.count() == 5


def test_periodic_job_is_registered_every_minute(svc):
    from anju.service.tasks import sla_sweep

    new_task(svc, now=aware(2026, 3, 9, 9))
    assert sla_sweep.task_class().validate_datetime(datetime.datetime(2026, 3, 9, 9, 17))  # every minute
    assert sla_sweep.call_local()["escalations"] == 1
    # Long overdue: each run climbs one rung, never repeats one.
    assert sla_sweep.call_local()["escalations"] == 1
    assert sorted(EscalationLog.objects.values_list("level", flat=True)) == [1, 2]


def test_sweep_query_count_does_not_grow_with_tasks(svc):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    svc.world.company_a.manager = svc.world.superuser
    svc.world.company_a.save(update_fields=["manager"])

    def run(n, day):
        for _i in range(n):
            new_task(svc, now=aware(2026, 3, day, 9))
        counts = []
        for when in (
            aware(2026, 3, day + 1, 9, 1),
            aware(2026, 3, day + 1, 13, 31),
            aware(2026, 3, day + 2, 9, 31),
            aware(2026, 3, day + 9, 9),
        ):
            with CaptureQueriesContext(connection) as q:
                sla.sweep(now=when)
            counts.append(len(q.captured_queries))
        return counts

    few = run(2, 9)
    EscalationLog.objects.all().delete()
    Task.objects.update(status=TaskStatus.VOIDED)
    many = run(8, 16)
    assert few == many


def test_the_ladder_stops_with_the_late_clock_and_restarts_on_the_next(
    svc, django_capture_on_commit_callbacks
):
    task = new_task(svc, now=aware(2026, 3, 9, 10))  # Monday: reply due Tue 10:00, answer Wed 10:00
    assert task.reply_due == aware(2026, 3, 10, 10) and task.answer_due == aware(2026, 3, 11, 10)
    with django_capture_on_commit_callbacks(execute=True):
        assert sla.sweep(now=aware(2026, 3, 10, 11))["escalations"] == 1
        task.refresh_from_db()
        assert task.escalation_level == 1
        task = services.task_transition(
            actor=svc.engineer1, task=task, action="reply", now=aware(2026, 3, 10, 11, 30)
        )
        task.refresh_from_db()
        assert task.escalation_level == 0 and task.next_escalation_at == task.answer_due
        assert sla.sweep(now=aware(2026, 3, 10, 16))["escalations"] == 0
        task.refresh_from_db()
        assert task.escalation_level == 0
        # The answer clock runs late: its own ladder starts at level 1 (no clash with the reply's).
        assert sla.sweep(now=aware(2026, 3, 11, 10, 1))["escalations"] == 1
        assert sla.sweep(now=aware(2026, 3, 11, 10, 1))["escalations"] == 0
    task.refresh_from_db()
    assert task.escalation_level == 1 and task.answer_timeout
    assert list(EscalationLog.objects.filter(task=task).order_by("pk").values_list("clock", "level")) == [
        ("reply", 1),
        ("answer", 1),
    ]
    assert Notification.objects.filter(template="task_escalated", task=task).count() == 2
    # A ladder left over with no clock past due (e.g. from before this rule) climbs no further.
    Task.objects.filter(pk=task.pk).update(
        answer_due=aware(2026, 3, 20, 10), next_escalation_at=aware(2026, 3, 11, 12)
    )
    assert sla.sweep(now=aware(2026, 3, 11, 16))["escalations"] == 0
    task.refresh_from_db()
    assert task.escalation_level == 0 and task.next_escalation_at == task.process_due


def test_a_sweep_killed_half_way_has_logged_the_batches_it_committed(svc, monkeypatch):
    """Each batch writes its operation-log row in its own transaction: when the third batch fails,
    the two committed batches (4 escalation steps) are on record, the failed one is not."""
    from anju.core.models import OperationLog

    tasks = [new_task(svc, now=aware(2026, 3, 9, 9)) for _i in range(5)]
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(
        reply_due=aware(2026, 3, 9, 9) + datetime.timedelta(hours=1),
        next_escalation_at=aware(2026, 3, 9, 9) + datetime.timedelta(hours=1),
    )
    OperationLog.objects.all().delete()
    real = sla.notifications.save_batch
    calls = []

    def dies_on_the_third(items):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        return real(items)

    monkeypatch.setattr(sla.notifications, "save_batch", dies_on_the_third)
    with pytest.raises(RuntimeError):
        sla.escalate(aware(2026, 3, 9, 10, 30), batch=2)
    assert EscalationLog.objects.count() == 4
    rows = list(OperationLog.objects.filter(content_type__model="task").order_by("id"))
    assert [r.after["escalations"] for r in rows] == [2, 2]
    assert all(r.after["timeouts"]["reply"] == 2 for r in rows)


def test_timeouts_marked_by_the_sweep_are_logged_per_clock(svc):
    from anju.core.models import OperationLog

    task = new_task(svc, now=aware(2026, 3, 9, 9))
    Task.objects.filter(pk=task.pk).update(next_escalation_at=None)  # no ladder step: only flags
    OperationLog.objects.all().delete()
    result = sla.sweep(now=aware(2026, 3, 10, 9, 1))
    assert result["reply"] == 1 and result["escalations"] == 0
    rows = list(OperationLog.objects.filter(content_type__model="task"))
    assert [r.after for r in rows] == [{"reply_timeout": 1}]

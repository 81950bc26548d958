"""A task source registered by a test-only app (anju.tasks.tests.toyapp) gets tasks, deadlines, the
SLA sweep's timeouts and escalation notifications, workbench counts and its on_event calls from the
engine as it is: nothing in anju.tasks names it."""

import pytest

from anju.core.services import ServiceValidationError
from anju.service import counters, selectors
from anju.service.models import Callback, Notification
from anju.service.tests.conftest import aware
from anju.tasks import sla, sources, workflow
from anju.tasks.models import EscalationLog, Task, TaskEvent
from anju.tasks.services import task_act
from anju.tasks.tests.toyapp.models import Finding
from anju.tasks.tests.toyapp.services import finding_create

pytestmark = pytest.mark.django_db


def _open(svc, now):
    return finding_create(
        actor=svc.acceptor,
        title="Cracked tile in the lobby",
        room=svc.room,
        accepting_company=svc.world.company_a,
        acceptor=svc.acceptor,
        assignment={"kind": "person", "user": svc.engineer1},
        now=now,
    )


def test_the_toy_source_is_registered_by_its_app():
    source = sources.get_source("toy")
    assert source.label == "Toy inspection" and ("toy", "Toy inspection") in sources.choices()
    assert sources.get_source("daily").counted and not sources.get_source("delivery").counted


def test_toy_source_end_to_end(svc):
    opened = aware(2026, 3, 10, 9)  # a Tuesday, working hours 9:00–12:00, 13:30–18:00
    finding = _open(svc, opened)
    task = finding.task
    # Opened through the engine: the source's code prefix and its own deadline policy (1 working hour
    # to reply, 3 to process, no answer clock), the standard assignment.
    assert task.code == f"TY{task.pk:08d}" and task.source == "toy"
    assert task.status == "pending_reply" and task.responsible_user == svc.engineer1
    assert (task.reply_due, task.answer_due, task.process_due) == (
        aware(2026, 3, 10, 10),
        None,
        aware(2026, 3, 10, 12),
    )
    assert task.next_escalation_at == aware(2026, 3, 10, 10)
    # The source learned of the assignment without polling; its own row points at its task.
    assert finding.events == ["create", "assign"] and Task.objects.get(toy_finding=finding) == task
    # Its own transition table: no reply / answer step.
    assert [t.action for t in workflow.allowed_actions(svc.engineer1, task)] == ["complete"]
    with pytest.raises(ServiceValidationError):
        task_act(actor=svc.engineer1, task=task, action="reply")

    # Counted on the workbench (the counters and the scan of the task table agree).
    progress = selectors.task_progress(svc.acceptor, mine=True)
    assert progress["pending_reply"] == 1 and sum(progress.values()) == 1
    assert progress == selectors.task_progress_scan(svc.acceptor, mine=True)

    # The SLA sweep: the reply clock ran out at 10:00, so the reply timeout is marked and the first rung
    # of the escalation ladder tells the responsible person.
    result = sla.sweep(now=aware(2026, 3, 10, 10, 30))
    assert result["reply"] == 1 and result["escalations"] == 1
    task.refresh_from_db()
    assert task.reply_timeout and task.escalation_level == 1
    assert EscalationLog.objects.filter(task=task, clock="reply", level=1).exists()
    note = Notification.objects.get(template="task_escalated", task=task)
    assert note.recipient == svc.engineer1 and task.code in note.title + note.body
    assert sla.sweep(now=aware(2026, 3, 10, 10, 31))["escalations"] == 0  # idempotent
    assert selectors.responsiveness(svc.acceptor, mine=True, period="all") == {
        "total": 1,
        "reply": 1,
        "answer": 0,
        "process": 0,
    }

    # Completed, then closed: no callback policy, so nothing blocks the close; on_event follows.
    task = task_act(actor=svc.engineer1, task=task, action="complete", now=aware(2026, 3, 10, 11))
    finding.refresh_from_db()
    assert task.status == "completed" and task.completed_at == aware(2026, 3, 10, 11)
    assert finding.done and finding.events[-1] == "complete"
    assert not Callback.objects.filter(task=task).exists()
    assert "close" in [t.action for t in workflow.allowed_actions(svc.acceptor, task)]
    task = task_act(actor=svc.acceptor, task=task, action="close")
    # Reopened: the source's own target status, the processing clock restarts from its policy.
    task = task_act(
        actor=svc.acceptor, task=task, action="reopen", note="Still cracked", now=aware(2026, 3, 11, 9)
    )
    finding.refresh_from_db()
    assert task.status == "pending_reply" and task.process_due == aware(2026, 3, 11, 12)
    assert finding.events == ["create", "assign", "complete", "close", "reopen"] and not finding.done
    assert list(TaskEvent.objects.filter(task=task).values_list("action", flat=True)) == [
        "create",
        "assign",
        "escalate",
        "complete",
        "close",
        "reopen",
    ]

    # The workbench counts follow every change, and a recount from the task table agrees.
    assert selectors.task_progress(svc.acceptor, mine=True)["pending_reply"] == 1
    assert counters.current_task_rows() == counters.expected_task_rows()


def test_an_unregistered_source_cannot_open_tasks(svc):
    task = Task(
        source="nobody",
        task_type="repair",
        room=svc.room,
        project=svc.project,
        accepting_company=svc.world.company_a,
        acceptor=svc.acceptor,
    )
    with pytest.raises(LookupError):
        workflow.open_task(task, actor=svc.acceptor)
    assert not Task.objects.filter(source="nobody").exists()
    assert not Finding.objects.exists()

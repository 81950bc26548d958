"""anju.core.bulk.insert writes exactly the rows bulk_create would (on SQLite it is bulk_create)."""

import datetime

import pytest
from django.utils import timezone

from anju.core import bulk
from anju.service.choices import DeliveryStatus, EscalationTarget, NotificationChannel
from anju.service.models import Delivery, Notification
from anju.service.tests.conftest import new_task
from anju.tasks.models import EscalationLog, TaskEvent

pytestmark = pytest.mark.django_db

STAMPED = {"id", "at", "created_at"}


def _rows(model, ids):
    rows = list(model.objects.filter(pk__in=ids).order_by("pk").values())
    for row in rows:
        for key in STAMPED & row.keys():
            if key != "id":
                assert row[key] is not None
                assert abs(row[key] - timezone.now()) < datetime.timedelta(minutes=1)
    return [{k: v for k, v in row.items() if k not in STAMPED} for row in rows]


def _same(model, make, **kw):
    """The rows and objects of bulk.insert equal those of bulk_create for the same objects."""
    django_objs = model.objects.bulk_create(make("a"), **kw)
    ours = make("b")
    returned = bulk.insert(model, ours, **kw)
    assert returned is ours or list(returned) == ours
    for obj in ours:
        assert obj._state.adding is False
        assert obj._state.db == "default"
    theirs = _rows(model, [o.pk for o in django_objs])
    mine = _rows(model, [o.pk for o in ours])
    assert len(mine) == len(ours)
    return theirs, mine, ours, django_objs


def test_task_events_and_notifications_match_bulk_create(svc):
    task = new_task(svc)

    def events(tag):
        return [
            TaskEvent(
                task=task,
                action="escalate",
                from_status=task.status,
                to_status=task.status,
                note=f"{tag} 升级 {i} 'quoted' \\ \t tab\nline",
                data={"level": i, "user": None if i % 2 else svc.acceptor.pk, "text": "中文 \" ' \\"},
            )
            for i in range(5)
        ]

    theirs, mine, ours, _objs = _same(TaskEvent, events)
    assert [{**r, "note": r["note"][1:]} for r in theirs] == [{**r, "note": r["note"][1:]} for r in mine]
    # ids in the order of the objects, each object's own row
    assert [o.pk for o in ours] == sorted(o.pk for o in ours)
    for obj in ours:
        assert TaskEvent.objects.get(pk=obj.pk).note == obj.note
        assert obj.at is not None

    def notes(tag):
        return [
            Notification(
                recipient=svc.acceptor,
                template="task_escalated",
                title=f"{tag} title {i}",
                body="" if i == 0 else f"body {i}",
                task=task if i % 2 else None,
                dedupe_key=None if i == 1 else f"{tag}:{i}",
            )
            for i in range(4)
        ]

    theirs, mine, ours, django_notes = _same(Notification, notes)

    def strip(rows):  # without the "a"/"b" tags
        return [
            {**r, "title": r["title"][1:], "dedupe_key": r["dedupe_key"] and r["dedupe_key"][1:]}
            for r in rows
        ]

    assert strip(theirs) == strip(mine)

    def deliveries(parents):
        return [
            Delivery(
                notification=n,
                channel=channel,
                address=f"{n.pk}@example.com" if channel == NotificationChannel.EMAIL else "",
                status=DeliveryStatus.PENDING
                if channel == NotificationChannel.EMAIL
                else DeliveryStatus.SKIPPED,
            )
            for n in parents
            for channel in (NotificationChannel.EMAIL, NotificationChannel.SMS)
        ]

    d_theirs = Delivery.objects.bulk_create(deliveries(django_notes))
    d_ours = bulk.insert(Delivery, deliveries(ours))
    assert [d.notification_id for d in d_ours] == [n.pk for n in ours for _c in range(2)]
    theirs = _rows(Delivery, [d.pk for d in d_theirs])
    mine = _rows(Delivery, [d.pk for d in d_ours])
    assert len(mine) == len(theirs) == 8
    for a, b in zip(theirs, mine, strict=True):
        assert {**a, "notification_id": 0, "address": a["address"] and "x", "key": 0} == {
            **b,
            "notification_id": 0,
            "address": b["address"] and "x",
            "key": 0,
        }
    assert [r["notification_id"] for r in mine] == [n.pk for n in ours for _c in range(2)]
    # Each row keeps its own object's idempotency key (a UUID: COPY's general path on PostgreSQL).
    assert [r["key"] for r in mine] == [d.key for d in d_ours] and len({d.key for d in d_ours}) == 8
    assert [r["address"] for r in mine] == [d.address for d in d_ours]


def test_escalation_logs_ignore_conflicts_like_bulk_create(svc):
    task = new_task(svc)
    due = timezone.now() - datetime.timedelta(hours=1)

    def logs(clock):
        return [
            EscalationLog(
                task=task,
                clock=clock,
                due_at=due if level != 2 else None,
                level=level,
                target=EscalationTarget.ACCEPTOR if level % 2 else "supervisor",
                user=svc.acceptor if level != 3 else None,
            )
            for level in (1, 2, 3)
        ]

    EscalationLog.objects.bulk_create(logs("reply"), ignore_conflicts=True)
    bulk.insert(EscalationLog, logs("answer"), ignore_conflicts=True)
    rows = list(EscalationLog.objects.filter(task=task).order_by("level", "clock").values())
    assert len(rows) == 6
    for a, b in zip(rows[::2], rows[1::2], strict=True):
        assert a["clock"] == "answer" and b["clock"] == "reply"
        assert {k: v for k, v in a.items() if k not in {"id", "at", "clock"}} == {
            k: v for k, v in b.items() if k not in {"id", "at", "clock"}
        }
        assert a["at"] is not None
    # A second insert of the same steps (due_at set) is skipped, not an error.
    bulk.insert(EscalationLog, logs("answer"), ignore_conflicts=True)
    assert EscalationLog.objects.filter(task=task, due_at__isnull=False).count() == 4


def test_empty_and_saved_objects(svc):
    assert bulk.insert(TaskEvent, []) == []
    task = new_task(svc)
    event = TaskEvent.objects.create(task=task, action="x")
    from django.db import connection

    if connection.vendor == "postgresql":
        with pytest.raises(ValueError):
            bulk.insert(TaskEvent, [event])


def test_insert_rows_writes_what_bulk_create_writes(svc):
    task = new_task(svc)
    due = timezone.now() - datetime.timedelta(hours=2)
    events = [
        {"task_id": task.pk, "action": "escalate", "from_status": "a", "to_status": "b", "note": "升级 \\ '"},
        {
            "task_id": task.pk,
            "action": "x",
            "data": {"level": 2, "user": None},
            "at": due,
        },  # at: auto_now_add
    ]
    theirs = TaskEvent.objects.bulk_create([TaskEvent(**row) for row in events])
    before = set(TaskEvent.objects.values_list("pk", flat=True))
    bulk.insert_rows(TaskEvent, events)
    mine = TaskEvent.objects.exclude(pk__in=before).order_by("pk")
    assert _rows(TaskEvent, [e.pk for e in theirs]) == _rows(TaskEvent, [e.pk for e in mine])
    assert len(mine) == 2

    logs = [
        {
            "task_id": task.pk,
            "clock": "reply",
            "due_at": due,
            "level": 1,
            "target": EscalationTarget.ACCEPTOR,
        },
        {"task_id": task.pk, "due_at": due, "level": 2, "target": "supervisor", "user_id": svc.acceptor.pk},
    ]
    EscalationLog.objects.bulk_create([EscalationLog(**row) for row in logs], ignore_conflicts=True)
    theirs = list(EscalationLog.objects.order_by("pk").values())
    bulk.insert_rows(EscalationLog, logs, ignore_conflicts=True)  # the same steps: nothing new
    assert list(EscalationLog.objects.order_by("pk").values()) == theirs
    bulk.insert_rows(
        EscalationLog, [{**row, "level": row["level"] + 10} for row in logs], ignore_conflicts=True
    )
    mine = list(EscalationLog.objects.order_by("pk").values())[2:]
    assert [{**r, "level": r["level"] - 10} for r in _strip(mine)] == _strip(theirs)
    with pytest.raises(TypeError):
        bulk.insert_rows(TaskEvent, [{"task_id": task.pk, "nope": 1}])


def _strip(rows):
    return [{k: v for k, v in r.items() if k not in STAMPED} for r in rows]

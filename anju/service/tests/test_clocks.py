"""One clock table (anju.tasks.clocks.CLOCKS): the SQL sweep, the in-memory checks of the escalation
pass, the next-deadline rule and the workbench's overdue count all agree, status by status."""

import datetime

import pytest
from django.utils import timezone

from anju.service import selectors
from anju.service.tests.conftest import new_task
from anju.tasks import sla, workflow
from anju.tasks.choices import TaskStatus
from anju.tasks.clocks import CLOCKS
from anju.tasks.models import Task

pytestmark = pytest.mark.django_db

RUNS = {
    "pending_assignment": {"answer", "process"},
    "pending_reply": {"reply", "answer", "process"},
    "discussing": {"answer", "process"},
    "implementing": {"process"},
    "completed": set(),
    "closed": set(),
    "voided": set(),
    "invalid": set(),
}


def test_the_table_says_which_clock_runs_in_which_status():
    assert {s: {c.name for c in CLOCKS.running(s)} for s in TaskStatus.values} == RUNS


def test_sweep_memory_and_workbench_agree_in_every_status(svc):
    """A task in every status with the reply and answer deadlines passed and the processing deadline
    ahead: each place that asks "which clock runs here?" gives the table's answer."""
    now = timezone.now()
    past, ahead = now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=1)
    tasks = {}
    for status in TaskStatus.values:
        task = new_task(svc, responsible_kind="person", responsible_user=svc.engineer1)
        Task.objects.filter(pk=task.pk).update(
            status=status, reply_due=past, answer_due=past, process_due=ahead, escalation_level=0
        )
        tasks[status] = Task.objects.get(pk=task.pk)
    overdue = {s: RUNS[s] - {"process"} for s in TaskStatus.values}
    # In memory: the escalation pass's flags, the next deadline, the overdue clock.
    assert {s: set(sla._due_flags(t, now)) for s, t in tasks.items()} == overdue
    assert {s: workflow.next_deadline(t) for s, t in tasks.items()} == {
        s: past if overdue[s] else ahead if RUNS[s] else None for s in TaskStatus.values
    }
    assert {s: (workflow.overdue_clock(t, now) or ("",))[0] for s, t in tasks.items()} == {
        "pending_assignment": "answer",
        "pending_reply": "reply",
        "discussing": "answer",
        "implementing": "",
        "completed": "",
        "closed": "",
        "voided": "",
        "invalid": "",
    }
    # The workbench's overdue count (SQL): the three open tasks with a running clock past due.
    stats, _rows = selectors.my_tasks(svc.engineer1, now=now)
    assert (stats["open"], stats["overdue"]) == (4, 3)
    # The sweep's UPDATEs (SQL) mark exactly the same flags.
    assert sla.mark_timeouts(now) == {"reply": 1, "answer": 3, "process": 0}
    for status, task in tasks.items():
        task.refresh_from_db()
        flags = {name for name in ("reply", "answer", "process") if getattr(task, f"{name}_timeout")}
        assert flags == overdue[status], status

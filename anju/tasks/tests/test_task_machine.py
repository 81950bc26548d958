"""The task workflow on the core state machine: its transitions are core Transitions, the row is
locked by the machine, and every status change writes its TaskEvent."""

import pytest

from anju.core import statemachine
from anju.core.services import ConflictError
from anju.core.testing import race
from anju.service import services
from anju.service.tests.conftest import new_task
from anju.tasks import workflow
from anju.tasks.models import Task, TaskEvent


def test_the_task_table_is_a_core_table():
    void = workflow.STANDARD_TRANSITIONS["void"]
    assert isinstance(void, statemachine.Transition)
    assert void.note_required and "acceptor" in void.roles and "implementing" in void.sources


@pytest.mark.django_db
def test_every_status_change_writes_its_event(svc):
    task = new_task(svc)
    steps = [
        (svc.engineer1, "reply", ""),
        (svc.engineer1, "answer", ""),
        (svc.engineer1, "complete", ""),
        (svc.acceptor, "reopen", "客户不满意"),
    ]
    expected = []
    for actor, action, note in steps:
        before = task.status
        task = services.task_transition(actor=actor, task=task, action=action, note=note)
        expected.append((action, before, task.status, actor.pk, note))
    machine = workflow.machine_of(task)
    assert machine.event_model is TaskEvent and set(machine.transitions) >= {"reply", "reopen"}
    events = TaskEvent.objects.filter(task=task, action__in=[a for _u, a, _n in steps]).order_by("pk")
    assert [(e.action, e.from_status, e.to_status, e.actor_id, e.note) for e in events] == expected
    assert [e[2] for e in expected] == ["discussing", "implementing", "completed", "discussing"]


@pytest.mark.django_db(transaction=True)
def test_conflicting_task_actions_race_one_wins(svc):
    task = new_task(svc)
    seen = Task.objects.get(pk=task.pk)
    outcomes = race(
        lambda: (
            services.task_transition(
                actor=svc.engineer1, task=seen, action="reply", expected_version=seen.version
            ).status
        ),
        lambda: (
            services.task_transition(
                actor=svc.acceptor, task=seen, action="void", note="重复登记", expected_version=seen.version
            ).status
        ),
    )
    winners = [o for o in outcomes if not isinstance(o, Exception)]
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1 and len(losers) == 1 and isinstance(losers[0], ConflictError), outcomes
    final = Task.objects.get(pk=task.pk)
    assert final.version == seen.version + 1
    assert TaskEvent.objects.filter(task=task).exclude(action__in=("create", "assign")).count() == 1

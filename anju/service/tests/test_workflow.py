import itertools

import pytest
from django.core.exceptions import PermissionDenied

from anju.core.services import ConflictError, ServiceValidationError
from anju.service import services
from anju.service.choices import ReceptionStatus, TaskStatus
from anju.service.tests.conftest import new_reception, new_task
from anju.tasks import workflow
from anju.tasks.models import Task, TaskEvent

pytestmark = pytest.mark.django_db

ROLES = ("acceptor", "responsible", "supervisor", "other")
EXPECTED_ROLES = {
    "assign": {"acceptor", "supervisor"},
    "reassign": {"acceptor", "supervisor"},
    "reply": {"responsible"},
    "answer": {"acceptor", "responsible"},
    "complete": {"acceptor", "responsible"},
    "close": {"acceptor", "supervisor"},
    "void": {"acceptor", "supervisor"},
    "invalidate": {"acceptor", "supervisor"},
    "reopen": {"acceptor", "supervisor"},
}


def _user(svc, role):
    return {
        "acceptor": svc.acceptor,
        "responsible": svc.engineer1,
        "supervisor": svc.supervisor,
        "other": svc.engineer2,
    }[role]


def test_transition_table_every_state_action_role(svc):
    reception = new_reception(svc)
    base = new_task(svc, reception=reception, responsible_kind="person", responsible_user=svc.engineer1)
    outcomes = {}
    for status, action, role in itertools.product(TaskStatus.values, workflow.TRANSITIONS, ROLES):
        Task.objects.filter(pk=base.pk).update(status=status, version=1)
        services.Callback.objects.filter(task=base).delete()
        task = Task.objects.get(pk=base.pk)
        spec = workflow.TRANSITIONS[action]
        kwargs = {"note": "理由"}
        if action in ("assign", "reassign"):
            kwargs["assignment"] = {"kind": "person", "user": svc.engineer1}
        try:
            result = services.task_transition(
                actor=_user(svc, role), task=task, action=action, expected_version=1, **kwargs
            )
        except ConflictError:
            outcome = "conflict"
        except PermissionDenied:
            outcome = "denied"
        else:
            outcome = "ok"
            assert result.status == (spec.target or status)
            event = TaskEvent.objects.filter(task=task, action=action).latest("pk")
            assert (event.action, event.from_status, event.to_status) == (action, status, result.status)
        if status not in spec.sources:
            expected = "conflict"
        elif role in EXPECTED_ROLES[action]:
            expected = "ok"
        else:
            expected = "denied"
        outcomes[(status, action, role)] = (outcome, expected)
    wrong = {k: v for k, v in outcomes.items() if v[0] != v[1]}
    assert not wrong
    assert len(outcomes) == 8 * 9 * 4


def test_reasons_and_unknown_actions_are_400(svc):
    task = new_task(svc)
    with pytest.raises(ServiceValidationError) as exc:
        services.task_transition(actor=svc.acceptor, task=task, action="void", note=" ")
    assert "note" in exc.value.errors
    with pytest.raises(ServiceValidationError):
        services.task_transition(actor=svc.acceptor, task=task, action="teleport")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.PENDING_REPLY


def test_stale_version_is_a_conflict_and_nothing_changes(svc):
    task = new_task(svc)
    services.task_transition(actor=svc.engineer1, task=task, action="reply", expected_version=task.version)
    with pytest.raises(ConflictError):
        services.task_transition(
            actor=svc.acceptor, task=task, action="void", note="重复", expected_version=task.version
        )
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DISCUSSING


def test_contractor_task_is_driven_by_the_acceptor(svc):
    from anju.service.models import Contractor, ContractorScope

    contractor = Contractor.objects.create(company=svc.world.company_a, code="C1", name="中建八局")
    ContractorScope.objects.create(
        contractor=contractor, project=svc.project, category=svc.problem.part.parent
    )
    task = new_task(svc)
    assert task.responsible_kind == "contractor" and task.responsible_contractor == contractor
    task = services.task_transition(actor=svc.acceptor, task=task, action="reply")
    assert task.status == TaskStatus.DISCUSSING


def test_the_building_scope_wins_over_the_project_wide_one(svc):
    from anju.service.models import Contractor, ContractorScope
    from anju.service.services import propose_responsible

    wide = Contractor.objects.create(company=svc.world.company_a, code="C1", name="总包")
    local = Contractor.objects.create(company=svc.world.company_a, code="C2", name="1栋分包")
    category = svc.problem.part.parent
    ContractorScope.objects.create(contractor=wide, project=svc.project, category=category)
    ContractorScope.objects.create(
        contractor=local, project=svc.project, building=svc.building, category=category
    )
    company = svc.world.company_a
    assert propose_responsible(problem=svc.problem, room=svc.room, accepting_company=company) == {
        "kind": "contractor",
        "contractor": local,
    }
    assert propose_responsible(problem=svc.problem, room=svc.public_room, accepting_company=company) == {
        "kind": "contractor",
        "contractor": wide,
    }


def test_reception_status_is_derived_from_its_tasks(svc):
    reception = new_reception(svc)
    assert reception.status == ReceptionStatus.PENDING
    t1, t2 = services.reception_decompose(
        actor=svc.acceptor,
        reception=reception,
        tasks=[
            {
                "task_type": "complaint",
                "problem": svc.problem,
                "accepting_company": svc.world.company_a,
                "acceptor": svc.acceptor,
            },
            {"task_type": "consultation", "accepting_company": svc.world.company_a, "acceptor": svc.acceptor},
        ],
    )
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.DECOMPOSED
    assert t2.status == TaskStatus.PENDING_ASSIGNMENT  # no problem: nobody on duty
    for action in ("reply", "answer", "complete"):
        t1 = services.task_transition(actor=svc.engineer1, task=t1, action=action)
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.DECOMPOSED  # t2 still open
    services.task_transition(actor=svc.acceptor, task=t2, action="void", note="重复登记")
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.CONFIRMING  # t1 completed, awaiting confirmation
    callback = t1.callbacks.get()
    services.callback_record(
        actor=svc.acceptor, callback=callback, method="phone", person_reached="业主", satisfaction=5, nps=10
    )
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.CLOSED
    t1.refresh_from_db()
    assert t1.status == TaskStatus.CLOSED


def test_decompose_errors_name_the_task_and_write_nothing(svc):
    reception = new_reception(svc)
    with pytest.raises(ServiceValidationError) as exc:
        services.reception_decompose(
            actor=svc.acceptor,
            reception=reception,
            tasks=[
                {
                    "task_type": "complaint",
                    "problem": svc.problem,
                    "accepting_company": svc.world.company_a,
                    "acceptor": svc.acceptor,
                },
                {"task_type": "repair", "accepting_company": svc.world.company_a, "acceptor": svc.acceptor},
            ],
        )
    assert "tasks[1].problem" in exc.value.errors
    # @service is atomic: the first task was rolled back with the second's refusal.
    assert not Task.objects.filter(reception=reception).exists()
    reception.refresh_from_db()
    assert reception.status == ReceptionStatus.PENDING


def test_auto_assignment_by_workload(svc):
    first = new_task(svc)
    second = new_task(svc)
    third = new_task(svc)
    assert first.responsible_user == svc.engineer1
    assert second.responsible_user == svc.engineer2  # fewest open tasks
    assert third.responsible_user == svc.engineer1
    assert {first.responsible_department, second.responsible_department} == {svc.eng}


def test_manual_assignment_and_no_auto(svc):
    task = new_task(svc, auto_assign=False)
    assert task.status == TaskStatus.PENDING_ASSIGNMENT and task.reply_due is None
    task = services.task_transition(
        actor=svc.acceptor,
        task=task,
        action="assign",
        assignment={"kind": "department", "department": svc.eng},
    )
    assert task.status == TaskStatus.PENDING_REPLY and task.reply_due is not None
    # A member of the responsible department may reply.
    task = services.task_transition(actor=svc.engineer2, task=task, action="reply")
    assert task.status == TaskStatus.DISCUSSING


def test_reopen_keeps_the_history_and_restarts_processing(svc):
    task = new_task(svc)
    for action in ("reply", "answer", "complete"):
        task = services.task_transition(actor=svc.engineer1, task=task, action=action)
    services.Callback.objects.filter(task=task).update(status="waived")
    task = services.task_transition(actor=svc.acceptor, task=task, action="close")
    assert task.closed_at is not None
    with pytest.raises(ServiceValidationError):
        services.task_transition(actor=svc.acceptor, task=task, action="reopen", note="")
    task = services.task_transition(actor=svc.acceptor, task=task, action="reopen", note="业主反映仍空鼓")
    assert task.status == TaskStatus.DISCUSSING and task.closed_at is None and task.completed_at is None
    actions = list(task.events.values_list("action", flat=True))
    assert actions == [
        "create",
        "assign",
        "reply",
        "answer",
        "complete",
        "callback_queued",
        "close",
        "reopen",
    ]

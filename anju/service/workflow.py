"""The task state machine: the only place a task's (and a reception's) status changes.

Every transition locks the task row (select_for_update), checks the optimistic version and the
source state, applies the clock bookkeeping, writes a TaskEvent and an operation-log row, and
refreshes the reception's derived status — all in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.services import ConflictError, ServiceValidationError
from anju.org.access import has_point
from anju.service import calendar, counters
from anju.service.choices import (
    OPEN_STATUSES,
    CallbackStatus,
    Channel,
    ReceptionStatus,
    ResponsibleKind,
    TaskStatus,
)
from anju.tasks.clocks import CLOCKS

S = TaskStatus

# Who may act: the task's 受理人, its 责任人 (person, or member of the responsible department),
# a supervisor (permission point service.task.manage) and the system (escalation, callbacks).
ACCEPTOR, RESPONSIBLE, SUPERVISOR, SYSTEM = "acceptor", "responsible", "supervisor", "system"
ROLE_LABELS = {
    ACCEPTOR: gettext_lazy("Acceptor"),
    RESPONSIBLE: gettext_lazy("Responsible person"),
    SUPERVISOR: gettext_lazy("Supervisor"),
    SYSTEM: gettext_lazy("System (automatic)"),
}


@dataclass(frozen=True)
class Transition:
    action: str
    label: object
    sources: tuple[str, ...]
    target: str | None  # None: the status stays (reassignment)
    roles: frozenset[str]
    note_required: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "assign",
            gettext_lazy("Assign"),
            (S.PENDING_ASSIGNMENT,),
            S.PENDING_REPLY,
            frozenset({ACCEPTOR, SUPERVISOR, SYSTEM}),
        ),
        Transition(
            "reassign",
            gettext_lazy("Reassign"),
            (S.PENDING_REPLY, S.DISCUSSING, S.IMPLEMENTING),
            None,
            frozenset({ACCEPTOR, SUPERVISOR}),
            note_required=True,
        ),
        Transition(
            "reply", gettext_lazy("Reply"), (S.PENDING_REPLY,), S.DISCUSSING, frozenset({RESPONSIBLE})
        ),
        Transition(
            "answer",
            gettext_lazy("Agree solution and answer the customer"),
            (S.DISCUSSING,),
            S.IMPLEMENTING,
            frozenset({ACCEPTOR, RESPONSIBLE}),
        ),
        Transition(
            "complete",
            gettext_lazy("Complete"),
            (S.IMPLEMENTING,),
            S.COMPLETED,
            frozenset({RESPONSIBLE, ACCEPTOR}),
        ),
        Transition(
            "close",
            gettext_lazy("Close"),
            (S.COMPLETED,),
            S.CLOSED,
            frozenset({ACCEPTOR, SUPERVISOR, SYSTEM}),
        ),
        Transition(
            "void",
            gettext_lazy("Void"),
            OPEN_STATUSES,
            S.VOIDED,
            frozenset({ACCEPTOR, SUPERVISOR}),
            note_required=True,
        ),
        Transition(
            "invalidate",
            gettext_lazy("Invalid demand"),
            OPEN_STATUSES,
            S.INVALID,
            frozenset({ACCEPTOR, SUPERVISOR}),
            note_required=True,
        ),
        Transition(
            "reopen",
            gettext_lazy("Reopen"),
            (S.COMPLETED, S.CLOSED),
            S.DISCUSSING,
            frozenset({ACCEPTOR, SUPERVISOR, SYSTEM}),
            note_required=True,
        ),
    )
}


def roles_of(user, task) -> set[str]:
    if user is None:
        return {SYSTEM}
    roles: set[str] = set()
    if task.acceptor_id == user.pk:
        roles.add(ACCEPTOR)
    if task.responsible_user_id == user.pk or (
        task.responsible_user_id is None
        and task.responsible_kind == ResponsibleKind.DEPARTMENT
        and task.responsible_department_id
        and task.responsible_department_id == user.department_id
    ):
        roles.add(RESPONSIBLE)
    if task.responsible_kind == ResponsibleKind.CONTRACTOR and ACCEPTOR in roles:
        roles.add(RESPONSIBLE)  # the acceptor relays the contractor's reply and completion
    if has_point(user, "service.task.manage"):
        roles.add(SUPERVISOR)
    return roles


def callback_pending(task) -> bool:
    """A task cannot be closed while its callback waits to be recorded or waived."""
    from anju.service.models import Callback

    return Callback.objects.filter(task=task, status=CallbackStatus.PENDING).exists()


def allowed_actions(user, task) -> list[Transition]:
    roles = roles_of(user, task)
    actions = [t for t in TRANSITIONS.values() if task.status in t.sources and roles & t.roles]
    if any(t.action == "close" for t in actions) and callback_pending(task):
        actions = [t for t in actions if t.action != "close"]
    return actions


def _clock_fields(task, now) -> None:
    """Timeouts: a clock that stops after its deadline is recorded as timed out (tasks.clocks)."""
    CLOCKS.stop(task, now)


def next_deadline(task):
    """The earliest deadline of a clock still running (drives the escalation sweep)."""
    dues = [due for _name, due in CLOCKS.dues(task, pending_only=True)]
    return min(dues) if dues else None


def overdue_clock(task, now) -> tuple[str, object] | None:
    """The running clock (reply, answer, process) past its deadline with the earliest deadline, as
    (name, due); None when every running clock is still in time (the escalation ladder's subject)."""
    overdue = [clock for clock in CLOCKS.dues(task) if clock[1] <= now]
    return min(overdue, key=lambda clock: clock[1]) if overdue else None


def add_event(task, action, *, actor, from_status="", to_status="", note="", data=None):
    from anju.tasks.models import TaskEvent

    return TaskEvent.objects.create(
        task=task,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
        data=data or {},
    )


def transition(
    *,
    actor,
    task,
    action: str,
    note: str = "",
    expected_version: int | None = None,
    assignment: dict | None = None,
    now=None,
    as_system: bool = False,
    created_here: bool = False,
):
    """Apply one action to a task. Returns (task, event). Raises ServiceValidationError (400),
    PermissionDenied (403) or ConflictError (409: someone else acted first).

    `created_here`: the caller inserted this task in the current transaction (task_create's
    automatic assignment). No other transaction can see or lock an uncommitted row, so the instance
    is used as it is instead of being locked and read again."""
    # The counters move at the end, after the task and reception row locks: every writer takes
    # its locks in the order task → reception → counter rows, so counters never deadlock them.
    with counters.collect():
        return _transition(
            actor=actor,
            task=task,
            action=action,
            note=note,
            expected_version=expected_version,
            assignment=assignment,
            now=now,
            as_system=as_system,
            created_here=created_here,
        )


def _transition(*, actor, task, action, note, expected_version, assignment, now, as_system, created_here):
    from anju.tasks.models import Task

    spec = TRANSITIONS.get(action)
    if spec is None:
        raise ServiceValidationError({"action": _("Unknown action.")})
    note = (note or "").strip()
    if spec.note_required and not note:
        raise ServiceValidationError({"note": _("Give a reason for this action.")})
    current = task if created_here else Task.objects.select_for_update().get(pk=task.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(
            _("Task %(code)s was changed by someone else (now: %(status)s). Reload and try again.")
            % {"code": current.code, "status": current.get_status_display()}
        )
    if current.status not in spec.sources:
        raise ConflictError(
            _("Task %(code)s is now “%(status)s”: “%(action)s” no longer applies. Reload and try again.")
            % {"code": current.code, "status": current.get_status_display(), "action": spec.label}
        )
    roles = {SYSTEM} if as_system else roles_of(actor, current)
    if not (roles & spec.roles):
        raise PermissionDenied(_("You may not “%(action)s” this task.") % {"action": spec.label})
    now = now or timezone.now()
    before = audit.snapshot(current)
    counted_before = counters.task_state(current)
    from_status = current.status
    data = {}
    if action in ("assign", "reassign"):
        data = _apply_assignment(current, assignment or {})
        if action == "assign":
            current.assigned_at = now
            if current.problem_id:
                p = current.problem
                current.reply_due = calendar.add_limit(
                    now, p.reply_limit, p.limit_unit, current.accepting_company_id
                )
    if spec.target is not None:
        current.status = spec.target
    _clock_fields(current, now)
    if action == "close":
        current.closed_at = now
    if action == "reopen":
        current.completed_at = None
        current.closed_at = None
        if current.problem_id:
            p = current.problem
            current.process_due = calendar.add_limit(
                now, p.process_limit, p.limit_unit, current.accepting_company_id
            )
    if current.status in OPEN_STATUSES:
        due = next_deadline(current)
        if current.escalation_level and overdue_clock(current, now) is None:
            # The overdue clock that was escalated stopped: the ladder restarts on the next deadline.
            current.escalation_level = 0
        if current.escalation_level == 0 or action == "reopen":
            current.next_escalation_at = due
    else:
        current.next_escalation_at = None
    current.version += 1
    current.save()
    counters.task_changed(counted_before, counters.task_state(current))
    event = add_event(
        current, action, actor=actor, from_status=from_status, to_status=current.status, note=note, data=data
    )
    audit.log_action(
        actor=actor,
        action=LogAction.TRANSITION,
        instance=current,
        before=before,
        after=audit.snapshot(current),
        company_id=current.accepting_company_id,
        note=f"{action}: {note}"[:1000],
    )
    if current.reception_id and from_status != current.status:
        refresh_reception(current.reception_id, actor=actor)
    return current, event


def _check_assignment_company(task, *, user, dept, contractor) -> None:
    """The responsible party works for the accepting company (or a unit below it); a contractor is
    the accepting company's or the project's own. Compared by materialised path: the instances at
    hand (the accepting company is cached on the creation path) need no subtree query."""
    from anju.org.access import unit_within

    company = task.accepting_company
    errors = {}
    if dept is not None and not unit_within(dept, company):
        errors["responsible_department"] = _("This department is not part of the accepting company.")
    if user is not None and (user.department_id is None or not unit_within(user.department, company)):
        errors["responsible_user"] = _("This person does not work for the accepting company.")
    if (
        contractor is not None
        and contractor.company_id != task.project.company_id
        and not unit_within(contractor.company, company)
    ):
        errors["responsible_contractor"] = _("This contractor belongs to another company.")
    if errors:
        raise ServiceValidationError(errors)


def _apply_assignment(task, assignment: dict) -> dict:
    kind = assignment.get("kind")
    user, dept, contractor = (
        assignment.get("user"),
        assignment.get("department"),
        assignment.get("contractor"),
    )
    if kind == ResponsibleKind.PERSON and user is None:
        raise ServiceValidationError({"responsible_user": _("Choose the responsible person.")})
    if kind == ResponsibleKind.DEPARTMENT and dept is None:
        raise ServiceValidationError({"responsible_department": _("Choose the responsible department.")})
    if kind == ResponsibleKind.CONTRACTOR and contractor is None:
        raise ServiceValidationError({"responsible_contractor": _("Choose the responsible contractor.")})
    if kind not in ResponsibleKind.values:
        raise ServiceValidationError({"responsible_kind": _("Choose who is responsible.")})
    _check_assignment_company(task, user=user, dept=dept, contractor=contractor)
    task.responsible_kind = kind
    task.responsible_user = user
    task.responsible_department = (
        dept if kind == ResponsibleKind.DEPARTMENT else (dept or getattr(user, "department", None))
    )
    task.responsible_contractor = contractor if kind == ResponsibleKind.CONTRACTOR else None
    if "consultant" in assignment:
        task.consultant = assignment["consultant"]
    return {
        "kind": kind,
        "user": getattr(user, "pk", None),
        "department": getattr(task.responsible_department, "pk", None),
        "contractor": getattr(contractor, "pk", None),
        "responsible": task.responsible_display(),
    }


def reception_status_for(counts: dict) -> str:
    total = sum(counts.values())
    if total == 0:
        return ReceptionStatus.PENDING
    if any(counts.get(s, 0) for s in OPEN_STATUSES):
        return ReceptionStatus.DECOMPOSED
    if counts.get(S.COMPLETED, 0):
        return ReceptionStatus.CONFIRMING
    return ReceptionStatus.CLOSED


def refresh_reception(reception_id: int, *, actor=None) -> str:
    """Derive the reception's status from its tasks (conditional UPDATE: only when it changes, and
    then with an operation-log row naming the old and new status)."""
    from anju.service.models import Reception
    from anju.tasks.models import Task

    # Lock the reception so that two of its tasks changing at once serialise here.
    row = (
        Reception.objects.select_for_update()
        .filter(pk=reception_id)
        .values_list("status", "project_id", "channel", "created_by_id", "company_id", "code")
        .first()
    )
    counts = dict(
        Task.objects.filter(reception_id=reception_id)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    status = reception_status_for(counts)
    if row is None or row[0] == status:
        return status
    Reception.objects.filter(Q(pk=reception_id) & ~Q(status=status)).update(status=status)
    old, project_id, channel, created_by_id, company_id, code = row
    audit.log_action(
        actor=actor,
        action=LogAction.TRANSITION,
        model=Reception,
        object_id=reception_id,
        object_repr=code,
        company_id=company_id,
        before={"status": old},
        after={"status": status},
        note=_("reception status follows its tasks"),
    )
    if channel != Channel.WARRANTY_FORM:
        companies = list(
            Reception.accepting_companies.through.objects.filter(reception_id=reception_id).values_list(
                "orgunit_id", flat=True
            )
        )
        state = {
            "project_id": project_id,
            "channel": channel,
            "created_by_id": created_by_id,
            "company_ids": companies,
        }
        counters.reception_changed(
            counters.reception_state(status=old, **state), counters.reception_state(status=status, **state)
        )
    return status

"""The task state machine: the only place a task's status changes.

`open_task` saves a new task; `transition` applies one action. Both dispatch on the task's source
(anju.tasks.sources): its transition table (the standard one below unless it declares its own), its
deadline policy, whether the workbench counts it, whether it may be closed now, and its `on_event`
hook, called after every event row in the caller's transaction (the daily-complaint source refreshes
its reception and sends its notifications there).

Every transition locks the task row (select_for_update), checks the optimistic version and the
source state, applies the clock bookkeeping, writes a TaskEvent and an operation-log row.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, statemachine
from anju.core.choices import LogAction
from anju.core.services import ConflictError, ServiceValidationError
from anju.org.access import has_point
from anju.service import counters
from anju.tasks import sources
from anju.tasks.choices import OPEN_STATUSES, ResponsibleKind, TaskStatus
from anju.tasks.clocks import CLOCKS
from anju.tasks.models import Task, TaskEvent

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


@dataclass(frozen=True, init=False)
class Transition(statemachine.Transition):
    """A core Transition (anju.core.statemachine) with who may act (`roles`) and whether a reason is
    required; built positionally as (action, label, sources, target, roles)."""

    roles: frozenset[str] = frozenset()
    note_required: bool = False

    def __init__(self, action, label, sources, target, roles, note_required=False, point=None):
        super().__init__(action, sources, target, point, label)
        object.__setattr__(self, "roles", frozenset(roles))
        object.__setattr__(self, "note_required", note_required)


STANDARD_TRANSITIONS: dict[str, Transition] = {
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


# Timeline lines that are not transitions of a table: what the task page and the API show for them.
EVENT_LABELS = {
    "create": gettext_lazy("Created"),
    "escalate": gettext_lazy("Escalated"),
    "callback_queued": gettext_lazy("Callback queued"),
    "callback": gettext_lazy("Callback recorded"),
    "callback_waived": gettext_lazy("Callback waived"),
    "compensation": gettext_lazy("Compensation registered"),
    "topic": gettext_lazy("Complaint topic set"),
}


def event_label(task: Task, action: str) -> str:
    """The translated name of a timeline action: the task source's transition label, else the
    engine's own event label; an unknown code is shown as it is rather than hidden."""
    source = sources.find_source(task.source)
    transition = (source.get_transitions() if source else STANDARD_TRANSITIONS).get(action)
    if transition is not None:
        return str(transition.label)
    return str(EVENT_LABELS.get(action, action))


def status_label(status: str) -> str:
    return str(TaskStatus(status).label) if status in TaskStatus.values else status


def person_name(user) -> str:
    """People, not user names, in the timeline (陈静, not sz_agent); the system when nobody acted."""
    if user is None:
        return str(ROLE_LABELS[SYSTEM])
    return user.get_full_name().strip() or user.get_username()


def timeline(task: Task, events=None) -> list[TaskEvent]:
    """The task's events with `action_label`, `from_label`, `to_label` and `actor_name` set."""
    rows = list(events if events is not None else task.events.select_related("actor"))
    for event in rows:
        event.action_label = event_label(task, event.action)
        event.from_label = status_label(event.from_status) if event.from_status else ""
        event.to_label = status_label(event.to_status) if event.to_status else ""
        event.actor_name = person_name(event.actor)
    return rows


# Every action of the standard table (the API and admin forms list them; a source's own table uses
# the same names or adds its own).
TRANSITIONS = STANDARD_TRANSITIONS


def transitions_of(task) -> dict[str, Transition]:
    return sources.get_source(task.source).get_transitions()


_MACHINES: dict[str, statemachine.StateMachine] = {}


def machine_of(task) -> statemachine.StateMachine:
    """The StateMachine of the task's source (its transition table; events are TaskEvent rows)."""
    machine = _MACHINES.get(task.source)
    if machine is None:
        machine = _MACHINES[task.source] = statemachine.StateMachine(
            Task,
            field="status",
            event_model=TaskEvent,
            event_fk="task",
            transitions=transitions_of(task).values(),
        )
    return machine


# Events that change no status (a callback queued, a compensation, a topic) are recorded the same way.
_EVENTS = statemachine.StateMachine(Task, event_model=TaskEvent, event_fk="task", transitions=())


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


def allowed_actions(user, task) -> list[Transition]:
    roles = roles_of(user, task)
    actions = [t for t in transitions_of(task).values() if task.status in t.sources and roles & t.roles]
    if any(t.action == "close" for t in actions) and sources.get_source(task.source).close_blocked(task):
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
    return _EVENTS.record(
        task,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        note=note,
        data=data or {},
    )


def open_task(task, *, actor, now=None, assignment: dict | None = None, data: dict | None = None):
    """Save a new task (an unsaved Task whose `source` is registered) in the caller's transaction:
    its deadlines from the source's policy (clocks the caller set are kept), its code, the counters,
    a `create` event and an operation-log row; then the source's `on_event`, and the assignment when
    one is given. Returns the task."""

    source = sources.get_source(task.source)
    now = now or timezone.now()
    if task.created_at is None:
        task.created_at = now
    for clock in ("answer", "process"):
        if getattr(task, f"{clock}_due") is None:
            setattr(task, f"{clock}_due", source.deadline(task, clock, now))
    task.next_escalation_at = next_deadline(task)
    if not task.code:  # provisional and unique until the id is known
        import secrets

        task.code = f"{source.code_prefix}{timezone.localtime(now):%y%m%d}-{secrets.token_hex(6).upper()}"
    with counters.collect():
        task.save()
        # From the id; the assignment's UPDATE below writes it when there is one.
        task.code = f"{source.code_prefix}{task.pk:08d}"
        if assignment is None:
            Task.objects.filter(pk=task.pk).update(code=task.code)
        counters.task_changed(None, counters.task_state(task))
        event = add_event(
            task, "create", actor=actor, to_status=task.status, data={"source": task.source, **(data or {})}
        )
        audit.log_action(
            actor=actor,
            action=LogAction.CREATE,
            instance=task,
            after=audit.snapshot(task),
            company_id=task.accepting_company_id,
        )
        source.on_event(task, event, actor=actor)
        if assignment is not None:
            task, _event = transition(
                actor=actor,
                task=task,
                action="assign",
                assignment=assignment,
                now=now,
                as_system=True,
                created_here=True,
            )
    return task


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

    source = sources.get_source(task.source)
    machine = machine_of(task)
    spec = machine.transitions.get(action)
    if spec is None:
        raise ServiceValidationError({"action": _("Unknown action.")})
    if action == "close" and (reason := source.close_blocked(task)):
        raise ServiceValidationError({"action": reason})
    note = (note or "").strip()
    if spec.note_required and not note:
        raise ServiceValidationError({"note": _("Give a reason for this action.")})
    current = task if created_here else machine.lock(task)
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
            due = source.deadline(current, "reply", now)
            if due is not None:
                current.reply_due = due
    if spec.target is not None:
        current.status = spec.target
    _clock_fields(current, now)
    if action == "close":
        current.closed_at = now
    if action == "reopen":
        current.completed_at = None
        current.closed_at = None
        due = source.deadline(current, "process", now)
        if due is not None:
            current.process_due = due
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
    event = machine.record(
        current,
        action=action,
        from_status=from_status,
        to_status=current.status,
        actor=actor,
        note=note,
        data=data,
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
    source.on_event(current, event, actor=actor)
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

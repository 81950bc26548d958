"""The SLA sweep (every minute): mark timeouts, then climb each overdue task's escalation ladder.

Both steps are conditional UPDATEs keyed on the old value, so a second run — or two workers at
once — finds nothing left to do and sends nothing twice (EscalationLog and the notifications'
dedupe keys are unique as a last line of defence).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import bulk
from anju.service import counters, notifications
from anju.service.choices import OPEN_STATUSES, EscalationTarget
from anju.tasks import calendar
from anju.tasks.clocks import CLOCKS


@dataclass(frozen=True)
class Step:
    level: int
    target: str
    after_hours: int


DEFAULT_LADDER = (
    Step(1, EscalationTarget.RESPONSIBLE, 0),
    Step(2, EscalationTarget.ACCEPTOR, 4),
    Step(3, EscalationTarget.SUPERVISOR, 8),
    Step(4, EscalationTarget.PROJECT_HEAD, 24),
)


def ladder(company_id: int) -> tuple[Step, ...]:
    from anju.org.access import ancestor_ids
    from anju.tasks.models import EscalationStep

    chain = ancestor_ids(company_id)
    rows = list(
        EscalationStep.objects.filter(company_id__in=chain).values_list(
            "company_id", "level", "target", "after_hours"
        )
    )
    for unit_id in reversed(chain):
        steps = sorted((Step(lv, t, h) for cid, lv, t, h in rows if cid == unit_id), key=lambda s: s.level)
        if steps:
            return tuple(steps)
    return DEFAULT_LADDER


_COUNTED = (
    "source",
    "reception_id",
    "accepting_company_id",
    "project_id",
    "status",
    "created_at",
    "responsible_department_id",
    "responsible_user_id",
    "acceptor_id",
    "reply_timeout",
    "answer_timeout",
    "process_timeout",
)


def _mark(flag: str, filters: dict, chunk: int = 5000) -> int:
    """Set one timeout flag on the matching tasks and move them in the workbench counters, in one
    transaction: lock and read the rows, UPDATE them by id (still conditional), add the counts."""
    from types import SimpleNamespace

    from anju.tasks.models import Task

    with transaction.atomic():
        rows = list(
            Task.objects.select_for_update(skip_locked=True)
            .filter(**filters, **{flag: False})
            .order_by()
            .values("pk", *_COUNTED)
        )
        if not rows:
            return 0
        done = 0
        for start in range(0, len(rows), chunk):
            ids = [r["pk"] for r in rows[start : start + chunk]]
            done += Task.objects.filter(pk__in=ids, **{flag: False}).update(**{flag: True})
        pairs = []
        for row in rows:
            before = SimpleNamespace(**row)
            state = counters.task_state(before)
            if state is not None:
                setattr(before, flag, True)
                pairs.append((state, counters.task_state(before)))
        counters.tasks_changed(pairs)
        clock = {"reply_timeout": _("reply"), "answer_timeout": _("answer to the customer")}.get(
            flag, _("processing")
        )
        _log_batch(
            _("Timeouts marked (%(clock)s): %(count)s tasks") % {"clock": clock, "count": done}, {flag: done}
        )
        return done


def _log_batch(note: str, after: dict) -> None:
    """One operation-log row per committed batch, in the batch's own transaction: a sweep killed
    half-way leaves a record of exactly the work that was committed."""
    from anju.core import audit
    from anju.core.choices import LogAction
    from anju.tasks.models import Task

    audit.log_action(
        actor=None, action=LogAction.OTHER, model=Task, object_repr=_("SLA sweep"), note=note, after=after
    )


def mark_timeouts(now) -> dict:
    return {
        clock.name: _mark(clock.timeout, {"status__in": sorted(clock.runs_in), f"{clock.due}__lt": now})
        for clock in CLOCKS
    }


def _recipient(task, target):
    if target == EscalationTarget.RESPONSIBLE:
        if task.responsible_user_id:
            return task.responsible_user
        if task.responsible_department_id:
            return task.responsible_department.manager
        return task.acceptor  # a contractor: the acceptor chases it
    if target == EscalationTarget.ACCEPTOR:
        return task.acceptor
    if target == EscalationTarget.SUPERVISOR:
        dept = task.acceptor.department
        return dept.manager if dept else None
    if target == EscalationTarget.PROJECT_HEAD:
        return task.project.company.manager
    return None


def _clocks(task, memo: dict | None = None) -> str:
    key = (task.reply_timeout, task.answer_timeout, task.process_timeout)
    if memo is not None and key in memo:
        return memo[key]
    text = _clock_names(task)
    if memo is not None:
        memo[key] = text
    return text


def _clock_names(task) -> str:
    names = []
    if task.reply_timeout:
        names.append(_("reply"))
    if task.answer_timeout:
        names.append(_("answer to the customer"))
    if task.process_timeout:
        names.append(_("processing"))
    return "、".join(str(n) for n in names) or _("deadline")


_PERSON = ("username", "first_name", "last_name", "email", "mobile")
_RELATED = (
    "acceptor__department__manager",
    "responsible_user",
    "responsible_department__manager",
    "responsible_contractor",
    "project__company__manager",
    "room",
)
_ONLY = (
    "code",
    "source",
    "reception",
    "created_at",
    "reply_due",
    "answer_due",
    "process_due",
    "status",
    "escalation_level",
    "next_escalation_at",
    "accepting_company_id",
    "responsible_kind",
    "reply_timeout",
    "answer_timeout",
    "process_timeout",
    "room__code",
    "project__name",
    "project__company__name",
    "responsible_department__name",
    "responsible_contractor__name",
    "acceptor__department__name",
    *(f"{who}__{f}" for who in ("acceptor", "responsible_user") for f in _PERSON),
    *(
        f"{who}__manager__{f}"
        for who in ("acceptor__department", "responsible_department", "project__company")
        for f in _PERSON
    ),
)

# The people, departments and projects of a batch repeat: loaded once each (prefetch_related, one
# query per relation) and shared by the tasks, instead of one instance per task and join
# (select_related). The room is the task's own: joined.
_SHARED = tuple(r for r in _RELATED if r != "room")
_TASK_ONLY = (
    *(f for f in _ONLY if "__" not in f),
    "room__code",
    *(r.split("__")[0] for r in _SHARED),
)


def _due_flags(task, now) -> list[str]:
    """The timeout flags mark_timeouts would set on this task now (same table, tasks.clocks)."""
    return [
        clock.name
        for clock in CLOCKS.running(task.status)
        if not getattr(task, clock.timeout) and getattr(task, clock.due) and getattr(task, clock.due) < now
    ]


def escalate(now, batch: int = 2000, marked: dict | None = None) -> int:
    """One pass over tasks whose next escalation is due; returns the number of steps done.

    The timeouts of a task escalated here are marked in the same UPDATE (one new row version instead
    of two); `marked` counts them per clock."""
    from anju.tasks.models import EscalationLog, Task, TaskEvent
    from anju.tasks.workflow import next_deadline, overdue_clock

    marked = marked if marked is not None else {"reply": 0, "answer": 0, "process": 0}
    done = 0
    later: dict = {}  # (start, minutes, company) -> next escalation time; deadlines repeat a lot
    clock_names: dict = {}
    while True:
        with transaction.atomic():
            # Lock a batch of ids (skip_locked: a second worker takes the next batch), then load
            # just the columns the ladder and the message need.
            ids = list(
                Task.objects.select_for_update(skip_locked=True)
                .filter(status__in=OPEN_STATUSES, next_escalation_at__lte=now)
                .order_by("next_escalation_at")
                .values_list("pk", flat=True)[:batch]
            )
            rows = list(
                Task.objects.filter(pk__in=ids)
                .select_related("room")
                .prefetch_related(*_SHARED)
                .only(*_TASK_ONLY)
                .order_by("next_escalation_at")
            )
            if not rows:
                return done
            ladders: dict[int, tuple[Step, ...]] = {}
            memo: dict = {}
            logs, events, items, updates, counted = [], [], [], [], []
            batch_marked = {"reply": 0, "answer": 0, "process": 0}
            for task in rows:
                flags = _due_flags(task, now)
                if flags:
                    before = counters.task_state(task)
                    for flag in flags:
                        setattr(task, CLOCKS[flag].timeout, True)
                        marked[flag] += 1
                        batch_marked[flag] += 1
                    counted.append((before, counters.task_state(task)))
                clock = overdue_clock(task, now)
                if clock is None:
                    # No running clock is past its deadline (the escalated one stopped): no step; the
                    # ladder restarts on the next deadline.
                    task.escalation_level = 0
                    task.next_escalation_at = next_deadline(task)
                    updates.append(task)
                    continue
                if task.accepting_company_id not in ladders:
                    ladders[task.accepting_company_id] = ladder(task.accepting_company_id)
                steps = ladders[task.accepting_company_id]
                level = task.escalation_level
                step = next((s for s in steps if s.level > level), None)
                if step is None:
                    task.next_escalation_at = None
                    updates.append(task)
                    continue
                base = task.next_escalation_at if level == 0 else None
                recipient = _recipient(task, step.target)
                user_id = getattr(recipient, "pk", None)
                # Rows by column (bulk.insert_rows: no model instances for these write-only rows).
                logs.append(
                    {
                        "task_id": task.pk,
                        "clock": clock[0],
                        "due_at": clock[1],
                        "level": step.level,
                        "target": step.target,
                        "user_id": user_id,
                    }
                )
                events.append(
                    {
                        "task_id": task.pk,
                        "action": "escalate",
                        "from_status": task.status,
                        "to_status": task.status,
                        "note": str(EscalationTarget(step.target).label),
                        "data": {"level": step.level, "user": user_id},
                    }
                )
                if recipient is not None:
                    items.append(
                        notifications.prepare(
                            recipient=recipient,
                            template="task_escalated",
                            context={"task": task, "level": step.level, "clocks": _clocks(task, clock_names)},
                            task=task,
                            dedupe_key=f"escalate:{task.pk}:{clock[0]}:{int(clock[1].timestamp())}:{step.level}",
                            memo=memo,
                        )
                    )
                following = next((s for s in steps if s.level > step.level), None)
                task.escalation_level = step.level
                if following is None:
                    task.next_escalation_at = None
                else:
                    start = base or task.next_escalation_at
                    minutes = max(following.after_hours - step.after_hours, 0) * 60
                    key = (start, minutes, task.accepting_company_id)
                    if key not in later:
                        later[key] = calendar.add_working_minutes(start, minutes, task.accepting_company_id)
                    task.next_escalation_at = later[key]
                updates.append(task)
            # Conditional by construction: the rows are locked and re-read inside this transaction.
            bulk.insert_rows(EscalationLog, logs, ignore_conflicts=True)
            bulk.insert_rows(TaskEvent, events)
            bulk.update(
                Task,
                updates,
                [
                    "escalation_level",
                    "next_escalation_at",
                    "reply_timeout",
                    "answer_timeout",
                    "process_timeout",
                ],
            )
            counters.tasks_changed(counted)
            notifications.save_batch(items)
            _log_batch(
                _(
                    "SLA sweep batch: %(tasks)s tasks, escalation steps: %(steps)s; timeouts marked: %(marked)s"
                )
                % {"tasks": len(rows), "steps": len(logs), "marked": batch_marked},
                {"tasks": len(rows), "escalations": len(logs), "timeouts": batch_marked},
            )
            done += len(logs)
            if len(rows) < batch:
                return done


def sweep(now=None) -> dict:
    now = now or timezone.now()
    marked = {"reply": 0, "answer": 0, "process": 0}
    with calendar.memoized():
        steps = escalate(now, marked=marked)
    # Timeouts of the tasks not escalated now (a later rung, or no ladder step left). Every batch
    # above and every flag here wrote its own operation-log row in its own transaction.
    for clock, n in mark_timeouts(now).items():
        marked[clock] += n
    return {**marked, "escalations": steps}

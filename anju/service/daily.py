"""The daily complaint (日常投诉) as a task source: tasks born of a reception.

Its tasks follow the engine's standard transitions and the standard deadline policy (the limits of
the task's standard problem). On its events it keeps the reception's derived status and sends the
customer-service notifications; a completed task gets a callback by type (complaints 100 %, repairs
a sample), and a task may not be closed while its callback is pending. The workbench counts the
daily-complaint tasks that were born of a reception.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.service.choices import CallbackStatus, Channel, ReceptionStatus, TaskType
from anju.tasks.choices import OPEN_STATUSES, TaskStatus
from anju.tasks.sources import TaskSource

S = TaskStatus


class DailySource(TaskSource):
    key = "daily"
    label = gettext_lazy("Daily complaint")
    counted = True

    def __init__(self, key: str | None = None, label=None, *, counted: bool | None = None):
        if key is not None:
            self.key = key
        if label is not None:
            self.label = label
        if counted is not None:
            self.counted = counted

    def counts(self, task) -> bool:
        return self.counted and task.reception_id is not None

    def counted_filter(self) -> Q:
        return Q(reception_id__isnull=False)

    def on_event(self, task, event, *, actor) -> None:
        from anju.service import notifications, services

        if event.action != "create" and task.reception_id and event.from_status != event.to_status:
            refresh_reception(task.reception_id, actor=actor)
        if event.action in ("assign", "reassign"):
            services.notify_assigned(task)
        elif event.action == "complete":
            notifications.notify(
                recipient=task.acceptor, template="task_completed", context={"task": task}, task=task
            )
            services.schedule_callback(task)
        elif event.action == "reopen" and task.responsible_user_id:
            notifications.notify(
                recipient=task.responsible_user,
                template="task_reopened",
                context={"task": task, "note": event.note},
                task=task,
            )

    def close_blocked(self, task) -> str | None:
        if callback_pending(task):
            return _("A callback is pending for this task: record or waive it first.")
        return None

    def callback_percent(self, task) -> int:
        from anju.system.parameters import get_parameter

        key = {
            TaskType.COMPLAINT: "service.callback.complaint_percent",
            TaskType.REPAIR: "service.callback.repair_percent",
        }.get(task.task_type, "service.callback.other_percent")
        return int(get_parameter(task.accepting_company_id, key))


def callback_pending(task) -> bool:
    """A task cannot be closed while its callback waits to be recorded or waived."""
    from anju.service.models import Callback

    return Callback.objects.filter(task=task, status=CallbackStatus.PENDING).exists()


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
    from anju.core import audit
    from anju.core.choices import LogAction
    from anju.service import counters
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

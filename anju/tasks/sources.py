"""The task-source registry: who may open tasks, and how the engine treats each source's tasks.

A task source is a kind of work that becomes tasks (日常投诉 born of a reception, a mock inspection's
problems, a delivery complaint, …). The context that owns it subclasses `TaskSource` and registers
an instance from its `task_sources.py` (autodiscovered when the task engine starts):

    class InspectionSource(TaskSource):
        key = "inspection"
        label = _("Mock inspection")
        counted = True                      # the workbench counts its tasks

        def limits(self, task):             # deadline policy (default: the task's Problem)
            return Limits(reply=2, answer=8, process=40, unit=LimitUnit.WORKING_HOUR)

        def on_event(self, task, event, *, actor):
            if event.action == "complete":  # learns it without polling
                InspectionItem.objects.filter(task=task).update(done=True)

    register_source(InspectionSource())

The source's own model holds a real foreign key to its tasks (`models.ForeignKey("tasks.Task", …)`).
The engine (`anju.tasks.workflow`, `anju.tasks.sla`, the workbench counters) asks the registry and
never names a source.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db.models import Q


class Limits(NamedTuple):
    """A deadline policy's answer: the three clocks' limits, counted in `unit` (a LimitUnit)."""

    reply: int | None
    answer: int | None
    process: int | None
    unit: str


class TaskSource:
    """Base class of a task source. Every hook has the standard behaviour; override what differs."""

    key: str = ""
    label = ""
    code_prefix = "RW"  # task codes: prefix + zero-padded id
    transitions: dict | None = None  # action → workflow.Transition; None: the standard table
    counted = False  # the workbench counters and widgets count this source's tasks

    # --- lifecycle -------------------------------------------------------------------------------
    def get_transitions(self) -> dict:
        from anju.tasks.workflow import STANDARD_TRANSITIONS

        return self.transitions if self.transitions is not None else STANDARD_TRANSITIONS

    def on_event(self, task, event, *, actor) -> None:
        """Called in the writer's transaction after every event the engine writes for a task of this
        source (`create` and each transition: assign, reply, answer, complete, close, reopen, …).
        `event` is the TaskEvent row (action, from_status, to_status, note, data)."""

    def close_blocked(self, task) -> str | None:
        """A reason the task may not be closed now (shown to the user), or None."""
        return None

    # --- deadlines ---------------------------------------------------------------------------------
    def limits(self, task) -> Limits | None:
        """The limits of the task's clocks; the standard policy reads the task's standard problem."""
        p = task.problem if task.problem_id else None
        if p is None:
            return None
        return Limits(p.reply_limit, p.answer_limit, p.process_limit, p.limit_unit)

    def deadline(self, task, clock: str, start):
        """When `clock` (reply, answer, process) started at `start` runs out, or None (no deadline)."""
        limits = self.limits(task)
        limit = getattr(limits, clock, None) if limits is not None else None
        if limit is None:
            return None
        from anju.tasks import calendar

        return calendar.add_limit(start, limit, limits.unit, task.accepting_company_id)

    # --- workbench counters ------------------------------------------------------------------------
    def counts(self, task) -> bool:
        """Whether the workbench counts this task (`task` may be a row of values, by attribute)."""
        return self.counted

    def counted_filter(self) -> Q:
        """The same rule as a queryset filter, within this source's tasks (an empty Q: all of them)."""
        return Q()

    # --- callbacks (回访) ----------------------------------------------------------------------------
    def callback_percent(self, task) -> int:
        """The share of completed tasks that get a callback (0: none, 100: all)."""
        return 0

    def __repr__(self):
        return f"<TaskSource {self.key}>"


_SOURCES: dict[str, TaskSource] = {}


def register_source(source: TaskSource | type[TaskSource]) -> TaskSource:
    """Register (or replace: the owning context wins) a task source; returns the instance."""
    if isinstance(source, type):
        source = source()
    if not source.key or len(source.key) > 20:
        raise ValueError(f"A task source needs a key of 1 to 20 characters: {source!r}")
    _SOURCES[source.key] = source
    return source


def unregister_source(key: str) -> None:
    _SOURCES.pop(key, None)


def find_source(key: str) -> TaskSource | None:
    return _SOURCES.get(key)


def get_source(key: str) -> TaskSource:
    try:
        return _SOURCES[key]
    except KeyError:
        raise LookupError(f"Unknown task source {key!r}") from None


def all_sources() -> list[TaskSource]:
    return list(_SOURCES.values())


def choices() -> list[tuple[str, object]]:
    """The registered sources as field choices (Task.source takes this callable)."""
    return [(s.key, s.label) for s in _SOURCES.values()]


def counts(task) -> bool:
    source = _SOURCES.get(task.source)
    return source is not None and source.counts(task)


def counted_filter() -> Q:
    """Tasks the workbench counts: the sources that say so, each with its own rule (an empty
    registry of counted sources matches nothing)."""
    q = Q(pk__in=[])
    for source in _SOURCES.values():
        if source.counted:
            q |= Q(source=source.key) & source.counted_filter()
    return q


def autodiscover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("task_sources")

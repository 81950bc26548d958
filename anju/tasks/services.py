"""The task engine's writes that any source's tasks share (the service context's task API adds
attachments; a source opens its tasks with `workflow.open_task` from its own service)."""

from __future__ import annotations

from anju.core.services import service
from anju.tasks import workflow


@service
def task_act(*, actor, task, action: str, note: str = "", expected_version=None, assignment=None, now=None):
    """One action of the task's transition table (its source's `on_event` does the side effects)."""
    task, _event = workflow.transition(
        actor=actor,
        task=task,
        action=action,
        note=note,
        expected_version=expected_version,
        assignment=assignment,
        now=now,
    )
    return task

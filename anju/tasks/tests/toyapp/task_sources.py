"""The toy source: its own transitions (no reply / answer steps), fixed deadlines, counted on the
workbench, no callbacks; it learns its task's events through on_event."""

from anju.tasks.choices import OPEN_STATUSES, LimitUnit, TaskStatus
from anju.tasks.sources import Limits, TaskSource, register_source
from anju.tasks.workflow import ACCEPTOR, RESPONSIBLE, STANDARD_TRANSITIONS, SUPERVISOR, SYSTEM, Transition

S = TaskStatus


class ToySource(TaskSource):
    key = "toy"
    label = "Toy inspection"
    code_prefix = "TY"
    counted = True
    transitions = {
        "assign": STANDARD_TRANSITIONS["assign"],
        # Straight from 待回复 to 已完成: this source has no reply or answer step.
        "complete": Transition(
            "complete", "Fix", (S.PENDING_REPLY,), S.COMPLETED, frozenset({RESPONSIBLE, ACCEPTOR})
        ),
        "close": STANDARD_TRANSITIONS["close"],
        "reopen": Transition(
            "reopen",
            "Reopen",
            (S.COMPLETED, S.CLOSED),
            S.PENDING_REPLY,
            frozenset({ACCEPTOR, SUPERVISOR, SYSTEM}),
        ),
        "void": Transition(
            "void", "Void", OPEN_STATUSES, S.VOIDED, frozenset({ACCEPTOR}), note_required=True
        ),
    }

    def limits(self, task):
        return Limits(reply=1, answer=None, process=3, unit=LimitUnit.WORKING_HOUR)

    def on_event(self, task, event, *, actor):
        from anju.tasks.tests.toyapp.models import Finding

        finding = Finding.objects.filter(task=task).first()
        if finding is None:  # the create event comes before the finding row is saved
            return
        finding.events = [*finding.events, event.action]
        finding.done = event.to_status in (S.COMPLETED, S.CLOSED)
        finding.save(update_fields=["events", "done"])


register_source(ToySource())

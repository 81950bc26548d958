"""The status workflows of callbacks (回访: pending → done | waived) and compensation approvals
(赔偿审批: pending → approved | rejected): the only place their status changes. Every change writes a
CallbackEvent / CompensationEvent through anju.core.statemachine."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from anju.core.statemachine import StateMachine, Transition
from anju.service.choices import ApprovalStatus, CallbackStatus
from anju.service.models import Callback, CallbackEvent, Compensation, CompensationEvent

CALLBACKS = StateMachine(
    Callback,
    field="status",
    event_model=CallbackEvent,
    event_fk="callback",
    transitions=(
        Transition("record", (CallbackStatus.PENDING,), CallbackStatus.DONE, label=_("Record the callback")),
        Transition("waive", (CallbackStatus.PENDING,), CallbackStatus.WAIVED, label=_("Waive the callback")),
    ),
)

COMPENSATIONS = StateMachine(
    Compensation,
    field="status",
    event_model=CompensationEvent,
    event_fk="compensation",
    transitions=(
        Transition("approve", (ApprovalStatus.PENDING,), ApprovalStatus.APPROVED, label=_("Approve")),
        Transition("reject", (ApprovalStatus.PENDING,), ApprovalStatus.REJECTED, label=_("Reject")),
    ),
)

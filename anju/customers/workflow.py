"""Status transitions of rename requests (客户更名单): pending → approved | rejected, nothing else.
Each decision writes a RenameEvent (anju.core.statemachine)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.statemachine import StateMachine, Transition
from anju.customers.choices import RenameStatus
from anju.customers.models import RenameEvent, RenameRequest

APPROVE_POINT = "customers.customer.approve"

MACHINE = StateMachine(
    RenameRequest,
    field="status",
    event_model=RenameEvent,
    event_fk="request",
    transitions=(
        Transition(
            "approve",
            (RenameStatus.PENDING,),
            RenameStatus.APPROVED,
            point=APPROVE_POINT,
            label=gettext_lazy("Approve"),
        ),
        Transition(
            "reject",
            (RenameStatus.PENDING,),
            RenameStatus.REJECTED,
            point=APPROVE_POINT,
            label=gettext_lazy("Reject"),
        ),
    ),
)


def decide_rename(*, actor, request: RenameRequest, approve: bool, note: str = "") -> RenameRequest:
    note = (note or "")[:300]
    updated = MACHINE.apply(
        request,
        "approve" if approve else "reject",
        actor=actor,
        note=note,
        changes={
            "decided_by": actor if getattr(actor, "is_authenticated", False) else None,
            "decided_at": timezone.now(),
            "decision_note": note,
        },
    )
    audit.log_action(
        actor=actor,
        action=LogAction.APPROVE if approve else LogAction.TRANSITION,
        instance=updated,
        before={"status": RenameStatus.PENDING},
        after={"status": updated.status},
        company_id=updated.customer.company_id,
        note=note,
    )
    return updated

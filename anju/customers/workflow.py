"""Status transitions of rename requests (客户更名单): pending → approved | rejected, nothing else."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.services import ConflictError
from anju.customers.choices import RenameStatus
from anju.customers.models import RenameRequest
from anju.system.choices import LogAction

TRANSITIONS = {RenameStatus.PENDING: {RenameStatus.APPROVED, RenameStatus.REJECTED}}


def decide_rename(*, actor, request: RenameRequest, approve: bool, note: str = "") -> RenameRequest:
    target = RenameStatus.APPROVED if approve else RenameStatus.REJECTED
    updated = RenameRequest.objects.filter(pk=request.pk, status=RenameStatus.PENDING).update(
        status=target,
        decided_by=actor if getattr(actor, "is_authenticated", False) else None,
        decided_at=timezone.now(),
        decision_note=(note or "")[:300],
        version=F("version") + 1,
    )
    if not updated:
        raise ConflictError(_("This rename request was already decided."))
    request.refresh_from_db()
    audit.log_action(
        actor=actor,
        action=LogAction.APPROVE if approve else LogAction.TRANSITION,
        instance=request,
        before={"status": RenameStatus.PENDING},
        after={"status": target},
        company_id=request.customer.company_id,
        note=note,
    )
    return request

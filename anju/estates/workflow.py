"""Room status transitions: the only place a room's status changes (000 §3.3.1).

Sales states come from the sales system (or an import) and move freely among themselves; any room may
be handed over (delivery/occupancy states, the customer ledger's move-in); once handed over a room
stays in the delivery/occupancy states. Virtual rooms are never for sale.
"""

from __future__ import annotations

from django.db.models import F
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.services import ConflictError, ServiceValidationError
from anju.estates.choices import OCCUPANCY_STATES, SALES_STATES, RoomStatus
from anju.estates.models import Room, RoomStatusChange
from anju.system.choices import LogAction

TRANSITIONS: dict[str, frozenset[str]] = {
    **{state: frozenset((SALES_STATES | OCCUPANCY_STATES) - {state}) for state in SALES_STATES},
    **{state: frozenset(OCCUPANCY_STATES - {state}) for state in OCCUPANCY_STATES},
}


def allowed_targets(room: Room) -> list[str]:
    targets = TRANSITIONS.get(room.status, frozenset())
    if room.is_virtual:
        targets = {t for t in targets if t not in SALES_STATES or t == RoomStatus.CONTROL}
    return [value for value in RoomStatus.values if value in targets]


def transition(*, actor, room: Room, status: str, note: str = "") -> Room:
    if status not in RoomStatus.values:
        raise ServiceValidationError({"status": _("Unknown room status “%(status)s”.") % {"status": status}})
    current = Room.objects.select_for_update().get(pk=room.pk)
    label = RoomStatus(status).label
    if current.status == status:
        raise ServiceValidationError(
            {"status": _("Room %(room)s is already “%(status)s”.") % {"room": current.code, "status": label}}
        )
    if status not in allowed_targets(current):
        if current.is_virtual and status in SALES_STATES:
            message = _("Room %(room)s is a virtual room and is never for sale.")
        else:
            message = _("Room %(room)s cannot go from “%(from)s” to “%(to)s”.")
        raise ServiceValidationError(
            {
                "status": message
                % {"room": current.code, "from": RoomStatus(current.status).label, "to": label}
            }
        )
    updated = Room.objects.filter(pk=current.pk, status=current.status).update(
        status=status, version=F("version") + 1
    )
    if not updated:
        raise ConflictError(_("Room %(room)s changed status meanwhile; reload.") % {"room": current.code})
    RoomStatusChange.objects.create(
        room=current,
        from_status=current.status,
        to_status=status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:200],
    )
    audit.log_action(
        actor=actor,
        action=LogAction.TRANSITION,
        instance=current,
        before={"status": current.status},
        after={"status": status},
        note=note,
        company_id=current.project.company_id,
    )
    room.refresh_from_db()
    return room

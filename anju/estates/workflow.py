"""Room status transitions: the only place a room's status changes (000 §3.3.1).

Sales states come from the sales system (or an import) and move freely among themselves; any room may
be handed over (delivery/occupancy states, the customer ledger's move-in); once handed over a room
stays in the delivery/occupancy states. Virtual rooms are never for sale.

The table is an `anju.core.statemachine.StateMachine` with one action per target status (the action
is the status moved to); every change writes a RoomStatusChange.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.services import ServiceValidationError
from anju.core.statemachine import StateMachine, Transition
from anju.estates.choices import OCCUPANCY_STATES, SALES_STATES, RoomStatus
from anju.estates.models import Room, RoomStatusChange


def _sources(target: str) -> frozenset[str]:
    if target in SALES_STATES:
        return frozenset(SALES_STATES - {target})
    return frozenset((SALES_STATES | OCCUPANCY_STATES) - {target})


MACHINE = StateMachine(
    Room,
    field="status",
    event_model=RoomStatusChange,
    event_fk="room",
    transitions=[Transition(s.value, _sources(s), s.value, label=s.label) for s in RoomStatus],
)


def allowed_targets(room: Room) -> list[str]:
    targets = MACHINE.targets(room.status)
    if room.is_virtual:
        targets = {t for t in targets if t not in SALES_STATES or t == RoomStatus.CONTROL}
    return [value for value in RoomStatus.values if value in targets]


def transition(*, actor, room: Room, status: str, note: str = "") -> Room:
    if status not in RoomStatus.values:
        raise ServiceValidationError({"status": _("Unknown room status “%(status)s”.") % {"status": status}})
    current = MACHINE.lock(room)
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
    updated = MACHINE.apply(current, status, actor=actor, note=note)
    audit.log_action(
        actor=actor,
        action=LogAction.TRANSITION,
        instance=updated,
        before={"status": current.status},
        after={"status": status},
        note=note,
        company_id=updated.project.company_id,
    )
    room.refresh_from_db()
    return room

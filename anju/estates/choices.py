from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectStatus(models.TextChoices):
    PLANNING = "planning", _("Planning")
    CONSTRUCTION = "construction", _("Under construction")
    SELLING = "selling", _("On sale")
    DELIVERING = "delivering", _("Delivering")
    DELIVERED = "delivered", _("Delivered")
    CLOSED = "closed", _("Closed")


class ShareAccess(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class RoomStatus(models.TextChoices):
    """Sales states (from the sales system) then delivery/occupancy states (customer service)."""

    CONTROL = "control", _("Sales control")
    FOR_SALE = "for_sale", _("For sale")
    RESERVED = "reserved", _("Reserved")
    DEPOSIT = "deposit", _("Small deposit")
    SUBSCRIBED = "subscribed", _("Subscribed")
    SIGNED = "signed", _("Signed")
    DELIVERED = "delivered", _("Delivered")
    OCCUPIED = "occupied", _("Occupied")
    DECORATED = "decorated", _("Decorated")
    RENTED = "rented", _("Rented")
    VACANT = "vacant", _("Vacant")


# 000 §3.3.1: rooms in these states cannot be edited at all.
SALES_LOCKED = frozenset(
    {RoomStatus.FOR_SALE, RoomStatus.RESERVED, RoomStatus.DEPOSIT, RoomStatus.SUBSCRIBED, RoomStatus.SIGNED}
)
SALES_STATES = frozenset({RoomStatus.CONTROL, *SALES_LOCKED})
OCCUPANCY_STATES = frozenset(
    {RoomStatus.DELIVERED, RoomStatus.OCCUPIED, RoomStatus.DECORATED, RoomStatus.RENTED, RoomStatus.VACANT}
)
# Counted as sold in sales counts (virtual rooms are never counted).
SOLD_STATES = frozenset({RoomStatus.SUBSCRIBED, RoomStatus.SIGNED, *OCCUPANCY_STATES})


class NumberingRule(models.TextChoices):
    FLOOR_NUMBER = "floor_number", _("Floor + number")
    UNIT_ACROSS = "unit_across", _("Floor + sequence (across the unit)")
    UNIT_DOWN = "unit_down", _("Floor + sequence (down the units)")
    BUILDING_ACROSS = "building_across", _("Floor + sequence (across the building)")


class TeamRole(models.TextChoices):
    ADMIN = "admin", _("Team administrator")
    MEMBER = "member", _("Team member")


class ImportStatus(models.TextChoices):
    REFUSED = "refused", _("Refused (nothing imported)")
    PARTIAL = "partial", _("Valid rows imported")
    DONE = "done", _("Imported")


class ImportOutcome(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    WARNING = "warning", _("Imported with warning")
    ERROR = "error", _("Error")
    SKIPPED = "skipped", _("Not imported")

"""The state-machine primitive (anju.core.statemachine), exercised on rooms with a small table."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from anju.core.services import ConflictError, ServiceValidationError
from anju.core.statemachine import Clock, ClockTable, StateMachine, Transition
from anju.core.testing import make_project, make_role, make_user, race
from anju.estates.models import Room, RoomStatusChange

MACHINE = StateMachine(
    Room,
    field="status",
    event_model=RoomStatusChange,
    event_fk="room",
    transitions=[
        Transition("offer", ["control"], "for_sale", label="Offer"),
        Transition("reserve", ["for_sale"], "reserved", point="estates.room.change"),
        Transition("withdraw", ["for_sale", "reserved"], "control"),
        Transition("touch", ["control", "for_sale"], None),
    ],
)


@pytest.fixture
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def room(world):
    project = make_project(world.company_a)
    return Room.objects.create(project=project, code="A-101", is_virtual=True, status="control")


def apply(*args, **kwargs):
    with transaction.atomic():
        return MACHINE.apply(*args, **kwargs)


@pytest.mark.django_db
class TestStateMachine:
    def test_legal_move_writes_status_version_and_event(self, world, room):
        row = apply(room, "offer", actor=world.user_a, note="开盘")
        assert row.status == "for_sale" and row.version == room.version + 1
        assert room.status == "control"  # the caller's copy is left alone
        stored = Room.objects.get(pk=room.pk)
        assert (stored.status, stored.version) == ("for_sale", room.version + 1)
        event = RoomStatusChange.objects.get(room=room)
        assert (event.from_status, event.to_status, event.actor, event.note) == (
            "control",
            "for_sale",
            world.user_a,
            "开盘",
        )
        assert row.status_event == event

    def test_a_pk_is_enough_and_a_move_may_keep_the_status(self, world, room):
        row = apply(room.pk, "touch", actor=None)
        assert row.status == "control"
        event = RoomStatusChange.objects.get(room=room)
        assert (event.from_status, event.to_status, event.actor) == ("control", "control", None)

    def test_illegal_move_names_the_status_field_and_writes_nothing(self, world, room, english):
        with pytest.raises(ServiceValidationError) as exc:
            apply(room, "reserve", actor=world.user_a)
        assert list(exc.value.errors) == ["status"]
        assert "“Sales control”" in str(exc.value) and "not possible" in str(exc.value)
        assert Room.objects.get(pk=room.pk).status == "control"
        assert not RoomStatusChange.objects.exists()

    def test_refusal_is_translated(self, world, room):
        from django.utils import translation

        with translation.override("zh-hans"), pytest.raises(ServiceValidationError) as exc:
            apply(room, "reserve", actor=world.user_a)
        assert "销控" in str(exc.value) and "不能" in str(exc.value)

    def test_unknown_action(self, world, room):
        with pytest.raises(ServiceValidationError) as exc:
            apply(room, "demolish", actor=world.user_a)
        assert list(exc.value.errors) == ["action"]

    def test_stale_copy_is_a_conflict(self, world, room):
        apply(room, "offer", actor=world.user_a)
        # `room` still says control: "offer" was legal from what the caller saw; the row moved since.
        with pytest.raises(ConflictError):
            apply(room, "offer", actor=world.user_a)
        with pytest.raises(ConflictError):
            apply(room, "touch", actor=world.user_a, expected_version=room.version)
        assert RoomStatusChange.objects.count() == 1

    def test_point_is_checked_for_users_not_for_the_system(self, world, room):
        clerk = make_user(world.dept_a, [make_role(world.company_a, points=["estates.room.view"])])
        apply(room, "offer", actor=clerk)
        with pytest.raises(PermissionDenied):
            apply(room.pk, "reserve", actor=clerk)
        assert [t.action for t in MACHINE.available(Room.objects.get(pk=room.pk), clerk)] == [
            "withdraw",
            "touch",
        ]
        assert apply(room.pk, "reserve", actor=None).status == "reserved"

    def test_changes_travel_with_the_status(self, world, room):
        row = apply(room, "offer", actor=world.user_a, changes={"view": "江景"})
        assert Room.objects.get(pk=room.pk).view == "江景" == row.view

    def test_table_queries(self):
        assert MACHINE.can("for_sale", "withdraw") and not MACHINE.can("control", "withdraw")
        assert MACHINE.targets("for_sale") == {"reserved", "control"}
        with pytest.raises(ValueError, match="twice"):
            StateMachine(
                Room,
                event_model=RoomStatusChange,
                event_fk="room",
                transitions=[Transition("a", ["control"], "x"), Transition("a", ["x"], "y")],
            )


@pytest.mark.django_db(transaction=True)
def test_race_exactly_one_conflicting_move_wins(world, room):
    """Two transactions apply conflicting moves to the same row at once (a real lock wait on
    PostgreSQL): one wins, the other is refused, and one event row is written."""
    seen = Room.objects.get(pk=room.pk)
    seen_again = Room.objects.get(pk=room.pk)
    apply(seen, "offer", actor=world.user_a)
    seen = Room.objects.get(pk=room.pk)
    seen_again = Room.objects.get(pk=room.pk)
    outcomes = race(
        lambda: apply(seen, "reserve", actor=None).status,
        lambda: apply(seen_again, "withdraw", actor=None).status,
    )
    winners = [o for o in outcomes if isinstance(o, str)]
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert isinstance(losers[0], ConflictError)
    final = Room.objects.get(pk=room.pk)
    assert final.status == winners[0] and final.version == seen.version + 1
    assert RoomStatusChange.objects.filter(room=room).count() == 2


class Row:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def test_clock_table():
    table = ClockTable(
        (
            Clock("reply", {"waiting"}, "reply_due", "reply_timeout", stops_at="talking", stamp="replied_at"),
            Clock("process", {"waiting", "talking"}, "process_due", "process_timeout"),
        )
    )
    assert [c.name for c in table.running("waiting")] == ["reply", "process"]
    assert [c.name for c in table.running("done")] == []
    assert table.runs("process", "talking") and not table.runs("reply", "talking")
    assert table.running_q("process").children == [("status__in", ["talking", "waiting"])]
    row = Row(status="waiting", reply_due=1, reply_timeout=True, process_due=5, process_timeout=False)
    assert table.dues(row) == [("reply", 1), ("process", 5)]
    assert table.dues(row, pending_only=True) == [("process", 5)]
    row = Row(status="talking", reply_due=1, reply_timeout=False, replied_at=None, process_due=5)
    assert table.stop(row, 3) == ["reply"] and row.replied_at == 3 and row.reply_timeout is True
    assert table.stop(row, 4) == []  # stamped once

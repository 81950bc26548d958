import contextlib
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.core.models import OperationLog
from anju.core.services import ConflictError, ServiceValidationError
from anju.core.testing import make_project, make_user
from anju.estates import hooks, services
from anju.estates.choices import RoomStatus
from anju.estates.grid import Cell, Grid
from anju.estates.models import Building, Room, RoomStatusChange
from anju.estates.selectors import sales_counts

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def room_at(building, row, col):
    return Room.objects.get(building=building, grid_row=row, grid_col=col, is_virtual=False)


def assert_consistent(building):
    building.refresh_from_db()
    cells = {
        r.pk: Cell(r.pk, r.grid_row, r.grid_col, r.row_span, r.col_span)
        for r in Room.objects.filter(building=building, is_virtual=False)
    }
    Grid(len(building.rows), [c["unit"] for c in building.columns], cells).check()


class TestWizard:
    def test_multi_unit_building_gets_codes_like_the_manual(self, world, project):
        b = services.building_create(actor=world.user_a, project=project, code="C3", name="C3栋")
        created = services.building_generate(actor=world.user_a, building=b, floors=5, households=[2])
        assert created == 10
        room = Room.objects.get(building=b, floor_no=3, grid_col=0)
        assert room.code == "君林-C3-0301" and room.number == "0301" and room.grid_row == 2
        b.refresh_from_db()
        assert b.floors == 5 and b.units == 1 and len(b.columns) == 2
        assert OperationLog.objects.filter(object_id=str(b.pk), note__contains="10").exists()

    def test_two_units_put_the_unit_in_the_code(self, world, project):
        b = services.building_create(actor=world.user_a, project=project, code="A1", name="A1栋")
        services.building_generate(actor=world.user_a, building=b, floors=2, households=[1, 2])
        assert set(Room.objects.filter(building=b, floor_no=2).values_list("code", flat=True)) == {
            "君林-A1-1-0201",
            "君林-A1-2-0201",
            "君林-A1-2-0202",
        }

    def test_blank_numbers_mean_no_room_and_edits_are_kept(self, world, building):
        numbers = [["0201", ""], ["0101", "0188"]]
        created = services.building_generate(
            actor=world.user_a, building=building, floors=2, households=[2], numbers=numbers
        )
        assert created == 3
        assert not Room.objects.filter(building=building, grid_row=0, grid_col=1).exists()
        assert room_at(building, 1, 1).number == "0188"

    def test_unit_type_per_column_brings_areas_and_standard(self, world, project, building):
        std = services.decoration_standard_create(actor=world.user_a, project=project, code="JZ", name="精装")
        ut = services.unit_type_create(
            actor=world.user_a,
            project=project,
            code="A",
            name="A户型",
            building_area=Decimal("89.50"),
            inner_area=Decimal("70.10"),
            decoration_standard=std,
        )
        services.building_generate(
            actor=world.user_a, building=building, floors=1, households=[2], unit_types=[ut.pk, None]
        )
        first, second = room_at(building, 0, 0), room_at(building, 0, 1)
        assert (first.building_area, first.inner_area, first.decoration_standard) == (
            Decimal("89.50"),
            Decimal("70.10"),
            std,
        )
        assert second.unit_type is None and second.building_area is None

    def test_villa_is_one_room(self, world, building):
        assert (
            services.building_generate(actor=world.user_a, building=building, villa=True, villa_number="8")
            == 1
        )
        building.refresh_from_db()
        assert building.is_villa and Room.objects.get(building=building).code == "君林-C3-8"

    def test_refusals(self, world, building):
        with pytest.raises(ServiceValidationError) as exc:
            services.building_generate(actor=world.user_a, building=building, floors=101, households=[1])
        assert "floors" in exc.value.errors
        with pytest.raises(ServiceValidationError) as exc:
            services.building_generate(actor=world.user_a, building=building, floors=1, households=[1] * 11)
        assert "households" in exc.value.errors
        with pytest.raises(ServiceValidationError) as exc:
            services.building_generate(
                actor=world.user_a, building=building, floors=1, households=[2], numbers=[["0101", "0101"]]
            )
        assert "occurs twice" in str(exc.value)
        services.building_generate(actor=world.user_a, building=building, floors=1, households=[1])
        with pytest.raises(ServiceValidationError, match="already has rooms"):
            services.building_generate(actor=world.user_a, building=building, floors=1, households=[1])


class TestGridOperations:
    def test_merge_right_keeps_the_selected_room(self, world, grid_building):
        left, right = room_at(grid_building, 0, 0), room_at(grid_building, 0, 1)
        merged = services.room_merge_right(actor=world.user_a, room=left)
        assert merged.pk == left.pk and merged.col_span == 2 and merged.code == left.code
        assert not Room.objects.filter(pk=right.pk).exists()
        assert_consistent(grid_building)

    def test_split_after_merge_down_gives_back_the_absorbed_room(self, world, grid_building):
        top = room_at(grid_building, 0, 2)
        below = room_at(grid_building, 1, 2)
        Room.objects.filter(pk=below.pk).update(building_area=Decimal("88.50"), orientation="南")
        services.room_merge_down(actor=world.user_a, room=top)
        services.room_split(actor=world.user_a, room=top)
        top.refresh_from_db()
        assert (top.grid_row, top.grid_col, top.row_span, top.col_span) == (0, 2, 1, 1)
        back = Room.objects.get(building=grid_building, grid_row=1, grid_col=2)
        assert (back.code, back.number, back.floor_no) == (below.code, below.number, below.floor_no)
        assert back.building_area == Decimal("88.50") and back.orientation == "南"
        assert Room.objects.filter(building=grid_building).count() == 9
        assert_consistent(grid_building)

    def test_split_after_nested_merges_gives_back_every_room(self, world, grid_building):
        codes = set(Room.objects.filter(building=grid_building).values_list("code", flat=True))
        corner = room_at(grid_building, 0, 0)
        services.room_merge_right(actor=world.user_a, room=room_at(grid_building, 1, 0))
        services.room_merge_right(actor=world.user_a, room=corner)
        services.room_merge_down(actor=world.user_a, room=corner)  # a 2×2 room holding a merged room
        services.room_insert_column(actor=world.user_a, room=room_at(grid_building, 2, 0))
        services.room_split(actor=world.user_a, room=corner)
        assert set(Room.objects.filter(building=grid_building).values_list("code", flat=True)) == codes
        assert_consistent(grid_building)

    def test_split_refuses_when_a_given_back_code_was_taken(self, world, grid_building):
        left, right = room_at(grid_building, 0, 0), room_at(grid_building, 0, 1)
        services.room_merge_right(actor=world.user_a, room=left)
        services.room_create_virtual(
            actor=world.user_a, project=grid_building.project, number="X", code=right.code
        )
        with pytest.raises(ServiceValidationError):
            services.room_split(actor=world.user_a, room=left)
        left.refresh_from_db()
        assert left.col_span == 2 and len(left.merged_rooms) == 1

    def test_only_sales_control_rooms_without_customers_change_shape(self, world, grid_building):
        left, right = room_at(grid_building, 0, 0), room_at(grid_building, 0, 1)
        services.room_set_status(actor=world.user_a, room=right, status=RoomStatus.SIGNED)
        with pytest.raises(ServiceValidationError, match="only rooms in sales control"):
            services.room_merge_right(actor=world.user_a, room=left)
        with pytest.raises(ServiceValidationError, match="only rooms in sales control"):
            services.room_delete(actor=world.user_a, room=right)
        third = room_at(grid_building, 1, 0)

        def checker(ids):
            return {third.pk} & set(ids)

        hooks.register_room_customer_checker(checker)
        try:
            with pytest.raises(ServiceValidationError, match="bound customer"):
                services.room_delete(actor=world.user_a, room=third)
            with pytest.raises(ServiceValidationError, match="bound customer"):
                services.room_merge_down(actor=world.user_a, room=left)
        finally:
            hooks.room_customer_checkers.remove(checker)
        assert Room.objects.filter(building=grid_building).count() == 9

    def test_insert_and_delete_column(self, world, grid_building):
        room = room_at(grid_building, 0, 0)
        assert services.room_insert_column(actor=world.user_a, room=room, number="01A") == 1
        grid_building.refresh_from_db()
        assert [c["number"] for c in grid_building.columns] == ["01", "01A", "02", "03"]
        assert room_at(grid_building, 0, 2).number == "0302"
        services.room_add_at(actor=world.user_a, building=grid_building, row=0, col=1, number="0301A")
        codes = services.room_delete_column(actor=world.user_a, room=room_at(grid_building, 0, 1))
        assert codes == ["君林-C3-0301A"]
        grid_building.refresh_from_db()
        assert len(grid_building.columns) == 3
        assert_consistent(grid_building)

    def test_delete_column_refused_while_it_holds_a_merged_room(self, world, grid_building):
        services.room_merge_down(actor=world.user_a, room=room_at(grid_building, 1, 1))
        with pytest.raises(ServiceValidationError, match="merged room"):
            services.room_delete_column(actor=world.user_a, room=room_at(grid_building, 0, 1))

    def test_copy_building_resets_status(self, world, project, grid_building):
        services.room_merge_right(actor=world.user_a, room=room_at(grid_building, 2, 0))
        services.room_set_status(actor=world.user_a, room=room_at(grid_building, 0, 0), status="signed")
        new = services.building_copy(actor=world.user_a, building=grid_building, code="C5", name="C5栋")
        rooms = Room.objects.filter(building=new)
        assert rooms.count() == 8
        assert set(rooms.values_list("status", flat=True)) == {"control"}
        assert rooms.get(grid_row=2, grid_col=0).col_span == 2
        assert rooms.filter(code="君林-C5-0301").exists()
        assert_consistent(new)

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        ops=st.lists(
            st.tuples(st.sampled_from(["right", "down", "split", "insert", "delcol"]), st.integers(0, 99)),
            max_size=6,
        )
    )
    def test_services_keep_the_stored_grid_consistent(self, world, project, ops):
        b = Building.objects.create(
            project=project, code=f"H{Building.objects.count()}", name=f"H{Building.objects.count()}"
        )
        services.building_generate(actor=world.user_a, building=b, floors=3, households=[2, 2])
        ops_map = {
            "right": services.room_merge_right,
            "down": services.room_merge_down,
            "split": services.room_split,
            "insert": services.room_insert_column,
            "delcol": services.room_delete_column,
        }
        for name, pick in ops:
            rooms = list(Room.objects.filter(building=b).order_by("pk"))
            if not rooms:
                break
            with contextlib.suppress(ServiceValidationError):
                ops_map[name](actor=world.user_a, room=rooms[pick % len(rooms)])
            assert_consistent(b)

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        ops=st.lists(
            st.tuples(st.sampled_from(["right", "down", "split", "insert"]), st.integers(0, 99)), max_size=8
        )
    )
    def test_splitting_every_merged_room_gives_back_the_generated_rooms(self, world, project, ops):
        b = Building.objects.create(
            project=project, code=f"P{Building.objects.count()}", name=f"P{Building.objects.count()}"
        )
        services.building_generate(actor=world.user_a, building=b, floors=3, households=[2, 2])
        generated = set(Room.objects.filter(building=b).values_list("code", "floor_no", "unit_no"))
        ops_map = {
            "right": services.room_merge_right,
            "down": services.room_merge_down,
            "split": services.room_split,
            "insert": services.room_insert_column,
        }
        for name, pick in ops:
            rooms = list(Room.objects.filter(building=b).order_by("pk"))
            with contextlib.suppress(ServiceValidationError):
                ops_map[name](actor=world.user_a, room=rooms[pick % len(rooms)])
        for room in Room.objects.filter(building=b).order_by("pk"):
            if room.row_span > 1 or room.col_span > 1:
                services.room_split(actor=world.user_a, room=room)
        assert set(Room.objects.filter(building=b).values_list("code", "floor_no", "unit_no")) == generated
        assert_consistent(b)


class TestRoomData:
    def test_unit_type_change_brings_its_areas(self, world, project, grid_building):
        ut = services.unit_type_create(
            actor=world.user_a, project=project, code="B", name="B户型", building_area=Decimal("120")
        )
        room = room_at(grid_building, 0, 0)
        room = services.room_update(actor=world.user_a, room=room, data={"unit_type": ut})
        assert room.building_area == Decimal("120.00") and room.version == 2
        services.unit_type_update(actor=world.user_a, unit_type=ut, data={"building_area": Decimal("121")})
        room.refresh_from_db()
        assert room.building_area == Decimal("121.00")

    def test_rooms_for_sale_to_signed_cannot_be_edited(self, world, grid_building):
        room = room_at(grid_building, 0, 0)
        services.room_set_status(actor=world.user_a, room=room, status=RoomStatus.FOR_SALE)
        with pytest.raises(ServiceValidationError, match="cannot be edited"):
            services.room_update(actor=world.user_a, room=room, data={"orientation": "南"})
        services.room_set_status(actor=world.user_a, room=room, status=RoomStatus.DELIVERED)
        services.room_update(actor=world.user_a, room=room, data={"orientation": "南"})
        with pytest.raises(ServiceValidationError, match="after hand-over"):
            services.room_update(actor=world.user_a, room=room, data={"number": "9"})

    def test_stale_version_is_a_conflict(self, world, grid_building):
        room = room_at(grid_building, 0, 0)
        services.room_update(actor=world.user_a, room=room, data={"view": "江景"})
        with pytest.raises(ConflictError):
            services.room_update(actor=world.user_a, room=room, data={"view": "园景"}, expected_version=1)

    def test_status_transitions_write_events(self, world, grid_building):
        room = room_at(grid_building, 0, 0)
        services.room_set_status(actor=world.user_a, room=room, status="signed", note="合同 001")
        services.room_set_status(actor=world.user_a, room=room, status="delivered")
        services.room_set_status(actor=world.user_a, room=room, status="occupied")
        events = RoomStatusChange.objects.filter(room=room).order_by("pk")
        assert [(e.from_status, e.to_status, e.actor, e.note) for e in events] == [
            ("control", "signed", world.user_a, "合同 001"),
            ("signed", "delivered", world.user_a, ""),
            ("delivered", "occupied", world.user_a, ""),
        ]
        room.refresh_from_db()
        assert room.version == 4
        with pytest.raises(ServiceValidationError, match="cannot go from"):
            services.room_set_status(actor=world.user_a, room=room, status="for_sale")
        with pytest.raises(ServiceValidationError, match="already"):
            services.room_set_status(actor=world.user_a, room=room, status="occupied")

    def test_virtual_rooms_are_never_sold_nor_counted(self, world, project, grid_building):
        lobby = services.room_create_virtual(
            actor=world.user_a, project=project, building=grid_building, code="C3-大堂", name="大堂"
        )
        with pytest.raises(ServiceValidationError, match="virtual"):
            services.room_set_status(actor=world.user_a, room=lobby, status="signed")
        services.room_set_status(actor=world.user_a, room=room_at(grid_building, 0, 0), status="signed")
        counts = sales_counts(Room.objects.filter(project=project))
        assert counts == {"total": 9, "sold": 1}


class TestProjectsAndTeams:
    def test_codes_and_names_unique_in_company(self, world):
        services.project_create(actor=world.user_a, company=world.company_a, code="P1", name="一期")
        with pytest.raises(ServiceValidationError) as exc:
            services.project_create(actor=world.user_a, company=world.company_a, code="P1", name="二期")
        assert "code" in exc.value.errors
        services.project_create(actor=world.user_b, company=world.company_b, code="P1", name="一期")

    def test_member_belongs_to_one_team_per_project(self, world):
        project = services.project_create(actor=world.user_a, company=world.company_a, code="P", name="P")
        top = project.teams.get()
        sales = services.team_create(actor=world.user_a, project=project, name="销售一组")
        assert sales.parent == top
        services.team_member_add(actor=world.user_a, team=sales, user=world.user_a, role="admin")
        with pytest.raises(ServiceValidationError, match="销售一组"):
            services.team_member_add(actor=world.user_a, team=top, user=world.user_a)
        with pytest.raises(ServiceValidationError, match="top-level"):
            services.team_delete(actor=world.user_a, team=top)

    def test_members_only_project_is_visible_to_team_members_only(self, world):
        from anju.org.access import forget, visible_project_ids

        project = services.project_create(
            actor=world.user_a, company=world.company_a, code="S", name="私密", members_only=True
        )
        colleague = make_user(world.dept_a, [world.role_a], all_projects=True)
        assert project.pk not in visible_project_ids(colleague)
        services.team_member_add(actor=world.user_a, team=project.teams.get(), user=colleague)
        forget(colleague)
        assert project.pk in visible_project_ids(colleague)


class TestSharing:
    def test_read_share_is_visible_but_not_writable(self, world, project):
        from anju.org.access import forget, visible_project_ids, writable_project_ids

        assert project.pk not in visible_project_ids(world.user_b)
        services.project_share(actor=world.user_a, project=project, company=world.company_b, access="read")
        forget(world.user_b)
        assert project.pk in visible_project_ids(world.user_b)
        assert project.pk not in writable_project_ids(world.user_b)
        services.project_share(actor=world.user_a, project=project, company=world.company_b, access="write")
        forget(world.user_b)
        assert project.pk in writable_project_ids(world.user_b)

    def test_no_virtual_rooms_in_a_project_shared_to_you(self, world, project):
        services.project_share(actor=world.user_a, project=project, company=world.company_b, access="write")
        with pytest.raises(ServiceValidationError, match="shared"):
            services.room_create_virtual(actor=world.user_b, project=project, code="X-1")
        services.room_create_virtual(actor=world.user_a, project=project, code="X-1")

    def test_cannot_share_with_the_owner(self, world, project):
        with pytest.raises(ServiceValidationError):
            services.project_share(
                actor=world.user_a, project=project, company=world.company_a, access="read"
            )


def test_make_project_factory_still_works(world):
    assert make_project(world.company_a).company == world.company_a


def test_large_wizard_refuses_codes_taken_in_the_project(world, project):
    from anju.estates.models import Building

    other = Building.objects.create(project=project, code="T", name="T")
    services.room_create_virtual(actor=world.user_a, project=project, code="君林-T-2-1005", name="占用")
    with pytest.raises(ServiceValidationError, match="君林-T-2-1005"):
        services.building_generate(actor=world.user_a, building=other, floors=10, households=[10] * 10)
    assert not Room.objects.filter(building=other).exists()

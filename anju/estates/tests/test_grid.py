"""The grid as plain data: numbering rules against worked examples, and grid consistency under any
sequence of operations (hypothesis)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anju.estates.choices import NumberingRule
from anju.estates.grid import Cell, Grid, GridError, plan_building


def floor(plan, floor_no):
    return next(plan.numbers[i] for i, row in enumerate(plan.rows) if row["floor"] == floor_no)


class TestNumberingRules:
    # Worked example: 3 floors, two units of 2 households each (4 columns).
    def test_floor_plus_number(self):
        plan = plan_building(floors=3, households=[2, 2], rule=NumberingRule.FLOOR_NUMBER)
        assert floor(plan, 3) == ["0301", "0302", "0301", "0302"]
        assert [r["floor"] for r in plan.rows] == [3, 2, 1]

    def test_floor_plus_number_uses_the_edited_column_numbers(self):
        plan = plan_building(
            floors=2,
            households=[3],
            rule=NumberingRule.FLOOR_NUMBER,
            column_numbers=["01", "02", "05"],
        )
        assert floor(plan, 2) == ["0201", "0202", "0205"]
        # The sequence rules ignore the column numbers.
        plan = plan_building(
            floors=2, households=[3], rule=NumberingRule.UNIT_ACROSS, column_numbers=["01", "02", "05"]
        )
        assert floor(plan, 2) == ["0201", "0202", "0203"]

    def test_across_the_unit_restarts_in_every_unit(self):
        plan = plan_building(floors=12, households=[2, 3], rule=NumberingRule.UNIT_ACROSS)
        assert floor(plan, 12) == ["1201", "1202", "1201", "1202", "1203"]

    def test_down_the_units_numbers_first_columns_first(self):
        plan = plan_building(floors=3, households=[2, 2], rule=NumberingRule.UNIT_DOWN)
        assert floor(plan, 3) == ["0301", "0303", "0302", "0304"]
        plan = plan_building(floors=1, households=[3, 1], rule=NumberingRule.UNIT_DOWN)
        assert floor(plan, 1) == ["0101", "0103", "0104", "0102"]

    def test_across_the_building_runs_through_the_units(self):
        plan = plan_building(floors=3, households=[2, 2], rule=NumberingRule.BUILDING_ACROSS)
        assert floor(plan, 3) == ["0301", "0302", "0303", "0304"]

    def test_hundred_floors_and_hundred_households_widen_the_number(self):
        plan = plan_building(floors=100, households=[10] * 10, rule=NumberingRule.BUILDING_ACROSS)
        assert floor(plan, 100)[-1] == "100100"
        assert floor(plan, 5)[0] == "005001"

    def test_floor_names_label_the_rows(self):
        plan = plan_building(floors=3, households=[1], floor_names=["1F", "2F", "顶层"])
        assert [r["name"] for r in plan.rows] == ["顶层", "2F", "1F"]

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"floors": 0, "households": [1]}, "floors"),
            ({"floors": 101, "households": [1]}, "floors"),
            ({"floors": 5, "households": [1] * 11}, "households"),
            ({"floors": 5, "households": []}, "households"),
            ({"floors": 5, "households": [0]}, "households"),
            ({"floors": 2, "households": [1], "floor_names": ["1"]}, "floor_names"),
            ({"floors": 2, "households": [1], "rule": "nonsense"}, "rule"),
        ],
    )
    def test_limits(self, kwargs, field):
        with pytest.raises(GridError) as exc:
            plan_building(**kwargs)
        assert exc.value.field == field


def full_grid(rows, units):
    col_units = [u for u, width in enumerate(units, start=1) for _ in range(width)]
    grid = Grid(n_rows=rows, col_units=col_units)
    pk = 1
    for r in range(rows):
        for c in range(len(col_units)):
            grid.rooms[pk] = Cell(pk, r, c)
            pk += 1
    return grid


def covered(grid):
    return {rc for cell in grid.rooms.values() for rc in cell.cells()}


@pytest.mark.usefixtures("english")
class TestOperations:
    def test_merge_right_then_split_restores_the_cells(self):
        grid = full_grid(2, [3])
        gone = grid.merge_right(1)
        assert gone == 2 and grid.rooms[1].col_span == 2
        freed = grid.split(1)
        assert freed == [(0, 1)]
        assert (grid.rooms[1].row, grid.rooms[1].col, grid.rooms[1].col_span) == (0, 0, 1)
        grid.check()

    def test_merge_down_needs_the_same_width(self):
        grid = full_grid(2, [2])
        grid.merge_right(3)  # bottom row merged
        with pytest.raises(GridError, match="same width"):
            grid.merge_down(1)

    def test_merge_refuses_blank_and_unit_border(self):
        grid = full_grid(1, [1, 1])
        with pytest.raises(GridError, match="different units"):
            grid.merge_right(1)
        grid.remove(2)
        grid2 = full_grid(1, [3])
        grid2.remove(2)
        with pytest.raises(GridError, match="blank"):
            grid2.merge_right(1)
        with pytest.raises(GridError, match="no room to the right"):
            grid2.merge_right(3)

    def test_insert_column_widens_rooms_spanning_it(self):
        grid = full_grid(2, [3])
        grid.merge_right(4)  # bottom row: cells (1,0)+(1,1)
        index = grid.insert_column(1)  # after (0,0)
        assert index == 1
        assert grid.rooms[4].col_span == 3
        assert grid.rooms[2].col == 2
        grid.check()

    def test_delete_column_refused_with_a_merged_room(self):
        grid = full_grid(2, [2])  # rooms 1 2 / 3 4
        grid.merge_down(1)  # room 1 covers column 0 of both rows
        with pytest.raises(GridError, match="merged room"):
            grid.delete_column(1)
        # Column 1 holds no merged room: it goes, with its rooms.
        assert grid.delete_column(2) == (1, [2, 4])
        grid.check()

    def test_add_only_in_a_blank_cell(self):
        grid = full_grid(1, [2])
        with pytest.raises(GridError, match="taken"):
            grid.add(99, 0, 0)
        grid.remove(1)
        grid.add(99, 0, 0)
        grid.check()


OPS = st.lists(
    st.tuples(
        st.sampled_from(["right", "down", "split", "insert", "delcol", "remove"]), st.integers(0, 10_000)
    ),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(rows=st.integers(1, 5), units=st.lists(st.integers(1, 3), min_size=1, max_size=3), ops=OPS)
def test_any_sequence_of_operations_keeps_the_grid_consistent(rows, units, ops):
    grid = full_grid(rows, units)
    alive = set(grid.rooms)
    for name, pick in ops:
        if not grid.rooms:
            break
        room_id = sorted(grid.rooms)[pick % len(grid.rooms)]
        room = grid.rooms[room_id]
        cells_before = set(room.cells())
        area_before = len(covered(grid))
        n_cols_before = grid.n_cols
        try:
            if name == "right":
                gone = grid.merge_right(room_id)
                alive.discard(gone)
                assert len(covered(grid)) == area_before  # the neighbour's cells now belong to the room
            elif name == "down":
                gone = grid.merge_down(room_id)
                alive.discard(gone)
                assert len(covered(grid)) == area_before
            elif name == "split":
                freed = grid.split(room_id)
                assert set(freed) | {(room.row, room.col)} == cells_before
                assert set(grid.rooms[room_id].cells()) == {(room.row, room.col)}
            elif name == "insert":
                grid.insert_column(room_id)
                assert grid.n_cols == n_cols_before + 1
            elif name == "delcol":
                _index, removed = grid.delete_column(room_id)
                alive -= set(removed)
                assert grid.n_cols == n_cols_before - 1
            else:
                grid.remove(room_id)
                alive.discard(room_id)
        except GridError:
            pass
        grid.check()  # inside the grid, within one unit, no overlap
        assert set(grid.rooms) == alive  # no room lost, none invented


@settings(max_examples=100, deadline=None)
@given(rows=st.integers(1, 4), width=st.integers(2, 4), merges=st.lists(st.integers(0, 1000), max_size=8))
def test_split_after_merges_restores_single_cells(rows, width, merges):
    grid = full_grid(rows, [width])
    cells_before = covered(grid)
    merged_ids = set()
    for pick in merges:
        room_id = sorted(grid.rooms)[pick % len(grid.rooms)]
        try:
            (grid.merge_right if pick % 2 else grid.merge_down)(room_id)
            merged_ids.add(room_id)
        except GridError:
            pass
    for room_id in list(grid.rooms):
        if grid.rooms[room_id].merged:
            grid.split(room_id)
    grid.check()
    assert all(not c.merged for c in grid.rooms.values())
    # Every cell is either a room or blank, and nothing outside the original grid is covered.
    assert covered(grid) <= cells_before

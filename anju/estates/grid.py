"""The room grid (销控图) as plain data: the wizard's numbering rules and the grid operations of
000 §3.2.2 (merge right/down, split, insert/delete column, add/remove a room in a cell).

Rows run top to bottom (row 0 is the highest floor); columns run left to right across the units.
A room covers the rectangle (row, col)…(row + row_span - 1, col + col_span - 1). Services load a
`Grid` from the database, call one operation, and write back the cells that changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from anju.estates.choices import NumberingRule

MAX_FLOORS = 100
MAX_UNITS = 10
MAX_HOUSEHOLDS = 20


class GridError(Exception):
    def __init__(self, message: str, field_name: str = "__all__"):
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass
class Cell:
    id: int
    row: int
    col: int
    row_span: int = 1
    col_span: int = 1

    def cells(self):
        for r in range(self.row, self.row + self.row_span):
            for c in range(self.col, self.col + self.col_span):
                yield r, c

    @property
    def merged(self) -> bool:
        return self.row_span > 1 or self.col_span > 1


@dataclass
class Grid:
    n_rows: int
    col_units: list[int]  # the unit number of every column
    rooms: dict[int, Cell] = field(default_factory=dict)

    # --- reading -------------------------------------------------------------------------
    @property
    def n_cols(self) -> int:
        return len(self.col_units)

    def occupancy(self) -> dict[tuple[int, int], int]:
        taken: dict[tuple[int, int], int] = {}
        for room in self.rooms.values():
            for rc in room.cells():
                if rc in taken:
                    raise GridError(_("Rooms overlap at row %(row)s, column %(col)s.") % _rc(rc))
                taken[rc] = room.id
        return taken

    def at(self, row: int, col: int) -> int | None:
        for room in self.rooms.values():
            if room.row <= row < room.row + room.row_span and room.col <= col < room.col + room.col_span:
                return room.id
        return None

    def check(self) -> None:
        """Raise GridError unless every room lies inside the grid, within one unit, without overlap."""
        self.occupancy()
        for room in self.rooms.values():
            if room.row < 0 or room.col < 0 or room.row_span < 1 or room.col_span < 1:
                raise GridError(_("A room has an invalid position."))
            if room.row + room.row_span > self.n_rows or room.col + room.col_span > self.n_cols:
                raise GridError(_("A room lies outside the grid."))
            if len({self.col_units[c] for c in range(room.col, room.col + room.col_span)}) > 1:
                raise GridError(_("A room spans two units."))

    def _room(self, room_id: int) -> Cell:
        try:
            return self.rooms[room_id]
        except KeyError:
            raise GridError(_("This room is not on the grid of the building.")) from None

    # --- operations ----------------------------------------------------------------------
    def merge_right(self, room_id: int) -> int:
        """Merge the room with its right neighbour; returns the id of the room that disappears."""
        room = self._room(room_id)
        col = room.col + room.col_span
        if col >= self.n_cols:
            raise GridError(_("There is no room to the right of this room."))
        other_id = self.at(room.row, col)
        if other_id is None:
            raise GridError(_("The cell to the right is blank; there is no room to merge with."))
        other = self.rooms[other_id]
        if other.row != room.row or other.row_span != room.row_span:
            raise GridError(_("The room to the right does not have the same height; merge is not possible."))
        if self.col_units[room.col] != self.col_units[col]:
            raise GridError(_("Rooms of different units cannot be merged."))
        room.col_span += other.col_span
        del self.rooms[other_id]
        return other_id

    def merge_down(self, room_id: int) -> int:
        room = self._room(room_id)
        row = room.row + room.row_span
        if row >= self.n_rows:
            raise GridError(_("There is no room below this room."))
        other_id = self.at(row, room.col)
        if other_id is None:
            raise GridError(_("The cell below is blank; there is no room to merge with."))
        other = self.rooms[other_id]
        if other.col != room.col or other.col_span != room.col_span:
            raise GridError(_("The room below does not have the same width; merge is not possible."))
        room.row_span += other.row_span
        del self.rooms[other_id]
        return other_id

    def split(self, room_id: int) -> list[tuple[int, int]]:
        """Back to the minimal cell: the top-left keeps the room; returns the cells left blank."""
        room = self._room(room_id)
        if not room.merged:
            raise GridError(_("This room is a single cell already; there is nothing to split."))
        freed = [rc for rc in room.cells() if rc != (room.row, room.col)]
        room.row_span = room.col_span = 1
        return freed

    def insert_column(self, room_id: int) -> int:
        """Insert a blank column right of the room; returns the new column's index. Rooms of other
        rows that span across that place grow by one column."""
        room = self._room(room_id)
        index = room.col + room.col_span
        unit = self.col_units[room.col]
        for other in self.rooms.values():
            if other.col >= index:
                other.col += 1
            elif other.col + other.col_span > index:
                other.col_span += 1
        self.col_units.insert(index, unit)
        return index

    def delete_column(self, room_id: int) -> tuple[int, list[int]]:
        """Delete the room's column; refused while a merged room touches it. Returns (index, removed ids)."""
        room = self._room(room_id)
        if room.col_span > 1:
            raise GridError(_("The column holds a merged room; split it before deleting the column."))
        index = room.col
        if self.n_cols <= 1:
            raise GridError(_("The last column of a building cannot be deleted."))
        removed = []
        for other in list(self.rooms.values()):
            if other.col <= index < other.col + other.col_span:
                if other.merged:
                    raise GridError(_("The column holds a merged room; split it before deleting the column."))
                removed.append(other.id)
        for rid in removed:
            del self.rooms[rid]
        for other in self.rooms.values():
            if other.col > index:
                other.col -= 1
        del self.col_units[index]
        return index, removed

    def add(self, room_id: int, row: int, col: int) -> Cell:
        if not (0 <= row < self.n_rows and 0 <= col < self.n_cols):
            raise GridError(_("The cell is outside the grid."))
        if self.at(row, col) is not None:
            raise GridError(_("The cell is taken by another room."))
        cell = Cell(room_id, row, col)
        self.rooms[room_id] = cell
        return cell

    def remove(self, room_id: int) -> None:
        self._room(room_id)
        del self.rooms[room_id]


def _rc(rc):
    return {"row": rc[0] + 1, "col": rc[1] + 1}


# --- the wizard ----------------------------------------------------------------------------------
@dataclass
class WizardColumn:
    unit: int  # 1-based
    index: int  # 0-based position within the unit
    number: str  # the column's 号码 (default 01, 02, … within the unit)
    unit_type_id: int | None = None


@dataclass
class WizardPlan:
    rows: list[dict]  # top to bottom: {"floor": n, "name": "..."}
    units: list[str]
    columns: list[WizardColumn]
    numbers: list[list[str]]  # [row][col], "" = no room

    def layout(self) -> dict:
        return {
            "rows": self.rows,
            "units": self.units,
            "columns": [{"unit": c.unit, "number": c.number} for c in self.columns],
        }


def plan_building(
    *,
    floors: int,
    households: list[int],
    rule: str = NumberingRule.FLOOR_NUMBER,
    floor_names: list[str] | None = None,
    unit_names: list[str] | None = None,
    column_numbers: list[str] | None = None,
    unit_types: list[int | None] | None = None,
) -> WizardPlan:
    """Steps 1–4 of the multi-unit wizard: the grid and the default room numbers."""
    units = len(households)
    if not 1 <= floors <= MAX_FLOORS:
        raise GridError(_("The number of floors must be between 1 and 100."), "floors")
    if not 1 <= units <= MAX_UNITS:
        raise GridError(_("The number of units must be between 1 and 10."), "households")
    if any(not 1 <= h <= MAX_HOUSEHOLDS for h in households):
        raise GridError(
            _("Households per floor of each unit must be between 1 and %(max)s.") % {"max": MAX_HOUSEHOLDS},
            "households",
        )
    if rule not in NumberingRule.values:
        raise GridError(_("Unknown numbering rule."), "rule")
    floor_names = list(floor_names or [])
    if floor_names and len(floor_names) != floors:
        raise GridError(
            _("Give one floor name per floor (%(n)s), from the lowest floor up.") % {"n": floors},
            "floor_names",
        )
    unit_names = list(unit_names or [])
    if unit_names and len(unit_names) != units:
        raise GridError(_("Give one name per unit (%(n)s).") % {"n": units}, "unit_names")
    columns: list[WizardColumn] = []
    for u, count in enumerate(households, start=1):
        for k in range(count):
            columns.append(WizardColumn(unit=u, index=k, number=f"{k + 1:02d}"))
    if column_numbers:
        if len(column_numbers) != len(columns):
            raise GridError(_("Give one number per column (%(n)s).") % {"n": len(columns)}, "column_numbers")
        for col, number in zip(columns, column_numbers, strict=True):
            col.number = str(number).strip()
    if unit_types:
        if len(unit_types) != len(columns):
            raise GridError(
                _("Give one unit type (or none) per column (%(n)s).") % {"n": len(columns)}, "unit_types"
            )
        for col, unit_type in zip(columns, unit_types, strict=True):
            col.unit_type_id = unit_type
    sequence = _sequence(columns, rule)
    floor_width = 3 if floors >= 100 else 2
    seq_width = 3 if max(sequence) >= 100 else 2
    rows, numbers = [], []
    for floor in range(floors, 0, -1):
        name = floor_names[floor - 1] if floor_names else str(floor)
        rows.append({"floor": floor, "name": str(name)})
        if rule == NumberingRule.FLOOR_NUMBER:
            numbers.append([f"{floor:0{floor_width}d}{col.number}" for col in columns])
        else:
            numbers.append([f"{floor:0{floor_width}d}{seq:0{seq_width}d}" for seq in sequence])
    return WizardPlan(
        rows=rows,
        units=unit_names or [_("Unit %(n)s") % {"n": u} for u in range(1, units + 1)],
        columns=columns,
        numbers=numbers,
    )


def _sequence(columns: list[WizardColumn], rule: str) -> list[int]:
    """The sequence number of every column under a numbering rule (1-based)."""
    if rule in (NumberingRule.FLOOR_NUMBER, NumberingRule.UNIT_ACROSS):
        # Restart at 1 in every unit, left to right.
        return [c.index + 1 for c in columns]
    if rule == NumberingRule.BUILDING_ACROSS:
        # One run left to right across the whole floor of the building.
        return list(range(1, len(columns) + 1))
    # UNIT_DOWN: the units are read top to bottom, so the first column of every unit comes first,
    # then the second column of every unit, and so on.
    order = sorted(range(len(columns)), key=lambda i: (columns[i].index, columns[i].unit))
    result = [0] * len(columns)
    for seq, i in enumerate(order, start=1):
        result[i] = seq
    return result

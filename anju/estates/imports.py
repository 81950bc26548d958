"""引入房源 (000 §3.3.3): rooms from an external sales system, as .xlsx or .csv.

Columns (Chinese or English headers): 项目代码 project_code, 项目名称 project_name, 楼栋代码 building_code,
楼栋名称 building_name, 单元 unit, 楼层 floor, 自然楼层 natural_floor, 房号 number, 房间编码 code,
户型 unit_type, 建筑面积 building_area, 套内面积 inner_area, 销售状态 status, 客户姓名 buyer_name,
客户电话 buyer_phone.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.services import ServiceValidationError, service
from anju.estates import services
from anju.estates.choices import SALES_STATES, ImportOutcome, ImportStatus, RoomStatus
from anju.estates.models import Building, Project, Room, RoomImport, RoomImportRow, UnitType
from anju.org.access import scoped

HEADERS = {
    "项目代码": "project_code",
    "项目名称": "project_name",
    "楼栋代码": "building_code",
    "楼栋名称": "building_name",
    "单元": "unit",
    "楼层": "floor",
    "自然楼层": "natural_floor",
    "房号": "number",
    "房间编码": "code",
    "户型": "unit_type",
    "建筑面积": "building_area",
    "套内面积": "inner_area",
    "销售状态": "status",
    "客户姓名": "buyer_name",
    "客户电话": "buyer_phone",
}
FIELDS = set(HEADERS.values())
REQUIRED = ("project_code", "building_code", "floor", "number")
MAX_ROWS = 20000


def read_rows(content: bytes, file_name: str) -> list[dict]:
    """The data rows of the file as dicts of the English field names (row numbers from 2)."""
    name = file_name.lower()
    if name.endswith(".xlsx"):
        table = _xlsx(content)
    elif name.endswith(".csv"):
        table = _csv(content)
    else:
        raise ServiceValidationError({"file": _("Upload an .xlsx or .csv file.")})
    if not table:
        raise ServiceValidationError({"file": _("The file is empty.")})
    header = [HEADERS.get(str(h or "").strip(), str(h or "").strip().lower()) for h in table[0]]
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        labels = {v: k for k, v in HEADERS.items()}
        raise ServiceValidationError(
            {"file": _("Columns missing: %(cols)s") % {"cols": ", ".join(labels[m] for m in missing)}}
        )
    if len(table) - 1 > MAX_ROWS:
        raise ServiceValidationError({"file": _("At most %(n)s rows per file.") % {"n": MAX_ROWS}})
    rows = []
    for index, values in enumerate(table[1:], start=2):
        if not any(str(v or "").strip() for v in values):
            continue
        row = {"_row": index}
        for key, value in zip(header, values, strict=False):
            if key in FIELDS:
                row[key] = "" if value is None else _text(value)
        rows.append(row)
    return rows


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _xlsx(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ServiceValidationError({"file": _("The file is not a readable .xlsx workbook.")}) from exc
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _csv(content: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ServiceValidationError({"file": _("The file is neither UTF-8 nor GB18030 text.")})
    return list(csv.reader(io.StringIO(text)))


_STATUS = {**{s.value: s.value for s in RoomStatus}, **{str(s.label): s.value for s in RoomStatus}}
_STATUS.update(
    {
        "销控": "control",
        "待售": "for_sale",
        "预留": "reserved",
        "小订": "deposit",
        "认购": "subscribed",
        "签约": "signed",
    }
)


def _decimal(value: str):
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return "error"
    if number < 0 or number >= Decimal("100000000"):
        return "error"
    return number.quantize(Decimal("0.01"))


@service
def rooms_import(
    *, actor, company, content: bytes, file_name: str, import_valid_rows: bool = False
) -> RoomImport:
    """Check every row; write nothing when a row has an error unless `import_valid_rows`.
    The run and every row's outcome are always recorded for the result screen."""

    rows = read_rows(content, file_name)
    errors: dict[int, list[str]] = defaultdict(list)
    warnings: dict[int, list[str]] = defaultdict(list)
    if company is None:
        raise ServiceValidationError({"file": _("Choose the current company before importing rooms.")})
    projects_qs = Project.objects.filter(company=company)
    if getattr(actor, "is_authenticated", False):
        # Only projects the user may change take rows; others' codes make project creation refuse.
        projects_qs = scoped(actor, projects_qs, for_write=True)
    projects = {p.code: p for p in projects_qs}
    seen_codes: dict[tuple[str, str], int] = {}
    for row in rows:
        n = row["_row"]
        for field in REQUIRED:
            if not row.get(field):
                errors[n].append(_("%(col)s is empty.") % {"col": _label(field)})
        floor = row.get("floor", "")
        if floor and not re.fullmatch(r"-?\d{1,3}", floor):
            errors[n].append(_("楼层 “%(v)s” is not a whole number.") % {"v": floor})
        natural = row.get("natural_floor") or floor
        row["natural_floor"] = natural
        row["floor_no"] = int(natural) if re.fullmatch(r"-?\d{1,3}", natural or "") else None
        if natural and row["floor_no"] is None:
            warnings[n].append(
                _(
                    "Natural floor “%(v)s” contains letters; the room's floor is left empty, correct it by hand."
                )
                % {"v": natural}
            )
        unit = row.get("unit") or "1"
        if not re.fullmatch(r"\d{1,2}", unit) or not 1 <= int(unit) <= 10:
            errors[n].append(_("单元 “%(v)s” must be a number from 1 to 10.") % {"v": unit})
        row["unit"] = unit
        status = row.get("status") or "control"
        if _STATUS.get(status) not in SALES_STATES:
            errors[n].append(_("Unknown sales status “%(v)s”.") % {"v": status})
        row["status"] = _STATUS.get(status, "control")
        for field in ("building_area", "inner_area"):
            value = _decimal(row.get(field, ""))
            if value == "error":
                errors[n].append(
                    _("%(col)s “%(v)s” is not an area.") % {"col": _label(field), "v": row[field]}
                )
            row[field] = value if value != "error" else None
        if len(row.get("number", "")) > 20:
            errors[n].append(_("房号 is longer than 20 characters."))
        project = projects.get(row.get("project_code", ""))
        prefix = (
            (project.short_name or project.name)
            if project
            else (row.get("project_name") or row.get("project_code", ""))
        )
        if not row.get("code"):
            row["code"] = f"{prefix}-{row.get('building_code', '')}-{row.get('number', '')}"
        if len(row["code"]) > 60:
            errors[n].append(_("房间编码 is longer than 60 characters."))
        key = (row.get("project_code", ""), row["code"])
        if key in seen_codes:
            errors[n].append(
                _("Room code %(code)s is also in row %(row)s.")
                % {"code": row["code"], "row": seen_codes[key]}
            )
        seen_codes.setdefault(key, n)
        if project is not None:
            if Room.objects.filter(project=project, code=row["code"]).exists():
                errors[n].append(
                    _("Room code %(code)s exists in the project already.") % {"code": row["code"]}
                )
            building = Building.objects.filter(project=project, code=row.get("building_code")).first()
            if building is not None and building.rooms.filter(is_virtual=False).exists():
                errors[n].append(
                    _("Building %(b)s already has rooms; import into a new building.") % {"b": building.code}
                )
            if row.get("unit_type") and not _unit_type(project, row["unit_type"]):
                errors[n].append(_("Unknown unit type “%(v)s” in the project.") % {"v": row["unit_type"]})
        elif row.get("unit_type"):
            errors[n].append(_("Unknown unit type “%(v)s” in the project.") % {"v": row["unit_type"]})
    # 000 §3.3.3: rooms of one floor must have one natural floor.
    by_floor: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        by_floor[(row.get("project_code"), row.get("building_code"), row["unit"], row.get("floor"))].append(
            row
        )
    for (_p, building_code, _unit, floor), group in by_floor.items():
        naturals = {r["natural_floor"] for r in group}
        if len(naturals) > 1:
            names = ", ".join(f"{r['code']} ({r['natural_floor']})" for r in group)
            for r in group:
                errors[r["_row"]].append(
                    _(
                        "Rooms on floor %(floor)s of building %(b)s have different natural floors: %(rooms)s. "
                        "Make them the same first."
                    )
                    % {"floor": floor, "b": building_code, "rooms": names}
                )
    valid = [r for r in rows if not errors.get(r["_row"])]
    write = valid and (not errors or import_valid_rows)
    run = RoomImport.objects.create(
        company=company,
        file_name=file_name[:200],
        import_valid_rows=import_valid_rows,
        status=ImportStatus.REFUSED if not write else (ImportStatus.PARTIAL if errors else ImportStatus.DONE),
        total_rows=len(rows),
        error_rows=len([r for r in rows if errors.get(r["_row"])]),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    created: dict[int, Room] = {}
    if write:
        created = _write(actor, company, valid, projects, services)
    run.imported_rows = len(created)
    run.save(update_fields=["imported_rows"])
    RoomImportRow.objects.bulk_create(
        [
            RoomImportRow(
                run=run,
                row_no=r["_row"],
                outcome=(
                    ImportOutcome.ERROR
                    if errors.get(r["_row"])
                    else ImportOutcome.SKIPPED
                    if r["_row"] not in created
                    else ImportOutcome.WARNING
                    if warnings.get(r["_row"])
                    else ImportOutcome.IMPORTED
                ),
                message=" ".join(map(str, errors.get(r["_row"], []) + warnings.get(r["_row"], [])))[:500],
                room_code=r.get("code", "")[:60],
                room=created.get(r["_row"]),
                buyer_name=r.get("buyer_name", "")[:100],
                buyer_phone=r.get("buyer_phone", "")[:40],
                data={k: str(v) if v is not None else "" for k, v in r.items() if k in FIELDS},
            )
            for r in rows
        ]
    )
    audit.log_action(
        actor=actor,
        action=LogAction.IMPORT,
        instance=run,
        company_id=company.pk,
        note=_("%(imported)s of %(total)s rows imported, %(errors)s with errors")
        % {"imported": run.imported_rows, "total": run.total_rows, "errors": run.error_rows},
    )
    return run


def _label(field: str) -> str:
    return {v: k for k, v in HEADERS.items()}.get(field, field)


def _unit_type(project, value: str):
    return UnitType.objects.filter(project=project, code=value).first() or (
        UnitType.objects.filter(project=project, name=value).first()
    )


def _write(actor, company, rows, projects, services) -> dict[int, Room]:
    created: dict[int, Room] = {}
    by_building: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        by_building[(row["project_code"], row["building_code"])].append(row)
    for (project_code, building_code), group in by_building.items():
        project = projects.get(project_code)
        if project is None:
            project = services.project_create(
                actor=actor,
                company=company,
                code=project_code,
                name=group[0].get("project_name") or project_code,
            )
            projects[project_code] = project
        building = Building.objects.filter(project=project, code=building_code).first()
        if building is None:
            building = services.building_create(
                actor=actor,
                project=project,
                code=building_code,
                name=group[0].get("building_name") or building_code,
            )
        # Grid: floors top to bottom; per unit as many columns as its fullest floor.
        floors = sorted({int(r["floor"]) for r in group}, reverse=True)
        units = sorted({int(r["unit"]) for r in group})
        cells: dict[tuple[int, int], list[dict]] = defaultdict(list)
        for r in group:
            cells[(int(r["unit"]), int(r["floor"]))].append(r)
        width = {u: max(len(v) for (uu, _f), v in cells.items() if uu == u) for u in units}
        offset, columns = {}, []
        for u in units:
            offset[u] = len(columns)
            columns += [{"unit": u, "number": f"{k + 1:02d}"} for k in range(width[u])]
        rows_meta = []
        for f in floors:
            natural = next((r["natural_floor"] for r in group if int(r["floor"]) == f), str(f))
            rows_meta.append({"floor": f, "name": natural})
        row_index = {f: i for i, f in enumerate(floors)}
        rooms = []
        for (u, f), members in cells.items():
            for k, r in enumerate(sorted(members, key=lambda x: x["number"])):
                unit_type = _unit_type(project, r["unit_type"]) if r.get("unit_type") else None
                room = Room(
                    project=project,
                    building=building,
                    code=r["code"],
                    number=r["number"],
                    unit_no=u,
                    floor_no=r["floor_no"],
                    natural_floor=r["natural_floor"][:10],
                    grid_row=row_index[f],
                    grid_col=offset[u] + k,
                    status=r["status"],
                    unit_type=unit_type,
                    decoration_standard_id=unit_type.decoration_standard_id if unit_type else None,
                    building_area=r["building_area"] or (unit_type.building_area if unit_type else None),
                    inner_area=r["inner_area"] or (unit_type.inner_area if unit_type else None),
                    delivery_date=project.delivery_date,
                )
                rooms.append((r["_row"], room))
        Room.objects.bulk_create([room for _n, room in rooms], batch_size=500)
        for n, room in rooms:
            created[n] = room
        Building.objects.filter(pk=building.pk).update(
            floors=len(floors),
            units=len(units),
            layout={
                "rows": rows_meta,
                "units": [str(u) for u in range(1, max(units) + 1)],
                "columns": columns,
            },
        )
    return created

"""Excel/CSV import of customers with their phones and room relations, and the Excel export.

Import runs in two phases: every row is validated first (per-row result: ok / errors / warnings),
then, unless this is a preview or some rows failed without "import the valid rows", the valid rows
are written with bulk inserts in batches. openpyxl's read-only mode keeps memory flat.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
import zipfile
from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from anju.core.masking import mask_id_number, mask_phone
from anju.customers import keys
from anju.customers.choices import CustomerKind, Gender, PhoneKind, RelationRole
from anju.customers.models import Customer, CustomerPhone, RoomCustomer
from anju.customers.validators import parse_id_number, parse_phone
from anju.estates.models import Room
from anju.org.access import scoped

# Column headings accepted (Chinese as in the template, or the field names).
HEADINGS = {
    "客户编号": "code",
    "客户名称": "name",
    "姓名": "name",
    "客户类型": "kind",
    "手机": "phones",
    "联系电话": "phones",
    "证件类型": "id_type",
    "证件号码": "id_number",
    "身份证号码": "id_number",
    "性别": "gender",
    "出生日期": "birthday",
    "地址": "address",
    "标签": "tags",
    "房间编号": "room",
    "房间": "room",
    "关系": "role",
    "产权比例": "share",
    "开始日期": "start_date",
    "入伙日期": "start_date",
}
FIELDS = (
    "code",
    "name",
    "kind",
    "phones",
    "id_type",
    "id_number",
    "gender",
    "birthday",
    "address",
    "tags",
    "room",
    "role",
    "share",
    "start_date",
)
TEMPLATE_HEADINGS = [
    "客户编号",
    "客户名称",
    "客户类型",
    "手机",
    "证件类型",
    "证件号码",
    "性别",
    "出生日期",
    "地址",
    "标签",
    "房间编号",
    "关系",
    "产权比例",
    "开始日期",
]
ROLE_WORDS = {
    "业主": RelationRole.OWNER,
    "租户": RelationRole.TENANT,
    "住户": RelationRole.RESIDENT,
    **{r: r for r in RelationRole.values},
}
KIND_WORDS = {
    "个人": CustomerKind.PERSON,
    "单位": CustomerKind.ORGANISATION,
    "企业": CustomerKind.ORGANISATION,
    **{k: k for k in CustomerKind.values},
}
GENDER_WORDS = {"男": Gender.MALE, "女": Gender.FEMALE, **{g: g for g in Gender.values}}


def read_rows(uploaded, filename: str = "") -> Iterator[dict]:
    """Rows of an .xlsx or .csv upload as dicts keyed by field name (unknown columns ignored)."""
    name = (filename or getattr(uploaded, "name", "")).lower()
    if name.endswith(".csv"):
        raw = uploaded.read()
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        reader = csv.reader(io.StringIO(text))
        header = next(reader, [])
        yield from _rows(header, reader)
        return
    try:
        rows = fast_xlsx_rows(uploaded)
        header = next(rows, ())
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ValidationError({"file": _("The file is not an .xlsx workbook or a .csv file.")}) from exc
    yield from _rows(header, rows)


_ROW = re.compile(rb"<row\b[^>]*?(?:/>|>(.*?)</row>)", re.S)
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)\d*"')
_TYPE = re.compile(rb'\bt="(\w+)"')
_V = re.compile(rb"<v>(.*?)</v>", re.S)
_T = re.compile(rb"<t\b[^>]*>(.*?)</t>", re.S)


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _first_sheet(archive: zipfile.ZipFile) -> str:
    workbook = archive.read("xl/workbook.xml")
    rid = re.search(rb'<sheet\b[^>]*?r:id="([^"]+)"', workbook)
    if rid:
        rels = archive.read("xl/_rels/workbook.xml.rels")
        for rel in re.finditer(rb"<Relationship\b[^>]*>", rels):
            if re.search(rb'Id="' + re.escape(rid.group(1)) + rb'"', rel.group(0)):
                target = re.search(rb'Target="([^"]+)"', rel.group(0)).group(1).decode()
                return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return "xl/worksheets/sheet1.xml"


def fast_xlsx_rows(uploaded) -> Iterator[tuple]:
    """Values of the first sheet, row by row, streamed from the zip (a lean read-only reader: the
    import reads 100,000 rows several times faster than openpyxl's cell objects)."""
    archive = zipfile.ZipFile(uploaded)
    shared: list[str] = []
    if "xl/sharedStrings.xml" in archive.namelist():
        data = archive.read("xl/sharedStrings.xml")
        for si in re.finditer(rb"<si>(.*?)</si>", data, re.S):
            shared.append(html.unescape(b"".join(_T.findall(si.group(1))).decode()))
    with archive.open(_first_sheet(archive)) as stream:
        buffer = b""
        while True:
            chunk = stream.read(1 << 20)
            buffer += chunk
            end = buffer.rfind(b"</row>")
            if end == -1 and chunk:
                continue
            cut = len(buffer) if not chunk else end + len(b"</row>")
            for row in _ROW.finditer(buffer, 0, cut):
                yield _parse_row(row.group(1) or b"", shared)
            buffer = buffer[cut:]
            if not chunk:
                break


def _parse_row(body: bytes, shared: list[str]) -> tuple:
    values: dict[int, object] = {}
    position = 0
    for cell in _CELL.finditer(body):
        attrs, inner = cell.group(1), cell.group(2) or b""
        ref = _REF.search(attrs)
        index = _col_index(ref.group(1)) if ref else position
        position = index + 1
        kind = _TYPE.search(attrs)
        kind = kind.group(1) if kind else b"n"
        if kind == b"inlineStr":
            value = html.unescape(b"".join(_T.findall(inner)).decode())
        else:
            v = _V.search(inner)
            if v is None:
                continue
            raw = v.group(1).decode()
            if kind == b"s":
                value = shared[int(raw)]
            elif kind in (b"str", b"e"):
                value = html.unescape(raw)
            elif kind == b"b":
                value = raw == "1"
            else:
                number = float(raw)
                value = int(number) if number.is_integer() else number
        values[index] = value
    if not values:
        return ()
    return tuple(values.get(i) for i in range(max(values) + 1))


def _rows(header, rows: Iterable) -> Iterator[dict]:
    columns = [HEADINGS.get(str(h or "").strip(), str(h or "").strip()) for h in header]
    index = [(i, c) for i, c in enumerate(columns) if c in FIELDS]
    for row in rows:
        if not row or all(v in (None, "") for v in row):
            continue
        yield {c: row[i] if i < len(row) else None for i, c in index}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and 20000 < value < 80000:  # an Excel serial date
        return datetime.date(1899, 12, 30) + datetime.timedelta(days=int(value))
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(_("“%(value)s” is not a date (use 2026-01-31).") % {"value": text}) from exc


class ImportContext:
    def __init__(self, company, rooms: dict[str, int], existing_codes: set[str], existing_ids: set[str]):
        self.company = company
        self.rooms = rooms
        self.codes = existing_codes
        self.ids = existing_ids
        self.shares: dict[int, float] = {}  # owners' shares per room (current relations + this file)


def validate_row(ctx: ImportContext, row: dict):
    """(clean tuple or None, errors, warnings) for one row."""
    errors: list[str] = []
    warnings: list[str] = []
    name = _text(row.get("name"))
    if not name:
        errors.append(_("The customer name is missing."))
    code = _text(row.get("code"))
    kind = KIND_WORDS.get(_text(row.get("kind")) or CustomerKind.PERSON)
    if kind is None:
        errors.append(_("Unknown customer type “%(value)s”.") % {"value": row.get("kind")})
    id_type = _text(row.get("id_type")) or "id_card"
    if id_type in ("身份证", "居民身份证", "resident_id"):
        id_type = "id_card"
    id_number = _text(row.get("id_number")).upper()
    gender = GENDER_WORDS.get(_text(row.get("gender")), "")
    try:
        birthday = _date(row.get("birthday"))
    except ValueError as exc:
        errors.append(str(exc))
        birthday = None
    if id_number and id_type == "id_card":
        try:
            parsed = parse_id_number(id_number)
            id_number = parsed.number
            warnings.extend(str(w) for w in parsed.warnings)
            gender = gender or parsed.gender
            birthday = birthday or parsed.birth_date
        except ValidationError as exc:
            errors.extend(exc.messages)
    if id_number and (id_type, id_number) in ctx.ids:
        errors.append(
            _("The ID number %(number)s is already registered.") % {"number": mask_id_number(id_number)}
        )
    phones = []
    for part in (
        _text(row.get("phones"))
        .replace("；", ";")
        .replace("，", ",")
        .replace(";", ",")
        .replace("/", ",")
        .split(",")
    ):
        if not part.strip():
            continue
        try:
            phone = parse_phone(part)
        except ValidationError:
            errors.append(_("“%(value)s” is not a phone number.") % {"value": mask_phone(part.strip())})
            continue
        warnings.extend(str(w) for w in phone.warnings)
        phones.append(
            (PhoneKind.MOBILE if phone.kind == "mobile" else PhoneKind.HOME, phone.number, phone.digits)
        )
    room_code = _text(row.get("room"))
    room_id = None
    role = ROLE_WORDS.get(_text(row.get("role")) or RelationRole.OWNER)
    share = None
    start = None
    if room_code:
        room_id = ctx.rooms.get(room_code)
        if room_id is None:
            errors.append(_("Room %(code)s does not exist or is not visible to you.") % {"code": room_code})
        if role is None:
            errors.append(
                _("Unknown relation “%(value)s” (业主, 租户 or 住户).") % {"value": row.get("role")}
            )
        share_text = _text(row.get("share")).rstrip("%")
        if share_text:
            try:
                share = float(share_text)
                if not 0 < share <= 100:
                    raise ValueError
            except ValueError:
                errors.append(_("The share must be a number between 0 and 100."))
        try:
            start = _date(row.get("start_date")) or datetime.date.today()
        except ValueError as exc:
            errors.append(str(exc))
    if (
        room_id
        and role == RelationRole.OWNER
        and share is not None
        and ctx.shares.get(room_id, 0) + share > 100
    ):
        errors.append(
            _("The owners' shares of room %(code)s would add up to more than 100.") % {"code": room_code}
        )
    if not code:
        code = room_code
    if not code:
        errors.append(_("The customer code is missing (or give the room code)."))
    elif code in ctx.codes:
        errors.append(_("The customer code %(code)s is already used.") % {"code": code})
    if errors:
        return None, errors, warnings
    ctx.codes.add(code)
    if room_id and role == RelationRole.OWNER and share is not None:
        ctx.shares[room_id] = ctx.shares.get(room_id, 0) + share
    if id_number:
        ctx.ids.add((id_type, id_number))
    tags = [t.strip() for t in _text(row.get("tags")).replace("，", ",").split(",") if t.strip()][:20]
    clean = (
        code,
        name,
        kind,
        id_type,
        id_number,
        gender,
        birthday,
        _text(row.get("address"))[:200],
        tags,
        tuple(phones),
        room_id,
        role,
        share,
        start,
    )
    return clean, [], warnings


def build_context(actor, company) -> ImportContext:
    rooms = (
        dict(scoped(actor, Room).filter(project__company=company).values_list("code", "pk"))
        if actor
        else dict(Room.objects.filter(project__company=company).values_list("code", "pk"))
    )
    codes = set(Customer.objects.filter(company=company).values_list("code", flat=True))
    ids = set(
        Customer.objects.filter(company=company)
        .exclude(id_number="")
        .exclude(state="merged")
        .values_list("id_type", "id_number")
    )
    context = ImportContext(company, rooms, codes, ids)
    from django.db.models import Sum

    for room_id, total in (
        RoomCustomer.objects.filter(
            room__project__company=company, role=RelationRole.OWNER, end_date__isnull=True
        )
        .values_list("room_id")
        .annotate(total=Sum("share"))
    ):
        if total:
            context.shares[room_id] = float(total)
    return context


def _allocate_ids(connection, model, count: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - model table name
        first = cursor.fetchone()[0] + 1
        return list(range(first, first + count))


def _insert(connection, model, columns: list[str], rows: list[tuple]) -> None:
    """Plain multi-row insert: COPY on PostgreSQL, executemany elsewhere (no model instances)."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    cols = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Text-format COPY built here: psycopg's per-value adaptation costs more than the insert.
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                copy.write("".join("\t".join(map(_copy_text, row)) + "\n" for row in rows).encode())
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({placeholders})", rows)  # noqa: S608


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def _defaults(model) -> dict:
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        values[field.attname] = field.get_default()
    return values


def write_rows(actor, company, clean_rows: list[tuple], batch_size: int = 5000) -> int:
    """Write validated rows with plain inserts (the ORM's per-object cost dominates at 100,000 rows)."""
    import json

    from django.db import connection
    from django.utils import timezone

    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    pg = connection.vendor == "postgresql"

    def db(value):
        if pg or value is None or isinstance(value, int | float | str):
            return value
        return value.isoformat()  # dates and datetimes as ISO text for SQLite

    now_db = now if pg else now.isoformat(sep=" ")
    base = _defaults(Customer)
    base.update(
        company_id=company.pk,
        created_by_id=user_id,
        updated_by_id=user_id,
        salesperson_id=user_id,
        created_at=now_db,
        updated_at=now_db,
        version=1,
    )
    customer_cols = ["id", *base.keys()]
    phone_cols = ["customer_id", "kind", "number", "digits", "digits_rev", "is_primary", "remarks"]
    relation_base = _defaults(RoomCustomer)
    relation_base.update(created_by_id=user_id, created_at=now_db, version=1, is_move_in=False)
    relation_cols = [
        "room_id",
        "customer_id",
        *[k for k in relation_base if k not in ("room_id", "customer_id")],
    ]
    written = 0
    for start in range(0, len(clean_rows), batch_size):
        chunk = clean_rows[start : start + batch_size]
        ids = _allocate_ids(connection, Customer, len(chunk))
        customers, phones, relations = [], [], []
        for pk, row in zip(ids, chunk, strict=True):
            (
                code,
                name,
                kind,
                id_type,
                id_number,
                gender,
                birthday,
                address,
                tags,
                phone_list,
                room_id,
                role,
                share,
                since,
            ) = row
            initials, full = keys.pinyin_keys(name)
            values = dict(base)
            values.update(
                code=code,
                name=name,
                kind=kind,
                id_type=id_type,
                id_number=id_number,
                gender=gender,
                birthday=db(birthday),
                address=address,
                tags=json.dumps(tags, ensure_ascii=False),
                mobile=next((p[1] for p in phone_list if p[0] == PhoneKind.MOBILE), ""),
                name_initials=initials,
                name_pinyin=full,
                id_number_rev=id_number[::-1],
            )
            customers.append((pk, *values.values()))
            primary_done = False
            for kind_, number, digits in phone_list:
                primary = not primary_done and kind_ == PhoneKind.MOBILE
                primary_done = primary_done or primary
                phones.append((pk, kind_, number, digits, digits[::-1], primary, ""))
            if not primary_done and phone_list:
                first = phones[-len(phone_list)]
                phones[-len(phone_list)] = (*first[:5], True, "")
            if room_id:
                rel = dict(relation_base)
                rel.update(role=role, share=share, start_date=db(since))
                relations.append((room_id, pk, *[rel[k] for k in relation_cols[2:]]))
        _insert(connection, Customer, customer_cols, customers)
        _insert(connection, CustomerPhone, phone_cols, phones)
        _insert(connection, RoomCustomer, relation_cols, relations)
        written += len(chunk)
    return written

import datetime
import io

from openpyxl import Workbook, load_workbook

from anju.customers import importer


def _book():
    wb = Workbook()
    ws = wb.active
    ws.append(["客户编号", "客户名称", "手机", "开始日期", "产权比例"])
    ws.append(["K1", "张三 & <李>", 13800138000, datetime.date(2026, 1, 31), 50.5])
    ws.append([None, None, None, None, None])
    ws.append(["K2", "王五", "0755-83283496", "2026-02-01", None])
    ws["G4"] = "extra"
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def test_fast_reader_agrees_with_openpyxl():
    buf = _book()
    fast = list(importer.fast_xlsx_rows(buf))
    buf.seek(0)
    slow = [tuple(r) for r in load_workbook(buf, read_only=True).active.iter_rows(values_only=True)]
    assert fast[0] == tuple(v for v in slow[0] if v is not None)
    assert fast[1][:3] == ("K1", "张三 & <李>", 13800138000) and fast[1][4] == 50.5
    assert importer._date(fast[1][3]) == datetime.date(2026, 1, 31)
    assert fast[3][:4] == ("K2", "王五", "0755-83283496", "2026-02-01") and fast[3][6] == "extra"


def test_read_rows_maps_headings_and_skips_blank_rows():
    buf = _book()
    buf.name = "x.xlsx"
    rows = list(importer.read_rows(buf))
    assert [r["code"] for r in rows] == ["K1", "K2"]
    assert rows[0]["name"] == "张三 & <李>" and rows[1]["phones"] == "0755-83283496"


def test_csv_is_read_too():
    buf = io.BytesIO("客户编号,客户名称,手机\nK1,张三,13800138000\n".encode("utf-8-sig"))
    buf.name = "x.csv"
    assert list(importer.read_rows(buf)) == [{"code": "K1", "name": "张三", "phones": "13800138000"}]


def test_a_broken_file_is_a_field_error():
    import pytest
    from django.core.exceptions import ValidationError

    buf = io.BytesIO(b"not a zip")
    buf.name = "x.xlsx"
    with pytest.raises(ValidationError):
        list(importer.read_rows(buf))


def test_owner_shares_per_room_are_checked_across_rows(world, dictionaries, estate):
    from anju.customers import services

    _p, rooms = estate
    rows = [
        {"code": "K1", "name": "甲", "room": rooms[0].code, "role": "业主", "share": 60},
        {"code": "K2", "name": "乙", "room": rooms[0].code, "role": "业主", "share": 50},
        {"code": "K3", "name": "丙", "room": rooms[1].code, "role": "租户"},
    ]
    result = services.customers_import(
        actor=world.user_a, company=world.company_a, rows=iter(rows), dry_run=True
    )
    assert (result["valid"], [r["row"] for r in result["rows"]]) == (2, [3])

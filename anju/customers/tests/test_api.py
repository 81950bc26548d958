import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook

from anju.core.models import OperationLog
from anju.core.testing import make_role, make_user
from anju.customers import services
from anju.customers.models import BankAccount, Customer, RoomCustomer

URL = "/api/v1/customers/customers/"


@pytest.fixture
def customer(world, dictionaries):
    c = services.customer_create(
        actor=world.user_a,
        company=world.company_a,
        name="张三",
        code="JL-C3-0301",
        id_number="11010519491231002X",
        phones=[{"number": "13800138000"}],
    )
    services.child_save(
        actor=world.user_a,
        model=BankAccount,
        customer=c,
        data={"account_name": "张三", "bank_name": "招商银行", "account_number": "6225880112345678"},
    )
    return c


@pytest.fixture
def clerk(world):
    points = [
        "customers.customer.view",
        "customers.customer.add",
        "customers.customer.change",
        "customers.customer.export",
        "customers.relation.view",
        "customers.relation.add",
    ]
    return make_user(world.dept_a, [make_role(world.company_a, points=points)], all_projects=True)


def test_create_returns_warnings_and_validation_errors_are_400(api, world, dictionaries):
    client = api(world.user_a)
    r = client.post(URL, {"name": "李四", "phones_input": [{"number": "17412345678"}]}, format="json")
    assert r.status_code == 201, r.content
    assert r.data["warnings"] and r.data["code"]
    r = client.post(URL, {"name": "王五", "id_number": "110105194912310021"}, format="json")
    assert r.status_code == 400 and "id_number" in r.data
    assert not Customer.objects.filter(name="王五").exists()


def test_masking_for_a_user_without_view_sensitive_across_api_and_export(api, world, customer, clerk):
    client = api(clerk)
    data = client.get(f"{URL}{customer.pk}/").data
    assert data["id_number"] == "110105********002X"
    assert data["mobile"] == "138****8000"
    assert data["phones"][0]["number"] == "138****8000"
    listed = client.get(URL).data["results"][0]
    assert listed["id_number"] == "110105********002X"
    bank = client.get("/api/v1/customers/bank-accounts/").data["results"][0]
    assert bank["account_number"] == "************5678"
    assert client.post(f"{URL}{customer.pk}/reveal/", {"reason": "核对"}).status_code == 403
    response = client.get(URL + "export/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    row = [c.value for c in next(iter(sheet.iter_rows(min_row=2, max_row=2)))]
    assert "110105********002X" in row and "11010519491231002X" not in row and "138****8000" in row
    assert OperationLog.objects.filter(action="export", actor=clerk).exists()
    assert not OperationLog.objects.filter(action="view_sensitive", actor=clerk).exists()


def test_holder_of_view_sensitive_sees_and_is_logged(api, world, customer):
    client = api(world.user_a)
    assert client.get(f"{URL}{customer.pk}/").data["id_number"] == "11010519491231002X"
    r = client.post(f"{URL}{customer.pk}/reveal/", {"reason": "业主来电核对身份"})
    assert r.status_code == 200 and r.data["bank_accounts"][0]["account_number"] == "6225880112345678"
    log = OperationLog.objects.filter(action="view_sensitive", note="业主来电核对身份").get()
    assert log.actor == world.user_a
    assert client.post(f"{URL}{customer.pk}/reveal/", {"reason": ""}).status_code == 400


def test_out_of_scope_is_404(api, world, customer):
    assert api(world.user_b).get(f"{URL}{customer.pk}/").status_code == 404


def test_optimistic_lock_is_409(api, world, customer):
    client = api(world.user_a)
    assert (
        client.patch(f"{URL}{customer.pk}/", {"address": "深圳", "version": 1}, format="json").status_code
        == 200
    )
    assert (
        client.patch(f"{URL}{customer.pk}/", {"address": "上海", "version": 1}, format="json").status_code
        == 409
    )


def test_wizard_over_the_api(api, world, customer):
    client = api(world.user_a)
    r = client.post(URL + "match/", {"names": "张三;赵六", "keys": "13800138000;13900139000"}, format="json")
    assert r.status_code == 200 and r.data["mode"] == "name_phone"
    assert r.data["entries"][0]["best"] == customer.pk and r.data["entries"][1]["best"] is None
    r = client.post(URL + "register/", {"name": "张三", "key": "13700137000", "chosen": None}, format="json")
    assert r.status_code == 201, r.content
    assert r.data["id"] != customer.pk
    r = client.get("/api/v1/customers/duplicate-logs/")
    assert r.data["count"] == 1


def test_relations_billing_party_and_move_out_over_the_api(api, world, customer, estate):
    _p, (room, *_r) = estate
    client = api(world.user_a)
    r = client.post(
        "/api/v1/customers/relations/",
        {
            "room": room.pk,
            "customer": customer.pk,
            "role": "owner",
            "start_date": "2026-01-01",
            "share": "100",
            "keys_handed_over": "3把",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    tenant = services.customer_create(
        actor=world.user_a, company=world.company_a, name="租户", phones=[{"number": "13900139000"}]
    )
    r = client.post(
        "/api/v1/customers/relations/",
        {"room": room.pk, "customer": tenant.pk, "role": "tenant", "start_date": "2026-02-01"},
        format="json",
    )
    rel_id = r.data["id"]
    party = client.get("/api/v1/customers/relations/billing-party/", {"room": room.pk}).data
    assert party["relation"]["customer"] == tenant.pk
    r = client.post(f"/api/v1/customers/relations/{rel_id}/end/", {"date": "2026-03-01"}, format="json")
    assert r.status_code == 200 and r.data["end_date"] == "2026-03-01"
    assert (
        client.get("/api/v1/customers/relations/billing-party/", {"room": room.pk}).data["relation"][
            "customer"
        ]
        == customer.pk
    )
    assert client.get("/api/v1/customers/relations/", {"room": room.pk}).data["count"] == 2
    assert client.get("/api/v1/customers/relations/", {"room": room.pk, "current": "true"}).data["count"] == 1


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["客户编号", "客户名称", "手机", "证件号码", "房间编号", "关系", "产权比例", "开始日期"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "customers.xlsx"
    return buf


def test_import_preview_all_or_nothing_and_valid_only(api, world, dictionaries, estate):
    _p, rooms = estate
    client = api(world.user_a)
    rows = [
        ["", "甲", "13800138000", "11010519491231002X", rooms[0].code, "业主", 100, "2026-01-01"],
        ["C2", "乙", "13900139000", "110105194912310021", "", "", "", ""],
        ["C3", "丙", "0755-83283496", "", "", "", "", ""],
    ]
    r = client.post(URL + "import/", {"file": _xlsx(rows), "dry_run": False}, format="multipart")
    assert r.status_code == 200, r.content
    assert (r.data["total"], r.data["valid"], r.data["written"]) == (3, 2, 0)
    assert r.data["rows"][0]["row"] == 3 and r.data["rows"][0]["status"] == "error"
    assert not Customer.objects.exists()
    r = client.post(
        URL + "import/", {"file": _xlsx(rows), "dry_run": False, "valid_only": True}, format="multipart"
    )
    assert r.data["written"] == 2
    first = Customer.objects.get(code=rooms[0].code)
    assert first.name_initials == "j" and first.gender == "female" and first.phones.get().is_primary
    assert RoomCustomer.objects.get().customer == first
    assert OperationLog.objects.filter(action="import").count() == 2


def test_search_endpoint(api, world, customer):
    r = api(world.user_a).get("/api/v1/customers/search/", {"q": "zs"})
    assert r.data[0]["id"] == customer.pk
    assert api(world.user_b).get("/api/v1/customers/search/", {"q": "zs"}).data == []


def test_rename_request_flow_over_the_api(api, world, customer, clerk):
    r = api(world.user_a).post(
        "/api/v1/customers/rename-requests/",
        {"customer": customer.pk, "new_name": "张叁", "reason": ""},
        format="json",
    )
    assert r.status_code == 400 and "reason" in r.data
    r = api(world.user_a).post(
        "/api/v1/customers/rename-requests/",
        {"customer": customer.pk, "new_name": "张叁", "reason": "证件更正"},
        format="json",
    )
    assert r.status_code == 201
    r = api(world.user_a).post(
        f"/api/v1/customers/rename-requests/{r.data['id']}/approve/", {}, format="json"
    )
    assert r.status_code == 200 and r.data["status"] == "approved"
    assert [(e["action"], e["from_status"], e["to_status"], e["actor"]) for e in r.data["events"]] == [
        ("approve", "pending", "approved", world.user_a.pk)
    ]
    again = api(world.user_a).post(
        f"/api/v1/customers/rename-requests/{r.data['id']}/reject/", {}, format="json"
    )
    assert again.status_code == 400 and "“已审批”，不能“驳回”" in again.data["status"][0]
    customer.refresh_from_db()
    assert customer.name == "张叁"
    assert (
        api(world.user_a).patch(f"{URL}{customer.pk}/", {"name": "x"}, format="json").data["name"] == "张叁"
    )


def test_merge_and_revert_over_the_api(api, world, customer):
    dup = services.customer_create(
        actor=world.user_a, company=world.company_a, name="张三", phones=[{"number": "13900139000"}]
    )
    client = api(world.user_a)
    preview = client.post(URL + "merge-preview/", {"kept": customer.pk, "merged": dup.pk}, format="json").data
    assert preview["moves"]["phones"]["count"] == 1
    log = client.post(URL + "merge/", {"kept": customer.pk, "merged": dup.pk}, format="json").data
    assert client.get(URL).data["count"] == 1
    assert client.post(f"/api/v1/customers/merge-logs/{log['id']}/revert/").status_code == 200
    assert client.get(URL).data["count"] == 2


def test_batch_and_transfer_over_the_api(api, world, customer):
    other = make_user(world.dept_a, [world.role_a])
    client = api(world.user_a)
    r = client.post(URL + "batch/", {"customers": [customer.pk], "add_tags": ["vip"]}, format="json")
    assert r.data == {"count": 1}
    r = client.post(
        URL + "transfer/",
        {"customers": [customer.pk], "to_salesperson": other.pk, "reason": "调岗"},
        format="json",
    )
    assert r.status_code == 200 and len(r.data) == 1
    assert client.get("/api/v1/customers/transfer-logs/", {"customer": customer.pk}).data["count"] == 1


def test_ownership_transfer_over_the_api(api, world, customer, estate):
    _p, (room, *_r) = estate
    services.room_move_in(
        actor=world.user_a, room=room, customer=customer, date=datetime.date(2025, 1, 1), share=100
    )
    buyer = services.customer_create(
        actor=world.user_a, company=world.company_a, name="买家", phones=[{"number": "13900139000"}]
    )
    r = api(world.user_a).post(
        "/api/v1/customers/relations/transfer-ownership/",
        {"room": room.pk, "new_owners": [{"customer": buyer.pk, "share": "100"}], "date": "2026-06-30"},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert RoomCustomer.objects.filter(room=room).count() == 2


def test_filter_by_chinese_tag(api, world, customer):
    services.customers_batch_update(actor=world.user_a, customers=[customer], add_tags=["老业主"])
    services.customer_create(actor=world.user_a, company=world.company_a, name="李四", tags=["新客"])
    r = api(world.user_a).get(URL, {"tag": "老业主"})
    assert [c["id"] for c in r.data["results"]] == [customer.pk]


def test_unmasked_child_records_are_logged_for_holders(api, world, customer):
    before = OperationLog.objects.filter(action="view_sensitive").count()
    r = api(world.user_a).get("/api/v1/customers/bank-accounts/")
    assert r.data["results"][0]["account_number"] == "6225880112345678"
    assert OperationLog.objects.filter(action="view_sensitive").count() == before + 1


def test_relations_move_to_another_room_before_a_grid_merge(api, world, customer, estate):
    _p, (room, _b, target) = estate
    relation = services.room_move_in(
        actor=world.user_a, room=room, customer=customer, date=datetime.date(2025, 1, 1), share=100
    )
    url = "/api/v1/customers/relations/move/"
    outsider = api(world.user_b).post(
        url, {"relations": [relation.pk], "room": target.pk, "date": "2026-05-01"}, format="json"
    )
    assert outsider.status_code == 400 and "relations" in outsider.data  # another company's row: unknown
    r = api(world.user_a).post(
        url, {"relations": [relation.pk], "room": target.pk, "date": "2026-05-01"}, format="json"
    )
    assert r.status_code == 200, r.content
    assert [(m["room"], m["customer"], m["share"]) for m in r.data] == [(target.pk, customer.pk, "100.00")]
    relation.refresh_from_db()
    assert relation.end_date == datetime.date(2026, 5, 1)
    empty = api(world.user_a).post(
        url, {"relations": [], "room": target.pk, "date": "2026-05-01"}, format="json"
    )
    assert empty.status_code == 400 and "relations" in empty.data

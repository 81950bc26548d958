"""Staff pages: masking in lists and the customer page, reveal with reason, wizard, move-in, import."""

import io

import pytest
from django.test import Client
from openpyxl import Workbook

from anju.core.models import OperationLog
from anju.core.testing import make_role, make_user
from anju.customers import services
from anju.customers.models import BankAccount, Customer, DuplicateLog, RoomCustomer


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


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clerk(world):
    points = [
        "customers.customer.view",
        "customers.customer.change",
        "customers.customer.export",
        "customers.relation.view",
        "customers.relation.add",
    ]
    return make_user(world.dept_a, [make_role(world.company_a, points=points)], all_projects=True)


def test_list_page_and_customer_page_mask_for_a_clerk(world, customer, clerk):
    client = login(clerk)
    html = client.get("/admin/customers/customer/").content.decode()
    assert "110105********002X" in html and "11010519491231002X" not in html and "13800138000" not in html
    html = client.get(f"/admin/customers/-/customer/{customer.pk}/").content.decode()
    assert "110105********002X" in html and "6225880112345678" not in html and "************5678" in html
    assert "reveal" not in html
    assert (
        client.post(f"/admin/customers/-/customer/{customer.pk}/reveal/", {"reason": "x"}).status_code == 302
    )
    assert not OperationLog.objects.filter(action="view_sensitive").exists()
    html = client.get(f"/admin/customers/customer/{customer.pk}/change/").content.decode()
    assert "11010519491231002X" not in html and "13800138000" not in html


def test_admin_export_masks_and_is_logged(world, customer, clerk):
    client = login(clerk)
    r = client.post("/admin/customers/customer/export/", {"format": "0", "resource": "0"})
    assert r.status_code == 200 and "attachment" in r.get("Content-Disposition", ""), r.content.decode()[
        -1500:
    ]
    from openpyxl import load_workbook

    cells = [
        c for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True) for c in row
    ]
    assert "11010519491231002X" not in cells and "110105********002X" in cells and "138****8000" in cells
    assert OperationLog.objects.filter(action="export", actor=clerk).exists()


def test_reveal_with_reason_is_logged(world, customer):
    client = login(world.user_a)
    r = client.post(f"/admin/customers/-/customer/{customer.pk}/reveal/", {"reason": "业主本人来访核对"})
    assert r.status_code == 302
    html = client.get(f"/admin/customers/-/customer/{customer.pk}/").content.decode()
    assert "11010519491231002X" in html and "6225880112345678" in html
    assert OperationLog.objects.filter(action="view_sensitive", note="业主本人来访核对").exists()
    html = client.get(f"/admin/customers/-/customer/{customer.pk}/").content.decode()
    assert "11010519491231002X" not in html  # shown once


def test_other_company_customer_page_is_404(world, customer):
    assert login(world.user_b).get(f"/admin/customers/-/customer/{customer.pk}/").status_code == 404


def test_wizard_three_steps_with_duplicate(world, customer):
    client = login(world.user_a)
    assert client.get("/admin/customers/-/new/").status_code == 200
    r = client.post("/admin/customers/-/new/", {"step": "2", "names": "张三", "keys": "13900139000"})
    assert "JL-C3-0301" in r.content.decode()
    r = client.post(
        "/admin/customers/-/new/", {"step": "3", "names": "张三", "keys": "13900139000", "choice0": ""}
    )
    assert r.status_code == 200
    r = client.post(
        "/admin/customers/-/new/",
        {
            "step": "3",
            "names": "张三",
            "keys": "13900139000",
            "choice0": "",
            "save": "1",
            "c0-kind": "person",
            "c0-mobile": "13900139000",
            "c0-code": "JL-C3-0302",
        },
    )
    assert r.status_code == 302, r.content.decode()[-2000:]
    assert Customer.objects.filter(code="JL-C3-0302", name="张三").exists()
    assert DuplicateLog.objects.count() == 1


def test_move_in_page(world, customer, estate):
    _p, (room, *_r) = estate
    client = login(world.user_a)
    assert client.get("/admin/customers/-/move-in/").status_code == 200
    r = client.post(
        "/admin/customers/-/move-in/",
        {
            "room": room.pk,
            "customer": customer.pk,
            "role": "owner",
            "date": "2026-01-01",
            "share": "100",
            "keys_handed_over": "3",
        },
    )
    assert r.status_code == 302
    rel = RoomCustomer.objects.get()
    r = client.post(f"/admin/customers/-/relation/{rel.pk}/move-out/", {"date": "2026-02-01"})
    rel.refresh_from_db()
    assert rel.end_date is not None


def test_import_page_preview_then_commit(world, dictionaries):
    wb = Workbook()
    wb.active.append(["客户编号", "客户名称", "手机"])
    wb.active.append(["K1", "甲", "13800138000"])
    buf = io.BytesIO()
    wb.save(buf)
    client = login(world.user_a)
    buf.seek(0)
    buf.name = "a.xlsx"
    r = client.post("/admin/customers/-/import/", {"file": buf, "preview": "1"})
    assert r.status_code == 200 and not Customer.objects.exists()
    buf.seek(0)
    r = client.post("/admin/customers/-/import/", {"file": buf, "commit": "1"})
    assert Customer.objects.filter(code="K1").exists()


def test_search_page(world, customer):
    html = login(world.user_a).get("/admin/customers/-/search/", {"q": "zs"}).content.decode()
    assert "张三" in html


def test_admin_add_and_change_through_services(world, dictionaries):
    client = login(world.user_a)
    data = {
        "kind": "person",
        "code": "",
        "name": "李四",
        "id_type": "id_card",
        "id_number": "440524188001010014",
        "tags_text": "vip, 自定义",
        "phones-TOTAL_FORMS": "1",
        "phones-INITIAL_FORMS": "0",
        "phones-0-kind": "mobile",
        "phones-0-number": "13800138000",
        **{f"{p}-TOTAL_FORMS": "0" for p in ("contacts", "family", "bank_accounts", "vehicles")},
        **{f"{p}-INITIAL_FORMS": "0" for p in ("contacts", "family", "bank_accounts", "vehicles")},
    }
    r = client.post("/admin/customers/customer/add/", data)
    assert r.status_code == 302, r.content.decode()[-3000:]
    c = Customer.objects.get(name="李四")
    assert c.gender == "male" and c.tags == ["vip", "自定义"] and c.mobile == "13800138000"


def test_pages_are_in_chinese(world, customer):
    from django.utils import translation

    html = (
        login(world.user_a)
        .get("/admin/customers/-/search/", {"q": "zs"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        .content.decode()
    )
    assert "全能搜索" in html
    with translation.override("zh-hans"):
        from anju.core.services import ServiceValidationError

        with pytest.raises(ServiceValidationError) as exc:
            services.customer_create(actor=world.user_a, company=world.company_a, name="", phones=[])
        assert "请输入客户名称" in str(exc.value)


def test_admin_transfer_and_merge_actions(world, customer):
    other = make_user(world.dept_a, [world.role_a])
    dup = services.customer_create(
        actor=world.user_a, company=world.company_a, name="张三", phones=[{"number": "13900139000"}]
    )
    client = login(world.user_a)
    url = "/admin/customers/customer/"
    r = client.post(url, {"action": "transfer", "_selected_action": [customer.pk]})
    assert r.status_code == 200 and other.username in r.content.decode()
    r = client.post(
        url,
        {
            "action": "transfer",
            "_selected_action": [customer.pk],
            "confirm": "1",
            "to_salesperson": other.pk,
            "reason": "调岗",
        },
    )
    customer.refresh_from_db()
    assert customer.salesperson == other
    r = client.post(url, {"action": "merge_two", "_selected_action": [customer.pk, dup.pk]})
    assert r.status_code == 200 and "13900139000" not in r.content.decode()
    client.post(
        url,
        {
            "action": "merge_two",
            "_selected_action": [customer.pk, dup.pk],
            "kept": customer.pk,
            "confirm": "1",
        },
    )
    dup.refresh_from_db()
    assert dup.state == "merged" and dup.merged_into == customer


def test_list_filters_by_tag_and_finds_by_phone(world, customer):
    services.customers_batch_update(actor=world.user_a, customers=[customer], add_tags=["老业主"])
    other = services.customer_create(
        actor=world.user_a, company=world.company_a, name="李四", phones=[{"number": "13900139000"}]
    )
    client = login(world.user_a)
    html = client.get("/admin/customers/customer/", {"tag": "老业主"}).content.decode()
    assert "JL-C3-0301" in html and other.code not in html
    html = client.get("/admin/customers/customer/", {"q": "13900139000"}).content.decode()
    assert other.code in html and "JL-C3-0301" not in html


def test_edit_form_for_a_holder_is_logged(world, customer):
    r = login(world.user_a).get(f"/admin/customers/customer/{customer.pk}/change/")
    assert r.status_code == 200 and "11010519491231002X" in r.content.decode()
    assert OperationLog.objects.filter(
        action="view_sensitive", object_id=str(customer.pk), actor=world.user_a
    ).exists()


def test_admin_change_keeps_name_and_shows_warnings(world, customer):
    client = login(world.user_a)
    data = {
        "kind": "person",
        "code": "JL-C3-0301",
        "id_type": "id_card",
        "id_number": "11010519491231002X",
        "address": "深圳南山",
        "tags_text": "",
        "_version": "1",
        "_continue": "1",
        **{f"{p}-TOTAL_FORMS": "0" for p in ("phones", "contacts", "family", "bank_accounts", "vehicles")},
        **{f"{p}-INITIAL_FORMS": "0" for p in ("phones", "contacts", "family", "bank_accounts", "vehicles")},
        "phones-TOTAL_FORMS": "1",
        "phones-0-kind": "mobile",
        "phones-0-number": "17412345678",
    }
    r = client.post(f"/admin/customers/customer/{customer.pk}/change/", data, follow=True)
    assert r.status_code == 200
    customer.refresh_from_db()
    assert customer.address == "深圳南山" and customer.name == "张三"
    assert customer.phones.filter(number="17412345678").exists()
    assert any("17412345678" in str(m) for m in r.context["messages"])


def test_customer_page_lists_the_rooms_bought_under_sales_information(world, customer, estate):
    import datetime

    _p, (room, other, *_r) = estate
    services.room_move_in(
        actor=world.user_a, room=room, customer=customer, date=datetime.date(2025, 1, 1), share=100
    )
    services.room_move_in(
        actor=world.user_a, room=other, customer=customer, date=datetime.date(2025, 3, 1), role="tenant"
    )
    html = login(world.user_a).get(f"/admin/customers/-/customer/{customer.pk}/").content.decode()
    sales = html[html.index('id="sales-info"') :]
    sales = sales[: sales.index("</table>")]
    assert room.code in sales and other.code not in sales  # a tenancy is not a purchase
    assert "2025-01-01" in sales and "100" in sales


def test_rename_request_page_shows_its_status_history(world, customer):
    req = services.rename_request_create(
        actor=world.user_a, customer=customer, new_name="张叁", reason="证件更正"
    )
    services.rename_request_decide(actor=world.user_a, request=req, approve=False, note="证件不符")
    html = login(world.user_a).get(f"/admin/customers/renamerequest/{req.pk}/change/").content.decode()
    assert "状态记录" in html and "证件不符" in html and "已驳回" in html

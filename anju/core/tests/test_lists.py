"""The common list and form behaviour of every staff screen (manual 000 §2.9), exercised on the
organisation screens: saved views, page size, Excel export of the filtered rows, form buttons,
refusals shown on the named field, concurrent edits."""

import io

import openpyxl
import pytest
from django.test import Client

from anju.core.admin import PAGE_SIZES
from anju.core.models import OperationLog, SavedView
from anju.core.testing import make_role, make_unit, make_user
from anju.org.choices import UnitKind
from anju.org.models import OrgUnit

pytestmark = pytest.mark.django_db


def staff(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_saved_views_are_personal(world):
    client = staff(world.user_a)
    response = client.post(
        "/admin/core/-/saved-views/",
        {
            "list_key": "org.orgunit",
            "list_url": "/admin/org/orgunit/",
            "query": "kind__exact=department",
            "name": "只看部门",
        },
    )
    assert (
        response.status_code == 302 and response["Location"] == "/admin/org/orgunit/?kind__exact=department"
    )
    view = SavedView.objects.get(owner=world.user_a, name="只看部门")
    page = client.get("/admin/org/orgunit/").content.decode()
    assert "只看部门" in page and "?kind__exact=department" in page
    # Saving under the same name replaces the conditions.
    client.post(
        "/admin/core/-/saved-views/",
        {
            "list_key": "org.orgunit",
            "list_url": "/admin/org/orgunit/",
            "query": "kind__exact=company",
            "name": "只看部门",
        },
    )
    view.refresh_from_db()
    assert view.query == "kind__exact=company"
    # Another user neither sees nor deletes it.
    other = staff(world.user_b)
    assert "只看部门" not in other.get("/admin/org/orgunit/").content.decode()
    assert other.post(f"/admin/core/-/saved-views/{view.pk}/delete/").status_code == 404
    # A nameless view is refused with a message naming the problem.
    response = client.post(
        "/admin/core/-/saved-views/",
        {"list_key": "org.orgunit", "list_url": "/admin/org/orgunit/", "query": "", "name": " "},
        follow=True,
    )
    assert "请为视图命名" in response.content.decode()
    assert (
        client.post(
            f"/admin/core/-/saved-views/{view.pk}/delete/", {"list_url": "/admin/org/orgunit/"}
        ).status_code
        == 302
    )
    assert not SavedView.objects.filter(pk=view.pk).exists()
    assert OperationLog.objects.filter(content_type__model="savedview", action="delete").exists()


def test_page_size_choice_is_remembered_per_list(world):
    for i in range(25):
        make_unit(world.dept_a, UnitKind.DEPARTMENT, f"小组{i:02d}")
    client = staff(world.user_a)
    page = client.get("/admin/org/orgunit/").content.decode()
    assert page.count('class="anju-tree-node"') == 20
    for size in PAGE_SIZES:
        assert f">{size}</option>" in page
    page = client.get("/admin/org/orgunit/", {"per_page": 50}).content.decode()
    assert page.count('class="anju-tree-node"') == 27
    page = client.get("/admin/org/orgunit/").content.decode()  # remembered
    assert page.count('class="anju-tree-node"') == 27
    assert client.get("/admin/org/orgunit/", {"per_page": "9999"}).status_code == 200  # ignored
    assert client.get("/admin/org/user/").status_code == 200


def test_search_and_several_filters_combine(world):
    make_unit(world.dept_a, UnitKind.DEPARTMENT, "维修一组", is_active=False)
    make_unit(world.dept_a, UnitKind.DEPARTMENT, "维修二组")
    client = staff(world.user_a)
    page = client.get(
        "/admin/org/orgunit/", {"q": "维修", "is_active__exact": "0", "kind__exact": "department"}
    ).content.decode()
    assert "维修一组" in page and "维修二组" not in page


def _export(client, query=""):
    from django.contrib import admin

    formats = admin.site._registry[OrgUnit].get_export_formats()
    xlsx = next(i for i, f in enumerate(formats) if f().get_title() == "xlsx")
    return client.post(f"/admin/org/orgunit/export/{query}", {"format": xlsx, "resource": 0})


def test_excel_export_of_the_filtered_rows_is_logged(world):
    make_unit(world.dept_a, UnitKind.DEPARTMENT, "维修一组")
    client = staff(world.user_a)
    response = _export(client, "?q=维修")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert "名称" in rows[0] and "编码" in rows[0]
    names = {row[rows[0].index("名称")] for row in rows[1:]}
    assert names == {"维修一组"}  # only what was filtered, only the own company
    log = OperationLog.objects.filter(action="export").latest("id")
    assert log.actor == world.user_a and "1" in log.note


def test_user_export_masks_mobiles_and_never_contains_passwords(world):
    from django.contrib import admin

    from anju.org.models import User

    make_user(world.dept_a, [], mobile="13912345678")
    limited = make_user(
        world.dept_a, [make_role(world.company_a, points=["org.user.view", "org.user.export"])]
    )
    formats = admin.site._registry[User].get_export_formats()
    xlsx = next(i for i, f in enumerate(formats) if f().get_title() == "xlsx")
    response = staff(limited).post("/admin/org/user/export/", {"format": xlsx, "resource": 0})
    assert response.status_code == 200
    cells = {
        str(c) for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.values for c in row
    }
    assert "13912345678" not in cells and "139****5678" in cells
    assert not any(c.startswith(("md5$", "argon2", "pbkdf2")) for c in cells)
    no_export = make_user(world.dept_a, [make_role(world.company_a, points=["org.user.view"])])
    assert (
        staff(no_export).post("/admin/org/user/export/", {"format": xlsx, "resource": 0}).status_code == 403
    )


def test_form_buttons_read_like_the_manual(world):
    import re

    page = staff(world.user_a).get("/admin/org/orgunit/add/").content.decode()
    buttons = {
        name: re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", label))
        for name, label in re.findall(
            r'<button[^>]*name="(_save|_continue|_addanother)"[^>]*>(.*?)</button>', page, re.S
        )
    }
    assert buttons == {"_save": "保存并关闭", "_continue": "保存", "_addanother": "保存并新增"}


def test_a_service_refusal_keeps_the_input_and_names_the_field(world):
    client = staff(world.user_a)
    response = client.post(
        "/admin/org/orgunit/add/",
        {
            "parent": world.dept_a.pk,
            "kind": "company",
            "code": "NEW-1",
            "name": "我的输入",
            "business": "developer",
            "sort_order": 0,
            "_save": "1",
        },
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "部门下只能新建部门" in " ".join(form.errors["kind"])
    assert form.data["name"] == "我的输入"
    assert not OrgUnit.objects.filter(code="NEW-1").exists()


def test_concurrent_edits_are_detected(world):
    unit = make_unit(world.dept_a, UnitKind.DEPARTMENT, "原名")
    data = {
        "parent": world.dept_a.pk,
        "kind": "department",
        "code": unit.code,
        "business": "developer",
        "sort_order": 0,
        "is_active": "on",
        "_version": unit.version,
        "_save": "1",
    }
    first, second = staff(world.user_a), staff(world.user_a)
    assert first.post(f"/admin/org/orgunit/{unit.pk}/change/", {**data, "name": "甲改"}).status_code == 302
    response = second.post(f"/admin/org/orgunit/{unit.pk}/change/", {**data, "name": "乙改"})
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    unit.refresh_from_db()
    assert unit.name == "甲改"

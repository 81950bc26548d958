"""Organisation screens: the tree, moving a subtree, leaf-only deletion, roles with grouped points."""

import pytest
from django.test import Client
from django.urls import reverse

from anju.core.models import OperationLog
from anju.core.registry import permissions as registry
from anju.core.testing import make_role, make_unit, make_user
from anju.org.choices import UnitKind
from anju.org.models import OrgUnit, Role

pytestmark = pytest.mark.django_db


def staff(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _unit_form(unit, **overrides):
    data = {
        "parent": unit.parent_id,
        "kind": unit.kind,
        "code": unit.code,
        "name": unit.name,
        "business": unit.business,
        "sort_order": unit.sort_order,
        "is_active": "on",
        "_version": unit.version,
        "_save": "1",
    }
    data.update(overrides)
    return data


def test_the_tree_lists_units_in_order_with_indentation(world):
    team = make_unit(world.dept_a, UnitKind.DEPARTMENT, "一组")
    page = staff(world.user_a).get("/admin/org/orgunit/").content.decode()
    positions = [page.index(f'data-path="{u.path}"') for u in (world.company_a, world.dept_a, team)]
    assert positions == sorted(positions)
    assert f'data-depth="{team.depth}"' in page and "anju/tree.js" in page


def test_moving_a_subtree_from_the_edit_form(world):
    service = make_unit(world.company_a, UnitKind.DEPARTMENT, "服务中心")
    team = make_unit(world.dept_a, UnitKind.DEPARTMENT, "维修组")
    client = staff(world.user_a)
    response = client.post(
        f"/admin/org/orgunit/{world.dept_a.pk}/change/",
        _unit_form(world.dept_a, parent=service.pk, remarks="调整"),
    )
    assert response.status_code == 302
    world.dept_a.refresh_from_db()
    team.refresh_from_db()
    assert world.dept_a.parent == service and world.dept_a.remarks == "调整"
    assert team.path.startswith(service.path) and team.depth == service.depth + 2
    assert OperationLog.objects.filter(object_id=str(world.dept_a.pk), note="已移动").exists()
    # Under one of its own sub-units: refused on the parent field, nothing changed.
    response = client.post(
        f"/admin/org/orgunit/{world.dept_a.pk}/change/", _unit_form(world.dept_a, parent=team.pk)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"]
    world.dept_a.refresh_from_db()
    assert world.dept_a.parent == service


def test_only_leaf_units_can_be_deleted(world):
    leaf = make_unit(world.dept_a, UnitKind.DEPARTMENT, "临时组")
    client = staff(world.user_a)
    response = client.post(f"/admin/org/orgunit/{world.dept_a.pk}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert OrgUnit.objects.filter(pk=world.dept_a.pk).exists()
    # The bulk action refuses with the service's message too.
    response = client.post(
        "/admin/org/orgunit/",
        {"action": "delete_selected", "_selected_action": [world.dept_a.pk], "post": "yes"},
        follow=True,
    )
    assert OrgUnit.objects.filter(pk=world.dept_a.pk).exists()
    response = client.post(f"/admin/org/orgunit/{leaf.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not OrgUnit.objects.filter(pk=leaf.pk).exists()
    assert OperationLog.objects.filter(object_id=str(leaf.pk), action="delete").exists()


def test_role_form_groups_permission_points_by_module(world):
    client = staff(world.user_a)
    page = client.get("/admin/org/role/add/").content.decode()
    assert "组织架构" in page and 'value="org.user.manage"' in page
    for code in registry.points:
        assert f'value="{code}"' in page
    response = client.post(
        "/admin/org/role/add/",
        {
            "company": world.company_a.pk,
            "code": "qa",
            "name": "质检员",
            "permissions": ["org.orgunit.view", "org.user.view"],
            "data_range": "dept",
            "is_active": "on",
            "_save": "1",
        },
    )
    assert response.status_code == 302
    role = Role.objects.get(code="qa")
    assert role.permissions == ["org.orgunit.view", "org.user.view"] and role.data_range == "dept"
    # A department cannot own a role: the refusal lands on the company field.
    response = client.post(
        "/admin/org/role/add/",
        {"company": world.dept_a.pk, "code": "qa2", "name": "x", "data_range": "all", "_save": "1"},
    )
    assert response.status_code == 200
    assert not Role.objects.filter(code="qa2").exists()


def test_users_are_deactivated_not_deleted(world):
    from anju.core.testing import make_user

    leaver = make_user(world.dept_a, [world.role_a])
    client = staff(world.user_a)
    page = client.get("/admin/org/user/").content.decode()
    assert "deactivate_users" in page and "delete_selected" not in page
    response = client.post(
        "/admin/org/user/",
        {"action": "deactivate_users", "_selected_action": [leaver.pk], "index": 0},
        follow=True,
    )
    assert "1 个用户已停用" in response.content.decode()
    leaver.refresh_from_db()
    assert not leaver.is_active
    assert OperationLog.objects.filter(object_id=str(leaver.pk), action="update").exists()
    assert client.post(f"/admin/org/user/{leaver.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_login_page_asks_for_user_name_or_mobile():
    page = Client().get("/admin/login/").content.decode()
    assert "用户名或手机号" in page


def test_user_form_masks_the_mobile_without_the_sensitive_point(world):
    from anju.core.testing import make_role, make_user

    person = make_user(world.dept_a, [], mobile="13912345678")
    clerk = make_user(world.dept_a, [make_role(world.company_a, points=["org.user.view", "org.user.change"])])
    page = staff(clerk).get(f"/admin/org/user/{person.pk}/change/").content.decode()
    assert "13912345678" not in page and "139****5678" in page
    assert 'name="is_superuser"' not in page
    # Saving the other fields leaves the hidden number alone.
    response = staff(clerk).post(
        f"/admin/org/user/{person.pk}/change/",
        {
            "username": person.username,
            "last_name": "新",
            "department": world.dept_a.pk,
            "is_active": "on",
            "_version": person.version,
            "_save": "1",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.mobile == "13912345678" and person.last_name == "新"
    page = staff(world.user_a).get(f"/admin/org/user/{person.pk}/change/").content.decode()
    assert 'value="13912345678"' in page


def test_move_page_moves_a_subtree(world):
    service = make_unit(world.company_a, UnitKind.DEPARTMENT, "服务中心")
    team = make_unit(world.dept_a, UnitKind.DEPARTMENT, "维修组")
    client = staff(world.user_a)
    url = reverse("admin:org_orgunit_move_unit", args=[world.dept_a.pk])
    page = client.get(url).content.decode()
    assert "服务中心" in page and world.dept_b.name not in page
    assert f'value="{team.pk}"' not in page  # not under its own sub-unit
    assert url in client.get("/admin/org/orgunit/").content.decode()  # a row action of the tree
    response = client.post(url, {"parent": team.pk})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post(url, {"parent": service.pk})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.path.startswith(service.path)
    other = reverse("admin:org_orgunit_move_unit", args=[world.dept_b.pk])
    assert client.get(other).status_code == 404
    viewer = make_user(world.dept_a, [make_role(world.company_a, points=["org.orgunit.view"])])
    assert staff(viewer).get(url).status_code == 403

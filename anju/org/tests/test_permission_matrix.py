"""Every role × every endpoint of the organisation context: allowed / denied (403) / invisible (404).

Expectations come from the role definitions of `anju.org.demo.role_points`, not from the access
code under test. Each test runs the whole table for one role and reports every mismatch at once.
"""

from __future__ import annotations

import pytest
from django.test import Client

from anju.core.registry import permissions as registry
from anju.core.services import ServiceValidationError
from anju.core.testing import api_client, make_role, make_unit, make_user, unique
from anju.org import services
from anju.org.choices import UnitKind
from anju.org.demo import role_points
from anju.org.models import OrgUnit, Role, User

pytestmark = pytest.mark.django_db

ROLES = ["agent", "supervisor", "engineer", "admin", "nopoints", "superuser"]


def _user_and_points(demo_org, kind) -> tuple[User, set[str]]:
    if kind == "superuser":
        return User.objects.get(username="admin"), set(registry.points)
    if kind == "nopoints":
        sz = demo_org["companies"]["SZ"]
        role = make_role(sz, points=[])
        return make_user(demo_org["departments"][("SZ", "cs")], [role]), set()
    return User.objects.get(username=f"sz_{kind}"), set(role_points(kind))


class Matrix:
    def __init__(self, points: set[str], *, sees_other_companies: bool):
        self.points = points
        self.sees_other_companies = sees_other_companies
        self.failures: list[str] = []

    def expect(self, label: str, point: str | tuple[str, ...], response, ok=(200,)):
        points = (point,) if isinstance(point, str) else point
        allowed = any(p in self.points for p in points)
        expected = ok if allowed else (403,)
        if response.status_code not in expected:
            self.failures.append(f"{label}: expected {expected}, got {response.status_code}")
        return allowed

    def invisible(self, label: str, point: str | tuple[str, ...], response):
        points = (point,) if isinstance(point, str) else point
        if not any(p in self.points for p in points):
            expected = (403,)
        elif self.sees_other_companies:
            expected = (200, 204)
        else:
            expected = (404,)
        if response.status_code not in expected:
            self.failures.append(f"{label}: expected {expected}, got {response.status_code}")


def _scratch(demo_org):
    sz = demo_org["companies"]["SZ"]
    cs = demo_org["departments"][("SZ", "cs")]
    unit = make_unit(cs, UnitKind.DEPARTMENT, "临时小组")
    role = make_role(sz, points=[])
    user = make_user(cs, [])
    return unit, role, user


@pytest.mark.parametrize("kind", ROLES)
def test_org_api_matrix(demo_org, kind):
    user, points = _user_and_points(demo_org, kind)
    m = Matrix(points, sees_other_companies=kind == "superuser")
    api = api_client(user)
    sz = demo_org["companies"]["SZ"]
    sz_cs = demo_org["departments"][("SZ", "cs")]
    sz_eng = demo_org["departments"][("SZ", "eng")]
    sh_cs = demo_org["departments"][("SH", "cs")]
    sh_role = demo_org["roles"]["SH"]["agent"]
    sh_user = User.objects.get(username="sh_agent")
    unit, role, target = _scratch(demo_org)

    # Organisation units
    m.expect("units list", "org.orgunit.view", api.get("/api/v1/org/units/"))
    m.expect("unit detail", "org.orgunit.view", api.get(f"/api/v1/org/units/{sz_cs.pk}/"))
    m.invisible("other company's unit", "org.orgunit.view", api.get(f"/api/v1/org/units/{sh_cs.pk}/"))
    m.invisible(
        "change other company's unit",
        "org.orgunit.change",
        api.patch(f"/api/v1/org/units/{sh_cs.pk}/", {"remarks": "x"}, format="json"),
    )
    created = m.expect(
        "unit create",
        "org.orgunit.add",
        api.post(
            "/api/v1/org/units/",
            {"parent": sz.pk, "kind": "department", "code": unique("U-"), "name": "新部门"},
            format="json",
        ),
        ok=(201,),
    )
    m.expect(
        "unit update",
        "org.orgunit.change",
        api.patch(f"/api/v1/org/units/{unit.pk}/", {"name": "改名"}, format="json"),
    )
    m.expect(
        "unit move",
        "org.orgunit.change",
        api.post(f"/api/v1/org/units/{unit.pk}/move/", {"parent": sz_eng.pk}, format="json"),
    )
    m.expect("unit delete", "org.orgunit.delete", api.delete(f"/api/v1/org/units/{unit.pk}/"), ok=(204,))
    assert OrgUnit.objects.filter(pk=unit.pk).exists() != ("org.orgunit.delete" in points)
    assert OrgUnit.objects.filter(name="新部门").exists() == created

    # Roles
    m.expect("roles list", "org.role.view", api.get("/api/v1/org/roles/"))
    m.expect("role detail", "org.role.view", api.get(f"/api/v1/org/roles/{role.pk}/"))
    m.invisible("other company's role", "org.role.view", api.get(f"/api/v1/org/roles/{sh_role.pk}/"))
    m.expect(
        "role create",
        "org.role.add",
        api.post(
            "/api/v1/org/roles/",
            {
                "company": sz.pk,
                "code": unique("r"),
                "name": "质检员",
                "permissions": ["org.orgunit.view"],
                "data_range": "self",
            },
            format="json",
        ),
        ok=(201,),
    )
    m.expect(
        "role update",
        "org.role.change",
        api.patch(f"/api/v1/org/roles/{role.pk}/", {"name": "新名称"}, format="json"),
    )
    m.expect("role delete", "org.role.delete", api.delete(f"/api/v1/org/roles/{role.pk}/"), ok=(204,))
    assert Role.objects.filter(pk=role.pk).exists() != ("org.role.delete" in points)

    # Users
    m.expect("users list", "org.user.view", api.get("/api/v1/org/users/"))
    m.expect("user detail", "org.user.view", api.get(f"/api/v1/org/users/{target.pk}/"))
    m.invisible("other company's user", "org.user.view", api.get(f"/api/v1/org/users/{sh_user.pk}/"))
    m.expect(
        "user create",
        "org.user.add",
        api.post(
            "/api/v1/org/users/",
            {"username": unique("new"), "password": "Str0ng@Pass-1", "department": sz_cs.pk},
            format="json",
        ),
        ok=(201,),
    )
    m.expect(
        "user update",
        "org.user.change",
        api.patch(f"/api/v1/org/users/{target.pk}/", {"first_name": "新"}, format="json"),
    )
    m.expect(
        "user reset password",
        "org.user.manage",
        api.post(
            f"/api/v1/org/users/{target.pk}/reset-password/", {"password": "N3w@Password!"}, format="json"
        ),
        ok=(204,),
    )
    m.expect("user unlock", "org.user.manage", api.post(f"/api/v1/org/users/{target.pk}/unlock/"), ok=(204,))
    m.invisible(
        "unlock other company's user",
        "org.user.manage",
        api.post(f"/api/v1/org/users/{sh_user.pk}/unlock/"),
    )
    m.expect("user deactivate", "org.user.delete", api.delete(f"/api/v1/org/users/{target.pk}/"), ok=(204,))
    target.refresh_from_db()
    assert target.is_active != ("org.user.delete" in points)
    assert target.must_change_password == ("org.user.manage" in points)

    # The workspace endpoints need only a login.
    for label, response in (
        ("me", api.get("/api/v1/me/")),
        ("switch company", api.post("/api/v1/me/company/", {"company": sz.pk}, format="json")),
        ("project filter", api.post("/api/v1/me/project-filter/", {"projects": []}, format="json")),
    ):
        if response.status_code != 200:
            m.failures.append(f"{label}: expected 200, got {response.status_code}")
    me = api.get("/api/v1/me/").json()
    if set(me["permissions"]) != (
        set(registry.points) if kind == "superuser" else points & set(registry.points)
    ):
        m.failures.append("me: permission list differs from the role's points")
    assert not m.failures, "\n".join(m.failures)


@pytest.mark.parametrize("kind", ROLES)
def test_org_admin_matrix(demo_org, kind):
    user, points = _user_and_points(demo_org, kind)
    m = Matrix(points, sees_other_companies=kind == "superuser")
    client = Client()
    client.force_login(user)
    sz = demo_org["companies"]["SZ"]
    sz_cs = demo_org["departments"][("SZ", "cs")]
    sh_cs = demo_org["departments"][("SH", "cs")]
    sh_role = demo_org["roles"]["SH"]["agent"]
    sh_user = User.objects.get(username="sh_agent")
    unit, role, target = _scratch(demo_org)

    for model, own, other, resource in (
        ("orgunit", sz_cs, sh_cs, "org.orgunit"),
        ("role", role, sh_role, "org.role"),
        ("user", target, sh_user, "org.user"),
    ):
        base = f"/admin/org/{model}/"
        m.expect(f"{model} list", f"{resource}.view", client.get(base))
        m.expect(
            f"{model} change page",
            (f"{resource}.view", f"{resource}.change"),
            client.get(f"{base}{own.pk}/change/"),
        )
        m.invisible(
            f"{model} of another company",
            (f"{resource}.view", f"{resource}.change"),
            client.get(f"{base}{other.pk}/change/"),
        )
        m.expect(f"{model} add page", f"{resource}.add", client.get(f"{base}add/"))
        m.expect(f"{model} export page", f"{resource}.export", client.get(f"{base}export/"))

    m.expect(
        "orgunit add",
        "org.orgunit.add",
        client.post(
            "/admin/org/orgunit/add/",
            {
                "parent": sz.pk,
                "kind": "department",
                "code": unique("A-"),
                "name": "后台新建部门",
                "business": "developer",
                "sort_order": 0,
                "is_active": "on",
                "_save": "1",
            },
        ),
        ok=(302,),
    )
    assert OrgUnit.objects.filter(name="后台新建部门").exists() == ("org.orgunit.add" in points)
    m.expect(
        "orgunit edit",
        "org.orgunit.change",
        client.post(
            f"/admin/org/orgunit/{unit.pk}/change/",
            {
                "parent": sz_cs.pk,
                "kind": "department",
                "code": unit.code,
                "name": "后台改名",
                "business": "developer",
                "sort_order": 0,
                "is_active": "on",
                "_version": unit.version,
                "_save": "1",
            },
        ),
        ok=(302,),
    )
    unit.refresh_from_db()
    assert (unit.name == "后台改名") == ("org.orgunit.change" in points)
    m.expect(
        "orgunit delete",
        "org.orgunit.delete",
        client.post(f"/admin/org/orgunit/{unit.pk}/delete/", {"post": "yes"}),
        ok=(302,),
    )
    assert OrgUnit.objects.filter(pk=unit.pk).exists() != ("org.orgunit.delete" in points)

    # Administrator actions on users: reset password and unlock need "manage".
    client.post(
        "/admin/org/user/", {"action": "reset_passwords", "_selected_action": [target.pk], "index": 0}
    )
    target.refresh_from_db()
    if target.must_change_password != ("org.user.manage" in points):
        m.failures.append("reset password action")
    assert not m.failures, "\n".join(m.failures)


def test_only_a_super_user_may_grant_the_super_user_flag(demo_org):
    sz_admin = User.objects.get(username="sz_admin")
    cs = demo_org["departments"][("SZ", "cs")]
    response = api_client(sz_admin).post(
        "/api/v1/org/users/",
        {"username": "sneaky", "password": "Str0ng@Pass-1", "department": cs.pk, "is_superuser": True},
        format="json",
    )
    assert response.status_code == 400
    assert "is_superuser" in response.json()
    client = Client()
    client.force_login(sz_admin)
    assert 'name="is_superuser"' not in client.get("/admin/org/user/add/").content.decode()
    response = client.post(
        "/admin/org/user/add/",
        {"username": "sneaky2", "department": cs.pk, "is_superuser": "on", "is_active": "on", "_save": "1"},
    )
    assert response.status_code == 302  # created, but the flag is not a field of this form
    assert not User.objects.get(username="sneaky2").is_superuser
    assert not User.objects.filter(username="sneaky").exists()
    with pytest.raises(ServiceValidationError):
        services.user_create(actor=sz_admin, username="sneaky3", department=cs, is_superuser=True)


def test_anonymous_callers_get_nothing(demo_org):
    api = api_client()
    unit = demo_org["departments"][("SZ", "cs")]
    for method, path in (
        ("get", "/api/v1/org/units/"),
        ("get", f"/api/v1/org/units/{unit.pk}/"),
        ("post", "/api/v1/org/units/"),
        ("get", "/api/v1/org/roles/"),
        ("get", "/api/v1/org/users/"),
        ("get", "/api/v1/me/"),
        ("post", "/api/v1/me/company/"),
        ("post", "/api/v1/me/project-filter/"),
    ):
        assert getattr(api, method)(path).status_code in (401, 403), path
    for path in (
        "/admin/",
        "/admin/org/orgunit/",
        f"/admin/org/orgunit/{unit.pk}/change/",
        "/admin/org/-/workspace/company/",
    ):
        response = Client().get(path)
        assert response.status_code in (302, 405) and (
            response.status_code == 405 or "/admin/login/" in response["Location"]
        ), path

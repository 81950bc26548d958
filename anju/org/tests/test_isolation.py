"""Cross-company isolation through the staff UI and the API: another company's rows do not exist."""

import pytest
from django.test import Client

from anju.core.testing import api_client, make_project
from anju.org.models import OrgUnit, User

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_changelists_show_only_the_current_company(world):
    client = _client(world.user_a)
    units = client.get("/admin/org/orgunit/").content.decode()
    assert world.dept_a.name in units and world.dept_b.name not in units
    users = client.get("/admin/org/user/").content.decode()
    assert world.user_a.username in users and world.user_b.username not in users
    roles = client.get("/admin/org/role/").content.decode()
    assert world.role_a.name in roles and world.role_b.name not in roles
    # Searching for the other company's code does not find it either.
    found = client.get("/admin/org/orgunit/", {"q": world.dept_b.code}).content.decode()
    assert world.dept_b.name not in found


@pytest.mark.parametrize("model", ["orgunit", "role", "user"])
def test_other_company_admin_pages_are_404(world, model):
    other = {"orgunit": world.dept_b, "role": world.role_b, "user": world.user_b}[model]
    client = _client(world.user_a)
    for suffix in ("change/", "delete/", "history/"):
        response = client.get(f"/admin/org/{model}/{other.pk}/{suffix}")
        assert response.status_code == 404, suffix
    response = client.post(f"/admin/org/{model}/{other.pk}/delete/", {"post": "yes"})
    assert response.status_code == 404
    assert type(other).objects.filter(pk=other.pk).exists()


def test_other_company_rows_are_invisible_through_the_api(world):
    api = api_client(world.user_a)
    for path, other in (
        ("/api/v1/org/units/", world.dept_b),
        ("/api/v1/org/roles/", world.role_b),
        ("/api/v1/org/users/", world.user_b),
    ):
        ids = {row["id"] for row in api.get(path, {"page_size": 500}).json()["results"]}
        assert other.pk not in ids
        assert api.get(f"{path}{other.pk}/").status_code == 404
        assert api.patch(f"{path}{other.pk}/", {"name": "x"}, format="json").status_code == 404
        assert api.delete(f"{path}{other.pk}/").status_code == 404
    assert (
        api.post(f"/api/v1/org/units/{world.dept_b.pk}/move/", {"parent": world.dept_a.pk}).status_code == 404
    )
    assert (
        api.post(
            f"/api/v1/org/users/{world.user_b.pk}/reset-password/", {"password": "N3w@Pass!x"}
        ).status_code
        == 404
    )
    world.dept_b.refresh_from_db()
    assert world.dept_b.parent_id == world.company_b.pk


def test_references_to_another_company_are_refused_with_a_field_error(world):
    api = api_client(world.user_a)
    response = api.post(
        "/api/v1/org/units/",
        {"parent": world.company_b.pk, "kind": "department", "code": "X-1", "name": "越界"},
        format="json",
    )
    assert response.status_code == 400 and "parent" in response.json()
    response = api.post(
        "/api/v1/org/users/",
        {
            "username": "crossed",
            "password": "Str0ng@Pass-1",
            "department": world.dept_b.pk,
            "roles": [world.role_b.pk],
        },
        format="json",
    )
    assert response.status_code == 400 and {"department", "roles"} <= set(response.json())
    assert not OrgUnit.objects.filter(code="X-1").exists()
    assert not User.objects.filter(username="crossed").exists()
    # The admin's choice lists offer only the own company's units.
    form = _client(world.user_a).get("/admin/org/user/add/").content.decode()
    assert world.dept_a.name in form and world.dept_b.name not in form


def test_switching_company_only_to_a_workable_one(world):
    client = _client(world.user_a)
    response = client.post("/admin/org/-/workspace/company/", {"company": world.company_b.pk})
    assert response.status_code == 404
    world.user_a.refresh_from_db()
    assert world.user_a.current_company_id == world.company_a.pk
    response = api_client(world.user_a).post("/api/v1/me/company/", {"company": world.company_b.pk})
    assert response.status_code == 400 and "company" in response.json()


def test_a_group_user_switches_company_and_the_scope_follows(world):
    admin = world.superuser
    client = _client(admin)
    response = client.post(
        "/admin/org/-/workspace/company/", {"company": world.company_b.pk, "next": "/admin/org/orgunit/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/org/orgunit/"
    page = client.get("/admin/org/orgunit/").content.decode()
    assert world.dept_b.name in page and world.dept_a.name not in page
    assert client.get(f"/admin/org/orgunit/{world.dept_a.pk}/change/").status_code == 404
    # The header shows the switcher with the current company selected.
    assert f'<option value="{world.company_b.pk}" selected>' in page
    # Off-site "next" targets are ignored.
    response = client.post(
        "/admin/org/-/workspace/company/", {"company": world.company_a.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/admin/"


def test_project_filter_from_the_header(world):
    own = make_project(world.company_a, name="阳光小区")
    other = make_project(world.company_a, name="海景花园")
    foreign = make_project(world.company_b, name="乙项目")
    client = _client(world.user_a)
    page = client.get("/admin/").content.decode()
    assert "阳光小区" in page and "海景花园" in page and "乙项目" not in page
    client.post("/admin/org/-/workspace/projects/", {"projects": [own.pk]})
    world.user_a.refresh_from_db()
    assert world.user_a.project_filter == [own.pk]
    response = client.post("/admin/org/-/workspace/projects/", {"projects": [foreign.pk]}, follow=True)
    assert "所选项目中有您不可见的项目" in response.content.decode()
    world.user_a.refresh_from_db()
    assert world.user_a.project_filter == [own.pk]
    client.post("/admin/org/-/workspace/projects/", {"projects": [other.pk], "clear": "1"})
    world.user_a.refresh_from_db()
    assert world.user_a.project_filter == []
    assert client.get("/admin/org/-/workspace/projects/").status_code == 405

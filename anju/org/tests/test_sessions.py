"""Forced password change at first login (and after an administrator's reset); idle timeout."""

import re
import time

import pytest
from django.test import Client

from anju.core.models import OperationLog
from anju.core.testing import PASSWORD, make_user
from anju.org.models import User
from anju.system.models import Parameter
from anju.system.parameters import forget_parameters

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Brand-N3w@Secret"


def login(username, password) -> Client:
    client = Client()
    response = client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})
    assert response.status_code == 302, response.status_code
    return client


def test_first_login_forces_a_password_change(world):
    user = make_user(world.dept_a, [world.role_a], must_change_password=True)
    client = login(user.username, PASSWORD)
    for path in ("/admin/", "/admin/org/orgunit/", "/admin/org/-/workspace/company/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/admin/password_change/", path
    assert client.get("/admin/password_change/").status_code == 200
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/password_change/done/"
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(NEW_PASSWORD)
    assert OperationLog.objects.filter(object_id=str(user.pk), action="password").exists()
    assert client.get("/admin/").status_code == 200  # still signed in, free to work


def test_a_weak_new_password_is_refused_with_a_field_error(world):
    user = make_user(world.dept_a, [world.role_a], must_change_password=True)
    client = login(user.username, PASSWORD)
    response = client.post(
        "/admin/password_change/", {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"}
    )
    assert response.status_code == 200
    assert "密码" in response.content.decode()
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(PASSWORD)


def test_an_administrator_creates_a_user_with_a_generated_password(world):
    admin = Client()
    admin.force_login(world.user_a)
    response = admin.post(
        "/admin/org/user/add/",
        {
            "username": "newbie",
            "department": world.dept_a.pk,
            "roles": [world.role_a.pk],
            "is_active": "on",
            "_save": "1",
        },
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    match = re.search(r"newbie 的初始密码：(\S+?)（", text)
    assert match, text[:2000]
    user = User.objects.get(username="newbie")
    assert user.must_change_password and user.roles.get() == world.role_a
    client = login("newbie", match.group(1))
    assert client.get("/admin/")["Location"] == "/admin/password_change/"


def test_an_administrator_resets_a_password(world):
    user = make_user(world.dept_a, [])
    admin = Client()
    admin.force_login(world.user_a)
    response = admin.post(
        "/admin/org/user/",
        {"action": "reset_passwords", "_selected_action": [user.pk], "index": 0},
        follow=True,
    )
    match = re.search(rf"{user.username}: (\S+?)[<;\s]", response.content.decode())
    assert match
    user.refresh_from_db()
    assert user.must_change_password and not user.check_password(PASSWORD)
    client = login(user.username, match.group(1))
    assert client.get("/admin/org/user/")["Location"] == "/admin/password_change/"


def _idle(client, minutes):
    session = client.session
    session["anju_last_activity"] = int(time.time()) - minutes * 60
    session.save()


def test_idle_sessions_are_signed_out_after_the_company_parameter(world):
    client = login(world.user_a.username, PASSWORD)
    assert client.get("/admin/").status_code == 200
    _idle(client, 29)
    assert client.get("/admin/").status_code == 200  # default: 30 minutes
    _idle(client, 31)
    response = client.get("/admin/org/orgunit/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client.get("/admin/").status_code == 302  # really signed out

    Parameter.objects.create(company=world.company_a, key="security.idle_timeout_minutes", value=10)
    forget_parameters()  # what the parameter service does after a change
    client = login(world.user_a.username, PASSWORD)
    _idle(client, 9)
    assert client.get("/admin/").status_code == 200
    _idle(client, 11)
    assert client.get("/admin/").status_code == 302


def test_the_api_also_forces_the_password_change(world):
    from anju.core.testing import api_client

    user = make_user(world.dept_a, [world.role_a], must_change_password=True)
    token = api_client().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).json()
    assert token["must_change_password"] is True
    api = api_client()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    response = api.get("/api/v1/org/units/")
    assert response.status_code == 403 and "/api/v1/me/password/" in response.json()["detail"]
    assert api.get("/api/v1/me/").status_code == 200
    response = api.post("/api/v1/me/password/", {"old_password": "wrong", "new_password": NEW_PASSWORD})
    assert response.status_code == 400 and "old_password" in response.json()
    response = api.post("/api/v1/me/password/", {"old_password": PASSWORD, "new_password": "123"})
    assert response.status_code == 400 and "new_password" in response.json()
    response = api.post("/api/v1/me/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 204
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(NEW_PASSWORD)
    assert api.get("/api/v1/org/units/").status_code == 200
    assert OperationLog.objects.filter(object_id=str(user.pk), action="password").exists()

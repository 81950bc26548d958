"""Login by user name or mobile; 5 consecutive failures lock the account for 30 minutes, counted
across the web login and the API token endpoint; unlock by an administrator; every attempt logged."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from anju.core.testing import PASSWORD, api_client, make_user
from anju.org import services
from anju.system.models import LoginLog

pytestmark = pytest.mark.django_db

MOBILE = "13912345678"
LOCK_TEXT = "已被锁定 30 分钟"


@pytest.fixture
def staff(world):
    return make_user(world.dept_a, [world.role_a], mobile=MOBILE)


def ui_login(identifier, password, client=None):
    client = client or Client(HTTP_USER_AGENT="pytest-browser")
    return client.post("/admin/login/", {"username": identifier, "password": password, "next": "/admin/"})


def api_login(identifier, password):
    return api_client().post(
        "/api/v1/auth/token/", {"username": identifier, "password": password}, format="json"
    )


def assert_locked(identifier):
    response = ui_login(identifier, PASSWORD)
    assert response.status_code == 429
    assert LOCK_TEXT in response.content.decode()
    response = api_login(identifier, PASSWORD)
    assert response.status_code == 429
    assert response.json()["code"] == "locked"
    assert LOCK_TEXT in response.json()["detail"]


def assert_can_log_in(identifier):
    response = ui_login(identifier, PASSWORD)
    assert response.status_code == 302, response.status_code
    assert api_login(identifier, PASSWORD).status_code == 200


def test_login_by_user_name_or_mobile(staff):
    assert ui_login(staff.username, PASSWORD).status_code == 302
    assert ui_login(MOBILE, PASSWORD).status_code == 302
    response = api_login(MOBILE, PASSWORD)
    assert response.status_code == 200 and response.json()["token"]
    assert ui_login(staff.username, "wrong").status_code == 200  # the form again, with its error


def test_five_web_failures_lock_for_thirty_minutes(staff):
    for _attempt in range(4):
        assert ui_login(staff.username, "wrong-password").status_code == 200
    assert ui_login(staff.username, "wrong-password").status_code == 429
    assert_locked(staff.username)
    assert_locked(MOBILE)

    # 29 minutes later still locked; after 30 minutes the lock is over.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=29))
    assert_locked(staff.username)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert_can_log_in(staff.username)


def test_web_and_api_failures_by_name_or_mobile_count_together(staff):
    assert ui_login(staff.username, "bad-1").status_code == 200
    assert ui_login(MOBILE, "bad-2").status_code == 200
    assert api_login(staff.username, "bad-3").status_code in (401, 403)
    assert api_login(MOBILE, "bad-4").status_code in (401, 403)
    assert ui_login(MOBILE, PASSWORD).status_code == 302  # 4 failures: not yet locked; success resets
    for identifier, login in (
        (staff.username, ui_login),
        (MOBILE, api_login),
        (staff.username, api_login),
        (MOBILE, ui_login),
    ):
        login(identifier, "bad")
    assert ui_login(staff.username, PASSWORD).status_code == 302  # again only 4 since the success
    for identifier, login in (
        (staff.username, ui_login),
        (MOBILE, api_login),
        (staff.username, api_login),
        (MOBILE, ui_login),
        (MOBILE, api_login),
    ):
        login(identifier, "bad")
    assert_locked(staff.username)
    assert_locked(MOBILE)


def test_other_accounts_are_not_locked(world, staff):
    for _attempt in range(5):
        ui_login(staff.username, "bad")
    assert_locked(staff.username)
    assert ui_login(world.user_a.username, PASSWORD).status_code == 302


def test_an_administrator_unlocks_through_the_api(world, staff):
    for _attempt in range(5):
        api_login(MOBILE, "bad")
    assert_locked(staff.username)
    assert api_client(world.user_b).post(f"/api/v1/org/users/{staff.pk}/unlock/").status_code == 404
    assert api_client(world.user_a).post(f"/api/v1/org/users/{staff.pk}/unlock/").status_code == 204
    assert_can_log_in(MOBILE)


def test_an_administrator_unlocks_from_the_user_list(world, staff):
    for _attempt in range(5):
        ui_login(staff.username, "bad")
    assert_locked(MOBILE)
    admin = Client()
    admin.force_login(world.user_a)
    response = admin.post(
        "/admin/org/user/",
        {"action": "unlock_users", "_selected_action": [staff.pk], "index": 0},
        follow=True,
    )
    assert "已解锁" in response.content.decode()
    assert_can_log_in(staff.username)


def test_unlock_service_is_logged(world, staff):
    from anju.core.models import OperationLog

    services.user_unlock(actor=world.user_a, user=staff)
    row = OperationLog.objects.filter(object_id=str(staff.pk)).latest("id")
    assert row.actor == world.user_a and row.note


def test_every_attempt_is_in_the_login_log(staff):
    LoginLog.objects.all().delete()
    ui_login(staff.username, "bad")
    api_login(MOBILE, "bad")
    ui_login(MOBILE, PASSWORD)
    api_login(staff.username, PASSWORD)
    ui_login("nobody-here", "bad")
    rows = list(LoginLog.objects.order_by("id"))
    assert [(r.success, r.channel) for r in rows] == [
        (False, "web"),
        (False, "api"),
        (True, "web"),
        (True, "api"),
        (False, "web"),
    ]
    assert all(r.ip == "127.0.0.1" for r in rows)
    assert rows[0].user == staff and rows[0].user_agent == "pytest-browser"
    assert rows[1].user == staff  # a mobile number is resolved to its account
    assert rows[4].user is None and rows[4].username == "nobody-here"
    for _attempt in range(5):
        ui_login(staff.username, "bad")
    ui_login(staff.username, PASSWORD)
    assert LoginLog.objects.latest("id").reason == "locked"

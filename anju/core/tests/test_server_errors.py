"""Issue 11 item 5: requests that used to be server errors answer a 4xx (or a 503) naming the problem."""

import pytest
from django.test import Client

from anju.core import crud
from anju.core.services import ConflictError
from anju.core.testing import make_unit
from anju.org import services as org_services
from anju.org.choices import UnitKind
from anju.org.models import OrgUnit

pytestmark = pytest.mark.django_db


def _deleted_meanwhile(monkeypatch, name):
    """The service runs after someone else's DELETE of the same row committed (the race of a PATCH
    and a DELETE, made deterministic)."""
    original = getattr(org_services, name)

    def racing(*, actor, unit, **kwargs):
        OrgUnit.objects.filter(pk=unit.pk).delete()
        return original(actor=actor, unit=unit, **kwargs)

    monkeypatch.setattr(org_services, name, racing)


def test_lock_of_a_deleted_row_is_a_conflict(world):
    unit = make_unit(world.company_a, UnitKind.DEPARTMENT, "临时部门")
    OrgUnit.objects.filter(pk=unit.pk).delete()
    with pytest.raises(ConflictError):
        crud.lock(OrgUnit, unit.pk)


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_concurrent_delete_answers_409_not_500(world, api, monkeypatch, method):
    unit = make_unit(world.company_a, UnitKind.DEPARTMENT, "临时部门")
    _deleted_meanwhile(monkeypatch, "orgunit_update" if method == "patch" else "orgunit_delete")
    client = api(world.user_a)
    client.raise_request_exception = False
    url = f"/api/v1/org/units/{unit.pk}/"
    en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if method == "patch":
        response = client.patch(url, {"name": "改名"}, format="json", **en)
    else:
        response = client.delete(url, **en)
    assert response.status_code == 409, response.content
    assert "deleted" in response.json()["detail"]


def test_staff_edit_of_a_row_deleted_meanwhile_is_refused_not_500(world, monkeypatch):
    unit = make_unit(world.company_a, UnitKind.DEPARTMENT, "临时部门")
    _deleted_meanwhile(monkeypatch, "orgunit_delete")
    client = Client(raise_request_exception=False)
    client.force_login(world.user_a)
    response = client.post(f"/admin/org/orgunit/{unit.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-01T00:00:00-20:36",  # PostgreSQL: "time zone displacement out of range"
        "2026-01-01T00:00:00+15:00",
        "9999-12-31T23:59:59-10:00",  # past year 9999 in UTC: OverflowError on every database
        "0001-01-01T00:00:00+10:00",
    ],
)
def test_datetime_filter_with_an_impossible_offset_or_year_is_a_400_naming_it(world, api, value):
    client = api(world.superuser)
    client.raise_request_exception = False
    response = client.get("/api/v1/system/announcements/", {"published_on": value})
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["published_on"]


def test_datetime_filter_accepts_real_offsets(world, api):
    client = api(world.superuser)
    for value in ("2026-01-01T00:00:00-12:00", "2026-01-01T00:00:00+14:00", "2026-01-01T08:00:00Z"):
        assert client.get("/api/v1/system/announcements/", {"published_on": value}).status_code == 200


# --- NUL characters in text inputs -------------------------------------------------------------------


def test_nul_in_a_query_string_is_a_400_naming_the_parameter(world, api):
    """PostgreSQL cannot hold a NUL in text: ?q=%00 was a 500 there."""
    client = api(world.superuser)
    client.raise_request_exception = False
    response = client.get("/api/v1/customers/search/", {"q": "张\x00三"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json() == {"q": ["请删除文本中的 NUL 字符（\\0）。"]}
    assert client.get("/api/v1/org/units/", {"search": "\x00"}).status_code == 400
    staff = Client(raise_request_exception=False)
    staff.force_login(world.superuser)
    page = staff.get("/admin/org/orgunit/", {"q": "\x00"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400 and b"NUL" in page.content and b"q: " in page.content


def test_nul_in_a_staff_form_is_a_400_and_nothing_is_written(world):
    staff = Client(raise_request_exception=False)
    staff.force_login(world.superuser)
    before = OrgUnit.objects.count()
    response = staff.post(
        "/admin/org/orgunit/add/",
        {"name": "部门\x00", "kind": UnitKind.DEPARTMENT, "parent": world.company_a.pk},
    )
    assert response.status_code == 400 and b"name: " in response.content
    assert OrgUnit.objects.count() == before


@pytest.mark.parametrize("fmt", ["json", "multipart", "urlencoded"])
def test_nul_in_an_api_body_is_a_400_naming_the_field(world, api, fmt):
    unit = make_unit(world.company_a, UnitKind.DEPARTMENT, "原名")
    client = api(world.superuser)
    client.raise_request_exception = False
    url = f"/api/v1/org/units/{unit.pk}/"
    if fmt == "urlencoded":
        response = client.patch(url, "name=%E6%94%B9%00", content_type="application/x-www-form-urlencoded")
    else:
        response = client.patch(url, {"name": "改\x00名"}, format=fmt)
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["name"]
    unit.refresh_from_db()
    assert unit.name == "原名"


def test_nul_deep_in_a_json_body_names_its_path(world, api):
    client = api(world.superuser)
    client.raise_request_exception = False
    response = client.post("/api/v1/org/units/", {"name": "x", "extra": [{"a": "\x00"}]}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["extra.0.a"]


# --- JSON nesting and body size ----------------------------------------------------------------------


@pytest.mark.parametrize("depth", [40, 900, 5000, 100000])
def test_deeply_nested_json_is_a_400_even_before_login(db, api, depth):
    """`[` × 5000 was a RecursionError (500) on every JSON endpoint, the token endpoint included."""
    client = api()
    client.raise_request_exception = False
    body = "[" * depth + "]" * depth
    response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "32" in response.json()["detail"]
    unclosed = client.post("/api/v1/auth/token/", "[" * depth, content_type="application/json")
    assert unclosed.status_code == 400


def test_reasonably_nested_json_is_accepted(db, api):
    from anju.core.api.parsers import JSONParser

    nested = [[[[{"a": [1, {"b": "c"}]}]]]]
    import io
    import json

    assert JSONParser().parse(io.BytesIO(json.dumps(nested).encode())) == nested


def test_an_oversized_json_body_is_a_413(db, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = api()
    client.raise_request_exception = False
    body = '{"username": "' + "a" * 2000 + '", "password": "x"}'
    response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 413


# --- a database that drops connections ---------------------------------------------------------------


@pytest.fixture
def dropping_database():
    """Every query fails the way a restarted or failed-over server fails it."""
    from django.db import OperationalError, connection

    def drop(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(drop):
        yield


def test_api_answers_503_with_retry_after_when_the_database_drops(world, dropping_database):
    from rest_framework.authtoken.models import Token

    from anju.core.testing import api_client

    token = Token.objects.model(user=world.superuser)  # built, not saved: the database is "down"
    client = api_client()
    client.raise_request_exception = False
    response = client.get(
        "/api/v1/org/units/", HTTP_AUTHORIZATION=f"Token {token.generate_key()}", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json()["code"] == "service_unavailable"
    assert "try again" in response.json()["detail"]


def test_staff_page_answers_503_with_retry_after_when_the_database_drops(world):
    from django.db import OperationalError, connection

    client = Client(raise_request_exception=False)
    client.force_login(world.superuser)

    def drop(execute, sql, params, many, context):
        raise OperationalError("terminating connection due to administrator command")

    with connection.execute_wrapper(drop):
        response = client.get("/admin/org/orgunit/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "text/html" in response["Content-Type"]
    assert "暂时无法使用" in response.content.decode()


def test_other_server_errors_stay_500(world, monkeypatch):
    from anju.org.api import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views.OrgUnitViewSet, "list", broken)
    client = Client(raise_request_exception=False)
    client.force_login(world.superuser)
    response = client.get("/api/v1/org/units/")
    assert response.status_code == 500 and "Retry-After" not in response

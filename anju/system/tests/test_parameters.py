import pytest
from django.test import Client

from anju.core.models import OperationLog
from anju.core.services import ConflictError, ServiceValidationError
from anju.core.testing import api_client, make_unit
from anju.org.choices import UnitKind
from anju.system import services
from anju.system.models import Parameter
from anju.system.parameters import DEFINITIONS, get_parameter

pytestmark = pytest.mark.django_db
KEY = "security.idle_timeout_minutes"


def _row(rows, key):
    return next(r for r in rows if r["key"] == key)


def test_api_lists_every_parameter_with_effective_values(world):
    client = api_client(world.user_a)
    rows = client.get("/api/v1/system/parameters/").json()
    assert {r["key"] for r in rows} == set(DEFINITIONS)
    row = _row(rows, KEY)
    assert row["value"] == 30 and row["is_own"] is False and row["inherited_from"] is None
    assert row["company"] == world.company_a.pk and row["version"] == 0


def test_set_inherit_and_reset(world):
    sub = make_unit(world.company_a, UnitKind.COMPANY, "甲子公司")
    services.parameter_set(actor=world.superuser, company=world.group, key=KEY, value=45)
    assert get_parameter(sub.pk, KEY) == 45
    client = api_client(world.user_a)
    response = client.put(f"/api/v1/system/parameters/{KEY}/", {"value": 60, "version": 0}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["value"] == 60 and response.json()["is_own"] is True
    assert response.json()["version"] == 1
    assert get_parameter(world.company_a.pk, KEY) == 60
    assert get_parameter(sub.pk, KEY) == 60  # inherits from the nearest ancestor
    assert get_parameter(world.company_b.pk, KEY) == 45
    sub_row = _row(client.get(f"/api/v1/system/parameters/?company={sub.pk}").json(), KEY)
    assert sub_row["inherited_from"] == world.company_a.pk
    response = client.post(f"/api/v1/system/parameters/{KEY}/reset/", {"version": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["value"] == 45 and response.json()["inherited_from"] == world.group.pk
    assert get_parameter(world.company_a.pk, KEY) == 45
    assert not Parameter.objects.filter(company=world.company_a, key=KEY).exists()
    assert OperationLog.objects.filter(content_type__model="parameter", company=world.company_a).count() == 2
    again = client.post(f"/api/v1/system/parameters/{KEY}/reset/", {}, format="json")
    assert again.status_code == 400


def test_invalid_values_are_400_naming_the_field(world):
    client = api_client(world.user_a)
    for value in ("abc", 2, 100000):
        response = client.put(f"/api/v1/system/parameters/{KEY}/", {"value": value}, format="json")
        assert response.status_code == 400 and "value" in response.json(), response.content
    response = client.put(
        "/api/v1/system/parameters/customer.matching_mode/", {"value": "email"}, format="json"
    )
    assert response.status_code == 400 and "value" in response.json()
    response = client.put("/api/v1/system/parameters/logs.retention_days/", {"value": 100}, format="json")
    assert response.status_code == 400  # never under six months
    assert client.get("/api/v1/system/parameters/no.such.key/").status_code == 404
    assert not Parameter.objects.exists()


def test_stale_version_is_a_conflict(world):
    services.parameter_set(actor=world.superuser, company=world.company_a, key=KEY, value=40)
    client = api_client(world.user_a)
    response = client.put(f"/api/v1/system/parameters/{KEY}/", {"value": 50, "version": 0}, format="json")
    assert response.status_code == 409
    with pytest.raises(ConflictError):
        services.parameter_set(
            actor=world.superuser, company=world.company_a, key=KEY, value=50, expected_version=7
        )
    with pytest.raises(ServiceValidationError):
        services.parameter_set(actor=world.superuser, company=world.dept_a, key=KEY, value=50)
    assert get_parameter(world.company_a.pk, KEY) == 40


def test_other_company_parameters_are_invisible(world):
    services.parameter_set(actor=world.superuser, company=world.company_b, key=KEY, value=90)
    client = api_client(world.user_a)
    assert client.get(f"/api/v1/system/parameters/?company={world.company_b.pk}").status_code == 404
    response = client.put(
        f"/api/v1/system/parameters/{KEY}/?company={world.company_b.pk}", {"value": 10}, format="json"
    )
    assert response.status_code == 404
    assert get_parameter(world.company_b.pk, KEY) == 90
    page = Client()
    page.force_login(world.user_a)
    assert page.get(f"/admin/system/-/parameters/?company={world.company_b.pk}").status_code == 404


def test_staff_pages_list_and_edit(world):
    client = Client()
    client.force_login(world.user_a)
    page = client.get("/admin/system/-/parameters/")
    assert page.status_code == 200
    assert "logs.retention_days" in page.content.decode()
    url = f"/admin/system/-/parameters/{KEY}/?company={world.company_a.pk}"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"value": "1", "version": "0", "company": world.company_a.pk})
    assert bad.status_code == 200  # the form again, with the error
    assert not Parameter.objects.exists()
    ok = client.post(url, {"value": "120", "version": "0", "company": world.company_a.pk})
    assert ok.status_code == 302
    assert get_parameter(world.company_a.pk, KEY) == 120
    reset = client.post(url, {"reset": "1", "version": "1", "company": world.company_a.pk})
    assert reset.status_code == 302
    assert get_parameter(world.company_a.pk, KEY) == 30


@pytest.mark.parametrize(
    "key,value",
    [
        ("security.idle_timeout_minutes", ["x"]),
        ("security.idle_timeout_minutes", {"a": 1}),
        ("security.idle_timeout_minutes", 30.5),
        ("security.idle_timeout_minutes", True),
        ("security.idle_timeout_minutes", "1e999"),
        ("customer.matching_mode", ["name_id"]),
        ("customer.matching_mode", None),
    ],
)
def test_odd_json_values_are_400_not_500(world, key, value):
    response = api_client(world.user_a).put(
        f"/api/v1/system/parameters/{key}/", {"value": value}, format="json"
    )
    assert response.status_code == 400 and "value" in response.json()

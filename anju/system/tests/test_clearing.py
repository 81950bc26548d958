from pathlib import Path

import pytest
from django.test import Client, override_settings

from anju.core.choices import LogAction
from anju.core.models import OperationLog
from anju.core.services import ServiceValidationError
from anju.core.testing import api_client, make_project, make_role, make_unit, make_user
from anju.customers.models import Customer
from anju.estates.models import Building, Project, Room, UnitType
from anju.org.choices import UnitKind
from anju.system import backup, clearing, services
from anju.system.models import Announcement

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world):
    sub = make_unit(world.company_a, UnitKind.COMPANY, "甲子公司")
    for company, n in ((world.company_a, 2), (sub, 1), (world.company_b, 3)):
        for i in range(n):
            Customer.objects.create(company=company, code=f"C{company.pk}-{i}", name=f"客户{i}")
    parent = make_project(world.company_a)
    make_project(world.company_a, parent=parent)  # a phase: PROTECTed parent link
    make_project(world.company_b)
    services.announcement_create(actor=world.superuser, company=world.company_a, title="a", body="a")
    services.announcement_create(actor=world.superuser, company=world.company_b, title="b", body="b")
    return sub


def test_counts_per_category_and_subtree(world, data):
    counts = services.clearing_counts(world.company_a, ["customers", "basedata"])
    assert {k: v for k, v in counts["customers"].items() if v} == {str(Customer._meta.verbose_name_plural): 3}
    assert counts["basedata"][str(Project._meta.verbose_name_plural)] == 2
    response = api_client(world.user_a).get(
        f"/api/v1/system/data-clearing/?company={world.company_a.pk}&categories=customers"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["second_confirmation_required"] is True  # tests run with DEBUG off
    counts = body["categories"][0]["counts"]
    assert {k: v for k, v in counts.items() if v} == {str(Customer._meta.verbose_name_plural): 3}
    other = api_client(world.user_a).get(f"/api/v1/system/data-clearing/?company={world.company_b.pk}")
    assert other.status_code == 404


@override_settings(DEBUG=False)
def test_production_needs_a_second_confirmation(world, data, django_capture_on_commit_callbacks):
    with pytest.raises(ServiceValidationError) as exc:
        services.data_clear(
            actor=world.user_a,
            company=world.company_a,
            categories=["customers"],
            confirm_name=world.company_a.name,
        )
    assert "confirm_production" in exc.value.errors
    assert Customer.objects.count() == 6
    response = api_client(world.user_a).post(
        "/api/v1/system/data-clearing/",
        {"company": world.company_a.pk, "categories": ["customers"], "confirm_name": world.company_a.name},
        format="json",
    )
    assert response.status_code == 400 and "confirm_production" in response.json()
    assert Customer.objects.count() == 6
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(world.user_a).post(
            "/api/v1/system/data-clearing/",
            {
                "company": world.company_a.pk,
                "categories": ["customers", "basedata", "announcements", "service", "room_customers"],
                "confirm_name": world.company_a.name,
                "confirm_production": True,
            },
            format="json",
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["deleted"]["customers.customer"] == 3 and body["deleted"]["estates.project"] == 2
    assert Path(body["backup_path"]).exists()  # published at commit
    assert backup.read_header(body["backup_path"])["format"] == "anju-backup"
    # Only company A's subtree is cleared.
    assert set(Customer.objects.values_list("company_id", flat=True)) == {world.company_b.pk}
    assert Project.objects.filter(company=world.company_b).count() == 1
    assert Announcement.objects.filter(company=world.company_b).count() == 1
    log = OperationLog.objects.filter(action=LogAction.CLEAR).latest("id")
    assert log.actor == world.user_a and body["backup_path"] in log.note


@override_settings(DEBUG=True)
def test_confirmation_name_and_permission(world, data, django_capture_on_commit_callbacks):
    with pytest.raises(ServiceValidationError) as exc:
        services.data_clear(
            actor=world.user_a, company=world.company_a, categories=["customers"], confirm_name="甲"
        )
    assert "confirm_name" in exc.value.errors
    with pytest.raises(ServiceValidationError) as exc:
        services.data_clear(actor=world.user_a, company=world.company_a, categories=[], confirm_name="甲公司")
    assert "categories" in exc.value.errors
    viewer = make_user(world.dept_a, [make_role(world.company_a, points=["system.dataclearing.view"])])
    response = api_client(viewer).post(
        "/api/v1/system/data-clearing/",
        {"company": world.company_a.pk, "categories": ["customers"], "confirm_name": world.company_a.name},
        format="json",
    )
    assert response.status_code == 403
    assert (
        api_client(viewer).get(f"/api/v1/system/data-clearing/?company={world.company_a.pk}").status_code
        == 200
    )
    # In development no second confirmation is needed.
    with django_capture_on_commit_callbacks(execute=True):
        result = services.data_clear(
            actor=world.user_a,
            company=data,
            categories=["customers", "service", "room_customers"],
            confirm_name=data.name,
        )
    assert {k: v for k, v in result.deleted.items() if v} == {"customers.customer": 1}
    assert Path(result.backup_path).exists()


@override_settings(DEBUG=True)
def test_protected_references_refuse_cleanly(world, data):
    clearing.register_category("projects_only", "projects only", [("estates.Project", "company")], order=999)
    try:
        project = make_project(world.company_a)
        Building.objects.create(project=project, code="B1", name="1栋")  # cascades with its project
        unit_type = UnitType.objects.create(project=project, code="U1", name="A")
        # A room of company B's project uses company A's unit type (PROTECT): clearing must refuse.
        Room.objects.create(project=make_project(world.company_b), code="R1", unit_type=unit_type)
        before = Project.objects.count()
        with pytest.raises(ServiceValidationError) as exc:
            services.data_clear(
                actor=world.user_a,
                company=world.company_a,
                categories=["projects_only"],
                confirm_name="甲公司",
            )
        assert "categories" in exc.value.errors
        assert Project.objects.count() == before  # nothing half-deleted
        assert Building.objects.filter(project=project).exists()
    finally:
        clearing.CATEGORIES.pop("projects_only")


@override_settings(DEBUG=True)
def test_staff_page_preview_and_clear(world, data):
    client = Client()
    client.force_login(world.user_a)
    assert client.get("/admin/system/-/data-clearing/").status_code == 200
    preview = client.get(
        "/admin/system/-/data-clearing/", {"company": world.company_a.pk, "categories": ["customers"]}
    )
    assert preview.status_code == 200 and "anju-clearing-preview" in preview.content.decode()
    wrong = client.post(
        "/admin/system/-/data-clearing/",
        {"company": world.company_a.pk, "categories": ["customers"], "confirm_name": "nope"},
    )
    assert wrong.status_code == 200 and Customer.objects.count() == 6
    done = client.post(
        "/admin/system/-/data-clearing/",
        {
            "company": world.company_a.pk,
            "categories": ["customers", "service", "room_customers"],
            "confirm_name": world.company_a.name,
        },
    )
    assert done.status_code == 200
    html = done.content.decode()
    assert "anju-clearing-result" in html and ".jsonl.gz" in html
    assert Customer.objects.count() == 3
    nobody = make_user(world.dept_a, [make_role(world.company_a, points=[])])
    client.force_login(nobody)
    assert client.get("/admin/system/-/data-clearing/").status_code == 403

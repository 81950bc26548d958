import pytest

from anju.core.services import ServiceValidationError
from anju.core.testing import make_project, make_role, make_user
from anju.service import services
from anju.service.models import AcceptanceShare, ComplaintTopic, Contractor, ContractorScope, ProblemCategory
from anju.service.tests.conftest import new_task
from anju.tasks.models import EscalationStep, WorkingHours

pytestmark = pytest.mark.django_db


def test_reference_rows_bind_only_to_the_staff_members_companies_and_projects(svc, client):
    world = svc.world
    a, b = world.company_a, world.company_b
    project_b = make_project(b)
    admin_a = make_user(world.dept_a, [make_role(a)], all_projects=True)
    client.force_login(admin_a)
    contractor_a = Contractor.objects.create(company=a, code="CA", name="甲施工")
    category = ProblemCategory.objects.filter(parent__isnull=True).first()

    def refused(url, data, model, **lookup):
        r = client.post(url, data)
        assert r.status_code == 200, (url, r.status_code)  # the form again, with the message
        assert not model.objects.filter(**lookup).exists(), url

    refused(
        "/admin/tasks/escalationstep/add/",
        {"company": b.pk, "level": 7, "target": "acceptor", "after_hours": 2},
        EscalationStep,
        company=b,
    )
    refused(
        "/admin/service/contractor/add/",
        {"company": b.pk, "code": "CB", "name": "乙施工"},
        Contractor,
        company=b,
    )
    refused(
        "/admin/service/contractorscope/add/",
        {"contractor": contractor_a.pk, "project": project_b.pk, "category": category.pk},
        ContractorScope,
        project=project_b,
    )
    refused(
        "/admin/tasks/workinghours/add/",
        {
            "company": b.pk,
            "morning_start": "08:00",
            "morning_end": "12:00",
            "afternoon_start": "13:00",
            "afternoon_end": "17:00",
        },
        WorkingHours,
        company=b,
    )
    refused(
        "/admin/service/acceptanceshare/add/",
        {"project": project_b.pk, "company": a.pk},
        AcceptanceShare,
        project=project_b,
    )
    refused(
        "/admin/service/complainttopic/add/",
        {"project": project_b.pk, "title": "乙的专题", "is_active": "on"},
        ComplaintTopic,
        project=project_b,
    )
    # The own company is fine.
    r = client.post(
        "/admin/tasks/escalationstep/add/",
        {"company": a.pk, "level": 7, "target": "acceptor", "after_hours": 2},
    )
    assert r.status_code == 302 and EscalationStep.objects.filter(company=a, level=7).exists()
    # Straight through the service too (API, imports).
    with pytest.raises(ServiceValidationError) as exc:
        services.escalationstep_create(actor=admin_a, company=b, level=8, target="acceptor", after_hours=1)
    assert "company" in exc.value.errors
    # Compensation paid by another company's contractor: refused.
    task = new_task(svc)
    contractor_b = Contractor.objects.create(company=b, code="CB", name="乙施工")
    with pytest.raises(ServiceValidationError) as exc:
        services.compensation_create(
            actor=svc.acceptor,
            task=task,
            kind="cash",
            amount=100,
            payer="contractor",
            contractor=contractor_b,
        )
    assert "contractor" in exc.value.errors

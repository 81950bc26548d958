import pytest

from anju.core.services import ServiceValidationError
from anju.core.testing import make_user
from anju.service import services
from anju.service.admin import TransitionForm
from anju.service.models import Contractor
from anju.service.tests.conftest import new_task

pytestmark = pytest.mark.django_db


def test_a_task_is_assigned_only_inside_its_accepting_company(svc, api):
    world = svc.world
    task = new_task(svc, auto_assign=False)
    url = f"/api/v1/service/tasks/{task.pk}/transitions/"
    body = {"action": "assign", "responsible_kind": "department", "responsible_department": world.dept_b.pk}
    r = api(svc.acceptor).post(url, body, format="json")
    assert r.status_code == 400 and "responsible_department" in r.json()
    # Even someone who sees every company cannot hand the task to another company.
    boss = world.superuser
    r = api(boss).post(url, body, format="json")
    assert r.status_code == 400 and "responsible_department" in r.json(), r.content
    for kind, field, value in (
        ("person", "responsible_user", make_user(world.dept_b, [world.role_b])),
        (
            "contractor",
            "responsible_contractor",
            Contractor.objects.create(company=world.company_b, code="C", name="乙施工"),
        ),
    ):
        with pytest.raises(ServiceValidationError) as exc:
            services.task_transition(
                actor=boss, task=task, action="assign", assignment={"kind": kind, kind_key(kind): value}
            )
        assert field in exc.value.errors
    task.refresh_from_db()
    assert task.status == "pending_assignment" and task.responsible_department_id is None
    # Inside the company: fine.
    r = api(svc.acceptor).post(
        url,
        {"action": "assign", "responsible_kind": "department", "responsible_department": svc.eng.pk},
        format="json",
    )
    assert r.status_code == 200, r.content
    # The staff form offers only the user's companies' departments.
    choices = TransitionForm(user=svc.acceptor).fields["responsible_department"].queryset
    assert svc.eng in choices and world.dept_b not in choices


def kind_key(kind):
    return {"person": "user", "contractor": "contractor", "department": "department"}[kind]

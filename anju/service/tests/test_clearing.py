import pytest

from anju.service import selectors
from anju.service.models import Reception
from anju.system import services as system_services
from anju.tasks.models import Task, TaskCounter

from .conftest import new_task

pytestmark = pytest.mark.django_db


def test_clearing_a_company_removes_its_service_rows_before_the_base_data_and_recounts(svc):
    new_task(svc)
    new_task(svc)
    assert sum(selectors.task_progress(svc.supervisor, mine=False).values()) == 2
    result = system_services.data_clear(
        actor=svc.world.superuser,
        company=svc.world.company_a,
        categories=["basedata", "service", "room_customers"],
        confirm_name=svc.world.company_a.name,
        confirm_production=True,
    )
    assert result.deleted["tasks.task"] == 2 and result.deleted["service.reception"] == 2
    assert not Task.objects.exists() and not Reception.objects.exists()
    assert not TaskCounter.objects.filter(n__gt=0).exists()
    assert sum(selectors.task_progress(svc.supervisor, mine=False).values()) == 0


def test_base_data_alone_is_refused_while_tasks_refer_to_it(svc):
    from anju.core.services import ServiceValidationError

    new_task(svc)
    with pytest.raises(ServiceValidationError) as exc:
        system_services.data_clear(
            actor=svc.world.superuser,
            company=svc.world.company_a,
            categories=["basedata"],
            confirm_name=svc.world.company_a.name,
            confirm_production=True,
        )
    assert "categories" in exc.value.errors
    assert Task.objects.count() == 1

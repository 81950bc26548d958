import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from anju.core.testing import make_project, make_role, make_unit, make_user
from anju.org.choices import DataRange, UnitKind


def aware(y, m, d, hh=10, mm=0):
    return timezone.make_aware(datetime.datetime(y, m, d, hh, mm))


@dataclass
class Svc:
    world: object
    project: object
    project_b: object
    building: object
    room: object
    room2: object
    public_room: object
    eng: object
    cs: object
    acceptor: object
    engineer1: object
    engineer2: object
    supervisor: object
    agent_role: object
    problem: object
    urgent_problem: object
    service_problem: object


@pytest.fixture
def svc(world):
    from anju.estates.models import Building, Room
    from anju.service.models import Problem

    company = world.company_a
    project = make_project(
        company, completion_date=datetime.date(2024, 1, 10), delivery_date=datetime.date(2024, 6, 1)
    )
    project_b = make_project(company)
    building = Building.objects.create(project=project, code="B1", name="1栋")
    room = Room.objects.create(
        project=project, building=building, code="1-101", delivery_date=datetime.date(2024, 6, 1)
    )
    room2 = Room.objects.create(project=project, building=building, code="1-102")
    public_room = Room.objects.create(project=project, code="公共区域", is_virtual=True)
    eng = make_unit(company, UnitKind.DEPARTMENT, "工程部")
    cs = world.dept_a
    from anju.core.registry import permissions

    agent_role = make_role(
        company,
        points=[p for p in permissions.points if p != "service.task.manage"],
        data_range=DataRange.SELF,
    )
    sup_role = make_role(company, data_range=DataRange.DEPT_AND_BELOW)
    acceptor = make_user(
        cs, [agent_role], all_projects=True, email="acceptor@example.com", mobile="13900000001"
    )
    engineer1 = make_user(eng, [agent_role], all_projects=True, email="e1@example.com", mobile="13900000002")
    engineer2 = make_user(eng, [agent_role], all_projects=True)
    supervisor = make_user(cs, [sup_role], all_projects=True, email="boss@example.com")
    cs.manager = supervisor
    cs.save(update_fields=["manager"])
    from anju.service.seed import seed

    seed()  # a transactional test before this one flushed the migration-seeded library
    problem = Problem.objects.get(name="空鼓")  # 室内装修 / 地面 / 空鼓: 1/2/7 working days, 工程部
    urgent = Problem.objects.get(name="水管爆裂")
    service_problem = Problem.objects.get(name="服务态度差")
    return Svc(
        world,
        project,
        project_b,
        building,
        room,
        room2,
        public_room,
        eng,
        cs,
        acceptor,
        engineer1,
        engineer2,
        supervisor,
        agent_role,
        problem,
        urgent,
        service_problem,
    )


def new_reception(svc, actor=None, **kw):
    from anju.service import services

    kw.setdefault("channel", "phone")
    kw.setdefault("content", "客厅地砖空鼓")
    kw.setdefault("room", svc.room)
    return services.reception_create(actor=actor or svc.acceptor, company=svc.world.company_a, **kw)


def new_task(svc, actor=None, reception=None, **kw):
    from anju.service import services

    reception = reception or new_reception(svc, actor)
    kw.setdefault("task_type", "complaint")
    kw.setdefault("problem", svc.problem)
    kw.setdefault("accepting_company", svc.world.company_a)
    kw.setdefault("acceptor", svc.acceptor)
    return services.task_create(
        actor=actor or svc.acceptor, reception=reception, room=kw.pop("room", reception.room), **kw
    )

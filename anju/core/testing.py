"""Factories and helpers shared by every context's tests (imported by the root conftest)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from rest_framework.test import APIClient

from anju.core.registry import permissions
from anju.org import services as org_services
from anju.org.choices import CompanyBusiness, DataRange, UnitKind
from anju.org.models import OrgUnit, Role, User

PASSWORD = "Test@Pass-2026"
_seq = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_seq)}"


def make_unit(parent: OrgUnit | None, kind: str, name: str | None = None, **fields) -> OrgUnit:
    code = unique(f"{kind[:3].upper()}-")
    return org_services.orgunit_create(
        actor=None, parent=parent, kind=kind, code=code, name=name or code, **fields
    )


def make_role(company: OrgUnit, points=None, data_range=DataRange.ALL, **fields) -> Role:
    if points is None:
        points = list(permissions.points)
    return org_services.role_create(
        actor=None,
        company=company,
        code=unique("role"),
        name=unique("角色"),
        permissions=list(points),
        data_range=data_range,
        **fields,
    )


def make_user(department: OrgUnit | None, roles=(), *, username=None, **fields) -> User:
    fields.setdefault("must_change_password", False)
    return org_services.user_create(
        actor=None,
        username=username or unique("user"),
        password=PASSWORD,
        department=department,
        roles=list(roles),
        **fields,
    )


def make_project(company: OrgUnit, *, users=(), **fields):
    from anju.estates.models import Project

    code = fields.pop("code", unique("P"))
    project = Project.objects.create(company=company, code=code, name=fields.pop("name", code), **fields)
    if users:
        project.assigned_users.add(*users)
    return project


@dataclass
class OrgWorld:
    """Two companies under one group, each with a department, an all-powerful role and a user."""

    group: OrgUnit
    company_a: OrgUnit
    company_b: OrgUnit
    dept_a: OrgUnit
    dept_b: OrgUnit
    role_a: Role
    role_b: Role
    user_a: User
    user_b: User
    superuser: User
    extra: dict = field(default_factory=dict)


def build_org_world() -> OrgWorld:
    group = make_unit(None, UnitKind.GROUP, "测试集团")
    company_a = make_unit(group, UnitKind.COMPANY, "甲公司")
    company_b = make_unit(group, UnitKind.COMPANY, "乙物业", business=CompanyBusiness.PROPERTY)
    dept_a = make_unit(company_a, UnitKind.DEPARTMENT, "甲客服部")
    dept_b = make_unit(company_b, UnitKind.DEPARTMENT, "乙客服部")
    role_a = make_role(company_a)
    role_b = make_role(company_b)
    user_a = make_user(dept_a, [role_a], all_projects=True)
    user_b = make_user(dept_b, [role_b], all_projects=True)
    it = make_unit(group, UnitKind.DEPARTMENT, "信息部")
    superuser = make_user(it, [], is_superuser=True, all_projects=True)
    return OrgWorld(group, company_a, company_b, dept_a, dept_b, role_a, role_b, user_a, user_b, superuser)


def api_client(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user=user)
    return client


def race(*calls, attempts: int = 200) -> list:
    """Run the callables at the same moment, one thread (so one connection and transaction) each, and
    return what each returned or the exception it raised, in order. For tests of conflicting writes
    (`@pytest.mark.django_db(transaction=True)`): on PostgreSQL the loser waits on the row lock and
    then finds the row moved; SQLite's shared-cache test database answers "table is locked" instead
    of waiting, so a thread retries like a client would."""
    import threading
    import time

    from django.db import OperationalError, connection

    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        try:
            for _attempt in range(attempts):
                try:
                    outcomes[i] = call()
                    return
                except OperationalError as exc:
                    if "locked" not in str(exc):
                        outcomes[i] = exc
                        return
                    time.sleep(0.01)
                except Exception as exc:  # the outcome under test
                    outcomes[i] = exc
                    return
            outcomes[i] = TimeoutError("still locked")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes

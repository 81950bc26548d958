"""A realistic two-company dataset for the sweeps: the product's own `manage.py demo` (every context's
demo builder) plus a few rows the demo does not make, all inside one transaction that is rolled back.

Company A is 深圳安居置业 (user `sz_admin`), company B is 上海安居置业 (user `sh_admin`): both users hold the
company's all-points administrator role with data range "all" and "may access all projects", so
anything B cannot see is hidden by the data scope, never by a missing permission point. The Shenzhen
project is shared to the property firm, never to Shanghai, so A's rows must not exist for B.
"""

from __future__ import annotations

import datetime
import io
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.management import call_command
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from anju.org.access import forget, scoped


@dataclass
class DemoWorld:
    user_a: Model
    user_b: Model
    superuser: Model
    company_a: Model
    company_b: Model
    extra: dict = field(default_factory=dict)

    def a_only(self, model) -> list[int]:
        """Primary keys of `model` rows user A sees and user B does not (newest first)."""
        forget(self.user_a)
        forget(self.user_b)
        hidden = scoped(self.user_b, model).values("pk")
        return list(
            scoped(self.user_a, model).exclude(pk__in=hidden).order_by("-pk").values_list("pk", flat=True)
        )


def _first(model, **filters):
    return model._default_manager.filter(**filters).order_by("pk").first()


def _add_rows_the_demo_lacks(world: DemoWorld) -> None:
    """One row of company A for models the demo leaves empty, so every scoped route is exercised."""
    from anju.core.models import SavedView
    from anju.customers.models import Contact, Customer, MergeLog, TransferLog
    from anju.estates.choices import ImportStatus
    from anju.estates.models import Project, RoomImport
    from anju.service import choices as sc
    from anju.service.models import AcceptanceShare, Callback, Delivery, Notification
    from anju.system.models import LoginLog
    from anju.tasks.models import EscalationStep, Task, WorkingHours

    a, company = world.user_a, world.company_a
    customers = list(Customer.objects.filter(company=company).order_by("pk")[:2])
    project = _first(Project, company=company)
    task = _first(Task, project=project)
    now = timezone.now()
    if customers and not Contact.objects.filter(customer__company=company).exists():
        Contact.objects.create(customer=customers[0], name="联系人甲", position="经理")
    if not SavedView.objects.filter(owner=a).exists():
        SavedView.objects.create(owner=a, list_key="customers.customer", name="甲的视图", query="q=甲")
    if not LoginLog.objects.filter(company=company).exists():
        LoginLog.objects.create(username=a.username, user=a, company=company, success=True, ip="10.0.0.1")
    if not RoomImport.objects.filter(company=company).exists():
        RoomImport.objects.create(
            company=company, file_name="甲房源.xlsx", status=ImportStatus.values[0], created_by=a
        )
    if len(customers) == 2 and not MergeLog.objects.filter(company=company).exists():
        MergeLog.objects.create(company=company, kept=customers[0], merged=customers[1], actor=a)
    if customers and not TransferLog.objects.filter(customer__company=company).exists():
        TransferLog.objects.create(customer=customers[0], reason="交接", actor=a)
    if not Notification.objects.filter(recipient=a).exists():
        Notification.objects.create(recipient=a, template="test", title="甲的通知", body="正文", task=task)
    if not Delivery.objects.filter(notification__recipient=a).exists():
        Delivery.objects.create(
            notification=Notification.objects.filter(recipient=a).first(),
            channel="email",
            address="a@example.com",
            status="failed",
        )
    if task and not Callback.objects.filter(project=project).exists():
        Callback.objects.create(task=task, project=project, due_at=now + datetime.timedelta(days=1))
    if project and not AcceptanceShare.objects.filter(project=project).exists():
        AcceptanceShare.objects.create(project=project, company=company)
    if not WorkingHours.objects.filter(company=company).exists():
        WorkingHours.objects.create(company=company)
    if not EscalationStep.objects.filter(company=company).exists():
        EscalationStep.objects.create(
            company=company, level=1, target=sc.EscalationTarget.values[0], after_hours=4
        )


def build_demo_world() -> DemoWorld:
    from anju.org.models import OrgUnit, User

    call_command("demo", stdout=io.StringIO())
    world = DemoWorld(
        user_a=User.objects.get(username="sz_admin"),
        user_b=User.objects.get(username="sh_admin"),
        superuser=User.objects.get(username="admin"),
        company_a=OrgUnit.objects.get(code="AJ-SZ"),
        company_b=OrgUnit.objects.get(code="AJ-SH"),
    )
    _add_rows_the_demo_lacks(world)
    return world


@contextmanager
def demo_world_loaded(django_db_blocker):
    """Load the demo once for a module; everything is rolled back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_demo_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

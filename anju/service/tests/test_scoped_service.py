"""Generated permission, scope and CRUD tests of the service context and the task engine's settings
(anju.core.testing_scoped)."""

import datetime
import itertools

from django.utils import timezone

from anju.core.testing import make_unit, unique
from anju.core.testing_scoped import ScopedAdminTestCase, ScopedAPITestCase
from anju.estates.models import Room
from anju.org.choices import UnitKind
from anju.service import services
from anju.service.models import (
    AcceptanceShare,
    Callback,
    Compensation,
    ComplaintTopic,
    Contractor,
    ContractorContact,
    ContractorScope,
    Delivery,
    MessageTemplate,
    Notification,
    Problem,
    ProblemCategory,
    Reception,
    WarrantyElement,
)
from anju.tasks.models import CalendarDay, CalendarYear, EscalationStep, Task, WorkingHours

_days = itertools.count(1)
_years = itertools.count(2101)


def a_room(side) -> Room:
    return Room.objects.create(project=side.project, code=unique("R-"), is_virtual=True)


def a_reception(side) -> Reception:
    return services.reception_create(
        actor=side.user, company=side.company, room=a_room(side), content="客厅地砖空鼓", channel="phone"
    )


def a_category() -> ProblemCategory:
    return ProblemCategory.objects.create(code=unique("cat"), name=unique("部位"))


def a_task(side) -> Task:
    reception = a_reception(side)
    problem = Problem.objects.create(part=a_category(), code=unique("pb"), name=unique("问题"))
    return services.task_create(
        actor=side.user,
        reception=reception,
        room=reception.room,
        task_type="complaint",
        problem=problem,
        accepting_company=side.company,
        acceptor=side.user,
    )


def a_subsidiary(side):
    """A new company under the side's company (rows unique per company get their own)."""
    return make_unit(side.company, UnitKind.COMPANY, unique("子公司"))


def a_contractor(side) -> Contractor:
    return Contractor.objects.create(company=side.company, code=unique("CT"), name=unique("施工单位"))


class TestReception(ScopedAPITestCase, ScopedAdminTestCase):
    """Reception records are kept (DELETE answers 400 with the reason; their tasks are voided)."""

    model = Reception
    url = "/api/v1/service/receptions/"
    point = "service.reception"
    can_delete = False
    admin_can_delete = False

    def create_data(self, side):
        return {"room": a_room(side).pk, "content": "卫生间漏水", "channel": "phone"}

    def update_data(self, side, obj):
        return {"content": "卫生间漏水（已补充）"}


class TestTask(ScopedAPITestCase, ScopedAdminTestCase):
    """Tasks move only through their transitions (anju/service/tests/test_workflow.py)."""

    model = Task
    url = "/api/v1/service/tasks/"
    point = "service.task"
    can_update = False
    can_delete = False
    admin_can_add = False  # made by decomposing a reception
    admin_can_delete = False

    def make(self, side):
        return a_task(side)


class TestCallback(ScopedAPITestCase, ScopedAdminTestCase):
    """Callbacks are due when a task closes; they are recorded or waived, never edited."""

    model = Callback
    url = "/api/v1/service/callbacks/"
    point = "service.callback"
    can_update = False
    can_delete = False
    admin_can_add = False
    admin_can_delete = False

    def make(self, side):
        task = a_task(side)
        return Callback.objects.create(
            task=task, project=task.project, due_at=timezone.now() + datetime.timedelta(days=1)
        )


class TestCompensation(ScopedAPITestCase, ScopedAdminTestCase):
    """Compensations are decided (approve / reject), never edited or deleted."""

    model = Compensation
    url = "/api/v1/service/compensations/"
    point = "service.compensation"
    can_update = False
    can_delete = False
    admin_can_delete = False

    def create_data(self, side):
        return {"task": a_task(side).pk, "kind": "cash", "amount": "200.00", "payer": "developer"}


class TestComplaintTopic(ScopedAPITestCase, ScopedAdminTestCase):
    model = ComplaintTopic
    url = "/api/v1/service/topics/"
    point = "service.topic"
    implicit_scope = True  # the creator's current company

    def create_data(self, side):
        return {"title": unique("群诉")}

    def update_data(self, side, obj):
        return {"title": unique("群诉改")}


class TestNotification(ScopedAPITestCase, ScopedAdminTestCase):
    model = Notification
    url = "/api/v1/service/notifications/"
    point = None  # one's own inbox (the staff list needs service.task.view)
    can_update = False
    can_delete = False
    admin_can_add = False
    admin_can_delete = False

    def make(self, side):
        return Notification.objects.create(recipient=side.user, template="test", title=unique("通知"))


class TestDelivery(ScopedAPITestCase, ScopedAdminTestCase):
    """The e-mail/SMS deliveries of one's own notifications; sent by the outbox, never edited here."""

    model = Delivery
    url = "/api/v1/service/deliveries/"
    point = None  # the inbox's scope: one's own
    can_update = False
    can_delete = False
    admin_can_add = False
    admin_can_delete = False

    def make(self, side):
        notification = Notification.objects.create(recipient=side.user, template="test", title=unique("通知"))
        return Delivery.objects.create(notification=notification, channel="email", address="a@example.com")


class TestProblemCategory(ScopedAPITestCase, ScopedAdminTestCase):
    model = ProblemCategory
    url = "/api/v1/service/problem-categories/"
    point = "service.problem"

    def create_data(self, side):
        return {"code": unique("cat"), "name": unique("部位")}

    def update_data(self, side, obj):
        return {"name": unique("新部位")}


class TestProblem(ScopedAPITestCase, ScopedAdminTestCase):
    model = Problem
    url = "/api/v1/service/problems/"
    point = "service.problem"

    def create_data(self, side):
        return {"part": a_category().pk, "code": unique("pb"), "name": unique("问题")}

    def update_data(self, side, obj):
        return {"name": unique("新问题")}


class TestWarrantyElement(ScopedAPITestCase, ScopedAdminTestCase):
    model = WarrantyElement
    url = "/api/v1/service/warranty-elements/"
    point = "service.problem"

    def create_data(self, side):
        return {"code": unique("we"), "name": unique("保修要素")}

    def update_data(self, side, obj):
        return {"name": unique("新要素")}


class TestContractor(ScopedAPITestCase, ScopedAdminTestCase):
    model = Contractor
    url = "/api/v1/service/contractors/"
    point = "service.contractor"

    def create_data(self, side):
        return {"company": side.company.pk, "code": unique("CT"), "name": unique("施工单位")}

    def update_data(self, side, obj):
        return {"name": unique("新施工单位")}


class TestContractorContact(ScopedAPITestCase):
    model = ContractorContact
    url = "/api/v1/service/contractor-contacts/"
    point = "service.contractor"

    def create_data(self, side):
        return {"contractor": a_contractor(side).pk, "name": unique("联系人")}

    def update_data(self, side, obj):
        return {"name": unique("新联系人")}


class TestContractorScope(ScopedAPITestCase, ScopedAdminTestCase):
    model = ContractorScope
    url = "/api/v1/service/contractor-scopes/"
    point = "service.contractor"

    def create_data(self, side):
        return {"contractor": a_contractor(side).pk, "project": side.project.pk, "category": a_category().pk}

    def update_data(self, side, obj):
        return {"category": a_category().pk}


class TestAcceptanceShare(ScopedAPITestCase, ScopedAdminTestCase):
    model = AcceptanceShare
    url = "/api/v1/service/acceptance-shares/"
    point = "service.settings"

    def create_data(self, side):
        return {"project": side.project.pk, "company": a_subsidiary(side).pk}

    def update_data(self, side, obj):
        return {}


class TestCalendarDay(ScopedAPITestCase, ScopedAdminTestCase):
    model = CalendarDay
    url = "/api/v1/service/calendar-days/"
    point = "service.settings"

    def create_data(self, side):
        return {
            "date": str(datetime.date(2099, 1, 1) + datetime.timedelta(days=next(_days))),
            "kind": "holiday",
        }

    def update_data(self, side, obj):
        return {"kind": "workday"}


class TestCalendarYear(ScopedAPITestCase, ScopedAdminTestCase):
    model = CalendarYear
    url = "/api/v1/service/calendar-years/"
    point = "service.settings"

    def create_data(self, side):
        return {"year": next(_years)}

    def update_data(self, side, obj):
        return {}


class TestWorkingHours(ScopedAPITestCase, ScopedAdminTestCase):
    model = WorkingHours
    url = "/api/v1/service/working-hours/"
    point = "service.settings"

    def create_data(self, side):
        return {"company": a_subsidiary(side).pk}  # one row per company

    def update_data(self, side, obj):
        return {}


class TestEscalationStep(ScopedAPITestCase, ScopedAdminTestCase):
    model = EscalationStep
    url = "/api/v1/service/escalation-steps/"
    point = "service.settings"

    def create_data(self, side):
        level = (EscalationStep.objects.filter(company=side.company).count() or 0) + 1
        return {"company": side.company.pk, "level": level + 100, "target": "supervisor", "after_hours": 4}

    def update_data(self, side, obj):
        return {"after_hours": 8}


class TestMessageTemplate(ScopedAPITestCase):
    model = MessageTemplate
    url = "/api/v1/service/message-templates/"
    point = "service.settings"

    def create_data(self, side):
        return {"code": unique("tpl"), "subject": "主题", "body": "正文"}

    def update_data(self, side, obj):
        return {"subject": "新主题"}

"""Generated permission, scope and CRUD tests of the customers context (anju.core.testing_scoped)."""

import itertools

from anju.core.testing import unique
from anju.core.testing_scoped import ScopedAdminTestCase, ScopedAPITestCase
from anju.customers import services
from anju.customers.choices import RelationRole
from anju.customers.models import (
    BankAccount,
    Contact,
    Customer,
    CustomerPhone,
    DuplicateLog,
    FamilyMember,
    MergeLog,
    RenameRequest,
    RoomCustomer,
    TransferLog,
    Vehicle,
)
from anju.estates import services as estates_services

_mobiles = itertools.count(13900000001)
_plates = itertools.count(10001)


class _ReadOnlyStaffList(ScopedAdminTestCase):
    """A staff list of rows edited elsewhere (a customer's tabs): no add, no delete of its own."""

    admin_can_add = False
    admin_can_delete = False


def a_customer(side) -> Customer:
    return services.customer_create(
        actor=side.user, company=side.company, name=unique("客户"), mobile=str(next(_mobiles))
    )


class TestCustomer(ScopedAPITestCase, ScopedAdminTestCase):
    model = Customer
    url = "/api/v1/customers/customers/"
    point = "customers.customer"
    implicit_scope = True  # the company is the creator's current company

    def create_data(self, side):
        return {"name": unique("客户"), "mobile": str(next(_mobiles))}

    def update_data(self, side, obj):
        return {"address": "新地址"}


class _CustomerChild(ScopedAPITestCase):
    point = "customers.customer"

    def create_data(self, side):
        return {"customer": a_customer(side).pk, **self.fields()}


class TestCustomerPhone(_CustomerChild):
    model = CustomerPhone
    url = "/api/v1/customers/phones/"

    def fields(self):
        return {"number": str(next(_mobiles))}

    def update_data(self, side, obj):
        return {"remarks": "备用"}


class TestContact(_CustomerChild):
    model = Contact
    url = "/api/v1/customers/contacts/"

    def fields(self):
        return {"name": unique("联系人"), "position": "经理"}

    def update_data(self, side, obj):
        return {"position": "总监"}


class TestFamilyMember(_CustomerChild, _ReadOnlyStaffList):
    model = FamilyMember
    url = "/api/v1/customers/family-members/"

    def fields(self):
        return {"relationship": "spouse", "name": unique("家属")}

    def update_data(self, side, obj):
        return {"relationship": "child"}


class TestBankAccount(_CustomerChild):
    model = BankAccount
    url = "/api/v1/customers/bank-accounts/"

    def fields(self):
        return {"account_name": "张三", "bank_name": "招商银行", "account_number": "6225880112345678"}

    def update_data(self, side, obj):
        return {"bank_name": "建设银行"}


class TestVehicle(_CustomerChild, _ReadOnlyStaffList):
    model = Vehicle
    url = "/api/v1/customers/vehicles/"

    def fields(self):
        return {"plate_number": f"粤B{next(_plates)}"}

    def update_data(self, side, obj):
        return {"color": "白色"}


class TestRoomCustomer(ScopedAPITestCase, ScopedAdminTestCase):
    """Relations are ended, moved or transferred by their own actions, never edited or deleted."""

    model = RoomCustomer
    url = "/api/v1/customers/relations/"
    point = "customers.relation"
    can_update = False
    can_delete = False
    admin_can_add = False  # move-ins are made from the room or the customer page
    admin_can_delete = False

    def create_data(self, side):
        room = estates_services.room_create_virtual(actor=side.user, project=side.project, code=unique("R"))
        customer = a_customer(side)
        return {
            "room": room.pk,
            "customer": customer.pk,
            "role": RelationRole.OWNER,
            "start_date": "2026-01-01",
        }


class TestRenameRequest(ScopedAPITestCase, ScopedAdminTestCase):
    """Requests are decided (approve / reject), never edited or deleted."""

    model = RenameRequest
    url = "/api/v1/customers/rename-requests/"
    point = "customers.renamerequest"
    can_update = False
    can_delete = False
    admin_can_delete = False

    def create_data(self, side):
        return {"customer": a_customer(side).pk, "new_name": unique("新名"), "reason": "证件更名"}


class _Log(ScopedAPITestCase, ScopedAdminTestCase):
    point = "customers.customer"
    can_update = False
    can_delete = False
    admin_can_add = False
    admin_can_delete = False


class TestDuplicateLog(_Log):
    model = DuplicateLog
    url = "/api/v1/customers/duplicate-logs/"
    read_points = ("customers.customer.approve",)  # read by whoever approves registrations

    def make(self, side):
        return DuplicateLog.objects.create(company=side.company, name=unique("重名"), mode="name")


class TestMergeLog(_Log):
    model = MergeLog
    url = "/api/v1/customers/merge-logs/"
    read_points = ("customers.customer.merge",)

    def make(self, side):
        return MergeLog.objects.create(
            company=side.company, kept=a_customer(side), merged=a_customer(side), actor=side.user
        )


class TestTransferLog(_Log):
    model = TransferLog
    url = "/api/v1/customers/transfer-logs/"

    def make(self, side):
        return TransferLog.objects.create(customer=a_customer(side), reason="交接", actor=side.user)

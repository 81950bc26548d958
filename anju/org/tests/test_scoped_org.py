"""Generated permission, scope and CRUD tests of the organisation context (anju.core.testing_scoped)."""

from anju.core.testing import PASSWORD, unique
from anju.core.testing_scoped import ScopedAdminTestCase, ScopedAPITestCase
from anju.org.choices import DataRange, UnitKind
from anju.org.models import OrgUnit, Role, User


class TestOrgUnit(ScopedAPITestCase, ScopedAdminTestCase):
    model = OrgUnit
    url = "/api/v1/org/units/"
    point = "org.orgunit"

    def create_data(self, side):
        code = unique("U-")
        return {"parent": side.department.pk, "kind": UnitKind.DEPARTMENT, "code": code, "name": code}

    def update_data(self, side, obj):
        return {"name": "改名的部门"}


class TestRole(ScopedAPITestCase, ScopedAdminTestCase):
    model = Role
    url = "/api/v1/org/roles/"
    point = "org.role"

    def create_data(self, side):
        return {
            "company": side.company.pk,
            "code": unique("r"),
            "name": unique("质检员"),
            "permissions": ["org.orgunit.view"],
            "data_range": DataRange.SELF,
        }

    def update_data(self, side, obj):
        return {"name": unique("新名称")}


class TestUser(ScopedAPITestCase, ScopedAdminTestCase):
    model = User
    url = "/api/v1/org/users/"
    point = "org.user"

    def create_data(self, side):
        return {"username": unique("staff"), "password": PASSWORD, "department": side.department.pk}

    admin_can_delete = False  # users are deactivated, never deleted (the changelist's action)

    def update_data(self, side, obj):
        return {"first_name": "新名"}

    def deleted(self, obj):
        return not User.objects.get(pk=obj.pk).is_active  # the API's DELETE deactivates

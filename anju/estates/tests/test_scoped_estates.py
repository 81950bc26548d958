"""Generated permission, scope and CRUD tests of the estates context (anju.core.testing_scoped)."""

from anju.core.testing import unique
from anju.core.testing_scoped import ScopedAdminTestCase, ScopedAPITestCase
from anju.estates.choices import ImportStatus, ShareAccess, TeamRole
from anju.estates.models import (
    Building,
    DecorationStandard,
    Project,
    ProjectShare,
    ProjectTeam,
    Room,
    RoomImport,
    TeamMember,
    UnitType,
    Zone,
)


class TestProject(ScopedAPITestCase, ScopedAdminTestCase):
    model = Project
    url = "/api/v1/estates/projects/"
    point = "estates.project"

    def create_data(self, side):
        code = unique("P")
        return {"company": side.company.pk, "code": code, "name": f"项目{code}"}

    def update_data(self, side, obj):
        return {"name": unique("新项目名")}

    def make(self, side):
        if side.project == side.world.project_shared:
            return side.project  # the project company B may only read
        return super().make(side)


class TestProjectShare(ScopedAPITestCase, ScopedAdminTestCase):
    model = ProjectShare
    url = "/api/v1/estates/project-shares/"
    point = "estates.project"

    def create_data(self, side):
        # Shared with a third company: sharing with B would open the project to B.
        return {"project": side.project.pk, "company": side.world.company_c.pk, "access": ShareAccess.READ}

    def update_data(self, side, obj):
        return {"access": ShareAccess.WRITE}


class _ProjectRow(ScopedAPITestCase, ScopedAdminTestCase):
    """A row of a project with a code and a name."""

    def create_data(self, side):
        code = unique("C")
        return {"project": side.project.pk, "code": code, "name": f"名称{code}"}

    def update_data(self, side, obj):
        return {"name": unique("新名称")}


class TestZone(_ProjectRow):
    model = Zone
    url = "/api/v1/estates/zones/"
    point = "estates.zone"


class TestBuilding(_ProjectRow):
    model = Building
    url = "/api/v1/estates/buildings/"
    point = "estates.building"


class TestUnitType(_ProjectRow):
    model = UnitType
    url = "/api/v1/estates/unit-types/"
    point = "estates.unittype"


class TestDecorationStandard(_ProjectRow):
    model = DecorationStandard
    url = "/api/v1/estates/decoration-standards/"
    point = "estates.unittype"


class TestRoom(_ProjectRow):
    """Virtual rooms (public spaces) are what the API creates; grid rooms come from the wizard."""

    model = Room
    url = "/api/v1/estates/rooms/"
    point = "estates.room"


class TestProjectTeam(ScopedAPITestCase, ScopedAdminTestCase):
    model = ProjectTeam
    url = "/api/v1/estates/teams/"
    point = "estates.team"

    def create_data(self, side):
        # Under the project's top-level team, which itself cannot be deleted.
        top = ProjectTeam.objects.filter(project=side.project, parent=None).first()
        if top is None:
            top = ProjectTeam.objects.create(project=side.project, name=f"{side.project.name}团队")
        return {"project": side.project.pk, "parent": top.pk, "name": unique("维修组")}

    def update_data(self, side, obj):
        return {"name": unique("新组名")}


class TestTeamMember(ScopedAPITestCase, ScopedAdminTestCase):
    model = TeamMember
    url = "/api/v1/estates/team-members/"
    point = "estates.team"

    def create_data(self, side):
        top = ProjectTeam.objects.filter(project=side.project, parent=None).first()
        team = ProjectTeam.objects.create(project=side.project, parent=top, name=unique("组"))
        return {"team": team.pk, "user": side.user.pk, "role": TeamRole.MEMBER}

    def update_data(self, side, obj):
        return {"role": TeamRole.ADMIN}


class TestRoomImport(ScopedAPITestCase, ScopedAdminTestCase):
    """Imports are made by uploading a workbook (anju/estates/tests); here only their visibility."""

    model = RoomImport
    url = "/api/v1/estates/room-imports/"
    point = "estates.room"
    read_points = ("estates.room.import",)  # the import log is read with the import point
    can_update = False
    can_delete = False
    admin_can_add = False
    admin_can_delete = False

    def make(self, side):
        return RoomImport.objects.create(
            company=side.company, file_name=unique("房源") + ".xlsx", status=ImportStatus.values[0]
        )

import pytest

from anju.core.testing import make_role, make_user
from anju.estates import services
from anju.estates.models import Project, Room, RoomImport

pytestmark = pytest.mark.django_db

BASE = "/api/v1/estates"


def rooms_of(building):
    return Room.objects.filter(building=building, is_virtual=False)


class TestProjectsApi:
    def test_create_project_makes_top_team(self, world, api):
        client = api(world.user_a)
        r = client.post(f"{BASE}/projects/", {"company": world.company_a.pk, "code": "NP", "name": "新项目"})
        assert r.status_code == 201, r.data
        project = Project.objects.get(pk=r.data["id"])
        assert project.teams.count() == 1
        r = client.post(f"{BASE}/projects/", {"company": world.company_a.pk, "code": "NP", "name": "另一个"})
        assert r.status_code == 400 and "code" in r.data

    def test_other_companys_projects_are_404(self, world, api, project):
        r = api(world.user_b).get(f"{BASE}/projects/{project.pk}/")
        assert r.status_code == 404

    def test_read_share_visible_but_writes_404(self, world, api, project, grid_building):
        services.project_share(actor=world.user_a, project=project, company=world.company_b, access="read")
        client = api(world.user_b)
        assert client.get(f"{BASE}/projects/{project.pk}/").status_code == 200
        assert client.get(f"{BASE}/projects/{project.pk}/").data["shared"] is True
        assert client.patch(f"{BASE}/projects/{project.pk}/", {"name": "改"}).status_code == 404
        room = rooms_of(grid_building).first()
        assert client.get(f"{BASE}/rooms/{room.pk}/").status_code == 200
        assert client.post(f"{BASE}/rooms/{room.pk}/merge-right/").status_code == 404
        assert client.get(f"{BASE}/buildings/{grid_building.pk}/grid/").status_code == 200
        # Not even a write share lets the property firm add virtual rooms.
        services.project_share(actor=world.user_a, project=project, company=world.company_b, access="write")
        from anju.org.access import forget

        forget(world.user_b)
        r = client.post(f"{BASE}/rooms/", {"project": project.pk, "code": "公共-1", "name": "大堂"})
        assert r.status_code == 400 and "project" in r.data
        assert client.post(f"{BASE}/rooms/{room.pk}/merge-right/").status_code == 200

    def test_share_needs_manage_point(self, world, api, project):
        role = make_role(world.company_a, points=["estates.project.view", "estates.project.change"])
        user = make_user(world.dept_a, [role], all_projects=True)
        r = api(user).post(
            f"{BASE}/project-shares/",
            {"project": project.pk, "company": world.company_b.pk, "access": "read"},
        )
        assert r.status_code == 403
        r = api(world.user_a).post(
            f"{BASE}/project-shares/",
            {"project": project.pk, "company": world.company_b.pk, "access": "read"},
        )
        assert r.status_code == 201


class TestWizardAndGridApi:
    def test_preview_then_generate_with_edits(self, world, api, building):
        client = api(world.user_a)
        spec = {"floors": 3, "households": [2, 1], "rule": "building_across"}
        r = client.post(f"{BASE}/buildings/{building.pk}/preview/", spec, format="json")
        assert r.status_code == 200
        assert r.data["numbers"][0] == ["0301", "0302", "0303"]
        numbers = r.data["numbers"]
        numbers[2][2] = ""  # no room there
        numbers[0][0] = "0300"
        r = client.post(
            f"{BASE}/buildings/{building.pk}/generate/", {**spec, "numbers": numbers}, format="json"
        )
        assert r.status_code == 201 and r.data == {"created": 8}
        assert Room.objects.filter(code="君林-C3-1-0300").exists()
        r = client.post(f"{BASE}/buildings/{building.pk}/generate/", spec, format="json")
        assert r.status_code == 400 and "已有房间" in str(r.data)

    def test_wizard_limits_are_400(self, world, api, building):
        r = api(world.user_a).post(
            f"{BASE}/buildings/{building.pk}/generate/", {"floors": 101, "households": [1]}, format="json"
        )
        assert r.status_code == 400 and "floors" in r.data

    def test_grid_operations(self, world, api, grid_building):
        client = api(world.user_a)
        grid = client.get(f"{BASE}/buildings/{grid_building.pk}/grid/").data
        assert len(grid["rooms"]) == 9 and grid["counts"] == {"control": 9}
        first = next(r for r in grid["rooms"] if (r["row"], r["col"]) == (0, 0))
        r = client.post(f"{BASE}/rooms/{first['id']}/merge-right/")
        assert r.status_code == 200 and r.data["col_span"] == 2
        r = client.post(f"{BASE}/rooms/{first['id']}/delete-column/")
        assert r.status_code == 400 and "该列存在被合并的房间" in str(r.data)
        r = client.post(f"{BASE}/rooms/{first['id']}/split/")
        assert r.status_code == 200 and r.data["col_span"] == 1
        # The split gave the absorbed room back to its cell.
        grid = client.get(f"{BASE}/buildings/{grid_building.pk}/grid/").data
        assert len(grid["rooms"]) == 9
        r = client.post(
            f"{BASE}/buildings/{grid_building.pk}/add-room/", {"row": 0, "col": 1, "number": "0399"}
        )
        assert r.status_code == 400 and "该单元格已有房间" in str(r.data)
        r = client.post(f"{BASE}/rooms/{first['id']}/insert-column/", {"number": "01A"})
        assert r.status_code == 200 and r.data == {"column": 1}
        r = client.post(f"{BASE}/rooms/{first['id']}/set-status/", {"status": "signed"})
        assert r.status_code == 200 and r.data["status"] == "signed"
        r = client.post(f"{BASE}/rooms/{first['id']}/merge-down/")
        assert r.status_code == 400 and "只能对“销控”状态的房间" in str(r.data)
        r = client.patch(f"{BASE}/rooms/{first['id']}/", {"orientation": "南"})
        assert r.status_code == 400 and "不能修改任何信息" in str(r.data)

    def test_stale_version_is_409(self, world, api, grid_building):
        room = rooms_of(grid_building).first()
        client = api(world.user_a)
        assert client.patch(f"{BASE}/rooms/{room.pk}/", {"view": "园景", "version": 1}).status_code == 200
        r = client.patch(f"{BASE}/rooms/{room.pk}/", {"view": "江景", "version": 1})
        assert r.status_code == 409

    def test_copy_building(self, world, api, grid_building):
        r = api(world.user_a).post(
            f"{BASE}/buildings/{grid_building.pk}/copy/", {"code": "C9", "name": "C9栋"}, format="json"
        )
        assert r.status_code == 201
        assert rooms_of(r.data["id"]).count() == 9

    def test_no_point_no_access(self, world, api, grid_building):
        role = make_role(world.company_a, points=["estates.room.view"])
        user = make_user(world.dept_a, [role], all_projects=True)
        room = rooms_of(grid_building).first()
        assert api(user).get(f"{BASE}/rooms/{room.pk}/").status_code == 200
        assert api(user).post(f"{BASE}/rooms/{room.pk}/split/").status_code == 403


CSV_HEADER = "项目代码,项目名称,楼栋代码,楼栋名称,单元,楼层,自然楼层,房号,房间编码,户型,建筑面积,套内面积,销售状态,客户姓名,客户电话\n"


def upload(client, text, name="rooms.csv", valid_rows=False):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile(name, text.encode("utf-8")), "import_valid_rows": valid_rows}
    return client.post(f"{BASE}/room-imports/", data, format="multipart")


class TestImport:
    def test_clean_file_imports_with_buyers_and_letter_floors(self, world, api):
        text = CSV_HEADER + (
            "XH,星河湾,A1,A1栋,1,1,1,0101,,,88.5,70,签约,张三,13800138000\n"
            "XH,星河湾,A1,A1栋,1,1,1,0102,,,88.5,70,待售,,\n"
            "XH,星河湾,A1,A1栋,1,2,3A,0201,,,88.5,70,销控,,\n"
        )
        r = upload(api(world.user_a), text)
        assert r.status_code == 201, r.data
        assert r.data["status"] == "done" and r.data["imported_rows"] == 3
        rows = {row["row_no"]: row for row in r.data["rows"]}
        assert rows[2]["buyer_name"] == "张三" and rows[2]["outcome"] == "imported"
        assert rows[2]["buyer_phone"] == "13800138000"  # user_a holds every point, view_sensitive too
        from anju.core.testing import make_role, make_user

        role = make_role(world.company_a, points=["estates.room.import"])
        clerk = make_user(world.dept_a, [role], all_projects=True)
        detail = api(clerk).get(f"{BASE}/room-imports/{r.data['id']}/").data
        assert detail["rows"][0]["buyer_phone"] == "138****8000"
        assert rows[4]["outcome"] == "warning" and "3A" in rows[4]["message"]
        room = Room.objects.get(code="星河湾-A1-0201")
        assert room.floor_no is None and room.natural_floor == "3A"
        assert Room.objects.get(code="星河湾-A1-0101").status == "signed"
        building = room.building
        assert [r["floor"] for r in building.rows] == [2, 1]

    def test_different_natural_floors_on_one_floor_refuse_everything(self, world, api):
        text = CSV_HEADER + (
            "XH,星河湾,A1,A1栋,1,1,0,0101,,,,,销控,,\n"
            "XH,星河湾,A1,A1栋,1,1,1,0102,,,,,销控,,\n"
            "XH,星河湾,A1,A1栋,1,2,2,0201,,,,,销控,,\n"
        )
        r = upload(api(world.user_a), text)
        assert r.status_code == 201
        assert r.data["status"] == "refused" and r.data["imported_rows"] == 0
        message = r.data["rows"][0]["message"]
        assert "星河湾-A1-0101 (0)" in message and "星河湾-A1-0102 (1)" in message
        assert r.data["rows"][2]["outcome"] == "skipped"
        assert not Project.objects.filter(code="XH").exists()
        # With "import the valid rows" the good row goes in.
        r = upload(api(world.user_a), text, valid_rows=True)
        assert r.data["status"] == "partial" and r.data["imported_rows"] == 1
        assert Room.objects.filter(code="星河湾-A1-0201").exists()

    def test_bad_values_are_named(self, world, api):
        text = CSV_HEADER + "XH,星河湾,A1,A1栋,1,x,1,0101,,,abc,,已售,,\n"
        r = upload(api(world.user_a), text)
        message = r.data["rows"][0]["message"]
        assert "楼层" in message and "建筑面积" in message and "已售" in message
        assert RoomImport.objects.count() == 1

    def test_wrong_file_type_is_400(self, world, api):
        r = upload(api(world.user_a), "hello", name="rooms.txt")
        assert r.status_code == 400 and "file" in r.data

    def test_xlsx(self, world, api):
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append(CSV_HEADER.strip().split(","))
        ws.append(
            ["XL", "xlsx项目", "B1", "B1栋", 1, 5, 5, "0501", "", "", 90, 75, "认购", "李四", "13900139000"]
        )
        buffer = io.BytesIO()
        wb.save(buffer)
        r = api(world.user_a).post(
            f"{BASE}/room-imports/",
            {"file": SimpleUploadedFile("rooms.xlsx", buffer.getvalue())},
            format="multipart",
        )
        assert r.status_code == 201 and r.data["imported_rows"] == 1
        assert Room.objects.get(code="xlsx项目-B1-0501").status == "subscribed"


class TestZonesAndTeamsApi:
    def test_zones_nest_and_sibling_codes_are_unique(self, world, api, project):
        client = api(world.user_a)
        top = client.post(f"{BASE}/zones/", {"project": project.pk, "code": "Q1", "name": "一期"}).data
        mid = client.post(
            f"{BASE}/zones/", {"project": project.pk, "parent": top["id"], "code": "G1", "name": "一组团"}
        ).data
        deep = client.post(
            f"{BASE}/zones/", {"project": project.pk, "parent": mid["id"], "code": "G1", "name": "一组团"}
        )
        assert deep.status_code == 201  # same code one level down is fine
        again = client.post(
            f"{BASE}/zones/", {"project": project.pk, "parent": top["id"], "code": "G1", "name": "二组团"}
        )
        assert again.status_code == 400 and "code" in again.data
        b = client.post(
            f"{BASE}/buildings/",
            {"project": project.pk, "zone": deep.data["id"], "code": "C1", "name": "C1栋"},
        )
        assert b.status_code == 201
        r = client.delete(f"{BASE}/zones/{deep.data['id']}/")
        assert r.status_code == 400

    def test_team_membership_via_api(self, world, api):
        from anju.estates.models import ProjectTeam

        client = api(world.user_a)
        project = client.post(
            f"{BASE}/projects/", {"company": world.company_a.pk, "code": "T", "name": "T"}
        ).data
        top = ProjectTeam.objects.get(project_id=project["id"])
        sub = client.post(f"{BASE}/teams/", {"project": project["id"], "name": "销售二组"}).data
        assert sub["parent"] == top.pk
        r = client.post(
            f"{BASE}/team-members/", {"team": sub["id"], "user": world.user_b.pk, "role": "admin"}
        )
        assert r.status_code == 201 and r.data["project"] == project["id"]
        r = client.post(f"{BASE}/team-members/", {"team": top.pk, "user": world.user_b.pk})
        assert r.status_code == 400 and "销售二组" in str(r.data["user"])


def test_projects_are_shared_only_within_the_group(world, api, project):
    from anju.core.testing import make_unit
    from anju.org.choices import UnitKind

    other_group = make_unit(None, UnitKind.GROUP, "别的集团")
    stranger = make_unit(other_group, UnitKind.COMPANY, "别的公司")
    r = api(world.user_a).post(
        f"{BASE}/project-shares/", {"project": project.pk, "company": stranger.pk, "access": "read"}
    )
    assert r.status_code == 400 and "company" in r.data


def test_a_company_a_project_is_shared_to_cannot_pass_it_on_or_change_the_owners_share(world, api, project):
    from anju.core.testing import make_unit
    from anju.estates.models import ProjectShare
    from anju.org.access import forget
    from anju.org.choices import UnitKind

    third = make_unit(world.group, UnitKind.COMPANY, "第三公司")
    share = services.project_share(
        actor=world.user_a, project=project, company=world.company_b, access="write"
    )
    forget(world.user_b)
    client = api(world.user_b)
    r = client.post(
        f"{BASE}/project-shares/", {"project": project.pk, "company": third.pk, "access": "write"}
    )
    assert r.status_code == 400 and "project" in r.data
    r = client.patch(f"{BASE}/project-shares/{share.pk}/", {"access": "read"})
    assert r.status_code in (400, 404)
    assert client.delete(f"{BASE}/project-shares/{share.pk}/").status_code in (400, 404)
    assert list(ProjectShare.objects.values_list("company_id", "access")) == [(world.company_b.pk, "write")]


def test_staff_forms_offer_only_rows_inside_the_data_scope(world, project):
    """Every foreign-key choice of a staff form goes through the data scope (AnjuModelAdmin)."""
    from django.test import Client

    from anju.core.testing import make_project

    foreign = make_project(world.company_b, code="FB", name="别家项目")
    client = Client()
    client.force_login(world.user_a)
    html = client.get("/admin/estates/building/add/").content.decode()
    assert project.name in html and foreign.name not in html
    r = client.post(
        "/admin/estates/building/add/", {"project": foreign.pk, "code": "X1", "name": "X1", "kind": "multi"}
    )
    assert r.status_code == 200 and not foreign.buildings.exists()  # the form refuses the choice


def test_a_building_answer_always_carries_its_room_count(world, api, grid_building):
    rooms = Room.objects.filter(building=grid_building, is_virtual=False).count()
    r = api(world.user_a).patch(f"{BASE}/buildings/{grid_building.pk}/", {"remarks": "外墙翻新"})
    assert r.status_code == 200, r.content
    assert r.data["room_count"] == rooms > 0

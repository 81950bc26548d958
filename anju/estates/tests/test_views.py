import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anju.core.testing import make_role, make_user
from anju.estates import services
from anju.estates.models import Building, Room, RoomImport

pytestmark = pytest.mark.django_db


def grid_url(building):
    return f"/admin/estates/-/buildings/{building.pk}/grid/"


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_grid_page_uses_a_constant_number_of_queries(world, client, project, django_assert_num_queries):
    client.force_login(world.user_a)
    small = services.building_create(actor=world.user_a, project=project, code="S", name="S")
    services.building_generate(actor=world.user_a, building=small, floors=2, households=[1])
    big = services.building_create(actor=world.user_a, project=project, code="B", name="B")
    services.building_generate(actor=world.user_a, building=big, floors=25, households=[4, 4])
    services.room_merge_right(actor=world.user_a, room=Room.objects.get(building=big, grid_row=0, grid_col=0))
    queries_for(client, grid_url(small))  # warm caches (content types, session)
    expected = queries_for(client, grid_url(small))
    with django_assert_num_queries(expected):
        response = client.get(grid_url(big))
    html = response.content.decode()
    assert html.count('class="room ') == 199 and 'colspan="2"' in html


def test_grid_page_shows_status_and_is_404_out_of_scope(world, client, grid_building):
    client.force_login(world.user_a)
    room = Room.objects.filter(building=grid_building).first()
    services.room_set_status(actor=world.user_a, room=room, status="signed")
    html = client.get(grid_url(grid_building)).content.decode()
    assert "st-signed" in html and room.code in html
    client.force_login(world.user_b)
    assert client.get(grid_url(grid_building)).status_code == 404


def test_grid_page_operations_and_refusals(world, client, grid_building):
    client.force_login(world.user_a)
    first = Room.objects.get(building=grid_building, grid_row=0, grid_col=0)
    response = client.post(grid_url(grid_building), {"op": "merge_right", "room": first.pk}, follow=True)
    assert "已合并" in response.content.decode() or "merged" in response.content.decode()
    first.refresh_from_db()
    assert first.col_span == 2
    response = client.post(grid_url(grid_building), {"op": "delete_column", "room": first.pk}, follow=True)
    first.refresh_from_db()
    assert first.col_span == 2 and Room.objects.filter(building=grid_building).count() == 8
    assert response.status_code == 200
    client.post(grid_url(grid_building), {"op": "split", "room": first.pk})
    response = client.post(grid_url(grid_building), {"op": "add", "row": 0, "col": 1, "number": "0302"})
    assert Room.objects.filter(building=grid_building, grid_row=0, grid_col=1).exists()


def test_grid_page_read_only_share_cannot_post(world, client, project, grid_building):
    services.project_share(actor=world.user_a, project=project, company=world.company_b, access="read")
    client.force_login(world.user_b)
    html = client.get(grid_url(grid_building)).content.decode()
    assert 'id="anju-grid-form"' not in html
    room = Room.objects.filter(building=grid_building).first()
    assert client.post(grid_url(grid_building), {"op": "delete", "room": room.pk}).status_code == 404


def test_wizard_page_preview_and_generate(world, client, building):
    client.force_login(world.user_a)
    url = f"/admin/estates/-/buildings/{building.pk}/wizard/"
    assert client.get(url).status_code == 200
    form = {"kind": "multi", "floors": "3", "units": "2", "households": "2", "rule": "unit_down"}
    html = client.post(url, {**form, "preview": "1"}).content.decode()
    assert 'name="n_0_1" value="0303"' in html
    numbers = {f"n_{r}_{c}": f"0{3 - r}0{c + 1}" for r in range(3) for c in range(4)}
    numbers["n_2_3"] = ""
    response = client.post(url, {**form, **numbers, "generate": "1"})
    assert response.status_code == 302 and response["Location"].endswith("/grid/")
    assert Room.objects.filter(building=building).count() == 11


def test_wizard_page_villa_and_errors(world, client, building):
    client.force_login(world.user_a)
    url = f"/admin/estates/-/buildings/{building.pk}/wizard/"
    html = client.post(
        url, {"kind": "multi", "floors": "101", "units": "1", "households": "2", "rule": "unit_across"}
    )
    assert html.status_code == 200 and Room.objects.count() == 0
    response = client.post(
        url,
        {
            "kind": "villa",
            "floors": "1",
            "units": "1",
            "households": "1",
            "rule": "floor_number",
            "villa_number": "9",
        },
    )
    assert response.status_code == 302
    assert Room.objects.get(building=building).code == "君林-C3-9"


def test_import_page_lists_every_row(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.user_a)
    text = "项目代码,楼栋代码,楼层,自然楼层,房号\nXH,A1,1,1,0101\nXH,A1,2,2A,0201\n"
    response = client.post(
        "/admin/estates/-/rooms/import/", {"file": SimpleUploadedFile("r.csv", text.encode())}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "XH-A1-0201" in html and "2A" in html
    assert RoomImport.objects.get().imported_rows == 2


def test_copy_page(world, client, grid_building, project):
    client.force_login(world.user_a)
    response = client.post(
        f"/admin/estates/-/buildings/{grid_building.pk}/copy/",
        {"code": "C8", "name": "C8栋", "project": project.pk},
    )
    assert response.status_code == 302
    assert Room.objects.filter(building=Building.objects.get(code="C8")).count() == 9


def test_admin_lists_render(world, client, grid_building):
    client.force_login(world.user_a)
    for name in [
        "project",
        "projectshare",
        "projectteam",
        "teammember",
        "decorationstandard",
        "unittype",
        "zone",
        "building",
        "room",
        "roomimport",
    ]:
        assert client.get(f"/admin/estates/{name}/").status_code == 200, name
    room = Room.objects.filter(building=grid_building).first()
    assert client.get(f"/admin/estates/room/{room.pk}/change/").status_code == 200
    assert client.get(f"/admin/estates/building/{grid_building.pk}/change/").status_code == 200


def test_pages_need_points(world, client, grid_building):
    role = make_role(world.company_a, points=["estates.building.view"])
    user = make_user(world.dept_a, [role], all_projects=True)
    client.force_login(user)
    assert client.get(grid_url(grid_building)).status_code == 403


def test_wizard_page_column_numbers_feed_floor_plus_number(world, client, building):
    client.force_login(world.user_a)
    url = f"/admin/estates/-/buildings/{building.pk}/wizard/"
    form = {"kind": "multi", "floors": "2", "units": "1", "households": "3", "rule": "floor_number"}
    html = client.post(
        url, {**form, "preview": "1", "cn_0": "01", "cn_1": "02", "cn_2": "05"}
    ).content.decode()
    assert 'name="n_0_2" value="0205"' in html


def test_room_list_filtered_by_building(world, client, grid_building):
    client.force_login(world.user_a)
    response = client.get(f"/admin/estates/room/?building__id__exact={grid_building.pk}")
    assert response.status_code == 200 and "君林-C3-0301" in response.content.decode()


def test_list_filters_never_name_other_companies_projects(world, client, project):
    from anju.core.testing import make_project

    make_project(world.company_b, code="HIDDEN", name="别家的项目")
    client.force_login(world.user_a)
    for name in ["building", "room", "zone", "unittype"]:
        assert "别家的项目" not in client.get(f"/admin/estates/{name}/").content.decode(), name


def test_room_page_shows_the_status_history_to_a_room_viewer(world, grid_building):
    from django.test import Client

    room = Room.objects.filter(building=grid_building).first()
    services.room_set_status(actor=world.user_a, room=room, status="signed", note="合同 007")
    viewer = make_user(
        world.dept_a, [make_role(world.company_a, points=["estates.room.view"])], all_projects=True
    )
    client = Client()
    client.force_login(viewer)
    html = client.get(f"/admin/estates/room/{room.pk}/change/").content.decode()
    assert "状态记录" in html and "合同 007" in html

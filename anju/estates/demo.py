"""Demo base data: two projects (君林天下 of the Shenzhen company, shared to the property firm; 滨江花园
of the Shanghai company) with zones, decoration standards, unit types, multi-unit buildings, villas,
a shop building with merged and split rooms, a pasted building, virtual rooms and mixed statuses."""

import datetime
from decimal import Decimal

from anju.core.registry import demo_builder
from anju.estates import services
from anju.estates.choices import NumberingRule, ProjectStatus, RoomStatus, ShareAccess, TeamRole
from anju.estates.models import Room
from anju.org.models import User


def _room(building, row, col):
    return Room.objects.get(building=building, grid_row=row, grid_col=col, is_virtual=False)


@demo_builder(order=20)
def build_estates(ctx):
    admin = ctx["admin"]
    sz, sh, pm = ctx["companies"]["SZ"], ctx["companies"]["SH"], ctx["companies"]["PM"]
    jl = services.project_create(
        actor=admin,
        company=sz,
        code="JL",
        name="君林天下",
        short_name="君林",
        address="深圳市龙岗区龙城大道88号",
        developer="深圳安居置业有限公司",
        property_company="安居物业服务有限公司",
        completion_date=datetime.date(2025, 12, 20),
        delivery_date=datetime.date(2026, 6, 30),
        status=ProjectStatus.DELIVERING,
    )
    bj = services.project_create(
        actor=admin,
        company=sh,
        code="BJ",
        name="滨江花园",
        short_name="滨江",
        address="上海市浦东新区滨江大道1号",
        developer="上海安居置业有限公司",
        completion_date=datetime.date(2026, 9, 30),
        delivery_date=datetime.date(2026, 12, 31),
        status=ProjectStatus.SELLING,
    )
    services.project_share(actor=admin, project=jl, company=pm, access=ShareAccess.WRITE)

    # Teams: a sales team under the top team, with the Shenzhen agent as a member.
    sales = services.team_create(actor=admin, project=jl, name="销售一组")
    agent = User.objects.filter(username="sz_agent").first()
    supervisor = User.objects.filter(username="sz_supervisor").first()
    if supervisor:
        services.team_member_add(
            actor=admin, team=jl.teams.get(parent=None), user=supervisor, role=TeamRole.ADMIN
        )
    if agent:
        services.team_member_add(actor=admin, team=sales, user=agent)
    # The property firm's and the site engineers' staff work on the projects as team members.
    teams = {
        jl: services.team_create(actor=admin, project=jl, name="物业服务组"),
        bj: services.team_create(actor=admin, project=bj, name="客服组"),
    }
    for project, usernames in (
        (jl, ("pm_agent", "pm_engineer", "sz_engineer")),
        (bj, ("sh_agent", "sh_engineer")),
    ):
        for user in User.objects.filter(username__in=usernames):
            services.team_member_add(actor=admin, team=teams[project], user=user)

    types = {}
    for project in (jl, bj):
        rough = services.decoration_standard_create(actor=admin, project=project, code="MP", name="毛坯")
        fine = services.decoration_standard_create(actor=admin, project=project, code="JZ", name="精装修")
        types[project.code] = {
            "A": services.unit_type_create(
                actor=admin,
                project=project,
                code="A",
                name="A户型",
                layout="3室2厅2卫",
                building_area=Decimal("98.60"),
                inner_area=Decimal("79.20"),
                decoration_standard=fine,
            ),
            "B": services.unit_type_create(
                actor=admin,
                project=project,
                code="B",
                name="B户型",
                layout="2室2厅1卫",
                building_area=Decimal("76.30"),
                inner_area=Decimal("61.50"),
                decoration_standard=fine,
            ),
            "V": services.unit_type_create(
                actor=admin,
                project=project,
                code="V",
                name="独栋别墅",
                layout="5室3厅4卫",
                building_area=Decimal("312.00"),
                inner_area=Decimal("268.00"),
                decoration_standard=rough,
            ),
            "S": services.unit_type_create(
                actor=admin,
                project=project,
                code="S",
                name="商铺",
                layout="商铺",
                building_area=Decimal("45.00"),
                inner_area=Decimal("40.00"),
                decoration_standard=rough,
            ),
        }

    # 君林天下: zones 一期 › 一组团 and 二期 (villas); buildings of every kind.
    phase1 = services.zone_create(actor=admin, project=jl, code="Q1", name="一期")
    group1 = services.zone_create(actor=admin, project=jl, code="Q1-1", name="一组团", parent=phase1)
    phase2 = services.zone_create(actor=admin, project=jl, code="Q2", name="二期")
    t = types["JL"]
    c3 = services.building_create(actor=admin, project=jl, zone=group1, code="C3", name="C3栋")
    services.building_generate(
        actor=admin,
        building=c3,
        floors=18,
        households=[2, 2],
        rule=NumberingRule.FLOOR_NUMBER,
        unit_names=["1单元", "2单元"],
        unit_types=[t["A"].pk, t["B"].pk, t["B"].pk, t["A"].pk],
    )
    c5 = services.building_copy(actor=admin, building=c3, zone=group1, code="C5", name="C5栋")
    villas = []
    for n in range(1, 4):
        villa = services.building_create(
            actor=admin, project=jl, zone=phase2, code=f"V{n}", name=f"{n}号别墅"
        )
        services.building_generate(
            actor=admin, building=villa, villa=True, villa_number=f"{n:02d}", villa_unit_type=t["V"]
        )
        villas.append(villa)
    shops = services.building_create(actor=admin, project=jl, code="S1", name="商业街S1")
    services.building_generate(
        actor=admin,
        building=shops,
        floors=2,
        households=[6],
        rule=NumberingRule.UNIT_ACROSS,
        floor_names=["1F", "2F"],
        unit_names=["商铺"],
        unit_types=[t["S"].pk] * 6,
    )
    services.room_merge_right(actor=admin, room=_room(shops, 1, 0))  # a double shop on 1F
    services.room_merge_down(actor=admin, room=_room(shops, 0, 5))  # a two-storey shop
    services.room_insert_column(actor=admin, room=_room(shops, 1, 2), number="03A")
    services.room_add_at(actor=admin, building=shops, row=1, col=3, number="0103A", unit_type=t["S"])
    for code, name, building in (
        ("君林-C3-大堂", "C3栋大堂", c3),
        ("君林-C3-楼梯间", "C3栋楼梯间", c3),
        ("君林-地下车库", "地下车库", None),
        ("君林-会所", "会所", None),
    ):
        services.room_create_virtual(actor=admin, project=jl, building=building, code=code, name=name)

    # 滨江花园: one tower numbered across the building, one villa.
    tb = types["BJ"]
    tower = services.building_create(actor=admin, project=bj, code="1", name="1栋")
    services.building_generate(
        actor=admin,
        building=tower,
        floors=11,
        households=[4],
        rule=NumberingRule.BUILDING_ACROSS,
        unit_types=[tb["A"].pk, tb["B"].pk, tb["B"].pk, tb["A"].pk],
    )
    bj_villa = services.building_create(actor=admin, project=bj, code="V8", name="8号别墅")
    services.building_generate(
        actor=admin, building=bj_villa, villa=True, villa_number="08", villa_unit_type=tb["V"]
    )
    services.room_create_virtual(actor=admin, project=bj, building=tower, code="滨江-1-大堂", name="1栋大堂")

    # Mixed statuses: sales states high up, handed-over homes low down in C3; sales in the tower.
    sold = []
    c3_rooms = list(Room.objects.filter(building=c3, is_virtual=False).order_by("-grid_row", "grid_col"))
    plan = [RoomStatus.SIGNED] * 6 + [
        RoomStatus.SUBSCRIBED,
        RoomStatus.DEPOSIT,
        RoomStatus.RESERVED,
        RoomStatus.FOR_SALE,
    ] * 2
    for room, status in zip(c3_rooms[:16], [RoomStatus.SIGNED] * 16, strict=True):
        services.room_set_status(actor=admin, room=room, status=status, note="演示: 签约")
        sold.append(room)
    for room, status in zip(
        c3_rooms[:16],
        [RoomStatus.DELIVERED] * 4
        + [RoomStatus.OCCUPIED] * 6
        + [RoomStatus.DECORATED] * 3
        + [RoomStatus.RENTED] * 2
        + [RoomStatus.VACANT],
        strict=True,
    ):
        services.room_set_status(actor=admin, room=room, status=status, note="演示: 交付")
    for room, status in zip(c3_rooms[16 : 16 + len(plan)], plan, strict=True):
        services.room_set_status(actor=admin, room=room, status=status)
        if status in (RoomStatus.SIGNED, RoomStatus.SUBSCRIBED):
            sold.append(room)
    for room in villas[:2]:
        villa_room = Room.objects.get(building=room, is_virtual=False)
        services.room_set_status(actor=admin, room=villa_room, status=RoomStatus.SIGNED)
        sold.append(villa_room)
    tower_rooms = list(Room.objects.filter(building=tower).order_by("-grid_row", "grid_col")[:12])
    for room, status in zip(tower_rooms, [RoomStatus.SIGNED] * 6 + [RoomStatus.FOR_SALE] * 6, strict=True):
        services.room_set_status(actor=admin, room=room, status=status)
        if status == RoomStatus.SIGNED:
            sold.append(room)

    ctx["projects"] = {"JL": jl, "BJ": bj}
    ctx["buildings"] = {"C3": c3, "C5": c5, "S1": shops, "V1": villas[0], "BJ-1": tower}
    ctx["unit_types"] = types
    ctx["rooms"] = sold  # signed or later: the customer ledger gives them owners

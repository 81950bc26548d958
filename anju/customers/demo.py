"""Demo customers: owners of the sold rooms (move-in registered for handed-over rooms), tenants of
rented rooms, family members, vehicles, bank accounts, a pending rename request and a same-name
registration. Without rooms from the estates demo, only customers are created."""

import datetime
import random

from anju.core.registry import demo_builder
from anju.customers import services
from anju.customers.choices import RelationRole
from anju.customers.models import BankAccount, FamilyMember, Vehicle
from anju.customers.validators import check_char

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "建华",
    "志强",
    "海燕",
    "晓东",
]
OCCUPANCY = {"delivered", "occupied", "decorated", "rented", "vacant"}


def _person(rng, i):
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    first17 = f"{rng.choice(['440305', '440304', '310104', '110105'])}{rng.randrange(1960, 2000)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{i % 1000:03d}"
    return name, first17 + check_char(first17), f"13{rng.randrange(10**9):09d}"


def _dict_ok(dictionary, code):
    codes = services.dictionary_codes(dictionary)
    return code if codes is None or code in codes else ""


@demo_builder(order=30)
def build_customers(ctx):
    rng = random.Random(2026)
    admin = ctx["admin"]
    rooms = list(ctx.get("rooms") or [])
    created = []
    for i, room in enumerate(rooms):
        name, id_number, mobile = _person(rng, i)
        customer = services.customer_create(
            actor=admin,
            company=room.project.company,
            name=name,
            code=services.next_code(room.project.company_id, room.code),
            id_number=id_number,
            phones=[{"number": mobile}],
            address="深圳市南山区科技园",
            marriage=_dict_ok("marriage", rng.choice(["married", "single"])),
            tags=rng.sample(["VIP", "投资客", "老业主", "关注装修"], k=rng.randrange(0, 3)),
        )
        created.append(customer)
        room.refresh_from_db(fields=["status"])
        if room.status in OCCUPANCY:
            services.room_move_in(
                actor=admin,
                room=room,
                customer=customer,
                date=datetime.date(2026, 3, 1) + datetime.timedelta(days=i % 60),
                share=100,
                keys_handed_over="入户门钥匙 3 把, 信箱钥匙 1 把",
                documents_handed_over="住宅质量保证书, 住宅使用说明书",
                set_status=False,
            )
            if room.status == "rented":
                t_name, t_id, t_mobile = _person(rng, i + 500)
                tenant = services.customer_create(
                    actor=admin,
                    company=room.project.company,
                    name=t_name,
                    id_number=t_id,
                    phones=[{"number": t_mobile}],
                )
                services.room_move_in(
                    actor=admin,
                    room=room,
                    customer=tenant,
                    role=RelationRole.TENANT,
                    date=datetime.date(2026, 6, 1),
                    set_status=False,
                )
        if i % 3 == 0:
            relationship = _dict_ok("relationship", "spouse") or "spouse"
            services.child_save(
                actor=admin,
                model=FamilyMember,
                customer=customer,
                data={"relationship": relationship, "name": rng.choice(SURNAMES) + rng.choice(GIVEN)},
            )
        if i % 4 == 0:
            services.child_save(
                actor=admin,
                model=Vehicle,
                customer=customer,
                data={"plate_number": f"粤B{rng.randrange(10000, 99999)}", "parking_space": f"B2-{i:03d}"},
            )
        if i % 5 == 0:
            services.child_save(
                actor=admin,
                model=BankAccount,
                customer=customer,
                data={
                    "account_name": name,
                    "bank_name": "招商银行深圳分行",
                    "account_number": f"62258801{rng.randrange(10**8):08d}",
                },
            )
    companies = ctx.get("companies", {})
    extra = []
    for key in ("SZ", "SH", "PM"):
        company = companies.get(key)
        if company is None:
            continue
        for j in range(3):
            name, id_number, mobile = _person(rng, 900 + j + len(extra))
            extra.append(
                services.customer_create(
                    actor=admin, company=company, name=name, id_number=id_number, phones=[{"number": mobile}]
                )
            )
    if created:
        first = created[0]
        services.rename_request_create(
            actor=admin,
            customer=first,
            new_name=first.name + "（更正）",
            reason="身份证姓名与合同不一致, 业主提供证明",
        )
        services.customer_register(
            actor=admin,
            company=first.company,
            name=first.name,
            mode="name_phone",
            key="13912345678",
            candidates=[first.pk],
            chosen=None,
            data={"phones": [{"number": "13912345678"}]},
        )
    ctx["customers"] = created + extra

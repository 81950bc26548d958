"""Regressions from the review: transfer scope, relation dates, occupancy after move-out, shared
projects, the salesperson filter, room locks and non-ASCII digits in ids."""

import datetime

from django.test import Client

from anju.customers import services
from anju.customers.validators import parse_id

D = datetime.date
FAR = D(2030, 1, 1)


def new(world, name="张三", *, company=None, actor=None, **kw):
    kw.setdefault("phones", [])
    return services.customer_create(
        actor=actor or world.user_a, company=company or world.company_a, name=name, **kw
    )


def status(room):
    room.refresh_from_db(fields=["status"])
    return room.status


def login(user):
    client = Client()
    client.force_login(user)
    return client


# --- E: the salesperson filter lists only the salespeople of visible customers ------------------------
def test_salesperson_filter_lists_no_user_of_another_company(world, dictionaries):
    new(world)
    new(world, "乙客户", company=world.company_b, actor=world.user_b)
    html = login(world.user_a).get("/admin/customers/customer/").content.decode()
    assert f"salesperson__id__exact={world.user_a.pk}" in html
    assert f"salesperson__id__exact={world.user_b.pk}" not in html


# --- G: non-ASCII digits are no ids --------------------------------------------------------------------
def test_parse_id_accepts_ascii_digits_only():
    assert parse_id("42") == 42
    assert parse_id(" 7 ") == 7
    for bad in ("²", "٣", "", None, "-1", "1.0", "9" * 30):
        assert parse_id(bad) is None


def test_move_in_page_ignores_a_superscript_room_id(world):
    client = login(world.user_a)
    r = client.get("/admin/customers/-/move-in/", {"room": "²", "customer": "٣"})
    assert r.status_code == 200


def test_admin_transfer_ignores_a_superscript_salesperson_id(world, dictionaries):
    customer = new(world)
    r = login(world.user_a).post(
        "/admin/customers/customer/",
        {
            "action": "transfer",
            "_selected_action": [customer.pk],
            "confirm": "1",
            "to_salesperson": "²",
        },
        follow=True,
    )
    assert r.status_code == 200
    customer.refresh_from_db()
    assert customer.salesperson == world.user_a

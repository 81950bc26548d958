"""Regressions from the review: transfer scope, relation dates, occupancy after move-out, shared
projects, the salesperson filter, room locks and non-ASCII digits in ids."""

import datetime
from unittest import mock

import pytest
from django.db.models.query import QuerySet
from django.test import Client
from django.utils import timezone

from anju.core.services import ServiceValidationError
from anju.core.testing import make_user
from anju.customers import selectors, services
from anju.customers.choices import RelationRole
from anju.customers.models import RoomCustomer
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


# --- A: transfer only to a salesperson of the customer's company ------------------------------------
def test_api_transfer_refuses_a_salesperson_the_requester_cannot_see(api, world, dictionaries):
    customer = new(world)
    r = api(world.user_a).post(
        "/api/v1/customers/customers/transfer/",
        {"customers": [customer.pk], "to_salesperson": world.user_b.pk},
        format="json",
    )
    assert r.status_code == 400 and "to_salesperson" in r.data
    customer.refresh_from_db()
    assert customer.salesperson == world.user_a


def test_transfer_service_refuses_a_salesperson_of_another_company(world, dictionaries):
    customer = new(world)
    with pytest.raises(ServiceValidationError) as exc:
        services.customer_transfer(actor=world.superuser, customers=[customer], to_salesperson=world.user_b)
    assert "to_salesperson" in exc.value.errors
    colleague = make_user(world.dept_a, [world.role_a])
    services.customer_transfer(actor=world.superuser, customers=[customer], to_salesperson=colleague)
    customer.refresh_from_db()
    assert customer.salesperson == colleague


def test_admin_transfer_refuses_a_salesperson_of_another_company(world, dictionaries):
    customer = new(world)
    client = login(world.superuser)
    r = client.post(
        "/admin/customers/customer/",
        {
            "action": "transfer",
            "_selected_action": [customer.pk],
            "confirm": "1",
            "to_salesperson": world.user_b.pk,
        },
        follow=True,
    )
    assert r.status_code == 200
    customer.refresh_from_db()
    assert customer.salesperson == world.user_a


# --- B: relations count from their start date --------------------------------------------------------
def test_a_future_tenant_is_neither_billed_nor_sets_the_room_rented(world, dictionaries, estate):
    _p, (room, *_r) = estate
    owner, tenant = new(world, "业主"), new(world, "租户")
    services.room_move_in(actor=world.user_a, room=room, customer=owner, date=D(2025, 1, 1), share=100)
    assert status(room) == "occupied"
    services.room_move_in(actor=world.user_a, room=room, customer=tenant, role=RelationRole.TENANT, date=FAR)
    assert selectors.billing_party(room).customer == owner
    assert selectors.billing_parties([room.pk])[room.pk].customer == owner
    assert status(room) == "occupied"


def test_a_relation_ended_today_is_no_longer_current(world, dictionaries, estate):
    _p, (room, *_r) = estate
    owner, tenant = new(world, "业主"), new(world, "租户")
    today = timezone.localdate()
    services.room_move_in(actor=world.user_a, room=room, customer=owner, date=D(2025, 1, 1), share=100)
    t = services.room_move_in(
        actor=world.user_a, room=room, customer=tenant, role=RelationRole.TENANT, date=D(2025, 2, 1)
    )
    assert selectors.billing_party(room).customer == tenant
    services.relation_end(actor=world.user_a, relation=t, date=today + datetime.timedelta(days=30))
    assert selectors.billing_party(room).customer == tenant  # still living there until then
    RoomCustomer.objects.filter(pk=t.pk).update(end_date=today)
    assert selectors.billing_party(room).customer == owner


# --- C: the owner remains after the tenant moves out --------------------------------------------------
def test_room_is_occupied_again_when_the_tenant_leaves_and_the_owner_lives_there(world, dictionaries, estate):
    _p, (room, *_r) = estate
    owner, tenant = new(world, "业主"), new(world, "租户")
    services.room_move_in(actor=world.user_a, room=room, customer=owner, date=D(2025, 1, 1), share=100)
    t = services.room_move_in(
        actor=world.user_a, room=room, customer=tenant, role=RelationRole.TENANT, date=D(2025, 2, 1)
    )
    assert status(room) == "rented"
    services.relation_end(actor=world.user_a, relation=t, date=D(2025, 6, 1))
    assert status(room) == "occupied"


def test_room_is_vacant_when_the_tenant_leaves_an_owner_who_never_moved_in(world, dictionaries, estate):
    _p, (room, *_r) = estate
    owner, tenant = new(world, "业主"), new(world, "租户")
    o = services.room_move_in(actor=world.user_a, room=room, customer=owner, date=D(2025, 1, 1), share=100)
    RoomCustomer.objects.filter(pk=o.pk).update(is_move_in=False)
    t = services.room_move_in(
        actor=world.user_a, room=room, customer=tenant, role=RelationRole.TENANT, date=D(2025, 2, 1)
    )
    services.relation_end(actor=world.user_a, relation=t, date=D(2025, 6, 1))
    assert status(room) == "vacant"


# --- D: a company with write access to a shared project registers move-ins there ----------------------
@pytest.mark.parametrize(("access", "allowed"), [("write", True), ("read", False)])
def test_move_in_in_a_project_shared_for_writing(world, dictionaries, estate, access, allowed):
    from anju.estates.models import ProjectShare

    project, (room, *_r) = estate
    ProjectShare.objects.create(project=project, company=world.company_b, access=access)
    customer = new(world, "物业客户", company=world.company_b, actor=world.user_b)
    if allowed:
        rel = services.room_move_in(
            actor=world.user_b, room=room, customer=customer, date=D(2025, 1, 1), share=100
        )
        assert selectors.billing_party(room) == rel
    else:
        with pytest.raises(ServiceValidationError) as exc:
            services.room_move_in(
                actor=world.user_b, room=room, customer=customer, date=D(2025, 1, 1), share=100
            )
        assert "customer" in exc.value.errors


# --- E: the salesperson filter lists only the salespeople of visible customers ------------------------
def test_salesperson_filter_lists_no_user_of_another_company(world, dictionaries):
    new(world)
    new(world, "乙客户", company=world.company_b, actor=world.user_b)
    html = login(world.user_a).get("/admin/customers/customer/").content.decode()
    assert f"salesperson__id__exact={world.user_a.pk}" in html
    assert f"salesperson__id__exact={world.user_b.pk}" not in html


# --- F: the room row is locked before its relations are checked --------------------------------------
def test_relation_writes_lock_the_room(world, dictionaries, estate):
    from anju.estates.models import Room

    _p, (room, other_room, _r) = estate
    owner, buyer = new(world, "业主"), new(world, "买家")
    locked = []
    original = QuerySet.select_for_update

    def spy(self, *args, **kwargs):
        locked.append(self.model)
        return original(self, *args, **kwargs)

    with mock.patch.object(QuerySet, "select_for_update", spy):
        rel = services.room_move_in(
            actor=world.user_a, room=room, customer=owner, date=D(2025, 1, 1), share=100
        )
        assert Room in locked
        locked.clear()
        services.room_transfer_ownership(
            actor=world.user_a, room=room, new_owners=[(buyer, 100)], date=D(2025, 6, 1)
        )
        assert Room in locked
        locked.clear()
        current = RoomCustomer.objects.get(room=room, customer=buyer, end_date__isnull=True)
        services.relations_move_to_room(
            actor=world.user_a, relations=[current], room=other_room, date=D(2025, 7, 1)
        )
        assert Room in locked
    assert rel.pk


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

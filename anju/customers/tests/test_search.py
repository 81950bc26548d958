"""Omni search: names (2-character Chinese included), pinyin initials, phones, ID tails, rooms, plates."""

import datetime
import sqlite3

import pytest
from django.test import Client

from anju.core.testing import make_project
from anju.customers import selectors, services
from anju.customers.models import Vehicle


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(world, dictionaries, estate):
    _p, rooms = estate
    a = services.customer_create(
        actor=world.user_a,
        company=world.company_a,
        name="张三",
        phones=[{"number": "13800138000"}],
        id_number="11010519491231002X",
    )
    b = services.customer_create(
        actor=world.user_a, company=world.company_a, name="张三丰", phones=[{"number": "13912345678"}]
    )
    c = services.customer_create(
        actor=world.user_a, company=world.company_a, name="李四", phones=[{"number": "0755-83283496"}]
    )
    services.child_save(actor=world.user_a, model=Vehicle, customer=c, data={"plate_number": "粤B12345"})
    services.room_move_in(actor=world.user_a, room=rooms[0], customer=a, date=datetime.date(2026, 1, 1))
    other = services.customer_create(
        actor=world.user_b, company=world.company_b, name="张三", phones=[{"number": "13800138000"}]
    )
    return a, b, c, other


def ids(results, kind="customer"):
    return [r["id"] for r in results if r["type"] == kind]


def test_two_character_chinese_name(world, people):
    a, b, _c, other = people
    found = ids(selectors.omni_search(world.user_a, "张三"))
    assert found[:2] == [a.pk, b.pk]  # exact name ranks first
    assert other.pk not in found  # other company: outside the data scope


def test_single_character_surname_and_contains(world, people):
    assert set(ids(selectors.omni_search(world.user_a, "张"))) == {people[0].pk, people[1].pk}
    assert ids(selectors.omni_search(world.user_a, "三丰")) == [people[1].pk]


def test_pinyin_initials_and_full_pinyin(world, people):
    a, b, c, _o = people
    assert ids(selectors.omni_search(world.user_a, "zs"))[0] == a.pk
    assert ids(selectors.omni_search(world.user_a, "ZSF")) == [b.pk]
    assert ids(selectors.omni_search(world.user_a, "lisi")) == [c.pk]


def test_phone_full_prefix_and_tail(world, people):
    a, b, c, _o = people
    assert ids(selectors.omni_search(world.user_a, "13800138000"))[0] == a.pk
    assert ids(selectors.omni_search(world.user_a, "5678")) == [b.pk]
    assert ids(selectors.omni_search(world.user_a, "83283496")) == [c.pk]


def test_id_number_tail(world, people):
    assert ids(selectors.omni_search(world.user_a, "002X"))[0] == people[0].pk
    assert ids(selectors.omni_search(world.user_a, "1231002x"))[0] == people[0].pk


def test_room_and_plate(world, people, estate):
    _p, _rooms = estate
    results = selectors.omni_search(world.user_a, "JL-C3-0301")
    assert results[0]["type"] == "room" and results[0]["customer"] == people[0].pk
    plate = selectors.omni_search(world.user_a, "粤B12345")
    assert plate[0]["type"] == "vehicle" and plate[0]["customer"] == people[2].pk
    assert ids(selectors.omni_search(world.user_a, "B12345"), "vehicle")


def test_room_results_read_their_billing_parties_in_one_query(world, people, estate):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _p, rooms = estate
    services.room_move_in(
        actor=world.user_a, room=rooms[1], customer=people[1], date=datetime.date(2026, 2, 1)
    )
    with CaptureQueriesContext(connection) as queries:
        results = selectors.omni_search(world.user_a, "JL-C3-030")
    relation_queries = [q for q in queries if "customers_roomcustomer" in q["sql"]]
    assert len(relation_queries) == 1  # not one per room
    by_room = {r["id"]: r["customer"] for r in results if r["type"] == "room"}
    assert by_room == {
        room.pk: (party.customer_id if (party := selectors.billing_party(room)) else None) for room in rooms
    }
    assert by_room[rooms[0].pk] == people[0].pk and by_room[rooms[2].pk] is None


def test_masked_detail_for_a_user_without_view_sensitive(world, people):
    from anju.core.testing import make_role, make_user

    clerk = make_user(
        world.dept_a, [make_role(world.company_a, points=["customers.customer.view"])], all_projects=True
    )
    detail = selectors.omni_search(clerk, "zs")[0]["detail"]
    assert "138****8000" in detail and "13800138000" not in detail


def test_fts5_trigram_misses_two_character_cjk_which_is_why_search_uses_indexed_like():
    """SQLite's FTS5 trigram tokenizer needs at least 3 characters: '张三' finds nothing."""
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE VIRTUAL TABLE t USING fts5(name, tokenize='trigram')")
    except sqlite3.OperationalError:
        pytest.fail("this SQLite has no FTS5 trigram tokenizer")
    con.execute("INSERT INTO t VALUES ('张三'), ('张三丰')")
    assert con.execute("SELECT count(*) FROM t WHERE t MATCH '张三'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM t WHERE name LIKE '%张三%'").fetchone()[0] in (0, 2)
    assert con.execute("SELECT count(*) FROM t WHERE t MATCH '张三丰'").fetchone()[0] == 1


@pytest.fixture
def tower(world):
    """Rooms coded the way projects code them: <project>-<building>-<unit>-<number>."""
    from anju.estates.models import Building, Room

    project = make_project(world.company_a, code="JL8", name="君林天下二期", short_name="君林")
    c8 = Building.objects.create(project=project, code="C8", name="C8栋")
    rooms = {
        code: Room.objects.create(project=project, building=c8, code=f"君林-C8-{code}", number=code[-4:])
        for code in ("1-0801", "1-0802", "2-0801", "1-1801")
    }
    return project, rooms


def test_rooms_by_the_codes_agents_say(world, tower):
    _project, rooms = tower
    # The code without the project prefix, the room number, the building.
    tail = selectors.omni_search(world.user_a, "C8-1-0801", kind="room")
    assert [r["id"] for r in tail] == [rooms["1-0801"].pk] and tail[0]["why"] == "room_tail"
    number = selectors.omni_search(world.user_a, "0801", kind="room")
    assert {r["id"] for r in number} == {rooms["1-0801"].pk, rooms["2-0801"].pk}
    building = selectors.omni_search(world.user_a, "c8", kind="room")
    assert {r["id"] for r in building} == {room.pk for room in rooms.values()}
    # The full code ranks first; lower case works too.
    assert selectors.omni_search(world.user_a, "君林-c8-1-0801")[0]["id"] == rooms["1-0801"].pk


def test_a_room_without_customer_links_to_its_room_page(world, tower):
    _project, rooms = tower
    result = selectors.omni_search(world.user_a, "C8-1-0802", kind="room")[0]
    assert result["customer"] is None
    assert result["url"] == f"/admin/estates/room/{rooms['1-0802'].pk}/change/"


def test_the_search_page_groups_by_kind_with_counts_links_and_more(world, tower, people):
    _project, rooms = tower
    html = login(world.user_a).get("/admin/customers/-/search/", {"q": "C8"}).content.decode()
    assert 'data-kind="room"' in html and "(4)" in html
    assert f'href="/admin/estates/room/{rooms["1-0801"].pk}/change/"' in html
    groups = selectors.omni_search_groups(world.user_a, "C8", per_group=2)
    assert [(g.kind, g.count, len(g.results), g.more) for g in groups] == [("room", 4, 2, True)]
    more = login(world.user_a).get("/admin/customers/-/search/", {"q": "C8", "kind": "room"})
    assert more.content.decode().count("/change/") == 4
    # A name groups customers apart from rooms; the customer links to the 360° page.
    groups = selectors.omni_search_groups(world.user_a, "张三")
    assert (
        groups[0].kind == "customer"
        and groups[0].results[0]["url"] == f"/admin/customers/-/customer/{people[0].pk}/"
    )


def test_rooms_of_another_company_are_not_found(world, tower):
    assert selectors.omni_search(world.user_b, "C8-1-0801") == []

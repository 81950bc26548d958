"""Capped list counts (anju.core.paging): exact below the cap, a flagged lower bound above it, and
every page still reachable — in the paginator, the API lists and the staff lists."""

import pytest
from django.core.paginator import EmptyPage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from anju.core.admin import AnjuModelAdmin
from anju.core.api.pagination import PageNumberPagination
from anju.core.paging import CappedCountPaginator
from anju.core.testing import make_unit
from anju.org.choices import UnitKind
from anju.org.models import OrgUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(world):
    """24 more departments under company_a: user_a's lists show company_a's subtree (26 units)."""
    for i in range(24):
        make_unit(world.company_a, UnitKind.DEPARTMENT, f"部门{i:02d}")
    return OrgUnit.objects.order_by("path")


def test_paginator_counts_exactly_up_to_the_cap(units):
    total = units.count()
    exact = CappedCountPaginator(units, 5, cap=total)
    assert exact.count == total and exact.display_count == total and not exact.count_is_estimate
    capped = CappedCountPaginator(units, 5, cap=10)
    page = capped.page(1)
    assert capped.count_is_estimate and capped.display_count == 10 and page.has_next()
    assert [u.pk for u in page.object_list] == list(units.values_list("pk", flat=True)[:5])


def test_paginator_reaches_pages_past_the_cap(units):
    total = units.count()
    all_pks = list(units.values_list("pk", flat=True))
    seen, number = [], 1
    while True:
        paginator = CappedCountPaginator(units, 4, cap=6, page_hint=number)
        page = paginator.page(number)
        seen += [u.pk for u in page.object_list]
        if not page.has_next():
            break
        number += 1
    assert seen == all_pks and len(seen) == total
    # The last page knows it is the last one: the count is exact there.
    assert not paginator.count_is_estimate and paginator.display_count == total


def test_paginator_counts_with_one_limited_query(units):
    paginator = CappedCountPaginator(units, 5, cap=10)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 11
    assert len(queries) == 1 and "LIMIT 11" in queries[0]["sql"].upper()


def test_api_list_flags_a_capped_count(units, world, api, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "count_cap", 10)
    client = api(world.user_a)
    visible = client.get("/api/v1/org/units/", {"page_size": 100}).json()
    total = visible["count"]
    assert total > 12 and visible["count_is_estimate"] is False
    first = client.get("/api/v1/org/units/", {"page_size": 4}).json()
    assert first["count"] == 10 and first["count_is_estimate"] is True and first["next"]
    # A page past the cap is served, and says whether more follow.
    deep = client.get("/api/v1/org/units/", {"page_size": 4, "page": 3}).json()
    assert len(deep["results"]) == 4 and deep["count_is_estimate"] is True and deep["next"]
    pages = -(-total // 4)
    last = client.get("/api/v1/org/units/", {"page_size": 4, "page": pages}).json()
    assert last["count"] == total and last["count_is_estimate"] is False and last["next"] is None
    # ?page=last counts everything.
    named = client.get("/api/v1/org/units/", {"page_size": 4, "page": "last"}).json()
    assert named["count"] == total and named["count_is_estimate"] is False
    assert client.get("/api/v1/org/units/", {"page_size": 4, "page": pages + 1}).status_code == 404


def test_staff_list_shows_a_capped_count(units, world, monkeypatch):
    monkeypatch.setattr(AnjuModelAdmin, "list_count_cap", 10)
    monkeypatch.setattr(AnjuModelAdmin, "list_max_show_all", 10)
    client = Client()
    client.force_login(world.user_a)
    response = client.get("/admin/org/orgunit/")
    cl = response.context["cl"]
    # 26 units in company_a's subtree, 20 a page: counted up to the end of page 1 plus one row.
    assert cl.paginator.count_is_estimate and cl.result_count == 20 and not cl.can_show_all
    assert ">20+</span>" in response.content.decode()
    second = client.get("/admin/org/orgunit/", {"p": 2}).context["cl"]
    assert not second.paginator.count_is_estimate and second.result_count == 26
    assert len(second.result_list) == 6
    monkeypatch.setattr(AnjuModelAdmin, "list_count_cap", 1000)
    exact = client.get("/admin/org/orgunit/")
    assert exact.context["cl"].result_count == 26 and "+</span>" not in exact.content.decode()


def test_staff_list_never_states_a_capped_count_as_the_total(units, world, monkeypatch):
    """The actions bar's "select all N" and "all N selected" say "10+" too, not "10": selecting across
    pages acts on every matching row, however many there are."""
    monkeypatch.setattr(AnjuModelAdmin, "list_count_cap", 10)
    monkeypatch.setattr(AnjuModelAdmin, "list_max_show_all", 10)
    monkeypatch.setattr(AnjuModelAdmin, "list_per_page", 5)
    client = Client()
    client.force_login(world.user_a)
    response = client.get("/admin/org/orgunit/", HTTP_ACCEPT_LANGUAGE="en")
    cl = response.context["cl"]
    assert cl.paginator.count_is_estimate and cl.result_count == 10 and str(cl.result_count) == "10+"
    html = response.content.decode()
    assert "Select all 10+ " in html and "All 10+ selected" in html
    assert "Select all 10 " not in html and "10++" not in html


@pytest.mark.parametrize("page", ["461168601842738791", "9223372036854775807", "9" * 40])
def test_a_page_beyond_any_list_is_not_found_not_a_database_error(units, world, api, page):
    """Issue 11: ?page=461168601842738791 made LIMIT/OFFSET overflow the database's 64-bit integers
    ("bigint out of range" on PostgreSQL, OverflowError on SQLite): a 500. It is a page with no rows."""
    client = api(world.user_a)
    response = client.get("/api/v1/org/units/", {"page": page, "page_size": 20})
    assert response.status_code == 404
    staff = Client(raise_request_exception=False)
    staff.force_login(world.user_a)
    # Django's changelist answers an unreachable page by sending the user back to the list (?e=1).
    assert staff.get("/admin/org/orgunit/", {"p": page}).status_code == 302
    with pytest.raises(EmptyPage):
        CappedCountPaginator(units, 20, page_hint=page).page(page)

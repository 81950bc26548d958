"""bench/scale_bench.py over the small seed_scale profile: every operation measured, with sane values."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

SEARCH_KINDS = ("name", "surname", "initials", "mobile", "phone tail", "ID tail", "code")
WIDGETS = (
    "receptions all",
    "receptions mine",
    "tasks all",
    "tasks mine",
    *(f"responsiveness {period} {who}" for period in ("month", "year", "all") for who in ("all", "mine")),
)


def test_scale_bench_measures_every_operation_over_the_seeded_profile():
    from anju.estates.models import Room
    from anju.org.models import User
    from anju.tasks.models import Task
    from bench import scale_bench

    call_command("seed_scale", "--profile", "small", stdout=io.StringIO(), stderr=io.StringIO())
    rows = scale_bench.measure(runs=2, samples=4)
    ops = [r["operation"] for r in rows]

    def row(prefix: str) -> dict:
        found = [r for r in rows if r["operation"].startswith(prefix)]
        assert len(found) == 1, (prefix, ops)
        return found[0]

    expected = [
        row("estates: room grid page"),
        *(row(f"customers: omni search, {kind}") for kind in (*SEARCH_KINDS, "all kinds")),
        *(row(f"service: widget {widget} (") for widget in WIDGETS),
        row("service: my tasks"),
        row("service: workbench API"),
        row("service: task list API"),
        row("service: task detail API"),
    ]
    assert len(expected) == len(rows)
    for r in rows:
        assert r["p50_ms"] > 0 and r["p95_ms"] >= r["p50_ms"], r
        assert r["rows"] > 0 and r["queries"] > 0, r
    # The small profile's largest buildings hold 100 rooms (25 floors x 4).
    assert row("estates: room grid page")["rows"] == 100
    assert Room.objects.filter(building=scale_bench.largest_building()).count() == 100
    assert row("service: task list API")["rows"] == Task.objects.count() == 10_000
    for widget in WIDGETS:
        timed = row(f"service: widget {widget} (")
        assert timed["sql_ms"] > 0 and timed["ratio"] > 0, timed
    # The bench user got an all-points role and the staff flag; a second run changes nothing.
    agent = User.objects.get(username="scale_agent_0")
    assert agent.is_staff and agent.roles.count() == 1
    role_ids = set(agent.roles.values_list("pk", flat=True))
    scale_bench.bench_user(agent.current_company_id)
    assert set(agent.roles.values_list("pk", flat=True)) == role_ids

"""Benchmarks of the base-data context (issue 3). Prints its figures; exits non-zero over budget.

    DATABASE_URL=sqlite:////tmp/anju_bench.sqlite3 .venv/bin/python bench/estates_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anju_estates_bench .venv/bin/python bench/estates_bench.py

It builds a throw-away test database (Django's test-database machinery: `test_` prefix, destroyed at
the end), then measures
  1. the room wizard generating a 100-floor × 10-unit × 10-household building (10,000 rooms), budget 2 s;
  2. the 销控图 page of a 2,000-room building (server time through the Django test client, median of
     7 runs after one warm-up), budget 300 ms, and its query count against a 6-room building.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ANJU_TESTING", "1")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from bench.results import QueryCounter, emit, percentile  # noqa: E402

WIZARD_BUDGET_S = 2.0
GRID_BUDGET_MS = 300.0


def main() -> int:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        return run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> int:
    from anju.core.testing import build_org_world, make_project
    from anju.estates import services
    from anju.estates.models import Room

    world = build_org_world()
    user = world.user_a
    project = make_project(world.company_a, code="BENCH", name="基准项目", short_name="基准")
    vendor = connection.vendor
    ok = True

    # 1. The wizard: 10,000 rooms.
    tower = services.building_create(actor=user, project=project, code="T1", name="T1栋")
    with QueryCounter(connection) as wizard_queries:
        started = time.perf_counter()
        created = services.building_generate(actor=user, building=tower, floors=100, households=[10] * 10)
        wizard_s = time.perf_counter() - started
    assert created == 10_000 == Room.objects.filter(building=tower).count()
    ok &= wizard_s < WIZARD_BUDGET_S
    print(
        f"[{vendor}] wizard 100 floors x 10 units x 10 households: {created} rooms in {wizard_s:.2f} s "
        f"(budget {WIZARD_BUDGET_S:.0f} s)"
    )

    # 2. The grid page of a 2,000-room building, against a 6-room one for the query count.
    big = services.building_create(actor=user, project=project, code="G1", name="G1栋")
    services.building_generate(actor=user, building=big, floors=50, households=[10, 10, 10, 10])
    small = services.building_create(actor=user, project=project, code="G2", name="G2栋")
    services.building_generate(actor=user, building=small, floors=3, households=[2])
    for row in range(0, 50, 5):  # a few merged rooms and mixed statuses, as in real life
        services.room_merge_right(actor=user, room=Room.objects.get(building=big, grid_row=row, grid_col=0))
        services.room_set_status(
            actor=user, room=Room.objects.get(building=big, grid_row=row, grid_col=5), status="signed"
        )
    client = Client()
    client.force_login(user)

    def page(building):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(f"/admin/estates/-/buildings/{building.pk}/grid/")
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        return elapsed, len(queries.captured_queries), len(response.content)

    page(small)
    page(big)
    small_runs = [page(small) for _ in range(7)]
    small_queries = small_runs[0][1]
    runs = [page(big) for _ in range(7)]
    median_ms = statistics.median(r[0] for r in runs)
    big_queries = runs[0][1]
    rooms = Room.objects.filter(building=big).count()
    ok &= median_ms < GRID_BUDGET_MS and big_queries == small_queries
    print(
        f"[{vendor}] grid page of {rooms} rooms: median {median_ms:.0f} ms (min {min(r[0] for r in runs):.0f}, "
        f"max {max(r[0] for r in runs):.0f}; budget {GRID_BUDGET_MS:.0f} ms), {runs[0][2] // 1024} KiB HTML, "
        f"{big_queries} queries (6-room building: {small_queries} queries, "
        f"median {statistics.median(r[0] for r in small_runs):.0f} ms, the page shell's own cost)"
    )
    emit(
        "estates: room wizard (one run)",
        p50_ms=wizard_s * 1000,
        rows=created,
        queries=wizard_queries.count,
        budget=f"< {WIZARD_BUDGET_S:.0f} s",
        ok=wizard_s < WIZARD_BUDGET_S,
    )
    times = [r[0] for r in runs]
    emit(
        "estates: room grid page (7 runs)",
        p50_ms=median_ms,
        p95_ms=percentile(times, 95),
        rows=rooms,
        queries=big_queries,
        budget=f"< {GRID_BUDGET_MS:.0f} ms, queries = {small_queries} (6 rooms)",
        ok=median_ms < GRID_BUDGET_MS and big_queries == small_queries,
    )
    print(f"[{vendor}] {'OK' if ok else 'OVER BUDGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Read benchmarks against a database seeded by `manage.py seed_scale` (issue 6). Prints a report and
`BENCH_RESULT` lines (bench/results.py); exits 2 when the database holds no scale data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anju_scale_bench .venv/bin/python bench/scale_bench.py
    DATABASE_URL=... .venv/bin/python bench/scale_bench.py --runs 15 --samples 300

Unlike the other benchmarks it builds no test database: it measures the data already there (large
profile: 100,000 rooms, 200,000 customers, 1,000,000 tasks; small: 1 % of that), so the figures are
those of the same data the load test runs over:
  - estates: the 销控图 (room grid) page of the profile's largest building, through the Django test
    client as a staff user of the building's company;
  - customers: omni search, the query kinds of bench/customers_search_bench.py (2-character names,
    surnames, pinyin initials, full mobiles, 4-digit phone tails, ID-number tails, a code prefix)
    sampled from the seeded customers of that company;
  - service: each workbench widget ("all" and "mine") against the same sums written out by hand over
    the counter tables (the ratio bench/service_bench.py reports), "my tasks", the workbench API, the
    first page of the task list API and task details.
Every measure is a warm-up call then `--runs` timed calls (p50 and nearest-rank p95), with the SQL
statements of each call counted.

The user is the scale agent (`scale_agent_N`) of the largest building's company. seed_scale creates
them without a role or staff flag; `bench.load_prepare.prepare_scale_user` gives the agent an
all-points role of its company (data range "all") and the staff flag, once (it is a no-op on a
prepared database). Apart from that the benchmark only reads, except what logging in writes: the
test client's session row (deleted at the end) and the user's `last_login`. On PostgreSQL it first
runs VACUUM ANALYZE on tables that autovacuum has not yet visited since the bulk load
(`settle_statistics`). The SLA sweep and task
creation, which write, are measured by bench/service_bench.py on its own database.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ANJU_TESTING", "1")

from bench.results import QueryCounter, percentile, record

GRID_BUDGET_MS = 300.0
SEARCH_BUDGET_MS = 50.0
WIDGET_BUDGET_MS = 200.0
RATIO_BUDGET = 2.0
MY_TASKS_BUDGET_MS = 200.0
PAGE_BUDGET_MS = 300.0  # the load test's p95 target for a whole request


class Timing:
    """Wall-clock milliseconds and SQL statements of each timed call."""

    def __init__(self, times: list[float], queries: list[int]):
        self.times, self.queries = times, queries

    @property
    def p50(self) -> float:
        return percentile(self.times, 50)

    @property
    def p95(self) -> float:
        return percentile(self.times, 95)

    @property
    def mean_queries(self) -> float:
        return round(sum(self.queries) / len(self.queries), 1)

    def row(self, operation: str, *, rows: int, **values) -> dict:
        """The result row of this measure (bench/results.record): p50, p95 and queries filled in."""
        return record(
            operation, p50_ms=self.p50, p95_ms=self.p95, rows=rows, queries=self.mean_queries, **values
        )


def timed(calls: list[Callable[[], object]], *, warm_up: Callable[[], object] | None = None) -> Timing:
    """Runs `warm_up` (default: the first call), then each call once, timing and counting statements."""
    from django.db import connection

    (warm_up or calls[0])()
    times, queries = [], []
    for call in calls:
        with QueryCounter(connection) as counter:
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        queries.append(counter.count)
    return Timing(times, queries)


def repeated(call: Callable[[], object], runs: int) -> Timing:
    return timed([call] * runs)


def hand_written(sql: str, params: list) -> Callable[[], list]:
    def run():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def _in(column: str, values) -> tuple[str, list]:
    # IN (…) rather than PostgreSQL's = ANY(%s): the same SQL runs on SQLite, where the test suite runs too.
    values = sorted(values) or [0]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


# --- the data and the user ------------------------------------------------------------------------
def largest_building():
    """The seeded building with the most rooms (ties: the first created)."""
    from django.db.models import Count

    from anju.estates.models import Building

    building = (
        Building.objects.filter(project__company__code__startswith="SCALE-C")
        .annotate(room_count=Count("rooms"))
        .select_related("project")
        .order_by("-room_count", "pk")
        .first()
    )
    if building is None:
        raise LookupError("no seed_scale data: run `manage.py seed_scale --profile small|large` first")
    return building


def bench_user(company_id: int):
    from anju.org.models import User
    from bench.load_prepare import prepare_scale_user

    user = User.objects.get(username__startswith="scale_agent_", current_company_id=company_id)
    prepare_scale_user(user)
    return User.objects.get(pk=user.pk)  # fresh: roles and access as a request would load them


def search_queries(user, samples: int, rng: random.Random) -> list[tuple[str, str]]:
    """The query mix of bench/customers_search_bench.py, drawn from customers the user can see."""
    from anju.customers import keys
    from anju.customers.selectors import visible_customers

    ids = list(visible_customers(user).order_by().values_list("pk", flat=True))
    chosen = rng.sample(ids, min(samples, len(ids)))
    people = visible_customers(user).filter(pk__in=chosen).order_by("pk")
    queries = []
    codes = []
    for name, mobile, id_number, code in people.values_list("name", "mobile", "id_number", "code"):
        queries.append(("name", name[:2]))
        queries.append(("surname", name[:1]))
        queries.append(("initials", keys.pinyin_keys(name)[0]))
        if mobile:
            queries.append(("mobile", mobile))
            queries.append(("phone tail", mobile[-4:]))
        if id_number:
            queries.append(("ID tail", id_number[-6:]))
        codes.append(code)
    if codes:
        queries.append(("code", codes[0][:-2]))  # a prefix matching up to a hundred codes
    return queries


def settle_statistics() -> list[str]:
    """PostgreSQL: VACUUM ANALYZE the tables that autovacuum would still visit after the bulk load
    (rows inserted or changed since the last vacuum/analyze beyond its default scale factors, 0.2 and
    0.1), so the plans and the index-only scans measured do not depend on whether autovacuum has
    come by yet. Statistics and visibility maps only; no row changes. Returns the tables visited."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE n_live_tup >= 1000 "
            "AND (n_ins_since_vacuum > 0.2 * n_live_tup OR n_mod_since_analyze > 0.1 * n_live_tup) "
            "ORDER BY relname"
        )
        tables = [name for (name,) in cursor.fetchall()]
        # VACUUM cannot run in a transaction (the test suite's); ANALYZE alone then.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        for name in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(name)}")
    return tables


# --- the measures ---------------------------------------------------------------------------------
def measure_grid(user, building, runs: int) -> list[dict]:
    from django.test import Client
    from django.urls import reverse

    from anju.estates.models import Room

    client = Client()
    client.force_login(user)
    url = reverse("estates:building_grid", args=[building.pk])

    def page():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    try:
        timing = repeated(page, runs)
    finally:
        client.logout()  # deletes the session row force_login wrote
    rooms = Room.objects.filter(building=building).count()
    print(
        f"room grid of {building.project.code}/{building.code} ({rooms:,} rooms): p50 {timing.p50:.1f} ms, "
        f"p95 {timing.p95:.1f} ms, {timing.mean_queries:g} queries"
    )
    return [
        timing.row(
            f"estates: room grid page, largest building ({runs} runs)",
            rows=rooms,
            budget=f"< {GRID_BUDGET_MS:.0f} ms",
            ok=timing.p50 < GRID_BUDGET_MS,
        )
    ]


def measure_search(user, samples: int, rng: random.Random) -> list[dict]:
    from django.db import connection

    from anju.customers import selectors
    from anju.customers.models import Customer
    from anju.org.access import forget

    queries = search_queries(user, samples, rng)
    forget(user)
    selectors.omni_search(user, "张三")  # warm-up (access cache, connection), as in customers_search_bench
    by_kind: dict[str, Timing] = {}
    for kind, q in queries:
        timing = timed([lambda q=q: selectors.omni_search(user, q, 20)], warm_up=lambda: None)
        kept = by_kind.setdefault(kind, Timing([], []))
        kept.times += timing.times
        kept.queries += timing.queries
    customers = Customer.objects.count()
    visible = selectors.visible_customers(user).count()
    every = Timing(
        [t for k in by_kind.values() for t in k.times], [n for k in by_kind.values() for n in k.queries]
    )
    print(f"omni search: {len(queries)} queries over {customers:,} customers ({visible:,} visible)")
    rows = []
    for kind, timing in by_kind.items():
        print(f"  {kind:<11} n={len(timing.times):>4}  p50={timing.p50:6.1f} ms  p95={timing.p95:6.1f} ms")
        rows.append(
            timing.row(
                f"customers: omni search, {kind}",
                rows=customers,
            )
        )
    postgres = connection.vendor == "postgresql"
    print(
        f"  ALL         p50={every.p50:6.1f} ms  p95={every.p95:6.1f} ms  (budget p95 < {SEARCH_BUDGET_MS:.0f} ms)"
    )
    rows.append(
        every.row(
            f"customers: omni search, all kinds ({len(queries)} queries)",
            rows=customers,
            budget=f"p95 < {SEARCH_BUDGET_MS:.0f} ms (PostgreSQL)",
            ok=every.p95 < SEARCH_BUDGET_MS if postgres else None,
        )
    )
    return rows


def widget_cases(user) -> list[tuple[str, Callable, str, list, str]]:
    """(label, selector call, hand-written SQL over the counter tables, its parameters, table counted).
    The SQL is bench/service_bench.py's, for a user with the data range "all": the user-0 rows for
    "all", the user's own rows for "mine"."""
    from anju.org.access import current_company_id, visible_project_ids
    from anju.service import selectors

    company = current_company_id(user)
    in_projects, projects = _in("project_id", visible_project_ids(user))
    reception_sql = (
        "SELECT status, SUM(n) FROM service_receptioncounter WHERE company_id = %s AND user_id = %s "
        f"AND {in_projects} GROUP BY status"
    )
    task_sql = (
        "SELECT status, SUM(n) FROM service_taskcounter WHERE accepting_company_id = %s AND user_id = %s "
        f"AND {in_projects} GROUP BY status"
    )
    responsiveness_sql = (
        "SELECT SUM(n), SUM(reply), SUM(answer), SUM(process) FROM service_taskcounter "
        f"WHERE accepting_company_id = %s AND user_id = %s AND {in_projects}"
    )
    widgets = [
        ("receptions", selectors.reception_progress, reception_sql, [], "receptions"),
        ("tasks", selectors.task_progress, task_sql, [], "tasks"),
    ]
    for period in ("month", "year", "all"):
        start = selectors.period_start(period)
        since, extra = ("AND month >= %s", [start.date()]) if start else ("", [])
        widgets.append(
            (
                f"responsiveness {period}",
                lambda u, mine, p=period: selectors.responsiveness(u, mine=mine, period=p),
                f"{responsiveness_sql} {since}",
                extra,
                "tasks",
            )
        )
    cases = []
    for label, selector, sql, extra, table in widgets:
        for mine in (False, True):
            cases.append(
                (
                    f"{label} {'mine' if mine else 'all'}",
                    lambda s=selector, m=mine: s(user, mine=m),
                    sql,
                    [company, user.pk if mine else 0, *projects, *extra],
                    table,
                )
            )
    return cases


def same_answer(label: str, from_selector: dict[str, int], from_sql: list[tuple]) -> None:
    """The hand-written SQL must count what the selector counts, or the ratio compares different work."""
    if len(from_sql) == 1 and len(from_sql[0]) == 4:  # responsiveness: total, reply, answer, process
        expected = dict(zip(("total", "reply", "answer", "process"), from_sql[0], strict=True))
    else:  # progress: one row per status; the selector also lists the statuses without any
        expected = dict.fromkeys(from_selector, 0) | dict(from_sql)
    expected = {key: int(n or 0) for key, n in expected.items()}
    if expected != from_selector:
        raise AssertionError(f"{label}: the selector says {from_selector}, the SQL {expected}")


def measure_service(user, runs: int, rng: random.Random) -> list[dict]:
    from rest_framework.test import APIClient

    from anju.org.access import forget, scoped
    from anju.service import selectors
    from anju.service.models import Reception
    from anju.tasks.models import Task

    sizes = {"tasks": Task.objects.count(), "receptions": Reception.objects.count()}
    rows = []
    print(f"service: {sizes['tasks']:,} tasks, {sizes['receptions']:,} receptions")
    print(f"  {'widget':<28}{'p50 ms':>9}{'p95 ms':>9}{'SQL ms':>9}{'ratio':>7}{'queries':>9}")
    for label, selector, sql, params, table in widget_cases(user):
        # As in service_bench: the access (company, visible projects) is computed by the warm-up
        # and cached on the user, so the timed calls measure the widget's own work.
        forget(user)
        timing = repeated(selector, runs)
        by_hand = repeated(hand_written(sql, params), runs)
        same_answer(label, selector(), hand_written(sql, params)())
        ratio = timing.p50 / by_hand.p50 if by_hand.p50 else 0.0
        ok = timing.p50 <= WIDGET_BUDGET_MS and ratio <= RATIO_BUDGET
        print(
            f"  {label:<28}{timing.p50:>9.2f}{timing.p95:>9.2f}{by_hand.p50:>9.2f}{ratio:>7.2f}"
            f"{timing.mean_queries:>9g}{'' if ok else '  OVER BUDGET'}"
        )
        rows.append(
            timing.row(
                f"service: widget {label} ({runs} runs)",
                rows=sizes[table],
                sql_ms=by_hand.p50,
                budget=f"< {WIDGET_BUDGET_MS:.0f} ms, < {RATIO_BUDGET:g}× SQL",
                ok=ok,
            )
        )

    now = datetime.datetime.now(datetime.UTC)
    forget(user)
    timing = repeated(lambda: selectors.my_tasks(user, now=now), runs)
    stats, _first = selectors.my_tasks(user, now=now)
    print(f"  my tasks ({stats['open']:,} open): p50 {timing.p50:.1f} ms, p95 {timing.p95:.1f} ms")
    rows.append(
        timing.row(
            f"service: my tasks, {stats['open']:,} open ({runs} runs)",
            rows=sizes["tasks"],
            budget=f"< {MY_TASKS_BUDGET_MS:.0f} ms",
            ok=timing.p50 < MY_TASKS_BUDGET_MS,
        )
    )

    # Whole API requests. force_authenticate hands DRF this very user object, which would keep the
    # access cached between requests; forgetting it first makes each request pay what a real one pays.
    client = APIClient()
    client.force_authenticate(user)

    def get(url: str) -> Callable[[], None]:
        def call():
            forget(user)
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])

        return call

    visible_ids = list(scoped(user, Task).order_by().values_list("pk", flat=True))
    details = [
        get(f"/api/v1/service/tasks/{pk}/") for pk in rng.sample(visible_ids, min(runs, len(visible_ids)))
    ]
    pages = [
        ("workbench API (all widgets)", repeated(get("/api/v1/service/workbench/"), runs)),
        ("task list API, first page", repeated(get("/api/v1/service/tasks/"), runs)),
        (f"task detail API ({len(details)} tasks)", timed(details)),
    ]
    for label, timing in pages:
        print(f"  {label}: p50 {timing.p50:.1f} ms, p95 {timing.p95:.1f} ms, {timing.mean_queries:g} queries")
        rows.append(
            timing.row(
                f"service: {label}",
                rows=sizes["tasks"],
                budget=f"< {PAGE_BUDGET_MS:.0f} ms",
                ok=timing.p50 < PAGE_BUDGET_MS,
            )
        )
    return rows


def measure(*, runs: int = 15, samples: int = 300, seed: int = 20261202) -> list[dict]:
    """Every measure over the seeded data; returns the result rows (bench/results.py keys)."""
    from django.db import connection

    rng = random.Random(seed)
    building = largest_building()
    started = time.perf_counter()
    if settled := settle_statistics():
        print(
            f"statistics settled after the bulk load ({time.perf_counter() - started:.0f} s): {', '.join(settled)}"
        )
    user = bench_user(building.project.company_id)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; user {user.username}")
    rows = measure_grid(user, building, runs)
    rows += measure_search(user, samples, rng)
    rows += measure_service(user, runs, rng)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15, help="timed runs per measure (after a warm-up)")
    parser.add_argument(
        "--samples", type=int, default=300, help="customers sampled for search queries (~6 queries each)"
    )
    parser.add_argument(
        "--check-seeded",
        action="store_true",
        help="only say whether the database holds seed_scale data (exit 0) or not (exit 3)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    if args.check_seeded:
        from django.db import DatabaseError

        from anju.org.models import OrgUnit

        try:
            seeded = OrgUnit.objects.filter(code="SCALE").exists()  # what seed_scale itself checks
        except DatabaseError:  # not migrated
            seeded = False
        print("seed_scale data: " + ("present" if seeded else "absent"))
        return 0 if seeded else 3
    from django.test.utils import setup_test_environment

    from bench.results import emit_record

    # The test client's host name and an in-memory e-mail outbox; no test database is created.
    setup_test_environment()
    try:
        rows = measure(runs=args.runs, samples=args.samples)
    except LookupError as error:
        print(error)
        return 2
    for row in rows:
        emit_record(row)
    missed = [r["operation"] for r in rows if r["ok"] is False]
    print("OK" if not missed else "OVER BUDGET: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

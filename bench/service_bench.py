"""Benchmarks of the customer-service context (issue 5). Prints its figures; exits non-zero over budget.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anju_service_bench .venv/bin/python bench/service_bench.py [--tasks 1000000]

Builds a throw-away test database (`test_` prefix, destroyed at the end), fills it with N daily
complaint tasks (two per reception, 20 visible projects, a second company, 5 % 保修意见表
receptions, every status, timeouts) with set-based INSERTs, then measures
  1. each workbench widget query (median of 7 after a warm-up) against the best hand-written SQL for
     the same count (ratio printed), budget 200 ms and 2×;
  2. the SLA sweep finding and processing 10,000 newly due tasks (timeouts marked, escalation step,
     inbox + e-mail + SMS delivery rows, notifications sent), budget 10 s; a second run does nothing;
  3. creating tasks through the API (POST /api/v1/service/tasks/, in-process client), budget 200/s.
"""

from __future__ import annotations

import argparse
import datetime
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
from django.test.utils import setup_test_environment  # noqa: E402

WIDGET_BUDGET_MS = 200.0
RATIO_BUDGET = 2.0
SWEEP_BUDGET_S = 10.0
CREATE_BUDGET_PER_S = 200.0


def median_ms(fn, runs=7):
    fn()
    times = []
    for _i in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def sql(query, params):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()

    return run


def fill(world, projects, rooms, users, problem, n_tasks):
    """Set-based generation (PostgreSQL generate_series)."""
    a, b = world.company_a.pk, world.company_b.pk
    n_rec = n_tasks // 2
    room_ids = "{" + ",".join(str(r.pk) for r in rooms) + "}"
    room_projects = "{" + ",".join(str(r.project_id) for r in rooms) + "}"
    user_ids = "{" + ",".join(str(u.pk) for u in users) + "}"
    nr, nu = len(rooms), len(users)
    with connection.cursor() as c:
        c.execute(
            f"""
            INSERT INTO service_reception (company_id, code, channel, caller_name, caller_phone, room_id, project_id,
                content, received_at, status, created_by_id, created_at, version)
            SELECT %s, 'JD' || lpad(g::text, 9, '0'),
                   CASE WHEN g %% 20 = 0 THEN 'warranty_form' ELSE 'phone' END, '业主', '13800000000',
                   ('{room_ids}'::int[])[1 + g %% {nr}], ('{room_projects}'::int[])[1 + g %% {nr}],
                   '地砖空鼓', now() - (g %% 730) * interval '1 day',
                   (ARRAY['pending','decomposed','confirming','closed'])[1 + g %% 4],
                   ('{user_ids}'::int[])[1 + g %% {nu}], now(), 1
            FROM generate_series(1, %s) g
            """,
            [a, n_rec],
        )
        c.execute(
            """
            INSERT INTO service_reception_accepting_companies (reception_id, orgunit_id)
            SELECT id, CASE WHEN id %% 10 = 0 THEN %s ELSE %s END FROM service_reception
            """,
            [b, a],
        )
        c.execute(
            f"""
            INSERT INTO service_task (code, source, reception_id, task_type, problem_id, description, room_id,
                project_id, accepting_company_id, acceptor_id, responsible_kind, responsible_user_id, severity, status,
                warranty_status, is_paid, reply_due, answer_due, process_due, reply_timeout, answer_timeout,
                process_timeout, escalation_level, next_escalation_at, created_at, version)
            SELECT 'RW' || lpad(g::text, 9, '0'),
                   CASE WHEN g %% 25 = 0 THEN 'delivery' ELSE 'daily' END, r.id, 'complaint', %s, '地砖空鼓',
                   r.room_id, r.project_id, CASE WHEN g %% 10 = 1 THEN %s ELSE %s END,
                   ('{user_ids}'::int[])[1 + g %% {nu}], 'person', ('{user_ids}'::int[])[1 + (g / 7) %% {nu}], 'normal',
                   (ARRAY['pending_assignment','pending_reply','discussing','implementing','completed','closed','voided','invalid'])[1 + g %% 8],
                   'in', false, now() + interval '30 days', now() + interval '30 days', now() + interval '30 days',
                   g %% 7 = 0, g %% 11 = 0, g %% 13 = 0, 0, now() + interval '30 days',
                   now() - (g %% 730) * interval '1 day', 1
            FROM generate_series(1, %s) g JOIN service_reception r ON r.id = (SELECT min(id) FROM service_reception) + (g - 1) / 2
            """,
            [problem.pk, b, a, n_tasks],
        )
        c.execute("ANALYZE")


def run(n_tasks: int) -> int:
    from anju.core.testing import build_org_world, make_project, make_user
    from anju.estates.models import Room
    from anju.org.access import current_company_id, forget, visible_project_ids
    from anju.service import selectors
    from anju.service.models import Notification, Problem
    from anju.tasks import sla
    from anju.tasks.models import EscalationLog, Task

    ok = True
    world = build_org_world()
    me = world.user_a
    projects = [make_project(world.company_a, code=f"BP{i}") for i in range(20)]
    projects.append(make_project(world.company_b, code="BPB"))
    rooms = [
        Room.objects.create(project=p, code=f"R{i}-{j}") for i, p in enumerate(projects) for j in range(5)
    ]
    users = [me] + [
        make_user(world.dept_a, [world.role_a], all_projects=True, email=f"u{i}@example.com")
        for i in range(9)
    ]
    problem = Problem.objects.get(name="空鼓")
    started = time.perf_counter()
    fill(world, projects, rooms, users, problem, n_tasks)
    print(
        f"vendor: {connection.vendor}; generated {Task.objects.count():,} tasks in {time.perf_counter() - started:.1f} s"
    )
    from anju.service import counters

    started = time.perf_counter()
    rebuilt = counters.rebuild()
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE service_task")
        c.execute("ANALYZE service_taskcounter")
        c.execute("ANALYZE service_receptioncounter")
    print(
        f"workbench counters rebuilt after the bulk load: {rebuilt} in {time.perf_counter() - started:.1f} s"
    )

    # 1. Widgets vs hand-written SQL.
    forget(me)
    company = current_company_id(me)
    pids = sorted(visible_project_ids(me))
    now = datetime.datetime.now(datetime.UTC)
    month = selectors.period_start("month")
    year = selectors.period_start("year")
    rec_sql = (
        "SELECT status, count(*) FROM service_reception r WHERE r.project_id = ANY(%s) AND r.channel <> 'warranty_form' "
        "AND EXISTS (SELECT 1 FROM service_reception_accepting_companies ac WHERE ac.reception_id = r.id AND ac.orgunit_id = %s) {mine} GROUP BY status"
    )
    task_where = "t.accepting_company_id = %s AND t.source = 'daily' AND t.reception_id IS NOT NULL AND t.project_id = ANY(%s) {mine} {since}"
    task_sql = "SELECT status, count(*) FROM service_task t WHERE " + task_where + " GROUP BY status"
    resp_sql = (
        "SELECT count(*), count(*) FILTER (WHERE reply_timeout), count(*) FILTER (WHERE answer_timeout), "
        "count(*) FILTER (WHERE process_timeout) FROM service_task t WHERE " + task_where
    )
    mine_t = "AND (t.responsible_user_id = %s OR t.acceptor_id = %s)"
    # The same counts read from the counter tables by hand ("me" has the data range "all": user 0
    # rows for "all", their own rows for "mine").
    rec_cnt = (
        "SELECT status, sum(n) FROM service_receptioncounter WHERE company_id = %s AND user_id = %s "
        "AND project_id = ANY(%s) GROUP BY status"
    )
    task_cnt = (
        "SELECT status, sum(n) FROM service_taskcounter WHERE accepting_company_id = %s AND user_id = %s "
        "AND project_id = ANY(%s) GROUP BY status"
    )
    resp_cnt = (
        "SELECT sum(n), sum(reply), sum(answer), sum(process) FROM service_taskcounter "
        "WHERE accepting_company_id = %s AND user_id = %s AND project_id = ANY(%s) {since}"
    )
    cases = [
        (
            "receptions all",
            lambda: selectors.reception_progress(me, mine=False),
            (rec_cnt, [company, 0, pids]),
            (rec_sql.format(mine=""), [pids, company]),
        ),
        (
            "receptions mine",
            lambda: selectors.reception_progress(me, mine=True),
            (rec_cnt, [company, me.pk, pids]),
            (rec_sql.format(mine="AND r.created_by_id = %s"), [pids, company, me.pk]),
        ),
        (
            "tasks all",
            lambda: selectors.task_progress(me, mine=False),
            (task_cnt, [company, 0, pids]),
            (task_sql.format(mine="", since=""), [company, pids]),
        ),
        (
            "tasks mine",
            lambda: selectors.task_progress(me, mine=True),
            (task_cnt, [company, me.pk, pids]),
            (task_sql.format(mine=mine_t, since=""), [company, pids, me.pk, me.pk]),
        ),
    ]
    for label, start in (("month", month), ("year", year), ("all", None)):
        since = "AND t.created_at >= %s" if start else ""
        since_cnt = "AND month >= %s" if start else ""
        extra = [start] if start else []
        extra_cnt = [start.date()] if start else []
        cases.append(
            (
                f"responsiveness {label} all",
                lambda lb=label: selectors.responsiveness(me, mine=False, period=lb),
                (resp_cnt.format(since=since_cnt), [company, 0, pids, *extra_cnt]),
                (resp_sql.format(mine="", since=since), [company, pids, *extra]),
            )
        )
        cases.append(
            (
                f"responsiveness {label} mine",
                lambda lb=label: selectors.responsiveness(me, mine=True, period=lb),
                (resp_cnt.format(since=since_cnt), [company, me.pk, pids, *extra_cnt]),
                (resp_sql.format(mine=mine_t, since=since), [company, pids, me.pk, me.pk, *extra]),
            )
        )
    my_sql = (
        "SELECT count(*), count(*) FILTER (WHERE process_due < %(now)s OR (status = 'pending_reply' AND reply_due < %(now)s) "
        "OR (status IN ('pending_assignment','pending_reply','discussing') AND answer_due < %(now)s)) "
        "FROM service_task WHERE (responsible_user_id = %(u)s OR acceptor_id = %(u)s) "
        "AND status IN ('pending_assignment','pending_reply','discussing','implementing')"
    )
    cases.append(
        (
            "my tasks",
            lambda: selectors.my_tasks(me, now=now),
            None,
            (my_sql, {"now": now, "u": me.pk}),
        )
    )
    print(
        "ORM: the selectors (counter tables); SQL: hand-written over the counter tables; "
        "scan: hand-written over the task/reception tables (the previous shape)"
    )
    print(f"{'widget':<28}{'ORM ms':>9}{'SQL ms':>9}{'ratio':>7}{'scan ms':>10}{'ORM/scan':>10}")
    for label, orm, best, scan in cases:
        forget(me)
        orm_ms = median_ms(orm)
        scan_ms = median_ms(sql(*scan), runs=3)
        if best is None:
            flag = "" if orm_ms <= WIDGET_BUDGET_MS else "  OVER BUDGET"
            ok &= not flag
            print(f"{label:<28}{orm_ms:>9.1f}{'-':>9}{'-':>7}{scan_ms:>10.1f}{orm_ms / scan_ms:>10.3f}{flag}")
            continue
        best_ms = median_ms(sql(*best))
        ratio = orm_ms / best_ms if best_ms else 0
        flag = "" if orm_ms <= WIDGET_BUDGET_MS and ratio <= RATIO_BUDGET else "  OVER BUDGET"
        ok &= not flag
        print(
            f"{label:<28}{orm_ms:>9.1f}{best_ms:>9.1f}{ratio:>7.2f}{scan_ms:>10.1f}{orm_ms / scan_ms:>10.3f}{flag}"
        )
    # The counters answer what a scan of the tables answers.
    for mine in (False, True):
        assert selectors.task_progress(me, mine=mine) == selectors.task_progress_scan(me, mine=mine)
        assert selectors.reception_progress(me, mine=mine) == selectors.reception_progress_scan(me, mine=mine)

    # 2. SLA sweep: 10,000 newly due tasks.
    due_ids = list(
        Task.objects.filter(status="pending_reply", accepting_company=world.company_a).values_list(
            "pk", flat=True
        )[:10000]
    )
    past = now - datetime.timedelta(minutes=5)
    Task.objects.filter(pk__in=due_ids).update(
        reply_due=past, next_escalation_at=past, reply_timeout=False, escalation_level=0
    )
    counters.rebuild()  # the UPDATE above went behind the services' back
    with connection.cursor() as c:
        c.execute("ANALYZE service_task")
    # The huey worker sends the messages after commit; here the job is queued in-process, so the
    # sweep (find, mark, escalate, write inbox + delivery rows) and the sending are timed apart.
    from anju.service import notifications

    queued: list[tuple[list[int], str]] = []  # the jobs: (delivery ids, the token they are handed to)
    enqueue = notifications._enqueue
    notifications._enqueue = lambda ids, token=None: queued.append((ids, token))
    try:
        started = time.perf_counter()
        result = sla.sweep(now=now)
        sweep_s = time.perf_counter() - started
        second = sla.sweep(now=now)
    finally:
        notifications._enqueue = enqueue
    started = time.perf_counter()
    for ids, token in queued:
        for i in range(0, len(ids), 500):
            notifications.deliver_batch(ids[i : i + 500], token)
    send_s = time.perf_counter() - started
    queued = [pk for ids, _token in queued for pk in ids]
    notes = Notification.objects.filter(template="task_escalated").count()
    print(
        f"SLA sweep: {len(due_ids):,} due tasks → {result} in {sweep_s:.2f} s (budget {SWEEP_BUDGET_S:.0f} s); "
        f"second run {second}; escalation rows {EscalationLog.objects.count():,}, notifications {notes:,}; "
        f"then sending {len(queued):,} e-mail/SMS deliveries (worker side) {send_s:.2f} s"
    )
    exact = counters.current_task_rows() == counters.expected_task_rows()
    print(f"workbench counters after the sweep equal a recount: {exact}")
    ok &= sweep_s <= SWEEP_BUDGET_S and second["escalations"] == 0 and notes == len(due_ids) and exact

    # 3. Task creation through the API.
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(me)
    body = {
        "room": rooms[0].pk,
        "task_type": "complaint",
        "problem": problem.pk,
        "accepting_company": world.company_a.pk,
        "acceptor": me.pk,
        "source": "repair",
        "description": "API 基准",
    }
    assert client.post("/api/v1/service/tasks/", body, format="json").status_code == 201
    n = 300
    started = time.perf_counter()
    for _i in range(n):
        response = client.post("/api/v1/service/tasks/", body, format="json")
        assert response.status_code == 201, response.content
    rate = n / (time.perf_counter() - started)
    print(
        f"API task creation: {rate:.0f} tasks/s over {n} sequential requests (budget {CREATE_BUDGET_PER_S:.0f}/s)"
    )
    ok &= rate >= CREATE_BUDGET_PER_S
    print("OK" if ok else "SOME BUDGETS MISSED")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=1_000_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("service_bench needs PostgreSQL (DATABASE_URL=postgres://...)")
        return 2
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        return run(args.tasks)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())

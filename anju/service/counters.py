"""Pre-aggregated workbench counts (000 §2.8 统计口径), kept exact in the writer's transaction.

`TaskCounter` holds the counted tasks (those whose source says so: 日常投诉 born of a reception,
see anju.tasks.sources) per accepting company,
project, status, month of registration, responsible department and user (0: every task; N: the
tasks whose 责任人 or 受理人 is N), with the number of tasks and of reply / answer / processing
timeouts. `ReceptionCounter` holds the receptions other than 保修意见表 per accepting company,
project, status and user (0: all; N: entered by N).

Writers describe a row before and after a change (`task_state` / `reception_state`) and call
`task_changed` / `reception_changed`; the differences become one `INSERT … ON CONFLICT DO UPDATE`
that adds them (rows locked in key order, so two writers never deadlock on counters). Inside
`collect()` the differences of a whole service call are merged and written once at the end, after
the task and reception rows were locked: the lock order is task → reception → counter rows (task
counters, then reception counters) for every writer.
`rebuild()` recounts everything from the task and reception tables (after bulk loads).
"""

from __future__ import annotations

import datetime
import threading
from collections import defaultdict
from contextlib import contextmanager

from django.db import connection, transaction
from django.utils import timezone

from anju.service.choices import Channel
from anju.tasks import sources

_local = threading.local()

TASK_KEY = ("accepting_company_id", "user_id", "project_id", "status", "month", "department_id")
TASK_VALUES = ("n", "reply", "answer", "process")
RECEPTION_KEY = ("company_id", "user_id", "project_id", "status")
RECEPTION_VALUES = ("n",)


def month_of(moment) -> datetime.date:
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.date().replace(day=1)


# --- states ----------------------------------------------------------------------------------------
def task_state(task) -> tuple | None:
    """What the counters know of a task, or None when its source does not count it."""
    if not sources.counts(task):
        return None
    return (
        task.accepting_company_id,
        task.project_id,
        task.status,
        month_of(task.created_at),
        task.responsible_department_id or 0,
        task.responsible_user_id or 0,
        task.acceptor_id or 0,
        bool(task.reply_timeout),
        bool(task.answer_timeout),
        bool(task.process_timeout),
    )


def _add_task(acc: dict, state, sign: int) -> None:
    company, project, status, month, dept, resp, acceptor, r, a, p = state
    vector = (sign, sign * r, sign * a, sign * p)
    for user in {0, resp, acceptor}:
        row = acc[(company, user, project, status, month, dept)]
        for i, v in enumerate(vector):
            row[i] += v


def reception_state(*, project_id, status, channel, created_by_id, company_ids) -> tuple | None:
    if channel == Channel.WARRANTY_FORM or not company_ids:
        return None
    return (project_id, status, created_by_id or 0, frozenset(company_ids))


def reception_state_of(reception_id: int, *, lock: bool = False) -> tuple | None:
    from anju.service.models import Reception

    qs = Reception.objects.filter(pk=reception_id)
    if lock:
        qs = qs.select_for_update()
    row = qs.values_list("project_id", "status", "channel", "created_by_id").first()
    if row is None:
        return None
    companies = Reception.accepting_companies.through.objects.filter(reception_id=reception_id)
    return reception_state(
        project_id=row[0],
        status=row[1],
        channel=row[2],
        created_by_id=row[3],
        company_ids=companies.values_list("orgunit_id", flat=True),
    )


def _add_reception(acc: dict, state, sign: int) -> None:
    project, status, creator, companies = state
    for company in companies:
        for user in {0, creator}:
            acc[(company, user, project, status)][0] += sign


# --- writing differences ---------------------------------------------------------------------------
class _Pending:
    def __init__(self):
        self.tasks: dict = defaultdict(lambda: [0, 0, 0, 0])
        self.receptions: dict = defaultdict(lambda: [0])


@contextmanager
def collect():
    """Merge the counter differences of the enclosed writes and apply them once at the end (in the
    caller's transaction). Nested: the outermost block applies."""
    outer = getattr(_local, "pending", None)
    if outer is not None:
        yield outer
        return
    pending = _local.pending = _Pending()
    try:
        yield pending
    finally:
        _local.pending = None
    _flush(pending)


def _flush(pending: _Pending) -> None:
    _upsert("service_taskcounter", TASK_KEY, TASK_VALUES, pending.tasks)
    _upsert("service_reccounter_rows", RECEPTION_KEY, RECEPTION_VALUES, pending.receptions)


def _target(acc_tasks=None, acc_receptions=None) -> None:
    pending = getattr(_local, "pending", None)
    if pending is not None:
        for k, v in (acc_tasks or {}).items():
            row = pending.tasks[k]
            for i, x in enumerate(v):
                row[i] += x
        for k, v in (acc_receptions or {}).items():
            pending.receptions[k][0] += v[0]
        return
    if acc_tasks:
        _upsert("service_taskcounter", TASK_KEY, TASK_VALUES, acc_tasks)
    if acc_receptions:
        _upsert("service_reccounter_rows", RECEPTION_KEY, RECEPTION_VALUES, acc_receptions)


def tasks_changed(pairs) -> None:
    """Apply (before, after) task states; either may be None (not counted / new task)."""
    acc: dict = defaultdict(lambda: [0, 0, 0, 0])
    for before, after in pairs:
        if before == after:
            continue
        if before is not None:
            _add_task(acc, before, -1)
        if after is not None:
            _add_task(acc, after, +1)
    _target(acc_tasks=acc)


def task_changed(before, after) -> None:
    if before != after:
        tasks_changed([(before, after)])


def reception_changed(before, after) -> None:
    if before == after:
        return
    acc: dict = defaultdict(lambda: [0])
    if before is not None:
        _add_reception(acc, before, -1)
    if after is not None:
        _add_reception(acc, after, +1)
    _target(acc_receptions=acc)


def _table(alias: str) -> str:
    from anju.service.models import ReceptionCounter
    from anju.tasks.models import TaskCounter

    return {
        "service_taskcounter": TaskCounter._meta.db_table,
        "service_reccounter_rows": ReceptionCounter._meta.db_table,
    }[alias]


_PG_TYPES = {"status": "varchar", "month": "date"}


def _upsert(alias: str, key: tuple, values: tuple, acc: dict) -> None:
    rows = sorted((k, v) for k, v in acc.items() if any(v))
    if not rows:
        return
    table = _table(alias)
    cols = (*key, *values)
    sets = ", ".join(f'"{v}" = "{table}"."{v}" + excluded."{v}"' for v in values)
    conflict = ", ".join(f'"{k}"' for k in key)
    names = ", ".join(f'"{c}"' for c in cols)
    if connection.vendor == "postgresql":
        # One array per column: a few parameters however many rows (binding thousands of scalars
        # costs more than the upsert itself).
        arrays = ", ".join(f"%s::{_PG_TYPES.get(c, 'bigint')}[]" for c in cols)
        source = f"SELECT * FROM unnest({arrays})"  # noqa: S608 (types from this module)
        params = [[(*k, *v)[i] for k, v in rows] for i in range(len(cols))]
    else:
        placeholders = "(" + ", ".join(["%s"] * len(cols)) + ")"
        source = f"VALUES {', '.join([placeholders] * len(rows))}"
        params = [x for k, v in rows for x in (*k, *v)]
    # Identifiers come from this module's constants; every value is a bound parameter.
    query = f'INSERT INTO "{table}" ({names}) {source} ON CONFLICT ({conflict}) DO UPDATE SET {sets}'
    with connection.cursor() as cursor:
        cursor.execute(query, params)


# --- recount ---------------------------------------------------------------------------------------
def expected_task_rows() -> dict:
    """The task counters recounted from the task table (non-zero rows only)."""
    from django.db.models import Count, DateField, Q
    from django.db.models.functions import Trunc

    from anju.tasks.models import Task

    qs = Task.objects.filter(sources.counted_filter()).annotate(
        m=Trunc("created_at", "month", output_field=DateField())
    )
    dims = ["accepting_company_id", "project_id", "status", "m", "responsible_department_id"]
    counts = {
        "n": Count("pk"),
        "r": Count("pk", filter=Q(reply_timeout=True)),
        "a": Count("pk", filter=Q(answer_timeout=True)),
        "p": Count("pk", filter=Q(process_timeout=True)),
    }
    acc: dict = defaultdict(lambda: [0, 0, 0, 0])

    def add(rows, user_field):
        for row in rows:
            user = row[user_field] if user_field else 0
            key = (
                row["accepting_company_id"],
                user or 0,
                row["project_id"],
                row["status"],
                _as_date(row["m"]),
                row["responsible_department_id"] or 0,
            )
            target = acc[key]
            for i, name in enumerate(("n", "r", "a", "p")):
                target[i] += row[name]

    add(qs.order_by().values(*dims).annotate(**counts), None)
    add(
        qs.filter(responsible_user_id__isnull=False)
        .order_by()
        .values(*dims, "responsible_user_id")
        .annotate(**counts),
        "responsible_user_id",
    )
    add(_acceptor_rows(qs, dims, counts), "acceptor_id")
    return {k: tuple(v) for k, v in acc.items() if any(v)}


def _acceptor_rows(qs, dims, counts):
    """受理人 rows of the tasks whose 受理人 is not also their 责任人 (counted once per user)."""
    from django.db.models import F, Q

    return (
        qs.filter(Q(responsible_user_id__isnull=True) | ~Q(acceptor_id=F("responsible_user_id")))
        .order_by()
        .values(*dims, "acceptor_id")
        .annotate(**counts)
    )


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def expected_reception_rows() -> dict:
    from django.db.models import Count

    from anju.service.models import Reception

    through = Reception.accepting_companies.through
    qs = through.objects.exclude(reception__channel=Channel.WARRANTY_FORM).order_by()
    acc: dict = defaultdict(int)
    dims = ["orgunit_id", "reception__project_id", "reception__status"]
    for row in qs.values(*dims).annotate(n=Count("pk")):
        acc[(row["orgunit_id"], 0, row["reception__project_id"], row["reception__status"])] += row["n"]
    for row in (
        qs.filter(reception__created_by_id__isnull=False)
        .values(*dims, "reception__created_by_id")
        .annotate(n=Count("pk"))
    ):
        key = (
            row["orgunit_id"],
            row["reception__created_by_id"],
            row["reception__project_id"],
            row["reception__status"],
        )
        acc[key] += row["n"]
    return {k: (v,) for k, v in acc.items() if v}


def current_task_rows() -> dict:
    from anju.tasks.models import TaskCounter

    rows = TaskCounter.objects.values_list(*TASK_KEY, *TASK_VALUES)
    return {tuple(r[:6]): tuple(r[6:]) for r in rows if any(r[6:])}


def current_reception_rows() -> dict:
    from anju.service.models import ReceptionCounter

    rows = ReceptionCounter.objects.values_list(*RECEPTION_KEY, *RECEPTION_VALUES)
    return {tuple(r[:4]): tuple(r[4:]) for r in rows if r[4]}


def rebuild() -> dict:
    """Recount every counter from scratch (after bulk loads, or to repair). Returns row counts."""
    from anju.service.models import ReceptionCounter
    from anju.tasks.models import TaskCounter

    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Writers wait until the recount commits; the recount sees every earlier commit.
            with connection.cursor() as cursor:
                cursor.execute(
                    f'LOCK TABLE "{TaskCounter._meta.db_table}", "{ReceptionCounter._meta.db_table}" '
                    "IN EXCLUSIVE MODE"
                )
        TaskCounter.objects.all().delete()
        ReceptionCounter.objects.all().delete()
        tasks = expected_task_rows()
        receptions = expected_reception_rows()
        TaskCounter.objects.bulk_create(
            [TaskCounter(**dict(zip(TASK_KEY + TASK_VALUES, k + v, strict=True))) for k, v in tasks.items()],
            batch_size=2000,
        )
        ReceptionCounter.objects.bulk_create(
            [
                ReceptionCounter(**dict(zip(RECEPTION_KEY + RECEPTION_VALUES, k + v, strict=True)))
                for k, v in receptions.items()
            ],
            batch_size=2000,
        )
    return {"task_rows": len(tasks), "reception_rows": len(receptions)}

"""Reads beyond `scoped()`: the workbench counts (000 §2.8 统计口径) and "my tasks"."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from anju.org.access import current_company_id, scoped, visible_project_ids
from anju.service.choices import OPEN_STATUSES, Channel, ReceptionStatus, TaskStatus
from anju.service.models import Reception, ReceptionCounter
from anju.tasks import sources
from anju.tasks.clocks import CLOCKS
from anju.tasks.models import Task, TaskCounter


def daily_receptions(user, *, mine: bool):
    """日常投诉接待记录: the accepting companies include the current company, the channel is not
    保修意见表, the complaint object's project belongs to (or is shared to) the current company and is
    picked in the project filter; "mine": entered by the current user."""
    company = current_company_id(user)
    accepted = Reception.accepting_companies.through.objects.filter(
        reception_id=OuterRef("pk"), orgunit_id=company
    )
    qs = Reception.objects.filter(Exists(accepted), project_id__in=visible_project_ids(user)).exclude(
        channel=Channel.WARRANTY_FORM
    )
    if mine:
        qs = qs.filter(created_by=user)
    return qs


def daily_tasks(user, *, mine: bool):
    """日常投诉任务 (the tasks whose source the workbench counts: 日常投诉 born of a reception, and any
    other source registered as counted): accepting company is the current company, the complaint
    object in a visible, filtered project; "mine": the user is the 责任人 or the 受理人. Within the
    user's data scope (role data range)."""
    company = current_company_id(user)
    # A reception-born task is always in its reception's project (task_create enforces it), so the
    # reception's project is the task's own indexed `project` column, which scoped() already limits
    # to the visible, filtered projects: no join.
    qs = scoped(user, Task).filter(sources.counted_filter(), accepting_company_id=company)
    if mine:
        qs = qs.filter(Q(responsible_user=user) | Q(acceptor=user))
    return qs


def reception_progress_scan(user, *, mine: bool) -> dict[str, int]:
    """reception_progress counted from the reception table (the reference for the counters)."""
    counts = dict(
        daily_receptions(user, mine=mine)
        .values_list("status")
        .annotate(n=Count("pk", distinct=True))
        .values_list("status", "n")
    )
    return {s: counts.get(s, 0) for s in ReceptionStatus.values}


def task_progress_scan(user, *, mine: bool) -> dict[str, int]:
    """task_progress counted from the task table (the reference for the counters)."""
    counts = dict(
        daily_tasks(user, mine=mine).values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {s: counts.get(s, 0) for s in TaskStatus.values}


def period_start(period: str, now=None):
    now = timezone.localtime(now or timezone.now())
    if period == "month":
        return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if period == "year":
        return now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return None


def responsiveness_scan(user, *, mine: bool, period: str, now=None) -> dict[str, int]:
    """responsiveness counted from the task table (the reference for the counters)."""
    qs = daily_tasks(user, mine=mine)
    start = period_start(period, now)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    return qs.aggregate(
        total=Count("pk"),
        reply=Count("pk", filter=Q(reply_timeout=True)),
        answer=Count("pk", filter=Q(answer_timeout=True)),
        process=Count("pk", filter=Q(process_timeout=True)),
    )


# --- the same counts from the pre-aggregated counters (anju.service.counters) ----------------------
def _range_kind(user) -> str:
    """How the roles' data range narrows the user's tasks (mirrors anju.org.access._data_range_q for
    Task.scope): "all" (no narrowing), "self" (only where they are 责任人 or 受理人: exactly their
    own counter rows) or "departments" (a department range, which also admits the tasks of the
    departments' members: not kept in the counters, so counted from the task table)."""
    from anju.org.access import _access
    from anju.org.choices import DataRange

    access = _access(user)
    ranges = access.ranges
    if access.superuser or not ranges or DataRange.ALL in ranges:
        return "all"
    if DataRange.CUSTOM in ranges and access.custom_department_ids:
        return "departments"
    if (DataRange.DEPT_AND_BELOW in ranges or DataRange.DEPT in ranges) and user.department_id:
        return "departments"
    return "self"


def _in(column: str, values) -> tuple[str, list]:
    values = sorted(values)
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _sum_counters(model, where: list[str], params: list, select: str, group: str | None = None):
    """One aggregate over a counter table. The SQL is written out rather than built by the ORM:
    the sums touch a few hundred rows, so building the query would cost more than running it."""
    from django.db import connection

    sql = (
        f"SELECT {select} FROM {connection.ops.quote_name(model._meta.db_table)} WHERE {' AND '.join(where)}"  # noqa: S608
    )
    if group:
        sql += f" GROUP BY {group}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _task_counter_where(user, *, mine: bool) -> tuple[list[str], list] | None:
    """WHERE clauses on TaskCounter whose rows sum to the user's 日常投诉任务: the current accepting
    company, the visible and filtered projects (what scoped() applies for ScopeSpec(project=…)),
    and "all" within the roles' data range or "mine" (责任人 or 受理人)."""
    projects = visible_project_ids(user)
    in_projects, params = _in("project_id", projects or [0])
    where = ["accepting_company_id = %s", in_projects]
    params = [current_company_id(user), *params]
    if mine or _range_kind(user) == "self":
        where.append("user_id = %s")
        params.append(user.pk)
    else:
        where.append("user_id = 0")
    return where, params


def _counted(user, *, mine: bool) -> bool:
    """Whether the counters can answer (a department data range is counted from the tasks)."""
    return mine or _range_kind(user) != "departments"


def reception_progress(user, *, mine: bool) -> dict[str, int]:
    out = dict.fromkeys(ReceptionStatus.values, 0)
    projects = visible_project_ids(user)
    if not projects:
        return out
    in_projects, params = _in("project_id", projects)
    rows = _sum_counters(
        ReceptionCounter,
        ["company_id = %s", "user_id = %s", in_projects],
        [current_company_id(user), user.pk if mine else 0, *params],
        "status, SUM(n)",
        group="status",
    )
    for status, n in rows:
        if status in out:
            out[status] = int(n or 0)
    return out


def task_progress(user, *, mine: bool) -> dict[str, int]:
    if not _counted(user, mine=mine):
        return task_progress_scan(user, mine=mine)
    out = dict.fromkeys(TaskStatus.values, 0)
    clause = _task_counter_where(user, mine=mine)
    for status, n in _sum_counters(TaskCounter, *clause, "status, SUM(n)", group="status"):
        if status in out:
            out[status] = int(n or 0)
    return out


def responsiveness(user, *, mine: bool, period: str, now=None) -> dict[str, int]:
    """投诉任务响应度: of the daily tasks registered this month / this year / ever, how many had a
    reply timeout, an answer-to-customer timeout, a processing timeout, and how many in all."""
    if not _counted(user, mine=mine):
        return responsiveness_scan(user, mine=mine, period=period, now=now)
    keys = ("total", "reply", "answer", "process")
    where, params = _task_counter_where(user, mine=mine)
    start = period_start(period, now)
    if start is not None:
        where, params = [*where, "month >= %s"], [*params, start.date()]
    row = _sum_counters(TaskCounter, where, params, "SUM(n), SUM(reply), SUM(answer), SUM(process)")[0]
    return {k: int(v or 0) for k, v in zip(keys, row, strict=True)}


def my_tasks(user, *, limit: int = 10, now=None, soon_hours: int = 4):
    """Open tasks where the user is 受理人 or 责任人, with due-soon and overdue counts.

    Two branches (责任人; 受理人 of a task they are not 责任人 of), each read from its
    (user, status, deadlines) index instead of one OR that has to visit the table: the counts are
    an index-only scan (only indexed columns); the first rows by processing deadline
    are the first few of each (user, status) index range, merged here."""
    now = now or timezone.now()
    soon = now + datetime.timedelta(hours=soon_hours)
    due = CLOCKS.overdue_q(now)
    due_soon = Q(process_due__gte=now, process_due__lt=soon) | (
        Q(reply_due__gte=now, reply_due__lt=soon) & CLOCKS.running_q("reply")
    )
    branches = [
        Task.objects.filter(responsible_user=user),
        Task.objects.filter(acceptor=user).exclude(responsible_user=user),
    ]
    stats = {"open": 0, "overdue": 0, "soon": 0}
    first: list = []
    for qs in branches:
        part = qs.filter(status__in=OPEN_STATUSES).aggregate(
            open=Count("status"),
            overdue=Count("status", filter=due),
            soon=Count("status", filter=due_soon & ~due),
        )
        for k in stats:
            stats[k] += part[k] or 0
        for status in OPEN_STATUSES:
            first += list(
                qs.filter(status=status)
                .select_related("room", "project")
                .order_by(F("process_due").asc(nulls_last=True))[:limit]
            )
    # NULL deadlines last.
    first.sort(key=lambda t: (t.process_due is None, t.process_due or now, t.pk))
    return stats, first[:limit]

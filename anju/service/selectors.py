"""Reads beyond `scoped()`: the workbench counts (000 §2.8 统计口径) and "my tasks"."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from anju.org.access import current_company_id, scoped, visible_project_ids
from anju.service.choices import OPEN_STATUSES, Channel, ReceptionStatus, TaskSource, TaskStatus
from anju.service.models import Reception, Task


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
    """日常投诉任务: accepting company is the current company, source 日常投诉, the reception's complaint
    object in a visible, filtered project; "mine": the user is the 责任人 or the 受理人. Within the
    user's data scope (role data range)."""
    company = current_company_id(user)
    # A reception-born task is always in its reception's project (task_create enforces it), so the
    # reception's project is the task's own indexed `project` column, which scoped() already limits
    # to the visible, filtered projects: no join.
    qs = scoped(user, Task).filter(
        accepting_company_id=company, source=TaskSource.DAILY, reception_id__isnull=False
    )
    if mine:
        qs = qs.filter(Q(responsible_user=user) | Q(acceptor=user))
    return qs


def reception_progress(user, *, mine: bool) -> dict[str, int]:
    counts = dict(
        daily_receptions(user, mine=mine)
        .values_list("status")
        .annotate(n=Count("pk", distinct=True))
        .values_list("status", "n")
    )
    return {s: counts.get(s, 0) for s in ReceptionStatus.values}


def task_progress(user, *, mine: bool) -> dict[str, int]:
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


def responsiveness(user, *, mine: bool, period: str, now=None) -> dict[str, int]:
    """投诉任务响应度: of the daily tasks registered this month / this year / ever, how many had a
    reply timeout, an answer-to-customer timeout, a processing timeout, and how many in all."""
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


def my_tasks(user, *, limit: int = 10, now=None, soon_hours: int = 4):
    """Open tasks where the user is 受理人 or 责任人, with due-soon and overdue counts."""
    now = now or timezone.now()
    qs = Task.objects.filter(Q(responsible_user=user) | Q(acceptor=user), status__in=OPEN_STATUSES)
    soon = now + datetime.timedelta(hours=soon_hours)
    due = (
        Q(reply_due__lt=now, status=TaskStatus.PENDING_REPLY)
        | Q(process_due__lt=now)
        | Q(
            answer_due__lt=now,
            status__in=(TaskStatus.PENDING_ASSIGNMENT, TaskStatus.PENDING_REPLY, TaskStatus.DISCUSSING),
        )
    )
    due_soon = Q(process_due__gte=now, process_due__lt=soon) | Q(
        reply_due__gte=now, reply_due__lt=soon, status=TaskStatus.PENDING_REPLY
    )
    stats = qs.aggregate(
        open=Count("pk"), overdue=Count("pk", filter=due), soon=Count("pk", filter=due_soon & ~due)
    )
    rows = list(qs.select_related("room", "project").order_by("process_due")[:limit])
    return stats, rows

"""Workbench cards of manual 000 §2.8 for the customer-service part."""

from __future__ import annotations

import json

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.registry import workbench_widget
from anju.org.access import current_company_id, has_point
from anju.service import selectors
from anju.service.choices import ReceptionStatus, TaskStatus
from anju.tasks import calendar

COLORS = ["#6366f1", "#f59e0b", "#10b981", "#64748b", "#0ea5e9", "#a855f7", "#ef4444", "#94a3b8"]


def calendar_warning() -> str | None:
    years = [timezone.localdate().year, timezone.localdate().year + 1]
    missing = [str(y) for y in years if calendar.year_status(y)["fallback"]]
    if not missing:
        return None
    return _(
        "The holiday calendar of %(years)s is not configured: deadlines count Monday–Friday as working days. "
        "Enter the official holidays under Base data → Business calendar."
    ) % {"years": "、".join(missing)}


def _chart(kind: str, labels, datasets) -> str:
    data = {"type": kind, "data": {"labels": [str(x) for x in labels], "datasets": datasets}}
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


@workbench_widget("service.my_tasks", order=40)
def my_tasks(request):
    user = request.user
    if not has_point(user, "service.task.view"):
        return None
    from anju.system.parameters import get_parameter

    soon = int(get_parameter(current_company_id(user), "service.due_soon_hours"))
    stats, rows = selectors.my_tasks(user, soon_hours=soon)
    return render_to_string(
        "service/widget_my_tasks.html",
        {"stats": stats, "rows": rows, "warning": calendar_warning(), "now": timezone.now()},
        request=request,
    )


@workbench_widget("service.reception_progress", order=41)
def reception_progress(request):
    user = request.user
    if not has_point(user, "service.reception.view"):
        return None
    all_, mine = selectors.reception_progress(user, mine=False), selectors.reception_progress(user, mine=True)
    rows = [(label, all_[value], mine[value]) for value, label in ReceptionStatus.choices]
    chart = _chart(
        "doughnut", ReceptionStatus.labels, [{"data": list(all_.values()), "backgroundColor": COLORS[:4]}]
    )
    chart_mine = _chart(
        "doughnut", ReceptionStatus.labels, [{"data": list(mine.values()), "backgroundColor": COLORS[:4]}]
    )
    return render_to_string(
        "service/widget_progress.html",
        {
            "key": "reception",
            "title": _("Daily complaint reception progress"),
            "rows": rows,
            "chart": chart,
            "chart_mine": chart_mine,
            "total": sum(all_.values()),
            "total_mine": sum(mine.values()),
        },
        request=request,
    )


@workbench_widget("service.task_progress", order=42)
def task_progress(request):
    user = request.user
    if not has_point(user, "service.task.view"):
        return None
    all_, mine = selectors.task_progress(user, mine=False), selectors.task_progress(user, mine=True)
    rows = [(label, all_[value], mine[value]) for value, label in TaskStatus.choices]
    chart = _chart("doughnut", TaskStatus.labels, [{"data": list(all_.values()), "backgroundColor": COLORS}])
    chart_mine = _chart(
        "doughnut", TaskStatus.labels, [{"data": list(mine.values()), "backgroundColor": COLORS}]
    )
    return render_to_string(
        "service/widget_progress.html",
        {
            "key": "task",
            "title": _("Daily complaint task progress"),
            "rows": rows,
            "chart": chart,
            "chart_mine": chart_mine,
            "total": sum(all_.values()),
            "total_mine": sum(mine.values()),
        },
        request=request,
    )


@workbench_widget("service.responsiveness", order=43)
def responsiveness(request):
    user = request.user
    if not has_point(user, "service.task.view"):
        return None
    periods = [("month", _("This month")), ("year", _("This year")), ("all", _("All"))]
    rows = []
    for key, label in periods:
        for mine in (False, True):
            r = selectors.responsiveness(user, mine=mine, period=key)
            rows.append({"period": label, "mine": mine, **r})
    labels = [_("Reply timeout"), _("Answer-to-customer timeout"), _("Processing timeout")]
    datasets = []
    for i, row in enumerate(r for r in rows if not r["mine"]):
        total = row["total"] or 1
        datasets.append(
            {
                "label": str(row["period"]),
                "backgroundColor": COLORS[i],
                "data": [round(100 * row[k] / total, 1) for k in ("reply", "answer", "process")],
            }
        )
    return render_to_string(
        "service/widget_responsiveness.html",
        {"rows": rows, "chart": _chart("bar", labels, datasets)},
        request=request,
    )

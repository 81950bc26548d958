"""Receptions and tasks in the omni search: agents say codes (JD00000006, RW00000012) or their short
forms (JD6, rw12)."""

from __future__ import annotations

import re

from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core.registry import search_provider
from anju.org.access import has_point, scoped
from anju.service.models import Reception, Task

_SHORT_CODE = re.compile(r"^([A-Za-z]{1,4})0*(\d{1,12})$")


def _find(user, q: str, limit: int, model, point: str, describe) -> tuple[int, list[dict]]:
    if len(q) < 2 or not has_point(user, point):
        return 0, []
    match = Q(code__iexact=q) | Q(code__istartswith=q)
    short = _SHORT_CODE.match(q)
    if short:
        # "JD6" is JD00000006: the letters, any zeros, then the number.
        pattern = rf"^{re.escape(short[1])}0*{short[2]}$"
        match |= Q(code__iregex=pattern)
    score = Case(
        When(code__iexact=q, then=Value(100)),
        *([When(code__iregex=pattern, then=Value(98))] if short else []),
        default=Value(85),
        output_field=IntegerField(),
    )
    rows = scoped(user, model).filter(match)
    count = rows.count()
    found = rows.annotate(match_score=score).order_by("-match_score", "-pk")[:limit]
    url_name = admin_urlname(model._meta, "change")
    return count, [
        {
            "type": model._meta.model_name,
            "id": row.pk,
            "label": row.code,
            "detail": describe(row),
            "customer": row.customer_id,
            "url": reverse(url_name, args=[row.pk]),
            "score": row.match_score,
            "why": "code",
            "why_label": _("code"),
        }
        for row in found
    ]


def _short(text: str, size: int = 40) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[: size - 1] + "…"


@search_provider("reception", gettext_lazy("reception records"), order=40)
def find_receptions(user, q: str, limit: int):
    return _find(
        user,
        q,
        limit,
        Reception,
        "service.reception.view",
        lambda r: f"{r.get_status_display()} {_short(r.content)}",
    )


@search_provider("task", gettext_lazy("tasks"), order=41)
def find_tasks(user, q: str, limit: int):
    return _find(
        user,
        q,
        limit,
        Task,
        "service.task.view",
        lambda t: f"{t.get_status_display()} {_short(t.description)}",
    )

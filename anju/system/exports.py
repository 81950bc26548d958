"""Excel export of the log lists (what the filters selected); every export is itself logged."""

from __future__ import annotations

import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.models import OperationLog
from anju.core.spreadsheet import safe_row
from anju.system.models import LoginLog

MAX_EXPORT_ROWS = 100_000


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _operation_rows(queryset):
    yield [
        _("time"),
        _("user name"),
        _("action"),
        _("module"),
        _("object type"),
        _("object id"),
        _("object"),
        _("before"),
        _("after"),
        _("note"),
        _("IP address"),
    ]
    for row in queryset.select_related("content_type").iterator(chunk_size=2000):
        yield [
            timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
            row.actor_name,
            row.get_action_display(),
            row.module,
            str(row.content_type.model_class()._meta.verbose_name)
            if row.content_type and row.content_type.model_class()
            else "",
            row.object_id,
            row.object_repr,
            _text(row.before),
            _text(row.after),
            row.note,
            row.ip or "",
        ]


def _login_rows(queryset):
    yield [
        _("time"),
        _("user name entered"),
        _("success"),
        _("reason"),
        _("channel"),
        _("IP address"),
        _("user agent"),
    ]
    for row in queryset.iterator(chunk_size=2000):
        yield [
            timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
            row.username,
            _("Yes") if row.success else _("No"),
            row.reason,
            row.channel,
            row.ip or "",
            row.user_agent,
        ]


def export_logs(user, model, queryset) -> tuple[bytes, str]:
    queryset = queryset[:MAX_EXPORT_ROWS]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(model._meta.verbose_name_plural)[:31])
    rows = _operation_rows(queryset) if model is OperationLog else _login_rows(queryset)
    count = -1
    for values in rows:
        sheet.append(safe_row(_text(v) if not isinstance(v, str) else v for v in values))
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    with transaction.atomic():
        audit.log_action(
            actor=user,
            action=LogAction.EXPORT,
            model=model,
            object_repr=str(model._meta.verbose_name_plural),
            note=_("%(count)s rows exported") % {"count": count},
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    name = "operation-log" if model is OperationLog else "login-log" if model is LoginLog else "log"
    return buffer.getvalue(), f"{name}-{stamp}.xlsx"

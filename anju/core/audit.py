"""Operation log writer used by every service (Zulip-style explicit audit rows)."""

from __future__ import annotations

import datetime
import decimal
import threading
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from anju.core import context
from anju.core.masking import mask_field, sensitive_fields
from anju.core.models import OperationLog

_local = threading.local()


def rows_written() -> int:
    return getattr(_local, "rows", 0)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "name") and hasattr(value, "url"):  # FieldFile
        return value.name or ""
    return str(value)


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Concrete field values of `instance`, JSON-safe, sensitive fields masked."""
    sensitive = sensitive_fields(instance)
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        name = field.attname
        if fields is not None and field.name not in fields and name not in fields:
            continue
        if field.name in {"password"}:
            continue
        value = getattr(instance, name)
        if field.name in sensitive and value:
            value = mask_field(type(instance), field.name, value)
        data[field.name] = _jsonable(value)
    return data


def diff(before: dict | None, after: dict | None) -> tuple[dict, dict]:
    before, after = before or {}, after or {}
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys if k in before}, {k: after.get(k) for k in keys if k in after}


def log_action(
    *,
    actor,
    action: str,
    instance: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    company_id: int | None = None,
    note: str = "",
    object_repr: str | None = None,
    module: str = "",
    model: type[models.Model] | None = None,
    object_id=None,
):
    """Write one operation-log row in the caller's transaction."""
    ctx = context.current()
    if before is not None and after is not None:
        before, after = diff(before, after)
    if company_id is None and instance is not None:
        company_id = getattr(instance, "company_id", None)
    if company_id is None and actor is not None and getattr(actor, "is_authenticated", False):
        company_id = getattr(actor, "current_company_id", None)
    row = OperationLog.objects.create(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        actor_name=str(getattr(actor, "username", "") or "system")[:150],
        action=action,
        module=module or (model or instance)._meta.app_label  # instance may be a lazy request.user
        if (model or instance is not None)
        else module,
        content_type=ContentType.objects.get_for_model(model or instance)
        if (model or instance is not None)
        else None,
        object_id=str(object_id if object_id is not None else getattr(instance, "pk", "") or ""),
        object_repr=(
            object_repr if object_repr is not None else str(instance) if instance is not None else ""
        )[:200],
        company_id=company_id,
        before=before or {},
        after=after or {},
        note=note[:1000],
        ip=ctx.ip,
        user_agent=ctx.user_agent[:400],
    )
    _local.rows = rows_written() + 1
    return row

"""Shared write helpers for services: validated create, optimistic-locked update, audited delete."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.services import ConflictError


def _related_ids(instance: models.Model, name: str) -> list:
    """The ids a many-to-many field links to, sorted: what the operation log records for it."""
    return sorted(getattr(instance, name).order_by().values_list("pk", flat=True))


def create_instance(
    *,
    actor,
    instance: models.Model,
    note: str = "",
    exclude_validation=None,
    m2m: dict | None = None,
    after_save=None,
) -> models.Model:
    """Validate and save `instance`, link its many-to-many fields (`m2m`: name → objects or ids)
    and log the whole new state, links included. `after_save(instance)` runs between the insert and
    the log row: a code derived from the new id (JD00000006) is then what the log records."""
    instance.full_clean(exclude=exclude_validation)
    instance.save()
    if after_save is not None:
        after_save(instance)
    after = audit.snapshot(instance)
    for name, value in (m2m or {}).items():
        getattr(instance, name).set(value)
        after[name] = _related_ids(instance, name)
    audit.log_action(actor=actor, action=LogAction.CREATE, instance=instance, after=after, note=note)
    return instance


def lock(model: type[models.Model], pk) -> models.Model:
    """The current row, locked until the transaction ends. A row deleted since the caller read it
    (a concurrent DELETE) is a conflict the user resolves by reloading, not a server error."""
    try:
        return model._default_manager.select_for_update().get(pk=pk)
    except model.DoesNotExist as exc:
        raise ConflictError(
            _("This %(model)s (ID %(id)s) was deleted by someone else. Reload the list.")
            % {"model": model._meta.verbose_name, "id": pk}
        ) from exc


def update_instance(
    *,
    actor,
    instance: models.Model,
    data: dict,
    expected_version: int | None = None,
    note: str = "",
    exclude_validation=None,
) -> models.Model:
    """Apply `data` to a locked fresh copy of `instance`; refuse if someone saved in between."""
    current = lock(type(instance), instance.pk)
    has_version = hasattr(current, "version")
    if has_version and expected_version is not None and current.version != expected_version:
        raise ConflictError(
            _("%(object)s was changed by someone else while you were editing it. Reload and try again.")
            % {"object": current}
        )
    before = audit.snapshot(current)
    many = [name for name in data if isinstance(current._meta.get_field(name), models.ManyToManyField)]
    for name in many:
        before[name] = _related_ids(current, name)
    for name, value in data.items():
        if name in many:
            continue
        field = current._meta.get_field(name)
        setattr(
            current,
            field.attname if field.is_relation and not isinstance(value, models.Model) else name,
            value,
        )
    current.full_clean(exclude=exclude_validation)
    if has_version:
        current.version = F("version") + 1
    current.save()
    for name in many:
        getattr(current, name).set(data[name])
    current.refresh_from_db()
    after = audit.snapshot(current)
    for name in many:
        after[name] = _related_ids(current, name)
    audit.log_action(
        actor=actor, action=LogAction.UPDATE, instance=current, before=before, after=after, note=note
    )
    instance.__dict__.update(current.__dict__)
    return current


def delete_instance(*, actor, instance: models.Model, note: str = "") -> None:
    current = lock(type(instance), instance.pk)
    before = audit.snapshot(current)
    label = str(current)
    try:
        current.delete()
    except models.ProtectedError as exc:
        raise ValidationError(
            _("%(object)s cannot be deleted because other records still refer to it.") % {"object": label}
        ) from exc
    audit.log_action(
        actor=actor,
        action=LogAction.DELETE,
        instance=None,
        before=before,
        after={},
        object_repr=label,
        note=note,
        company_id=before.get("company") if isinstance(before.get("company"), int) else None,
        model=type(instance),
        object_id=before.get("id"),
    )

"""Writes of the system-settings module: dictionaries, business parameters, announcements, logs,
data clearing, backup/restore and saved views. Each is atomic and leaves an operation-log row."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.choices import PROTECTED_LOG_ACTIONS, LogAction
from anju.core.crud import create_instance, delete_instance, update_instance
from anju.core.models import OperationLog
from anju.core.services import ConflictError, ServiceValidationError, service
from anju.org import access
from anju.system import backup, clearing
from anju.system.models import (
    Announcement,
    Dictionary,
    DictionaryItem,
    LoginLog,
    Parameter,
)
from anju.system.parameters import DEFINITIONS, forget_parameters
from anju.system.retention import erasable_logs, retention_days

DELETE_BATCH = 5000


def _require_company(company, field_name="company"):
    if company is None or not company.is_company:
        raise ServiceValidationError({field_name: _("Choose a company, not a department.")})


# --- dictionaries (辅助资料) --------------------------------------------------------------------
@service
def dictionary_create(*, actor, code: str, name: str, description: str = "") -> Dictionary:
    if Dictionary.objects.filter(code=code).exists():
        raise ServiceValidationError({"code": _("A dictionary with this code already exists.")})
    return create_instance(
        actor=actor, instance=Dictionary(code=code, name=name, description=description, is_system=False)
    )


@service
def dictionary_update(
    *, actor, dictionary: Dictionary, data: dict, expected_version: int | None = None
) -> Dictionary:
    data = dict(data)
    if "is_system" in data and data["is_system"] != dictionary.is_system:
        raise ServiceValidationError({"is_system": _("Whether a dictionary is built in cannot be changed.")})
    data.pop("is_system", None)
    if "code" in data and data["code"] != dictionary.code:
        if dictionary.is_system:
            raise ServiceValidationError(
                {"code": _("The code of a built-in dictionary cannot change: other modules use it.")}
            )
        if Dictionary.objects.filter(code=data["code"]).exclude(pk=dictionary.pk).exists():
            raise ServiceValidationError({"code": _("A dictionary with this code already exists.")})
    return update_instance(actor=actor, instance=dictionary, data=data, expected_version=expected_version)


@service
def dictionary_delete(*, actor, dictionary: Dictionary) -> None:
    if dictionary.is_system:
        raise ServiceValidationError(
            _("“%(name)s” is a built-in dictionary and cannot be deleted; disable its items instead.")
            % {"name": dictionary.name}
        )
    count = dictionary.items.count()
    delete_instance(
        actor=actor, instance=dictionary, note=_("%(count)s items deleted with it") % {"count": count}
    )


def _check_item_code(dictionary: Dictionary, code: str, exclude_pk=None) -> None:
    clash = DictionaryItem.objects.filter(dictionary=dictionary, code=code)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ServiceValidationError({"code": _("This list already has an item with this code.")})


@service
def dictionaryitem_create(
    *,
    actor,
    dictionary: Dictionary,
    code: str,
    label: str,
    label_en: str = "",
    sort_order: int | None = None,
    is_enabled: bool = True,
) -> DictionaryItem:
    _check_item_code(dictionary, code)
    if sort_order is None:
        highest = dictionary.items.aggregate(m=Max("sort_order"))["m"]
        sort_order = (highest or 0) + 10
    item = DictionaryItem(
        dictionary=dictionary,
        code=code,
        label=label,
        label_en=label_en,
        sort_order=sort_order,
        is_enabled=is_enabled,
    )
    return create_instance(actor=actor, instance=item, note=dictionary.code)


@service
def dictionaryitem_update(
    *, actor, item: DictionaryItem, data: dict, expected_version: int | None = None
) -> DictionaryItem:
    data = dict(data)
    dictionary = data.pop("dictionary", item.dictionary)
    if dictionary.pk != item.dictionary_id:
        raise ServiceValidationError({"dictionary": _("An item cannot move to another dictionary.")})
    if "code" in data and data["code"] != item.code:
        _check_item_code(item.dictionary, data["code"], exclude_pk=item.pk)
    return update_instance(
        actor=actor, instance=item, data=data, expected_version=expected_version, note=item.dictionary.code
    )


@service
def dictionaryitem_delete(*, actor, item: DictionaryItem) -> None:
    delete_instance(actor=actor, instance=item, note=item.dictionary.code)


# --- business parameters (业务参数设置) -----------------------------------------------------------
def _definition(key: str):
    definition = DEFINITIONS.get(key)
    if definition is None:
        raise ServiceValidationError({"key": _("Unknown parameter “%(key)s”.") % {"key": key}})
    return definition


def _forget_parameters_now_and_after_commit() -> None:
    forget_parameters()
    transaction.on_commit(forget_parameters)


@service
def parameter_set(*, actor, company, key: str, value, expected_version: int | None = None) -> Parameter:
    """Store the company's own value of a parameter. `expected_version` is the version the editor
    saw: 0 (or None) when the company had no own value yet."""
    _require_company(company)
    definition = _definition(key)
    try:
        value = definition.clean(value)
    except ValidationError as exc:
        raise ServiceValidationError({"value": exc.messages}) from exc
    current = Parameter.objects.select_for_update().filter(company=company, key=key).first()
    conflict = ConflictError(
        _("The parameter “%(label)s” was changed by someone else. Reload and try again.")
        % {"label": definition.label}
    )
    if current is not None:
        if expected_version is not None and expected_version != current.version:
            raise conflict
        before = {"value": current.value}
        Parameter.objects.filter(pk=current.pk).update(
            value=value, version=F("version") + 1, updated_at=timezone.now()
        )
        current.refresh_from_db()
        action = LogAction.UPDATE
    else:
        if expected_version not in (None, 0):
            raise conflict
        before = {"value": None}
        try:
            with transaction.atomic():
                current = Parameter.objects.create(company=company, key=key, value=value)
        except IntegrityError as exc:
            raise conflict from exc
        action = LogAction.CREATE
    audit.log_action(
        actor=actor,
        action=action,
        instance=current,
        before=before,
        after={"value": current.value},
        object_repr=f"{definition.label} ({key})",
        company_id=company.pk,
    )
    _forget_parameters_now_and_after_commit()
    return current


@service
def parameter_reset(*, actor, company, key: str, expected_version: int | None = None) -> None:
    """Drop the company's own value: it inherits from its parent company or the default again."""
    _require_company(company)
    definition = _definition(key)
    current = Parameter.objects.select_for_update().filter(company=company, key=key).first()
    if current is None:
        raise ServiceValidationError({"key": _("This company has no value of its own to reset.")})
    if expected_version is not None and expected_version != current.version:
        raise ConflictError(
            _("The parameter “%(label)s” was changed by someone else. Reload and try again.")
            % {"label": definition.label}
        )
    before = {"value": current.value}
    pk = current.pk
    current.delete()
    audit.log_action(
        actor=actor,
        action=LogAction.DELETE,
        model=Parameter,
        object_id=pk,
        before=before,
        after={},
        object_repr=f"{definition.label} ({key})",
        company_id=company.pk,
        note=_("reset to the inherited value"),
    )
    _forget_parameters_now_and_after_commit()


# --- announcements (公告管理) ---------------------------------------------------------------------
def _check_window(publish_from, publish_until) -> None:
    for name, value in (("publish_from", publish_from), ("publish_until", publish_until)):
        if value is not None and not 2000 <= value.year <= 2199:
            raise ServiceValidationError({name: _("Enter a date between the years 2000 and 2199.")})
    if publish_until is not None and publish_from is not None and publish_until <= publish_from:
        raise ServiceValidationError({"publish_until": _("The end of publication must be after its start.")})


@service
def announcement_create(
    *,
    actor,
    company,
    title: str,
    body: str,
    publish_from=None,
    publish_until=None,
    is_pinned: bool = False,
) -> Announcement:
    _require_company(company)
    publish_from = publish_from or timezone.now()
    _check_window(publish_from, publish_until)
    announcement = Announcement(
        company=company,
        title=title,
        body=body,
        publish_from=publish_from,
        publish_until=publish_until,
        is_pinned=is_pinned,
        author=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return create_instance(actor=actor, instance=announcement)


@service
def announcement_update(
    *, actor, announcement: Announcement, data: dict, expected_version: int | None = None
) -> Announcement:
    data = dict(data)
    data.pop("author", None)
    if "company" in data and data["company"].pk != announcement.company_id:
        raise ServiceValidationError({"company": _("An announcement cannot move to another company.")})
    data.pop("company", None)
    _check_window(
        data.get("publish_from", announcement.publish_from),
        data.get("publish_until", announcement.publish_until),
    )
    return update_instance(actor=actor, instance=announcement, data=data, expected_version=expected_version)


@service
def announcement_delete(*, actor, announcement: Announcement) -> None:
    delete_instance(actor=actor, instance=announcement)


# --- logs (操作日志, 登录日志) --------------------------------------------------------------------
# A log row can be deleted (by hand, by clearing or by the retention purge) only once it is older
# than its company's `logs.retention_days` (never under MIN_LOG_RETENTION_DAYS), and never when it
# records a deletion or a clearing (PROTECTED_LOG_ACTIONS): the evidence of erasure stays.
def _delete_in_batches(queryset) -> int:
    total = 0
    while True:
        ids = list(queryset.order_by().values_list("pk", flat=True)[:DELETE_BATCH])
        if not ids:
            return total
        deleted, _detail = queryset.model._default_manager.filter(pk__in=ids).delete()
        total += deleted


def _check_erasable(model, ids) -> None:
    """Refuse, naming the reason, when one of the chosen rows must be kept."""
    rows = model._default_manager.filter(pk__in=ids)
    kept = rows.exclude(pk__in=erasable_logs(rows).values("pk"))
    row = kept.order_by("pk").first()
    if row is None:
        return
    if model is OperationLog and row.action in PROTECTED_LOG_ACTIONS:
        message = _(
            "Row %(id)s records a deletion or a clearing: such rows are kept and cannot be deleted."
        ) % {"id": row.pk}
    else:
        message = _(
            "Row %(id)s is younger than the log retention period (%(days)s days) and cannot be deleted."
        ) % {"id": row.pk, "days": retention_days(row.company_id)}
    raise ServiceValidationError({"non_field_errors": message})


def _log_deletion(*, actor, model, action, count, note, after=None) -> None:
    audit.log_action(
        actor=actor,
        action=action,
        model=model,
        module="system",  # the log tables are system screens, whatever app holds the model
        object_repr=str(model._meta.verbose_name_plural),
        note=note,
        after={"deleted": count, **(after or {})},
    )


def _date_range_note(date_from, date_to) -> str:
    return _("from %(start)s to %(end)s") % {
        "start": date_from.isoformat() if date_from else _("the beginning"),
        "end": date_to.isoformat() if date_to else _("today"),
    }


def _filter_dates(queryset, date_from, date_to):
    if date_from and date_to and date_to < date_from:
        raise ServiceValidationError({"date_to": _("The end date must not be before the start date.")})
    if date_from:
        queryset = queryset.filter(at__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(at__date__lte=date_to)
    return queryset


def _ids(logs) -> list[int]:
    return [row.pk if isinstance(row, models.Model) else int(row) for row in logs]


@service
def operationlog_delete(*, actor, logs) -> int:
    """Delete chosen operation-log rows (`logs`: a queryset the caller already scoped); refused as a
    whole if one of them must be kept."""
    ids = _ids(logs)
    _check_erasable(OperationLog, ids)
    count = _delete_in_batches(OperationLog.objects.filter(pk__in=ids))
    note = _("%(count)s operation-log rows deleted (ids %(ids)s)") % {
        "count": count,
        "ids": ", ".join(map(str, ids[:50])) + ("…" if len(ids) > 50 else ""),
    }
    _log_deletion(actor=actor, model=OperationLog, action=LogAction.DELETE, count=count, note=note)
    return count


def _clear(*, actor, model, queryset, date_from, date_to, message) -> int:
    chosen = _filter_dates(queryset, date_from, date_to)
    count = _delete_in_batches(erasable_logs(chosen))
    kept = chosen.count()
    note = message % {"range": _date_range_note(date_from, date_to), "count": count}
    if kept:
        note += "; " + _("%(kept)s rows kept (within the retention period, or records of erasure)") % {
            "kept": kept
        }
    _log_deletion(
        actor=actor,
        model=model,
        action=LogAction.LOG_CLEAR,
        count=count,
        note=note,
        after={
            "kept": kept,
            "date_from": date_from.isoformat() if date_from else None,
            "date_to": date_to.isoformat() if date_to else None,
        },
    )
    return count


@service
def operationlog_clear(*, actor, queryset, date_from=None, date_to=None) -> int:
    """Clear the operation log (清空日志) within a date range, limited to `queryset` (the caller's
    scope): rows past the retention period go, the others stay. The clearing is logged as a row of
    its own, which no one can delete."""
    return _clear(
        actor=actor,
        model=OperationLog,
        queryset=queryset,
        date_from=date_from,
        date_to=date_to,
        message=_("operation log cleared %(range)s: %(count)s rows"),
    )


@service
def loginlog_delete(*, actor, logs) -> int:
    ids = _ids(logs)
    _check_erasable(LoginLog, ids)
    count = _delete_in_batches(LoginLog.objects.filter(pk__in=ids))
    note = _("%(count)s login-log rows deleted") % {"count": count}
    _log_deletion(actor=actor, model=LoginLog, action=LogAction.DELETE, count=count, note=note)
    return count


@service
def loginlog_clear(*, actor, queryset, date_from=None, date_to=None) -> int:
    return _clear(
        actor=actor,
        model=LoginLog,
        queryset=queryset,
        date_from=date_from,
        date_to=date_to,
        message=_("login log cleared %(range)s: %(count)s rows"),
    )


@service
def logs_purge(*, actor=None, now=None) -> dict[str, int]:
    """Delete log rows older than each company's `logs.retention_days` (never under 183 days),
    except the records of deletions and clearings."""
    now = now or timezone.now()
    result = {}
    for model in (OperationLog, LoginLog):
        result[model._meta.label_lower] = _delete_in_batches(erasable_logs(model.objects.all(), now=now))
    audit.log_action(
        actor=actor,
        action=LogAction.LOG_CLEAR,
        model=OperationLog,
        module="system",
        object_repr=str(OperationLog._meta.verbose_name_plural),
        note=_(
            "retention purge: %(ops)s operation-log and %(logins)s login-log rows older than the retention period"
        )
        % {"ops": result["core.operationlog"], "logins": result["system.loginlog"]},
        after=result,
    )
    return result


# --- data clearing (清空数据) ---------------------------------------------------------------------
@dataclass
class ClearingResult:
    backup_path: str
    deleted: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def clearing_requires_second_confirmation() -> bool:
    """Production settings (DEBUG off) need a second, explicit confirmation."""
    return not settings.DEBUG


def clearing_counts(company, category_keys) -> dict[str, dict[str, int]]:
    """Rows per category and model that clearing the company's subtree would delete."""
    ids = access.subtree_ids(company.pk)
    result: dict[str, dict[str, int]] = {}
    for key in category_keys:
        category = clearing.CATEGORIES[key]
        result[key] = {
            str(model._meta.verbose_name_plural): category.rows(model, path, ids).count()
            for model, path in category.resolved()
        }
    return result


def _self_references(model) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is model and f.remote_field.on_delete is not models.CASCADE
    ]


def _delete_tree_aware(queryset) -> int:
    """Delete rows; self-referencing trees (PROTECT) are removed leaves first."""
    model = queryset.model
    refs = _self_references(model)
    total = 0
    while True:
        batch = queryset
        for attname in refs:
            batch = batch.exclude(
                pk__in=model._default_manager.filter(**{f"{attname}__isnull": False}).values(attname)
            )
        ids = list(batch.order_by().values_list("pk", flat=True)[:DELETE_BATCH])
        if not ids:
            break
        _count, detail = model._default_manager.filter(pk__in=ids).delete()
        total += detail.get(model._meta.label, 0)
    if queryset.exists():  # a cycle, or rows still referenced from outside the tree
        queryset.delete()
    return total


@service
def data_clear(
    *, actor, company, categories, confirm_name: str, confirm_production: bool = False
) -> ClearingResult:
    """Empty the chosen table categories for a company subtree, after writing a full backup."""
    if not access.has_point(actor, "system.dataclearing.manage"):
        raise PermissionDenied(_("You are not allowed to clear data."))
    _require_company(company)
    if company.pk not in access.visible_company_ids(actor):
        raise ServiceValidationError({"company": _("This company is not visible to you.")})
    keys = list(dict.fromkeys(categories or []))
    if not keys:
        raise ServiceValidationError({"categories": _("Choose at least one kind of table to clear.")})
    unknown = [k for k in keys if k not in clearing.CATEGORIES or not clearing.CATEGORIES[k].clearable]
    if unknown:
        raise ServiceValidationError(
            {"categories": _("Unknown table categories: %(keys)s") % {"keys": ", ".join(unknown)}}
        )
    if (confirm_name or "").strip() != company.name:
        raise ServiceValidationError(
            {
                "confirm_name": _("Type the company name “%(name)s” exactly to confirm.")
                % {"name": company.name}
            }
        )
    if clearing_requires_second_confirmation() and not confirm_production:
        raise ServiceValidationError(
            {
                "confirm_production": _(
                    "This is a production system. Confirm a second time that the data may be deleted."
                )
            }
        )
    missing = [k for k in clearing.with_requirements(keys) if k not in keys]
    if missing:
        # Rows of other categories refer to the chosen ones (tasks to rooms, room relations to
        # customers): the user chooses them too, knowingly, rather than having them cleared silently.
        raise ServiceValidationError(
            {
                "categories": _(
                    "The chosen tables cannot be cleared alone: %(tables)s refer to them. Choose those too."
                )
                % {"tables": "、".join(str(clearing.CATEGORIES[k].label) for k in missing)}
            }
        )
    path = backup.default_path()
    # Published when the clearing commits; a refused or failed clearing leaves no file behind.
    _counts, staged = backup.write_backup_on_commit(path)
    try:
        result = _clear_categories(company, keys, str(path))
    except BaseException:
        staged.discard()
        raise
    audit.log_action(
        actor=actor,
        action=LogAction.CLEAR,
        instance=company,
        company_id=company.company_id or company.pk,
        after={"categories": keys, "deleted": result.deleted, "backup": result.backup_path},
        note=_("data cleared: %(count)s rows; backup written to %(path)s")
        % {"count": result.total, "path": result.backup_path},
    )
    return result


def _clear_categories(company, keys, backup_path: str) -> ClearingResult:
    result = ClearingResult(backup_path=backup_path)
    ids = access.subtree_ids(company.pk)
    ordered = [c for c in clearing.categories() if c.key in keys]
    for category in ordered:
        for model, lookup in category.resolved():
            queryset = category.rows(model, lookup, ids)
            try:
                with transaction.atomic():
                    deleted = _delete_tree_aware(queryset)
            except models.ProtectedError as exc:
                blocker = next(iter(exc.protected_objects), None)
                raise ServiceValidationError(
                    {
                        "categories": _(
                            "%(model)s cannot be cleared: %(other)s still refer to them. "
                            "Clear those tables too."
                        )
                        % {
                            "model": model._meta.verbose_name_plural,
                            "other": blocker._meta.verbose_name_plural if blocker is not None else "?",
                        }
                    }
                ) from exc
            result.deleted[model._meta.label_lower] = result.deleted.get(model._meta.label_lower, 0) + deleted
        if category.after is not None:
            category.after()
    return result


# --- backup and restore ---------------------------------------------------------------------------
@dataclass
class BackupResult:
    path: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@service
def backup_create(*, actor, path: str | Path | None = None) -> BackupResult:
    """Write a full backup file and record it in the operation log.

    Running inside the service transaction gives PostgreSQL one snapshot for the whole dump.
    """
    path = Path(path) if path else backup.default_path()
    counts = backup.write_backup(path)
    result = BackupResult(path=str(path), counts=counts)
    audit.log_action(
        actor=actor,
        action=LogAction.BACKUP,
        object_repr=path.name,
        note=_("full backup written to %(path)s: %(count)s rows")
        % {"path": result.path, "count": result.total},
        after={"path": result.path, "rows": result.total},
    )
    return result


@service
def backup_restore(*, actor, path: str | Path) -> BackupResult:
    """Replace every row with the backup's rows (one transaction) and log the restore."""
    from django.contrib.auth import get_user_model

    try:
        counts = backup.restore_backup(path)
    except backup.BackupError as exc:
        raise ServiceValidationError({"path": str(exc)}) from exc
    result = BackupResult(path=str(path), counts=counts)
    still_there = (
        actor is not None and get_user_model().objects.filter(pk=getattr(actor, "pk", None)).exists()
    )
    audit.log_action(
        actor=actor if still_there else None,
        action=LogAction.RESTORE,
        object_repr=Path(path).name,
        note=_("database restored from %(path)s: %(count)s rows") % {"path": path, "count": result.total},
        after={"path": str(path), "rows": result.total},
    )
    return result

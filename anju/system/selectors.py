"""Reads of the system-settings module that are more than `scoped(user, Model)`."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from anju.core.models import OperationLog
from anju.org.access import ancestor_ids, scoped
from anju.system.choices import ParameterType
from anju.system.models import Announcement, DictionaryItem, LoginLog, Parameter
from anju.system.parameters import DEFINITIONS, ParameterDef


# --- dictionaries (辅助资料) -----------------------------------------------------------------
def dictionary_items(code: str) -> QuerySet[DictionaryItem]:
    """Enabled items of the dictionary `code`, in their display order."""
    return DictionaryItem.objects.filter(dictionary__code=code, is_enabled=True).order_by(
        "sort_order", "code"
    )


def item_label(item: DictionaryItem) -> str:
    """The label in the active language: the English label when English is active and one is set."""
    language = (get_language() or "").lower()
    if language.startswith("en") and item.label_en:
        return item.label_en
    return item.label


def dictionary_choices(code: str) -> list[tuple[str, str]]:
    return [(item.code, item_label(item)) for item in dictionary_items(code)]


def dictionary_label(code: str, item_code: str) -> str:
    """Label of a stored item code (disabled items included); the code itself when unknown."""
    item = DictionaryItem.objects.filter(dictionary__code=code, code=item_code).first()
    return item_label(item) if item else item_code


# --- business parameters (业务参数设置) ---------------------------------------------------------
@dataclass(frozen=True)
class ParameterRow:
    definition: ParameterDef
    company_id: int
    effective: object
    own: Parameter | None
    source_company_id: int | None  # where the effective value comes from; None = the default

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def is_own(self) -> bool:
        return self.own is not None

    @property
    def version(self) -> int | None:
        return self.own.version if self.own else None


def parameter_rows(company_id: int) -> list[ParameterRow]:
    """Every defined parameter with the company's effective value and where it comes from."""
    chain = ancestor_ids(company_id)
    stored: dict[str, dict[int, Parameter]] = {}
    for row in Parameter.objects.filter(company_id__in=chain):
        stored.setdefault(row.key, {})[row.company_id] = row
    rows = []
    for key in sorted(DEFINITIONS, key=lambda k: (str(DEFINITIONS[k].group), k)):
        definition = DEFINITIONS[key]
        by_company = stored.get(key, {})
        effective, source = definition.default, None
        for unit_id in reversed(chain):
            if unit_id in by_company:
                effective, source = by_company[unit_id].value, unit_id
                break
        rows.append(
            ParameterRow(
                definition=definition,
                company_id=company_id,
                effective=effective,
                own=by_company.get(company_id),
                source_company_id=source,
            )
        )
    return rows


def display_value(definition: ParameterDef, value) -> str:
    from django.utils.translation import gettext as _

    if definition.type == ParameterType.BOOLEAN:
        return str(_("Yes") if value else _("No"))
    if definition.type == ParameterType.CHOICE:
        return str(dict(definition.choices).get(value, value))
    return str(value)


# --- announcements (公告管理) -----------------------------------------------------------------
def published_announcements(company_id: int | None, *, now=None) -> QuerySet[Announcement]:
    """Announcements shown on the workbench of `company_id`: its own and its parent companies',
    inside their publish window, pinned first."""
    if company_id is None:
        return Announcement.objects.none()
    now = now or timezone.now()
    return (
        Announcement.objects.filter(company_id__in=ancestor_ids(company_id), publish_from__lte=now)
        .filter(Q(publish_until__isnull=True) | Q(publish_until__gt=now))
        .select_related("company", "author")
        .order_by("-is_pinned", "-publish_from", "-id")
    )


# --- logs (操作日志, 登录日志) ------------------------------------------------------------------
def visible_logs(user, model) -> QuerySet:
    """Log rows of the user's companies; a super user also sees rows bound to no company
    (system jobs, backups, failed logins with an unknown user name)."""
    queryset = scoped(user, model)
    if user.is_authenticated and user.is_superuser:
        queryset = queryset | model._default_manager.filter(company__isnull=True)
    return queryset


def visible_operation_logs(user) -> QuerySet[OperationLog]:
    return visible_logs(user, OperationLog)


def visible_login_logs(user) -> QuerySet[LoginLog]:
    return visible_logs(user, LoginLog)

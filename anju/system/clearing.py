"""Data clearing categories (清空数据, manual 000 §2.5): which tables a category empties and how each
row is tied to a company, so that clearing can be limited to a company subtree.

Contexts extend the registry from one of their autodiscovered modules (e.g. `permissions.py`):

    from anju.system.clearing import register_category
    register_category("tasks", _("Tasks"), [("tasks.Task", "project__company")], order=30)

Categories are cleared in `order` (lowest first), so a category whose rows refer to another's
(tasks → rooms, customers) must come first. Models are listed children first; a model whose label does not exist (module not installed) is
skipped. Registering a key again replaces the earlier definition, so the owning context wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from anju.system.retention import erasable_logs


@dataclass(frozen=True)
class ClearingCategory:
    key: str
    label: object
    # ("app_label.Model", ORM path to the company OrgUnit); path None: the table belongs to the
    # category but its rows are not deleted by company (they go by cascade, or are recounted in `after`).
    models: tuple[tuple[str, str | None], ...]
    order: int = 100
    # Called after the rows are gone, in the same transaction (e.g. to recount derived tables).
    after: Callable[[], object] | None = None
    # Narrows each model's rows to those clearing may delete (e.g. logs past their retention period).
    restrict: Callable[[QuerySet], QuerySet] | None = None
    # Keys of the categories whose rows refer to this one's (PROTECT): cleared with it, first.
    requires: tuple[str, ...] = ()
    # False: the tables are never cleared (organisation, settings); not offered to users.
    clearable: bool = True

    def rows(self, model: type[Model], path: str, company_ids) -> QuerySet:
        """The rows of `model` this category clears for the given companies."""
        queryset = model._default_manager.filter(**{f"{path}__in": company_ids})
        return self.restrict(queryset) if self.restrict is not None else queryset

    def resolved(self) -> list[tuple[type[Model], str]]:
        """The models whose rows are deleted by company, children first."""
        result = []
        for label, path in self.models:
            if path is None:
                continue
            try:
                result.append((apps.get_model(label), path))
            except (LookupError, ValueError):
                continue
        return result

    def labels(self) -> set[str]:
        """Every table of the category (`app_label.model`, lower case)."""
        return {label.lower() for label, _path in self.models}


CATEGORIES: dict[str, ClearingCategory] = {}


def register_category(
    key: str, label, models, order: int = 100, after=None, restrict=None, requires=(), clearable=True
) -> ClearingCategory:
    category = ClearingCategory(
        key=key,
        label=label,
        models=tuple(models),
        order=order,
        after=after,
        restrict=restrict,
        requires=tuple(requires),
        clearable=clearable,
    )
    CATEGORIES[key] = category
    return category


def categories() -> list[ClearingCategory]:
    return sorted(CATEGORIES.values(), key=lambda c: (c.order, c.key))


def category_choices() -> list[tuple[str, object]]:
    return [(c.key, c.label) for c in categories() if c.clearable]


def with_requirements(keys) -> list[str]:
    """The chosen keys plus every category they require (transitively), in clearing order."""
    chosen: set[str] = set()
    pending = list(keys)
    while pending:
        key = pending.pop()
        if key in chosen or key not in CATEGORIES:
            continue
        chosen.add(key)
        pending.extend(CATEGORIES[key].requires)
    return [c.key for c in categories() if c.key in chosen]


def category_of(label: str) -> list[str]:
    """The keys of the categories listing a table (exactly one for every table of the product)."""
    label = label.lower()
    return [c.key for c in categories() if label in c.labels()]


# Defaults for the modules that exist today; each context may re-register its own key. Every table
# of the product belongs to exactly one category (anju/system/tests/test_clearing_categories.py).
register_category(
    "room_customers",
    _("Room–customer relations (owners and tenants of rooms)"),
    [("customers.RoomCustomer", "customer__company")],
    order=7,
)
register_category(
    "customers",
    _("Customer tables"),
    [
        ("customers.MergeLog", "company"),
        ("customers.DuplicateLog", "company"),
        ("customers.Customer", "company"),
        ("customers.CustomerPhone", None),
        ("customers.Contact", None),
        ("customers.FamilyMember", None),
        ("customers.BankAccount", None),
        ("customers.Vehicle", None),
        ("customers.RenameRequest", None),
        ("customers.RenameEvent", None),
        ("customers.TransferLog", None),
        ("customers.CustomerLink", None),
    ],
    order=20,
    requires=("service", "room_customers"),
)
register_category(
    "basedata",
    _("Base data tables (projects, buildings, rooms)"),
    [
        ("estates.RoomImport", "company"),
        ("estates.RoomImportRow", None),
        ("estates.RoomStatusChange", None),
        ("estates.Room", "project__company"),
        ("estates.Building", "project__company"),
        ("estates.Zone", "project__company"),
        ("estates.UnitType", "project__company"),
        ("estates.DecorationStandard", "project__company"),
        ("estates.ProjectShare", "project__company"),
        ("estates.TeamMember", "project__company"),
        ("estates.ProjectTeam", "project__company"),
        ("service.ContractorScope", None),
        ("service.AcceptanceShare", None),
        ("estates.Project", "company"),
    ],
    order=10,
    requires=("service", "room_customers"),
)
register_category(
    "announcements",
    _("Announcement tables"),
    [("system.Announcement", "company")],
    order=80,
)
register_category(
    "logs",
    _("Operation and login logs (past their retention period; records of erasure are kept)"),
    [("core.OperationLog", "company"), ("system.LoginLog", "company")],
    order=90,
    restrict=erasable_logs,
)
register_category(
    "settings",
    _("Organisation and settings (never cleared)"),
    [
        ("org.OrgUnit", None),
        ("org.Role", None),
        ("org.User", None),
        ("core.SavedView", None),
        ("system.Dictionary", None),
        ("system.DictionaryItem", None),
        ("system.Parameter", None),
        ("tasks.CalendarDay", None),
        ("tasks.CalendarYear", None),
        ("tasks.WorkingHours", None),
        ("tasks.EscalationStep", None),
        ("service.WarrantyElement", None),
        ("service.ProblemCategory", None),
        ("service.Problem", None),
        ("service.Contractor", None),
        ("service.ContractorContact", None),
        ("service.MessageTemplate", None),
    ],
    order=1000,
    clearable=False,
)

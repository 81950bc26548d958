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
    models: tuple[tuple[str, str], ...]  # ("app_label.Model", ORM path to the company OrgUnit)
    order: int = 100
    # Called after the rows are gone, in the same transaction (e.g. to recount derived tables).
    after: Callable[[], object] | None = None
    # Narrows each model's rows to those clearing may delete (e.g. logs past their retention period).
    restrict: Callable[[QuerySet], QuerySet] | None = None

    def rows(self, model: type[Model], path: str, company_ids) -> QuerySet:
        """The rows of `model` this category clears for the given companies."""
        queryset = model._default_manager.filter(**{f"{path}__in": company_ids})
        return self.restrict(queryset) if self.restrict is not None else queryset

    def resolved(self) -> list[tuple[type[Model], str]]:
        result = []
        for label, path in self.models:
            try:
                result.append((apps.get_model(label), path))
            except (LookupError, ValueError):
                continue
        return result


CATEGORIES: dict[str, ClearingCategory] = {}


def register_category(
    key: str, label, models, order: int = 100, after=None, restrict=None
) -> ClearingCategory:
    category = ClearingCategory(
        key=key, label=label, models=tuple(models), order=order, after=after, restrict=restrict
    )
    CATEGORIES[key] = category
    return category


def categories() -> list[ClearingCategory]:
    return sorted(CATEGORIES.values(), key=lambda c: (c.order, c.key))


def category_choices() -> list[tuple[str, object]]:
    return [(c.key, c.label) for c in categories()]


# Defaults for the modules that exist today; each context may re-register its own key.
register_category(
    "customers",
    _("Customer tables"),
    [("customers.Customer", "company")],
    order=20,
)
register_category(
    "basedata",
    _("Base data tables (projects, buildings, rooms)"),
    [
        ("estates.Room", "project__company"),
        ("estates.Building", "project__company"),
        ("estates.Zone", "project__company"),
        ("estates.UnitType", "project__company"),
        ("estates.DecorationStandard", "project__company"),
        ("estates.ProjectShare", "project__company"),
        ("estates.Project", "company"),
    ],
    order=10,
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

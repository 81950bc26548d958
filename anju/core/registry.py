"""Registries that bounded contexts extend: permission points, menu sections, demo builders.

Each context declares its contributions in its own `permissions.py`, `menu.py` and `demo.py`;
`autodiscover()` imports them once at start-up, so adding a module never edits a shared file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "view": _("View"),
    "add": _("Add"),
    "change": _("Change"),
    "delete": _("Delete"),
    "approve": _("Approve"),
    "export": _("Export"),
    "import": _("Import"),
    "view_sensitive": _("View sensitive data"),
    "manage": _("Manage"),
}
CRUD = ("view", "add", "change", "delete")


@dataclass(frozen=True)
class PermissionPoint:
    code: str  # "<module>.<resource>.<action>"
    module: str
    resource: str
    action: str
    label: str | Promise
    resource_label: str | Promise


@dataclass
class PermissionRegistry:
    points: dict[str, PermissionPoint] = field(default_factory=dict)
    module_labels: dict[str, str | Promise] = field(default_factory=dict)

    def module(self, code: str, label) -> None:
        self.module_labels[code] = label

    def resource(self, module: str, resource: str, label, actions=CRUD) -> None:
        for action in actions:
            code = f"{module}.{resource}.{action}"
            self.points[code] = PermissionPoint(
                code=code,
                module=module,
                resource=resource,
                action=action,
                label=ACTION_LABELS.get(action, action),
                resource_label=label,
            )

    def __contains__(self, code: str) -> bool:
        return code in self.points

    def choices(self) -> list[tuple[str, str]]:
        return [
            (p.code, f"{self.module_labels.get(p.module, p.module)} / {p.resource_label} / {p.label}")
            for p in self.points.values()
        ]

    def grouped(self) -> dict[str, list[PermissionPoint]]:
        result: dict[str, list[PermissionPoint]] = {}
        for point in self.points.values():
            result.setdefault(point.module, []).append(point)
        return result


permissions = PermissionRegistry()


@dataclass
class MenuSection:
    key: str
    title: str | Promise
    order: int
    providers: list[Callable] = field(default_factory=list)  # request -> list of unfold navigation items

    def items(self, request) -> list[dict]:
        return [item for provider in self.providers for item in provider(request)]


menu_sections: dict[str, MenuSection] = {}

# The left menu of manual 000, in order; a section shows once a context contributes visible items.
STANDARD_SECTIONS = {
    "system": (_("System settings"), 10),
    "basedata": (_("Base data"), 20),
    "customers": (_("Customers"), 30),
    "tasks": (_("Task management"), 40),
    "inspection": (_("Mock inspection"), 50),
    "delivery": (_("Formal delivery"), 60),
    "property": (_("Property services"), 70),
    "care": (_("Customer care"), 80),
    "insight": (_("Statistics and analysis"), 90),
}


def menu_section(key: str, title=None, order: int | None = None):
    """Contribute items to a left-menu section; several contexts may add to one section."""

    def decorator(func):
        default_title, default_order = STANDARD_SECTIONS.get(key, (title or key, 100))
        section = menu_sections.setdefault(
            key, MenuSection(key=key, title=title or default_title, order=order or default_order)
        )
        section.providers.append(func)
        return func

    return decorator


@dataclass(frozen=True)
class DemoBuilder:
    name: str
    order: int
    build: Callable  # (ctx: dict, stdout) -> None


demo_builders: list[DemoBuilder] = []


def demo_builder(order: int):
    def decorator(func):
        demo_builders.append(DemoBuilder(name=func.__module__, order=order, build=func))
        return func

    return decorator


_discovered = False


def autodiscover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for config in apps.get_app_configs():
        if not config.name.startswith("anju."):
            continue
        for module in ("permissions", "parameters", "menu", "demo", "workbench", "search"):
            try:
                import_module(f"{config.name}.{module}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.{module}":
                    raise


@dataclass(frozen=True)
class WorkbenchWidget:
    key: str
    order: int
    render: Callable  # request -> str (safe HTML) | None


workbench_widgets: list[WorkbenchWidget] = []


def workbench_widget(key: str, order: int):
    def decorator(func):
        workbench_widgets.append(WorkbenchWidget(key=key, order=order, render=func))
        return func

    return decorator


@dataclass(frozen=True)
class SearchProvider:
    """A kind of record the omni search finds (000 §3.4: one box for everything an agent says).

    `find(user, query, limit)` returns `(count, results)`: how many visible records match and the
    best `limit` of them as dicts with type, id, label, detail, url (or None), score (100 exact code
    or phone, 80-95 prefix, lower for the rest) and why."""

    kind: str
    label: str | Promise
    order: int
    find: Callable


search_providers: list[SearchProvider] = []


def search_provider(kind: str, label, order: int):
    def decorator(func):
        search_providers.append(SearchProvider(kind=kind, label=label, order=order, find=func))
        search_providers.sort(key=lambda p: p.order)
        return func

    return decorator

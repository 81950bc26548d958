"""The data-scope seam between core and org.

`ScopeSpec` (how a model declares its scope) lives here so that core's own models (operation log, saved
views) can declare one, and core's generic screens and API views call `scoped` / `has_point` from here.
The rules themselves are org's (`anju.org.access`): org installs them when its app is ready, so core
never imports org. `anju.org.access` re-exports `ScopeSpec`; code above core imports from org.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class ScopeSpec:
    """How a model is bound to the data scope. Paths are ORM lookups from the model."""

    company: str | None = None  # path to an OrgUnit acting as company
    project: str | None = None  # path to estates.Project
    department: str | None = None  # owning department (data range)
    users: tuple[str, ...] = ()  # owning users (data range "only own records")
    unscoped: bool = False  # global reference data (visible to every signed-in user)
    owner: str | None = None  # personal rows: visible to that user only (saved views, inbox)


_hooks: dict[str, Callable[..., Any]] = {}


def install(*, scoped: Callable[..., Any], has_point: Callable[..., bool]) -> None:
    """Called by the org app at ready(): the functions that answer `scoped` and `has_point`."""
    _hooks["scoped"] = scoped
    _hooks["has_point"] = has_point


def _hook(name: str) -> Callable[..., Any]:
    try:
        return _hooks[name]
    except KeyError:
        raise ImproperlyConfigured(
            "No data-scope rules installed: anju.org must be in INSTALLED_APPS (its ready() installs them)."
        ) from None


def scoped(user, queryset, *, for_write: bool = False):
    """The rows of `queryset` this user may see (or change, with for_write): `anju.org.access.scoped`."""
    return _hook("scoped")(user, queryset, for_write=for_write)


def has_point(user, code: str) -> bool:
    """Whether the user holds the permission point: `anju.org.access.has_point`."""
    return _hook("has_point")(user, code)

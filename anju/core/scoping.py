"""How a model declares its data scope (`ScopeSpec`).

It lives in core so that core's own models (operation log, saved views) can declare a scope without
importing `anju.org`; `anju.org.access` interprets the spec and re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScopeSpec:
    """How a model is bound to the data scope. Paths are ORM lookups from the model."""

    company: str | None = None  # path to an OrgUnit acting as company
    project: str | None = None  # path to estates.Project
    department: str | None = None  # owning department (data range)
    users: tuple[str, ...] = ()  # owning users (data range "only own records")
    unscoped: bool = False  # global reference data (visible to every signed-in user)
    owner: str | None = None  # personal rows: visible to that user only (saved views, inbox)

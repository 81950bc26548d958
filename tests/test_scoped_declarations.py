"""Every model the API or the staff screens expose has its generated permission, scope and CRUD tests
(anju.core.testing_scoped): each API list route and each registered ModelAdmin of a scoped model is
declared by a ScopedAPITestCase / ScopedAdminTestCase subclass in `anju/<context>/tests/test_scoped_*.py`,
with the model and the permission resource the code really uses. A new viewset or admin without a
declaration fails here, so the generated tests grow with the models."""

from __future__ import annotations

import importlib
import pathlib

from django.conf import settings

from anju.core.testing_scoped import ScopedAdminTestCase, ScopedAPITestCase
from tests.security.routes import api_routes, registered_admin_models

# List routes / admin models that cannot have a declaration, each with the reason.
API_WITHOUT_DECLARATION: dict[str, str] = {}
ADMIN_WITHOUT_DECLARATION: dict[str, str] = {}


def _declarations(base) -> list[type]:
    root = pathlib.Path(settings.BASE_DIR) / "anju"
    for path in sorted(root.glob("*/tests/test_scoped_*.py")):
        importlib.import_module(".".join(path.relative_to(root.parent).with_suffix("").parts))
    found, todo = [], [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__name__.startswith("Test") and sub.model is not None:
                found.append(sub)
    return found


def test_every_api_list_route_has_a_scoped_test_case():
    declared = {cls.url: cls for cls in _declarations(ScopedAPITestCase)}
    routes = [r for r in api_routes() if r.method == "GET" and r.action == "list" and r.model is not None]
    assert len(routes) > 40
    missing, wrong = [], []
    for route in routes:
        cls = declared.get(route.path)
        if cls is None:
            if route.path not in API_WITHOUT_DECLARATION:
                missing.append(f"{route.path} ({route.model._meta.label})")
            continue
        if cls.model is not route.model:
            wrong.append(
                f"{cls.__name__}: model {cls.model._meta.label}, the route's is {route.model._meta.label}"
            )
        if cls.point != getattr(route.view, "permission_resource", None):
            wrong.append(f"{cls.__name__}: point {cls.point}, the view's is {route.view.permission_resource}")
    assert missing == [], "declare a ScopedAPITestCase in anju/<context>/tests/test_scoped_<context>.py"
    assert wrong == []
    listed = {r.path for r in routes}
    assert set(API_WITHOUT_DECLARATION) <= listed, "remove allow-list entries of routes that are gone"
    assert not set(API_WITHOUT_DECLARATION) & set(declared), "remove allow-list entries now declared"


def test_every_staff_screen_of_a_scoped_model_has_a_scoped_test_case():
    declared = {cls.model: cls for cls in _declarations(ScopedAdminTestCase)}
    admins = [(m, a) for m, a in registered_admin_models() if getattr(m, "scope", None) is not None]
    assert len(admins) > 30
    missing, wrong = [], []
    for model, model_admin in admins:
        cls = declared.get(model)
        if cls is None:
            if model._meta.label not in ADMIN_WITHOUT_DECLARATION:
                missing.append(model._meta.label)
            continue
        if cls.point is not None and cls.point != model_admin.permission_resource:
            wrong.append(
                f"{cls.__name__}: point {cls.point}, the admin's is {model_admin.permission_resource}"
            )
    assert missing == [], "declare a ScopedAdminTestCase in anju/<context>/tests/test_scoped_<context>.py"
    assert wrong == []
    assert not set(ADMIN_WITHOUT_DECLARATION) & {m._meta.label for m in declared}


def test_the_harness_generates_the_standard_tests():
    """A declaration with nothing but its model gets every standard test (none can be forgotten)."""
    api = {name for name in dir(ScopedAPITestCase) if name.startswith("test_")}
    staff = {name for name in dir(ScopedAdminTestCase) if name.startswith("test_")}
    assert {
        "test_anonymous_is_refused_with_401",
        "test_a_user_without_the_point_is_refused_with_403",
        "test_a_view_only_user_reads_but_cannot_write",
        "test_rows_outside_the_scope_are_404_never_403",
        "test_a_read_only_share_is_visible_but_not_writable",
        "test_writes_through_the_api_are_audited",
    } <= api
    assert len(staff) >= 6
    for cls in _declarations(ScopedAPITestCase) + _declarations(ScopedAdminTestCase):
        overridden = {n for n in api | staff if n in cls.__dict__}
        assert overridden == set(), f"{cls.__name__} overrides generated tests {overridden}"

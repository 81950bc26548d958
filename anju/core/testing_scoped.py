"""Reusable per-model tests of permission points, data scope and audited CRUD (issue 10 item 6).

A context's tests declare one small subclass per model the API or the staff screens expose and get the
standard tests generated; see "Testing a model" in docs/architecture.md. For example:

    class TestZoneAPI(ScopedAPITestCase):
        model = Zone
        url = "/api/v1/estates/zones/"
        point = "estates.zone"

        def create_data(self, side):
            return {"project": side.project.pk, "name": unique("区")}

        def update_data(self, side, obj):
            return {"name": "改名"}

    class TestZoneAdmin(TestZoneAPI, ScopedAdminTestCase):  # the staff-view twin, same declarations
        pass

The world (two companies, three projects, users with all / view-only / no points) is built once per
class and rolled back after it; every test runs in its own savepoint on top of it.

Expectations are fixed here, not read from the code under test: a user without the view point gets 403,
rows outside the scope are 404 (never 403), a project shared read-only is visible but not writable, and
every write through the API or the admin leaves an operation-log row by the acting user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from anju.core.models import OperationLog
from anju.core.registry import permissions as registry
from anju.core.testing import OrgWorld, build_org_world, make_project, make_role, make_unit, make_user
from anju.org.access import scoped
from anju.org.choices import UnitKind

# --- the world ---------------------------------------------------------------------------------------


@dataclass
class Side:
    """Where a test row lives: `create_data(side)` / `make(side)` put the row here."""

    world: ScopedWorld
    company: Any
    department: Any
    project: Any
    user: Any  # a user of this company holding every point, data range "all"


@dataclass
class ScopedWorld:
    org: OrgWorld
    project_a: Any  # company A's own project
    project_b: Any  # company B's own project
    project_shared: Any  # company A's project, shared read-only to company B
    viewer_a: Any  # company A, every "*.view" point only
    nopoints_a: Any  # company A, a role with no point at all
    company_c: Any  # a third company of the group, nobody's: a share target that opens nothing to B

    @property
    def a(self) -> Side:
        o = self.org
        return Side(self, o.company_a, o.dept_a, self.project_a, o.user_a)

    @property
    def b(self) -> Side:
        o = self.org
        return Side(self, o.company_b, o.dept_b, self.project_b, o.user_b)

    @property
    def shared(self) -> Side:
        """Company A's side, in the project company B may only read."""
        o = self.org
        return Side(self, o.company_a, o.dept_a, self.project_shared, o.user_a)


def build_scoped_world(read_points=()) -> ScopedWorld:
    from anju.estates.choices import ShareAccess
    from anju.estates.models import ProjectShare

    org = build_org_world()
    project_a = make_project(org.company_a, name="甲项目")
    project_b = make_project(org.company_b, name="乙项目")
    project_shared = make_project(org.company_a, name="甲共享项目")
    ProjectShare.objects.create(project=project_shared, company=org.company_b, access=ShareAccess.READ)
    views = [point for point in registry.points if point.endswith(".view")] + list(read_points)
    viewer_a = make_user(org.dept_a, [make_role(org.company_a, points=views)], all_projects=True)
    nopoints_a = make_user(org.dept_a, [make_role(org.company_a, points=[])], all_projects=True)
    company_c = make_unit(org.group, UnitKind.COMPANY, "丙公司")
    return ScopedWorld(org, project_a, project_b, project_shared, viewer_a, nopoints_a, company_c)


def _fresh(user):
    """The user re-read, so that no access cache of an earlier request carries over."""
    return type(user)._default_manager.get(pk=user.pk)


def _last_log() -> int:
    return OperationLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _logged_since(last: int, user) -> bool:
    """Whether an operation-log row by `user` was written after the row `last`."""
    return OperationLog.objects.filter(pk__gt=last, actor=user).exists()


def _hidden(response, missing) -> bool:
    """An answer about a row outside the scope must be 404, or, for an action nobody may do to any row
    (no such point, no such method), exactly the answer for a row that does not exist: either way
    nothing tells whether the row exists."""
    return response.status_code == 404 or (
        response.status_code == missing.status_code and response.status_code in (403, 405)
    )


def _missing_pk(model) -> int:
    return (model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1_000_000


def _ids(response) -> set:
    payload = response.json()
    rows = payload.get("results", payload) if isinstance(payload, dict) else payload
    return {row.get("id") for row in rows if isinstance(row, dict)}


class _WorldMixin:
    model: ClassVar[Any] = None
    point: ClassVar[str | None] = None  # permission resource, e.g. "estates.zone"; None: no point needed
    # Points besides every "*.view" that reading this model needs (the view-only user holds them too).
    read_points: ClassVar[tuple[str, ...]] = ()

    @pytest.fixture(scope="class")
    @classmethod
    def scoped_world(cls, django_db_setup, django_db_blocker):
        """Built once per class inside a transaction that is rolled back at the class's end."""
        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                yield build_scoped_world(read_points=cls.read_points)
            finally:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)

    @pytest.fixture
    def w(self, scoped_world, db):
        return scoped_world

    # -- declarations --------------------------------------------------------------------------------

    def create_data(self, side: Side) -> dict:
        """A valid API payload creating a row in `side` (None: the API cannot create this model)."""
        return None

    def make(self, side: Side):
        """A row in `side`. The default creates it through the API as the side's user."""
        data = self.create_data(side)
        assert data is not None, f"{type(self).__name__}: declare create_data() or make()"
        response = self.api(side.user).post(self.url, data, format="json")
        assert response.status_code == 201, response.content
        return self.model._default_manager.get(pk=response.json()["id"])

    # -- helpers -------------------------------------------------------------------------------------

    @staticmethod
    def api(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=_fresh(user))
        return client

    @staticmethod
    def staff(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def exists(self, obj) -> bool:
        return self.model._default_manager.filter(pk=obj.pk).exists()

    def deleted(self, obj) -> bool:
        """Whether a DELETE took effect (a model that deactivates instead overrides this)."""
        return not self.exists(obj)

    @property
    def project_bound(self) -> bool:
        return bool(self.model.scope.project)

    @property
    def unscoped(self) -> bool:
        """Global reference data: every signed-in user reads the same rows, by design."""
        return self.model.scope.unscoped


# --- API ---------------------------------------------------------------------------------------------


class ScopedAPITestCase(_WorldMixin):
    """Generated API tests of one model. Subclasses declare `model`, `url` (the list path), `point`,
    `create_data(side)` (or `make(side)` where the API cannot create), optionally `update_data(side, obj)`,
    and which standard actions the API offers (`can_update`, `can_delete`)."""

    url: ClassVar[str] = ""
    lookup_field: ClassVar[str] = "pk"
    can_update: ClassVar[bool] = True
    can_delete: ClassVar[bool] = True
    # The row's company is the creator's current company, not a field of the payload: a row created by
    # company B lands in B's scope.
    implicit_scope: ClassVar[bool] = False

    def update_data(self, side: Side, obj) -> dict | None:
        return None

    def detail(self, obj) -> str:
        return f"{self.url}{getattr(obj, self.lookup_field)}/"

    def _patch(self, client, obj, data):
        current = client.get(self.detail(obj))
        version = current.json().get("version") if current.status_code == 200 else None
        body = {**data, **({"version": version} if version is not None else {})}
        return client.patch(self.detail(obj), body, format="json")

    @property
    def creatable(self) -> bool:
        return type(self).create_data is not _WorldMixin.create_data

    def test_anonymous_is_refused_with_401(self, w):
        obj = self.make(w.a)
        client = self.api()
        answers = {
            "list": client.get(self.url),
            "detail": client.get(self.detail(obj)),
            "create": client.post(self.url, {}, format="json"),
            "update": client.patch(self.detail(obj), {}, format="json"),
            "delete": client.delete(self.detail(obj)),
        }
        assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 401)
        assert self.exists(obj)

    def test_a_user_without_the_point_is_refused_with_403(self, w):
        obj = self.make(w.a)
        client = self.api(w.nopoints_a)
        if self.point is None:  # personal rows: no point needed, but only one's own
            assert client.get(self.url).status_code == 200
            assert obj.pk not in _ids(client.get(self.url))
            assert client.get(self.detail(obj)).status_code == 404
            return
        answers = {"list": client.get(self.url), "detail": client.get(self.detail(obj))}
        if self.creatable:
            data = self.create_data(w.a)
            before = self.model._default_manager.count()
            answers["create"] = client.post(self.url, data, format="json")
            assert self.model._default_manager.count() == before
        assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 403)

    def test_a_view_only_user_reads_but_cannot_write(self, w):
        obj = self.make(w.a)
        client = self.api(w.viewer_a)
        if self.point is None:
            return self._personal_rows_are_the_owners_only(w, obj)
        assert client.get(self.url).status_code == 200
        assert obj.pk in _ids(client.get(self.url, {"page_size": 500}))
        assert client.get(self.detail(obj)).status_code == 200
        refused = {}
        if self.creatable:
            refused["create"] = client.post(self.url, self.create_data(w.a), format="json")
        if self.can_update:
            refused["update"] = client.patch(
                self.detail(obj), self.update_data(w.a, obj) or {}, format="json"
            )
        if self.can_delete:
            refused["delete"] = client.delete(self.detail(obj))
        assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(refused, 403)
        assert self.exists(obj)

    def _personal_rows_are_the_owners_only(self, w, obj):
        owner = self.api(w.a.user)
        assert obj.pk in _ids(owner.get(self.url))
        assert owner.get(self.detail(obj)).status_code == 200
        other = self.api(w.viewer_a)
        assert obj.pk not in _ids(other.get(self.url))
        assert other.get(self.detail(obj)).status_code == 404

    def test_rows_outside_the_scope_are_404_never_403(self, w):
        obj = self.make(w.a)
        owner = self.api(w.a.user)
        assert obj.pk in _ids(owner.get(self.url, {"page_size": 500}))
        assert owner.get(self.detail(obj)).status_code == 200
        other = self.api(w.b.user)  # company B's all-powerful administrator
        if self.unscoped:
            assert obj.pk in _ids(other.get(self.url, {"page_size": 500}))
            assert other.get(self.detail(obj)).status_code == 200
            return
        assert obj.pk not in _ids(other.get(self.url, {"page_size": 500}))
        assert other.get(self.detail(obj)).status_code == 404
        data = self.update_data(w.a, obj) or {}
        missing = f"{self.url}{_missing_pk(self.model)}/"
        wrong = {}
        for method in ("patch", "put", "delete"):
            response = getattr(other, method)(self.detail(obj), data, format="json")
            if not _hidden(response, getattr(other, method)(missing, data, format="json")):
                wrong[method] = response.status_code
        assert wrong == {}
        assert self.exists(obj)

    def test_creating_into_another_scope_is_refused(self, w):
        if not self.creatable:  # no JSON create: an empty POST makes nothing
            before = self.model._default_manager.count()
            assert self.api(w.b.user).post(self.url, {}, format="json").status_code in (400, 403, 405, 415)
            assert self.model._default_manager.count() == before
            return
        data = self.create_data(w.a)  # first: building it may make rows (a parent, a team)
        before = self.model._default_manager.count()
        response = self.api(w.b.user).post(self.url, data, format="json")
        spec = self.model.scope
        if spec.unscoped or spec.owner or self.implicit_scope:
            # Reference data is everyone's; a personal row is its creator's; an implicit scope is B's.
            assert response.status_code == 201, response.content
            new = self.model._default_manager.filter(pk=response.json()["id"])
            if spec.owner:
                assert getattr(new.get(), f"{spec.owner}_id") == w.b.user.pk
            if self.implicit_scope:
                assert scoped(_fresh(w.b.user), new).exists()
                assert not scoped(_fresh(w.a.user), new).exists()
            return
        assert response.status_code in (400, 404), response.content
        assert self.model._default_manager.count() == before

    def test_a_read_only_share_is_visible_but_not_writable(self, w):
        obj = self.make(w.shared)
        reader = self.api(w.b.user)
        if not self.project_bound:  # not bound to a project: a share does not open it
            assert reader.get(self.detail(obj)).status_code == (200 if self.unscoped else 404)
            return
        assert reader.get(self.detail(obj)).status_code == 200
        assert obj.pk in _ids(reader.get(self.url, {"page_size": 500}))
        answers = {
            "update": reader.patch(self.detail(obj), self.update_data(w.shared, obj) or {}, format="json"),
            "delete": reader.delete(self.detail(obj)),
        }
        codes = {name: r.status_code for name, r in answers.items()}
        assert all(code in (404, 405) for code in codes.values()), codes
        assert self.exists(obj)
        if self.creatable:
            data = self.create_data(w.shared)
            before = self.model._default_manager.count()
            response = reader.post(self.url, data, format="json")
            assert response.status_code in (400, 404), response.content
            assert self.model._default_manager.count() == before

    def test_writes_through_the_api_are_audited(self, w):
        user = w.a.user
        client = self.api(user)
        if self.creatable:
            before = _last_log()
            obj = self.make(w.a)
            assert _logged_since(before, user), "create wrote no operation-log row"
        else:
            obj = self.make(w.a)
        data = self.update_data(w.a, obj)
        if self.can_update and data is not None:
            before = _last_log()
            response = self._patch(client, obj, data)
            assert response.status_code == 200, response.content
            assert _logged_since(before, user), "update wrote no operation-log row"
        if self.can_delete:
            before = _last_log()
            response = client.delete(self.detail(obj))
            assert response.status_code == 204, response.content
            assert self.deleted(obj)
            assert _logged_since(before, user), "delete wrote no operation-log row"


# --- staff screens -----------------------------------------------------------------------------------


class ScopedAdminTestCase(_WorldMixin):
    """Generated staff-screen (admin) tests of one model: `model`, `point` and `make(side)`."""

    admin_can_add: ClassVar[bool] = True
    admin_can_delete: ClassVar[bool] = True

    def admin_url(self, name: str, obj=None) -> str | None:
        opts = self.model._meta
        try:
            return reverse(
                f"admin:{opts.app_label}_{opts.model_name}_{name}", args=(obj.pk,) if obj is not None else ()
            )
        except NoReverseMatch:
            return None

    def test_admin_anonymous_is_sent_to_the_login(self, w):
        obj = self.make(w.a)
        client = Client()
        for name in ("changelist", "change"):
            response = client.get(self.admin_url(name, obj if name == "change" else None))
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/")

    def _admin_personal_rows_are_the_owners_only(self, w, user):
        obj = self.make(w.a)
        client = self.staff(user)
        listing = client.get(self.admin_url("changelist"))
        assert listing.status_code == 200 and self.admin_url("change", obj) not in listing.content.decode()
        assert client.get(self.admin_url("change", obj)).status_code == 404
        owner = self.staff(w.a.user)
        assert self.admin_url("change", obj) in owner.get(self.admin_url("changelist")).content.decode()

    def test_admin_a_user_without_the_point_is_refused_with_403(self, w):
        if self.point is None:  # personal rows: no point needed, but only one's own
            return self._admin_personal_rows_are_the_owners_only(w, w.nopoints_a)
        obj = self.make(w.a)
        client = self.staff(w.nopoints_a)
        codes = {
            "changelist": client.get(self.admin_url("changelist")).status_code,
            "change": client.get(self.admin_url("change", obj)).status_code,
        }
        assert codes == {"changelist": 403, "change": 403}

    def test_admin_a_view_only_user_reads_but_cannot_write(self, w):
        if self.point is None:
            return self._admin_personal_rows_are_the_owners_only(w, w.viewer_a)
        obj = self.make(w.a)
        client = self.staff(w.viewer_a)
        listing = client.get(self.admin_url("changelist"))
        assert listing.status_code == 200
        assert self.admin_url("change", obj) in listing.content.decode()
        page = client.get(self.admin_url("change", obj))
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()  # read-only view, no save button
        codes = {"change POST": client.post(self.admin_url("change", obj), {}).status_code}
        if self.admin_url("add"):
            codes["add"] = client.get(self.admin_url("add")).status_code
        if self.admin_url("delete", obj):
            codes["delete POST"] = client.post(self.admin_url("delete", obj), {"post": "yes"}).status_code
        assert codes == dict.fromkeys(codes, 403)
        assert self.exists(obj)

    def test_admin_rows_outside_the_scope_are_404(self, w):
        obj = self.make(w.a)
        owner = self.staff(w.a.user)
        listing = owner.get(self.admin_url("changelist"))
        assert listing.status_code == 200 and self.admin_url("change", obj) in listing.content.decode()
        assert owner.get(self.admin_url("change", obj)).status_code == 200
        other = self.staff(w.b.user)
        listing = other.get(self.admin_url("changelist"))
        if self.unscoped:
            assert listing.status_code == 200 and self.admin_url("change", obj) in listing.content.decode()
            assert other.get(self.admin_url("change", obj)).status_code == 200
            return
        assert listing.status_code == 200 and self.admin_url("change", obj) not in listing.content.decode()
        wrong = {}
        for name in ("change", "delete", "history"):
            url = self.admin_url(name, obj)
            if url:
                missing = self.admin_url(name, type(obj)(pk=_missing_pk(self.model)))
                for method in ("get", "post"):
                    response = getattr(other, method)(url, {"post": "yes"})
                    if not _hidden(response, getattr(other, method)(missing, {"post": "yes"})):
                        wrong[f"{method} {name}"] = response.status_code
        assert wrong == {}
        assert self.exists(obj)

    def test_admin_a_read_only_share_is_visible_but_not_writable(self, w):
        obj = self.make(w.shared)
        reader = self.staff(w.b.user)
        if not self.project_bound:
            assert reader.get(self.admin_url("change", obj)).status_code == (200 if self.unscoped else 404)
            return
        page = reader.get(self.admin_url("change", obj))
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        codes = {"change POST": reader.post(self.admin_url("change", obj), {}).status_code}
        if self.admin_url("delete", obj):
            codes["delete POST"] = reader.post(self.admin_url("delete", obj), {"post": "yes"}).status_code
        assert all(code in (403, 404) for code in codes.values()), codes
        assert self.exists(obj)

    def test_admin_add_page_opens_and_delete_is_audited(self, w):
        owner = self.staff(w.a.user)
        add = owner.get(self.admin_url("add"))
        assert add.status_code == (200 if self.admin_can_add else 403), (add.status_code, add.get("Location"))
        obj = self.make(w.a)
        if not self.admin_can_delete:
            assert owner.post(self.admin_url("delete", obj), {"post": "yes"}).status_code == 403
            assert self.exists(obj)
            return
        before = _last_log()
        response = owner.post(self.admin_url("delete", obj), {"post": "yes"})
        assert response.status_code == 302, response.content[:500]
        assert not self.exists(obj)
        assert _logged_since(before, w.a.user), "delete wrote no operation-log row"

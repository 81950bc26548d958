"""Stored-XSS sweep (issue 6).

Every CharField/TextField of every Anju model is overwritten in the demo rows with a hostile payload,
directly with `QuerySet.update` (no validation: what old or imported data may hold), then every staff
page is rendered (the admin index/workbench, every registered model's list, add, change, delete and
history page, and the custom staff pages the URL resolver lists) and the HTML must never contain the
payload unescaped. Escaped forms (`&lt;script&gt;…`, `\\u003cscript…` in JSON) are fine.

The pages come from `tests/security/routes.py`, so a new module is swept without editing this file.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.models import Value
from django.db.models.functions import Cast, Concat
from django.test import Client

from tests.security.routes import admin_model_urls, fill, registered_admin_models, staff_url_templates

pytestmark = pytest.mark.django_db

# Longest payload that fits the column (the row's pk is appended, so unique columns stay unique).
PAYLOADS = (
    "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>",
    "\"'><img src=x onerror=alert(1)>",
    "\"'<x7>",
)
# Any of these in a page means a payload was written out unescaped (also when truncated).
RAW_MARKERS = ("<script>alert(1)", "<img src=x onerror=alert(1)>", "<x7>", "\"'><img")
ESCAPED_MARKERS = ("&lt;script&gt;alert(1)", "&lt;img src=x onerror=alert(1)&gt;", "&lt;x7&gt;")

# Columns that are machinery, not text shown to people: poisoning them would test nothing but break
# the page (a password hash, the org tree's materialised path, keys looked up by code).
NOT_TEXT = {
    "org.User.password",
    "org.OrgUnit.path",
    "system.Parameter.key",
    "core.SavedView.list_key",
    "service.Notification.dedupe_key",
}

# Staff pages outside the standard admin URLs whose {pk} is a row of this model (as in test_sweep).
STAFF_PAGE_MODELS = {
    "/admin/core/-/saved-views/{pk}/": "core.SavedView",
    "/admin/customers/-/customer/{pk}/": "customers.Customer",
    "/admin/customers/-/relation/{pk}/": "customers.RoomCustomer",
    "/admin/estates/-/buildings/{pk}/": "estates.Building",
}
SKIP_STAFF = {
    "/admin/logout/": "logs the client out",
    "/admin/{url}": "admin catch-all",
    "/admin/jsi18n/": "JavaScript catalogue, no data",
}


def _text_fields(model) -> list:
    label = model._meta.label
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and f"{label}.{field.name}" not in NOT_TEXT
    ]


def _payload_for(field, pk_digits: int) -> str | None:
    room = field.max_length - pk_digits if field.max_length else 10**6
    return next((p for p in PAYLOADS if len(p) <= room), None)


def poison_every_text_column() -> int:
    """Overwrite every text column of every Anju row with a payload (+ the row's pk); returns the
    number of columns written."""
    written = 0
    tables = set(connection.introspection.table_names())
    for model in apps.get_models():
        if not model.__module__.startswith("anju.") or model._meta.db_table not in tables:
            continue  # third-party models; a model whose migration is not written yet
        manager = model._base_manager
        last = manager.order_by("-pk").values_list("pk", flat=True).first()
        if last is None:
            continue
        values = {}
        for field in _text_fields(model):
            payload = _payload_for(field, len(str(last)))
            if payload is None:
                continue
            values[field.attname] = Concat(Value(payload), Cast("pk", models.CharField()))
        if values:
            manager.update(**values)
            written += len(values)
    return written


@pytest.fixture
def hostile(demo):
    assert poison_every_text_column() > 150
    from anju.org.access import forget

    for user in (demo.user_a, demo.user_b, demo.superuser):
        forget(user)
    return demo


class Sweep:
    def __init__(self, user):
        self.client = Client(raise_request_exception=False)
        self.client.force_login(user)
        self.failures: dict[str, str] = {}
        self.errors: dict[str, str] = {}
        self.pages = 0
        self.escaped_pages = 0

    def get(self, url: str) -> None:
        response = self.client.get(url)
        if response.status_code >= 500:
            self.errors[url] = f"answered {response.status_code} with hostile text in the database"
            return
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            return
        self.pages += 1
        html = response.content.decode()
        raw = [marker for marker in RAW_MARKERS if marker in html]
        if raw:
            at = html.index(raw[0])
            self.failures[url] = f"unescaped {raw[0]!r} in …{html[max(0, at - 160) : at + 60]!r}…"
        if any(marker in html for marker in ESCAPED_MARKERS):
            self.escaped_pages += 1

    def check(self) -> None:
        assert not self.failures, "stored XSS:\n" + "\n".join(f"{u}: {w}" for u, w in self.failures.items())
        assert not self.errors, "\n".join(f"{u}: {w}" for u, w in self.errors.items())


def _row_pk(demo, model):
    scope = getattr(model, "scope", None)
    if scope is not None and scope.owner:  # personal rows (inbox, saved views): user A's own
        pks = model._default_manager.filter(**{scope.owner: demo.user_a}).order_by("pk")
        return pks.values_list("pk", flat=True).first()
    if scope is not None and not scope.unscoped:
        pks = demo.a_only(model)
        if pks:
            return pks[0]
    return model._default_manager.order_by("pk").values_list("pk", flat=True).first()


def test_the_workbench_escapes_stored_text(hostile):
    for user in (hostile.user_a, hostile.superuser):
        sweep = Sweep(user)
        sweep.get("/admin/")
        sweep.check()
        assert sweep.escaped_pages == 1, "the workbench shows no stored text (announcements?)"


def test_admin_pages_escape_stored_text(hostile):
    root, owner = Sweep(hostile.superuser), Sweep(hostile.user_a)
    covered = []
    for model, _model_admin in registered_admin_models():
        scope = getattr(model, "scope", None)
        sweep = owner if scope is not None and scope.owner else root  # personal rows: their owner
        pk = _row_pk(hostile, model)
        urls = admin_model_urls(model, pk or 1)
        sweep.get(urls["changelist"])
        sweep.get(urls["changelist"] + "?q=alert")  # a search that finds the hostile rows
        sweep.get(urls["changelist"] + "?q=" + quote(PAYLOADS[0]))  # a reflected search term
        if "add" in urls:
            sweep.get(urls["add"])
        if pk is None:
            continue
        covered.append(model._meta.label)
        for name in ("change", "delete", "history"):
            if name in urls:
                sweep.get(urls[name])
    root.check()
    owner.check()
    assert {"customers.Customer", "tasks.Task", "estates.Room", "system.Announcement"} <= set(covered)
    assert root.escaped_pages > 2 * len(covered), "the payload is shown (escaped) on too few pages"


def test_custom_staff_pages_escape_stored_text(hostile):
    from django.contrib.contenttypes.models import ContentType

    from anju.customers.models import Customer

    sweep = Sweep(hostile.superuser)
    for template in staff_url_templates():
        if template in SKIP_STAFF or template.endswith(("/change/", "/delete/", "/history/")):
            continue  # standard admin pages: test_admin_pages_escape_stored_text
        if "{" not in template:
            sweep.get(template)
            sweep.get(f"{template}?q=alert")  # list and search pages: a search finding the rows
            continue
        parts = template.strip("/").split("/")
        if template.startswith("/admin/r/"):
            ct = ContentType.objects.get_for_model(Customer)
            sweep.get(f"/admin/r/{ct.pk}/{_row_pk(hostile, Customer)}/")
            continue
        label = next((v for k, v in STAFF_PAGE_MODELS.items() if template.startswith(k)), None)
        if label is None and len(parts) >= 4 and parts[0] == "admin" and parts[2] != "-":
            label = f"{parts[1]}.{parts[2]}"
        if label is None:
            continue  # a parameter that is no row (e.g. a parameter key): covered by its list page
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        pk = _row_pk(hostile, model)
        if pk is not None:
            sweep.get(fill(template, pk))
    sweep.check()
    assert sweep.pages > 20

"""Security sweep over everything the product exposes (issue 6).

Every API endpoint comes from DRF's endpoint enumerator (what drf-spectacular documents) and every staff
page from the URL resolver and `admin.site._registry`, so a new module is swept without editing this file.
Proved here:
(a) anonymous: every API endpoint answers 401, every staff page redirects to the login page;
(b) isolation: for one row of company A per scoped model, every API detail route (all methods) and every
    admin change/delete/history page answers 404 to company B's all-powerful administrator, and B's lists
    never contain A's rows;
(c) CSRF: session-authenticated writes without the token are refused (403), with it they pass;
(e) secrets: failed logins and token requests never put the password in a log record or a log table,
    and customers' mobiles and ID numbers are masked in the operation log.
(d) `check --deploy` with production settings is proved by anju/core/tests/test_shell.py
    (test_check_deploy_is_clean_with_production_settings); not repeated here.

KNOWN_BROKEN lists routes that currently fail because of a bug in another module, with the bug; the
lead removes entries as owners fix them. A KNOWN_BROKEN entry that starts passing fails the test too,
so the list can only shrink.
"""

from __future__ import annotations

import logging

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from rest_framework.test import APIClient

from anju.core.testing import PASSWORD
from tests.security.routes import (
    WRITE_METHODS,
    admin_model_urls,
    api_routes,
    fill,
    registered_admin_models,
    staff_url_templates,
)

pytestmark = pytest.mark.django_db

# API routes open to anonymous clients, with the reason.
PUBLIC_API = {
    "/api/v1/": "the API root: links to the sections, the schema and the docs, no data",
    "/api/v1/auth/token/": "the login itself",
    "/api/schema/": "OpenAPI schema; drf-spectacular's default SERVE_PERMISSIONS is AllowAny",
    "/api/docs/": "Swagger UI page; loads /api/schema/",
}

# Routes whose path parameter is not a row of a scoped model: each with why it cannot leak a row.
NOT_A_ROW = {
    "/api/v1/system/dictionary-choices/{code}/": "dictionary code of global (unscoped) reference data",
    "/api/v1/system/parameters/{key}/": "parameter key; the value read/written is the caller's company's",
    "/api/v1/system/parameters/{key}/reset/": "parameter key; resets the caller's company's value",
    "/api/v1/files/{label}/{pk}/": "model label + row; anju/core/tests/test_files.py proves the 404s",
}
STAFF_NOT_A_ROW = {
    "/admin/system/-/parameters/{key}/": "parameter key; edits the caller's company's value",
    "/admin/{url}": "admin catch-all",
}
# Staff pages outside the standard admin URLs whose {pk} is a row of this model.
STAFF_PAGE_MODELS = {
    "/admin/core/-/saved-views/{pk}/": "core.SavedView",
    "/admin/customers/-/customer/{pk}/": "customers.Customer",
    "/admin/customers/-/relation/{pk}/": "customers.RoomCustomer",
    "/admin/estates/-/buildings/{pk}/": "estates.Building",
}

# "METHOD path" → the bug, for routes broken by another module (see the module docstring).
KNOWN_BROKEN: dict[str, str] = {}


def _json(response):
    try:
        return response.json()
    except ValueError:
        return None


def _rows(payload) -> list[dict]:
    if isinstance(payload, dict) and isinstance(payload.get("results"), list):
        return payload["results"]
    if isinstance(payload, list):
        return [row for row in payload if isinstance(row, dict)]
    return []


def _check(check: str, failures: dict[str, str]) -> None:
    """Fail on new failures, and on KNOWN_BROKEN entries of this check that pass now (remove them)."""
    failures = {f"{check}: {key}": why for key, why in failures.items()}
    new = {key: why for key, why in failures.items() if key not in KNOWN_BROKEN}
    fixed = [key for key in KNOWN_BROKEN if key.startswith(f"{check}: ") and key not in failures]
    assert not new, "\n".join(f"{key}: {why}" for key, why in sorted(new.items()))
    assert not fixed, f"fixed, remove from KNOWN_BROKEN: {fixed}"


# --- (a) anonymous ---------------------------------------------------------------------------------


def test_every_api_endpoint_answers_401_to_an_anonymous_client(demo):
    client = APIClient()
    failures = {}
    routes = api_routes()
    assert len(routes) > 100  # the enumerator really sees the modules' routers
    for route in routes:
        if route.path in PUBLIC_API:
            continue
        response = client.generic(route.method, route.url(1), "{}", content_type="application/json")
        if response.status_code != 401 or "Token" not in response.get("WWW-Authenticate", ""):
            failures[route.key] = f"anonymous got {response.status_code}"
    _check("anonymous-api", failures)


def test_the_token_endpoint_refuses_wrong_credentials_with_401(demo):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": demo.user_a.username, "password": "wrong"}, format="json"
    )
    assert "token" not in (_json(response) or {})
    failures = {}
    if response.status_code not in (400, 401):
        failures["POST /api/v1/auth/token/"] = f"wrong password answered {response.status_code}"
    _check("token", failures)


def test_every_staff_page_redirects_an_anonymous_visitor_to_the_login(demo):
    client = Client()
    public = {"/admin/login/", "/admin/logout/", "/admin/jsi18n/"}
    failures = {}
    templates = staff_url_templates()
    assert len(templates) > 100
    for template in templates:
        if template in public:
            continue
        url = fill(template, 1 if "{url}" not in template else "anything/")
        answers = {method: client.generic(method, url) for method in ("GET", "POST")}
        for method, response in answers.items():
            location = response.get("Location", "")
            if response.status_code == 302 and location.startswith("/admin/login/"):
                continue
            if method == "GET" and response.status_code == 405:
                continue  # a POST-only page; the POST above must still send to the login
            failures[f"{method} {template}"] = f"anonymous got {response.status_code} {location}"
    _check("anonymous-staff", failures)


# --- (b) isolation ---------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def _lookup_value(route, pk):
    field = getattr(route.view, "lookup_field", "pk")
    obj = route.model._default_manager.get(pk=pk)
    return getattr(obj, field)


def _missing_pk(model) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
    return last + 1_000_000


def _oracle(response, missing) -> str:
    """Why B's answer for A's row is wrong: it must be 404, or, where B may not do this action to any
    row (no such permission point for anyone, e.g. deleting a log), exactly the answer for a row
    that does not exist, so that nothing tells whether A's row exists."""
    if response.status_code == 404:
        return ""
    if response.status_code == missing.status_code and response.status_code in (403, 405):
        return ""
    return (
        f"company B got {response.status_code} (a missing row: {missing.status_code}), "
        f"expected 404: {response.content[:160]!r}"
    )


def test_api_detail_routes_of_another_companys_rows_answer_404(demo):
    a, b = _api(demo.user_a), _api(demo.user_b)
    failures, covered = {}, set()
    for route in api_routes():
        if not route.is_detail:
            continue
        if route.path in NOT_A_ROW:
            continue
        model = route.model
        assert model is not None, f"{route.key}: no queryset; add it to NOT_A_ROW with a reason"
        spec = model.scope
        if spec.unscoped:
            continue  # global reference data: the same rows for everyone by design
        pks = demo.a_only(model)
        assert pks, f"{route.key}: no row of {model._meta.label} for company A; extend demo_data"
        value = _lookup_value(route, pks[0])
        url = route.url(value)
        covered.add(model._meta.label)
        if route.method == "GET":
            seen_by_a = a.get(url)
            if seen_by_a.status_code != 200:
                failures[route.key] = f"owner A got {seen_by_a.status_code} (the sweep's URL is wrong?)"
                continue
        response = b.generic(route.method, url, "{}", content_type="application/json")
        missing = b.generic(
            route.method, route.url(_missing_pk(model)), "{}", content_type="application/json"
        )
        why = _oracle(response, missing)
        if why:
            failures[route.key] = why
        if route.method == "DELETE" and not model._default_manager.filter(pk=pks[0]).exists():
            failures[route.key] = "company B deleted company A's row"
    assert {"customers.Customer", "tasks.Task", "estates.Room", "org.User"} <= covered
    _check("api-detail", failures)


def test_api_lists_never_contain_another_companys_rows(demo):
    b = _api(demo.user_b)
    failures = {}
    for route in api_routes():
        if route.method != "GET" or route.is_detail or route.model is None or route.action != "list":
            continue
        model = route.model
        if model.scope.unscoped:
            continue
        hidden = set(demo.a_only(model))
        response = b.get(route.path, {"page_size": 500})
        if response.status_code != 200:
            failures[route.key] = f"company B's list answered {response.status_code}"
            continue
        ids = {row.get("id") for row in _rows(_json(response))}
        if ids & hidden:
            failures[route.key] = f"company B's list shows A's rows {sorted(ids & hidden)[:5]}"
    _check("api-list", failures)


def test_search_and_workbench_feeds_never_show_another_companys_rows(demo):
    from anju.customers.models import Customer
    from anju.system.models import Announcement

    b = _api(demo.user_b)
    customer = Customer.objects.get(pk=demo.a_only(Customer)[0])
    found = b.get("/api/v1/customers/search/", {"q": customer.name})
    assert found.status_code == 200
    assert customer.name not in found.content.decode()
    assert customer.mobile[-4:] not in found.content.decode() or not customer.mobile
    hidden = set(demo.a_only(Announcement))
    feed = _json(b.get("/api/v1/system/workbench/announcements/"))
    assert not {row.get("id") for row in _rows(feed)} & hidden


def _model(label):
    from django.apps import apps

    return apps.get_model(label)


def test_admin_pages_of_another_companys_rows_answer_404(demo):
    a, b = Client(), Client()
    a.force_login(demo.user_a)
    b.force_login(demo.user_b)
    failures, covered = {}, set()
    for model, _model_admin in registered_admin_models():
        spec = getattr(model, "scope", None)
        if spec is None or spec.unscoped:
            continue  # third-party models (superuser-only) and global reference data
        pks = demo.a_only(model)
        assert pks, f"admin {model._meta.label}: no row of company A; extend demo_data"
        covered.add(model._meta.label)
        urls = admin_model_urls(model, pks[0])
        change = urls.get("change")
        if change and a.get(change).status_code != 200:
            failures[f"GET {change}"] = "owner A cannot open it (the sweep's URL is wrong?)"
        for name in ("change", "delete", "history"):
            if name not in urls:
                continue
            missing_url = admin_model_urls(model, _missing_pk(model))[name]
            for method in ("GET", "POST"):
                why = _oracle(b.generic(method, urls[name]), b.generic(method, missing_url))
                if why:
                    failures[f"{method} {model._meta.label} {name}"] = why
        if not model._default_manager.filter(pk=pks[0]).exists():
            failures[f"POST {model._meta.label} delete"] = "company B deleted company A's row"
        listing = b.get(urls["changelist"])
        if listing.status_code == 200 and change and change in listing.content.decode():
            failures[f"GET {model._meta.label} changelist"] = "company B's list links to A's row"
        elif listing.status_code not in (200, 403):
            failures[f"GET {model._meta.label} changelist"] = f"company B got {listing.status_code}"
    assert {"customers.Customer", "tasks.Task", "estates.Room", "org.User"} <= covered
    _check("admin-pages", failures)


def test_third_party_admin_models_are_for_super_users_only(demo):
    """auth groups, API tokens and lockout records have no data scope: only super users see them."""
    b = Client()
    b.force_login(demo.user_b)
    root = Client()
    root.force_login(demo.superuser)
    third_party = [m for m, _a in registered_admin_models() if getattr(m, "scope", None) is None]
    assert third_party
    for model in third_party:
        urls = admin_model_urls(model, 1)
        assert b.get(urls["changelist"]).status_code == 403, model._meta.label
        assert root.get(urls["changelist"]).status_code == 200, model._meta.label


def test_other_staff_pages_of_another_companys_rows_answer_404(demo):
    b = Client()
    b.force_login(demo.user_b)
    failures = {}
    for template in staff_url_templates():
        if "{" not in template or template in STAFF_NOT_A_ROW:
            continue
        if template.endswith(("/change/", "/delete/", "/history/")):
            continue  # the standard pages: test_admin_pages_of_another_companys_rows_answer_404
        parts = template.strip("/").split("/")
        if template.startswith("/admin/r/"):
            from anju.customers.models import Customer

            ct = ContentType.objects.get_for_model(Customer)
            url = f"/admin/r/{ct.pk}/{demo.a_only(Customer)[0]}/"
        else:
            label = next((v for k, v in STAFF_PAGE_MODELS.items() if template.startswith(k)), None)
            if label is None:  # /admin/<app>/<model>/{pk}/<page>/
                label = f"{parts[1]}.{parts[2]}"
            model = _model(label)
            if getattr(model, "scope", None) is None:
                continue  # third-party models: test_third_party_admin_models_are_for_super_users_only
            if model.scope.unscoped:
                continue  # global reference data
            pks = demo.a_only(model)
            assert pks, f"{template}: no row of {label} for company A; extend demo_data"
            url = fill(template, pks[0])
            missing_url = fill(template, _missing_pk(model))
        for method in ("GET", "POST"):
            response = b.generic(method, url)
            if template.startswith("/admin/r/"):
                why = "" if response.status_code == 404 else f"company B got {response.status_code}"
            elif len(parts) == 4 and parts[3] == "{object_id}":  # admin's redirect to the change page
                ok = response.status_code == 302 and response["Location"].endswith(f"{url}change/")
                why = "" if ok else f"company B got {response.status_code}"
            else:
                why = _oracle(response, b.generic(method, missing_url))
            if why and not (method == "GET" and response.status_code == 405):
                failures[f"{method} {template}"] = why
    _check("staff-pages", failures)


# --- (c) CSRF --------------------------------------------------------------------------------------


def test_session_writes_without_a_csrf_token_are_refused(demo):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(demo.user_a)
    failures = {}
    writes = [route for route in api_routes() if route.method in WRITE_METHODS]
    assert writes
    for route in writes:
        if route.path == "/api/v1/auth/token/":
            continue  # unauthenticated by design: a session plays no part
        pks = demo.a_only(route.model) if route.model is not None and route.is_detail else []
        url = route.url(_lookup_value(route, pks[0]) if pks else 1)
        response = client.generic(route.method, url, "{}", content_type="application/json")
        if response.status_code != 403 or "CSRF" not in response.content.decode():
            failures[route.key] = f"session write without CSRF token got {response.status_code}"
    _check("csrf", failures)
    # The staff UI too.
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(demo.user_a)
    assert staff.post("/admin/system/announcement/add/", {"title": "x"}).status_code == 403


def test_session_writes_with_the_csrf_token_pass(demo):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(demo.user_a)
    client.get("/admin/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/system/saved-views/",
        {"list_key": "customers.customer", "name": "csrf ok", "query": "q=1"},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201, response.content


# --- (e) secrets -----------------------------------------------------------------------------------


SECRET = "Wr0ng-S3cret-Passw0rd!"


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def _everything_logged(records) -> str:
    parts = []
    for record in records:
        try:
            parts.append(record.getMessage())
        except Exception:
            parts.append(str(record.msg))
        parts.append(repr(record.args))
        parts.append(repr(getattr(record, "request", "")))
        parts.append(repr({k: v for k, v in record.__dict__.items() if k not in ("args", "msg")}))
    return "\n".join(parts)


def test_failed_logins_and_token_requests_never_log_the_password(demo):
    from anju.core.models import OperationLog
    from anju.system.models import LoginLog

    capture = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        user = demo.user_a
        Client().post("/admin/login/", {"username": user.username, "password": SECRET})
        APIClient().post(
            "/api/v1/auth/token/", {"username": user.username, "password": SECRET}, format="json"
        )
        ok = APIClient().post(
            "/api/v1/auth/token/", {"username": "admin", "password": "Anju@2026"}, format="json"
        )
        assert ok.status_code == 200
        # A server error while handling a password must not dump it either (django.request logs it).
        logging.getLogger("django.request").error("probe", extra={"status_code": 500})
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)
    logged = _everything_logged(capture.records)
    assert SECRET not in logged and "Anju@2026" not in logged
    assert ok.json()["token"] not in logged
    for row in LoginLog.objects.values():
        assert SECRET not in str(row)
    for row in OperationLog.objects.values("before", "after", "note"):
        assert SECRET not in str(row) and "Anju@2026" not in str(row)
    assert PASSWORD  # the factories' password constant exists (used by other suites)


def test_sensitive_customer_fields_are_masked_in_the_operation_log(demo):
    from anju.core.models import OperationLog
    from anju.customers.models import Customer

    api = _api(demo.superuser)
    customer = Customer.objects.get(pk=demo.a_only(Customer)[0])
    detail = api.get(f"/api/v1/customers/customers/{customer.pk}/").json()
    new_mobile = "13912345678"
    response = api.patch(
        f"/api/v1/customers/customers/{customer.pk}/",
        {"mobile": new_mobile, "version": detail.get("version")},
        format="json",
    )
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.mobile == new_mobile
    rows = OperationLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer), object_id=str(customer.pk)
    )
    assert rows.exists()
    for row in rows:
        text = f"{row.before} {row.after} {row.note} {row.object_repr}"
        assert new_mobile not in text
        if customer.id_number:
            assert customer.id_number not in text
    last = rows.order_by("-pk").first()
    assert last.after.get("mobile") == "139****5678"
    # No operation log anywhere holds a full ID number or mobile of any customer.
    numbers = [n for c in Customer.objects.all() for n in (c.mobile, c.id_number) if n and len(n) >= 11]
    failures = {}
    for row in OperationLog.objects.select_related("content_type"):
        text = f"{row.before} {row.after}"
        leaked = [n for n in numbers if n in text]
        if leaked:
            label = row.content_type.model_class()._meta.label if row.content_type else row.module
            failures[label] = f"unmasked in the operation log ({row.action}): {leaked[:3]}"
    _check("oplog-masking", failures)


# Personal-data-looking fields that are not a person's data, with the reason.
NOT_PERSONAL = {
    "org.OrgUnit.phone": "an office's switchboard number",
    "service.Contractor.phone": "a contractor firm's office number",
    "service.SmsOutbox.phone": "the SMS queue must hold the number it sends to; never in the operation log",
    "customers.Customer.id_type": "the kind of ID document, not a number",
    "customers.FamilyMember.relationship": "not a number",
}
PERSONAL_WORDS = ("mobile", "phone", "id_number", "account_number", "id_card")


def test_personal_number_fields_are_declared_sensitive():
    """Every model field that holds a person's phone, ID or account number is in `sensitive_fields`,
    which is what masks it in the operation log (anju.core.audit.snapshot) and the exports."""
    from django.apps import apps

    failures = {}
    for model in apps.get_models():
        if not model.__module__.startswith("anju."):
            continue
        sensitive = set(getattr(model, "sensitive_fields", ()))
        for field in model._meta.concrete_fields:
            name = f"{model._meta.label}.{field.name}"
            if name in NOT_PERSONAL or field.name in sensitive or field.get_internal_type() != "CharField":
                continue
            if any(word in field.name for word in PERSONAL_WORDS):
                failures[name] = "holds personal numbers but is not in sensitive_fields"
    _check("sensitive-fields", failures)

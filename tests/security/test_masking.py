"""Issue 11 item 6: personal data is masked by the field, at every door.

Models declare `sensitive_fields = {"field": "kind"}` and `sensitive_point` (anju.core.masking). This
test walks every model with such a declaration, on the demo dataset of every context, and every door
that shows a declared field: each API list and detail whose serializer outputs it (the model's own
field or a related row's, e.g. a reception's caller phone), the staff changelist and change page, and
the staff Excel export. A user holding every permission point but the "view sensitive" ones gets the
value masked everywhere; the same user with them gets it in clear.
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.contrib import admin
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from anju.core.admin import AnjuModelAdmin
from anju.core.api.fields import sensitive_outputs
from anju.core.masking import mask_field, reveal_point, sensitive_fields
from anju.core.registry import permissions
from anju.core.scoping import scoped
from anju.core.testing import make_role, make_user
from anju.org.access import forget

pytestmark = pytest.mark.django_db

CLEAR = {"phone": "13912345678", "id_number": "110105199001010020", "bank_account": "6222020200112233445"}


def declaring_models():
    return [m for m in apps.get_models() if sensitive_fields(m)]


def _value(obj, source):
    for part in source.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _add_missing_rows(demo):
    """Rows of declaring models the demo leaves empty."""
    from anju.customers.models import Contact, Customer, DuplicateLog
    from anju.estates.choices import ImportOutcome
    from anju.estates.models import RoomImport, RoomImportRow
    from anju.service.models import Contractor, ContractorContact

    company = demo.company_a
    run = RoomImport.objects.filter(company=company).first()
    if not RoomImportRow.objects.filter(run__company=company).exists():
        RoomImportRow.objects.create(run=run, row_no=1, outcome=ImportOutcome.values[0], buyer_name="买家")
    if not DuplicateLog.objects.filter(company=company).exists():
        DuplicateLog.objects.create(company=company, name="重名", mode="name", actor=demo.user_a)
    contractor = scoped(demo.user_a, Contractor).first()
    if contractor and not ContractorContact.objects.filter(contractor=contractor).exists():
        ContractorContact.objects.create(contractor=contractor, name="承包商联系人")
    customer = Customer.objects.filter(company=company).first()
    if not Contact.objects.filter(customer__company=company).exists():
        Contact.objects.create(customer=customer, name="联系人")


@pytest.fixture(scope="module")
def people(demo, django_db_blocker):
    """(without, with): all points but view_sensitive, and all points. Every declared field of a row
    user A can see carries a distinct clear value."""
    with django_db_blocker.unblock():
        reveal = {p for p in permissions.points if p.endswith(".view_sensitive")}
        company = demo.company_a
        department = demo.user_a.department or company
        without = make_user(
            department,
            [make_role(company, [p for p in permissions.points if p not in reveal])],
            all_projects=True,
        )
        holder = make_user(department, [make_role(company, list(permissions.points))], all_projects=True)
        _add_missing_rows(demo)
        for n, model in enumerate(declaring_models()):
            row = scoped(holder, model).order_by("-pk").first()
            assert row is not None, f"the demo has no {model._meta.label} row user A can see"
            updates = {}
            for name, kind in sensitive_fields(model).items():
                if kind in CLEAR:
                    clear = CLEAR[kind]
                    updates[name] = (
                        clear[: -len(str(n))] + str(n) if kind != "phone" else f"139{n:04d}{5678:04d}"
                    )
            model._default_manager.filter(pk=row.pk).update(**updates)
        return without, holder


def _api_doors():
    """(list url name, detail url name, viewset class) of every API list/detail route."""
    found = {}

    def walk(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns)
            elif isinstance(p, URLPattern) and getattr(p.callback, "cls", None) and p.name:
                actions = getattr(p.callback, "actions", None) or {}
                kind = (
                    "list"
                    if actions.get("get") == "list"
                    else "retrieve"
                    if actions.get("get") == "retrieve"
                    else None
                )
                if kind:
                    found.setdefault(p.callback.cls, {})[kind] = p.name

    walk(get_resolver().url_patterns)
    return found


def _serializer_for(viewset, action, user):
    view = viewset()
    view.action = action
    view.request = RequestFactory().get("/")
    view.request.user = user
    view.format_kwarg = None
    view.kwargs = {}
    return view.get_serializer_class()()


def _expectations(user_model_value_pairs):
    return user_model_value_pairs


def test_every_declaration_names_a_registered_reveal_point():
    models = declaring_models()
    assert len(models) >= 10
    for model in models:
        assert reveal_point(model) in permissions.points, model
        for name in sensitive_fields(model):
            model._meta.get_field(name)


def test_api_masks_declared_fields_without_the_point_and_shows_them_with_it(demo, people):
    without, holder = people
    doors = 0
    for viewset, names in _api_doors().items():
        queryset = getattr(viewset, "queryset", None)
        if queryset is None:
            continue
        for action, url_name in names.items():
            outputs = sensitive_outputs(_serializer_for(viewset, action, holder))
            for key, model, name, source in outputs:
                kind = sensitive_fields(model)[name]
                if kind not in CLEAR:
                    continue
                rows = scoped(holder, queryset.model).order_by("-pk")
                row = next((r for r in rows[:200] if _value(r, source)), None)
                if row is None:
                    continue
                clear = str(_value(row, source))
                masked = mask_field(model, name, clear)
                url = reverse(url_name, kwargs={"pk": row.pk}) if action == "retrieve" else reverse(url_name)
                params = {} if action == "retrieve" else {"page_size": 500}
                shown = {}
                for who in (without, holder):
                    forget(who)
                    client = APIClient()
                    client.force_authenticate(who)
                    response = client.get(url, params)
                    assert response.status_code == 200, (url, response.status_code)
                    body = response.json()
                    items = body.get("results", [body]) if isinstance(body, dict) else body
                    item = next((i for i in items if i.get("id") == row.pk), None)
                    assert item is not None or action == "list", url
                    shown[who] = item[key] if item is not None else None
                    assert clear not in json.dumps(body, ensure_ascii=False) or who is holder, (
                        f"{url} shows {model._meta.label}.{name} in clear without {reveal_point(model)}"
                    )
                if shown[without] is not None:
                    assert shown[without] == masked, (url, key)
                if shown[holder] is not None:
                    assert shown[holder] == clear, (url, key)
                doors += 1
    assert doors >= 10  # reception caller phone, customers, phones, family, contacts, bank, users, ...


def _admins():
    return [
        (m, a)
        for m, a in admin.site._registry.items()
        if sensitive_fields(m) and isinstance(a, AnjuModelAdmin)
    ]


def test_staff_changelist_change_page_and_export_mask_without_the_point(demo, people):
    without, holder = people
    factory = RequestFactory()
    checked = 0
    for model, model_admin in _admins():
        row = scoped(holder, model).order_by("-pk").first()
        values = {
            n: str(getattr(row, n))
            for n, kind in sensitive_fields(model).items()
            if kind in CLEAR and getattr(row, n)
        }
        if not values:
            continue
        info = model._meta.app_label, model._meta.model_name
        pages = [
            reverse("admin:{}_{}_changelist".format(*info)) + f"?id__exact={row.pk}",
            reverse("admin:{}_{}_change".format(*info), args=[row.pk]),
        ]
        for who in (without, holder):
            forget(who)
            client = Client()
            client.force_login(who)
            for url in pages:
                response = client.get(url)
                if response.status_code != 200:
                    continue
                html = response.content.decode()
                for name, clear in values.items():
                    if who is without:
                        assert clear not in html, f"{url} shows {name} in clear"
                    checked += 1
            request = factory.get("/")
            request.user = who
            if model_admin.has_export_permission(request):
                resource_class = model_admin.get_export_resource_classes(request)[0]
                resource = resource_class(**model_admin.get_export_resource_kwargs(request))
                exported = resource.export(queryset=model._default_manager.filter(pk=row.pk)).csv
                for name, clear in values.items():
                    if who is without:
                        assert clear not in exported, f"{model._meta.label} export shows {name} in clear"
                    elif name in resource.fields:
                        assert clear in exported, f"{model._meta.label} export hides {name} from a holder"
                    checked += 1
    assert checked >= 10


def test_reception_caller_phone_is_masked_in_the_api_without_the_customer_point(demo, people):
    """The door of issue 11: GET /api/v1/service/receptions/<id>/ gave the caller's mobile in clear."""
    from anju.service.models import Reception

    without, holder = people
    row = scoped(holder, Reception).exclude(caller_phone="").order_by("-pk").first()
    for who, expected in (
        (without, mask_field(Reception, "caller_phone", row.caller_phone)),
        (holder, row.caller_phone),
    ):
        client = APIClient()
        client.force_authenticate(who)
        assert client.get(f"/api/v1/service/receptions/{row.pk}/").json()["caller_phone"] == expected


def test_template_tag_masks_without_the_point(demo, people):
    from anju.service.models import Reception

    without, holder = people
    row = scoped(holder, Reception).exclude(caller_phone="").order_by("-pk").first()
    template = Template('{% load anju %}{% sensitive row "caller_phone" %}')
    for who, expected in (
        (without, mask_field(Reception, "caller_phone", row.caller_phone)),
        (holder, row.caller_phone),
    ):
        request = RequestFactory().get("/")
        request.user = who
        assert template.render(Context({"row": row, "request": request})) == expected

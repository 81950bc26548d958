"""Staff pages of the customer ledger under /admin/customers/-/ (URL names "customers:...")."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.admin import site
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from anju.core.admin import error_text
from anju.core.masking import mask_bank_account, mask_id_number, mask_phone
from anju.core.services import ConflictError, ServiceValidationError
from anju.customers import importer, selectors, services
from anju.customers.choices import CustomerState, RelationRole
from anju.customers.models import Customer, RoomCustomer
from anju.customers.validators import parse_id
from anju.estates.models import Room
from anju.org.access import current_company_id, has_point, scoped
from anju.org.models import OrgUnit
from anju.system.parameters import get_parameter
from anju.system.selectors import dictionary_label


def _require(request, point: str) -> None:
    if not has_point(request.user, point):
        raise PermissionDenied


def _page(request, template, title, **context):
    return TemplateResponse(request, template, {**site.each_context(request), "title": title, **context})


def _company(request):
    return get_object_or_404(OrgUnit, pk=current_company_id(request.user))


ERRORS = (ServiceValidationError, ValidationError, ConflictError)


# --- omni search ---------------------------------------------------------------------------------
@login_required
def search(request):
    _require(request, "customers.customer.view")
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind") or None
    groups = selectors.omni_search_groups(request.user, q, per_group=5, kind=kind) if q else []
    return _page(request, "customers/search.html", _("Omni search"), q=q, kind=kind, groups=groups)


# --- new-customer wizard (000 §3.4.1) ---------------------------------------------------------------
class StepOneForm(forms.Form):
    names = forms.CharField(
        label=gettext_lazy("customer name"),
        max_length=2000,
        help_text=gettext_lazy("Several customers: separate with ;"),
    )
    keys = forms.CharField(label=gettext_lazy("phone"), max_length=2000, required=False)


class StepThreeForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("customer type"), choices=Customer._meta.get_field("kind").choices
    )
    code = forms.CharField(
        label=gettext_lazy("customer code"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Usually the room code; left empty, one is generated."),
    )
    mobile = forms.CharField(label=gettext_lazy("mobile"), max_length=40, required=False)
    phone = forms.CharField(label=gettext_lazy("home or office phone"), max_length=40, required=False)
    id_number = forms.CharField(label=gettext_lazy("ID number"), max_length=40, required=False)
    address = forms.CharField(label=gettext_lazy("address"), max_length=200, required=False)


@login_required
def wizard(request):
    """Step 1: names and phones (or ID numbers); step 2: same-name customers; step 3: the form."""
    _require(request, "customers.customer.add")
    company = _company(request)
    mode = get_parameter(company.pk, "customer.matching_mode")
    step = request.POST.get("step", "1")
    form1 = StepOneForm(request.POST if step in ("1", "2", "3") and request.method == "POST" else None)
    form1.fields["keys"].label = _("phone") if mode == "name_phone" else _("ID number")
    context = {"mode": mode, "form1": form1, "step": 1}
    if request.method == "POST" and form1.is_valid():
        entries = selectors.match_candidates(
            request.user, mode, form1.cleaned_data["names"], form1.cleaned_data["keys"]
        )
        context.update(step=2, entries=entries)
        saving = "save" in request.POST
        if step == "3":
            forms3 = []
            for i, entry in enumerate(entries):
                prefix = f"c{i}"
                initial = {"mobile": entry.key} if mode == "name_phone" else {"id_number": entry.key}
                form3 = StepThreeForm(request.POST if saving else None, prefix=prefix, initial=initial)
                chosen_raw = request.POST.get(f"choice{i}", "")
                forms3.append((entry, form3, chosen_raw))
            context.update(step=3, forms3=forms3)
            if saving and all(f.is_valid() for _e, f, _c in forms3):
                created = []
                try:
                    with transaction.atomic():
                        for entry, form3, chosen_raw in forms3:
                            allowed = {c["id"]: c for c in entry.candidates}
                            chosen = (
                                Customer.objects.get(pk=parse_id(chosen_raw))
                                if parse_id(chosen_raw) in allowed
                                else None
                            )
                            d = form3.cleaned_data
                            phones = [{"number": n} for n in (d["mobile"], d["phone"]) if n]
                            data = {
                                "kind": d["kind"],
                                "code": d["code"],
                                "address": d["address"],
                                "id_number": d["id_number"],
                                "phones": phones,
                            }
                            customer = services.customer_register(
                                actor=request.user,
                                company=company,
                                name=entry.name,
                                mode=mode,
                                key=entry.key,
                                candidates=sorted(allowed),
                                chosen=chosen,
                                data=data,
                            )
                            created.append(customer)
                except ERRORS as exc:
                    messages.error(request, error_text(exc))
                    return _page(request, "customers/wizard.html", _("New customer"), **context)
                for customer in created:
                    for warning in getattr(customer, "warnings", []):
                        messages.warning(request, warning)
                    messages.success(
                        request,
                        _("Customer %(code)s %(name)s saved.")
                        % {"code": customer.code, "name": customer.name},
                    )
                return HttpResponseRedirect(reverse("customers:customer", args=[created[0].pk]))
    return _page(request, "customers/wizard.html", _("New customer"), **context)


# --- the customer page (360°) ----------------------------------------------------------------------
@login_required
def customer_page(request, pk):
    _require(request, "customers.customer.view")
    customer = get_object_or_404(scoped(request.user, Customer), pk=pk)
    revealed = request.session.pop(f"anju_reveal_{pk}", None)
    show = revealed is not None

    def m(func, value):
        return value if show else func(value)

    phones = [
        {"kind_label": p.get_kind_display(), "number": m(mask_phone, p.number), "primary": p.is_primary}
        for p in customer.phones.all()
    ]
    banks = [
        {
            "name": b.account_name,
            "bank": b.bank_name,
            "number": m(mask_bank_account, b.account_number),
            "primary": b.is_primary,
            "agreement": b.agreement_no,
        }
        for b in customer.bank_accounts.all()
    ]
    family = [
        {
            "relationship": _dict_label("relationship", f.relationship),
            "name": f.name,
            "gender": f.get_gender_display(),
            "birthday": f.birthday,
            "mobile": m(mask_phone, f.mobile),
            "id_number": m(mask_id_number, f.id_number),
        }
        for f in customer.family.all()
    ]
    relations = customer.room_relations.select_related("room", "room__project").order_by(
        "end_date", "-start_date"
    )
    context = {
        "customer": customer,
        "id_number": m(mask_id_number, customer.id_number),
        "mobile": m(mask_phone, customer.mobile),
        "phones": phones,
        "banks": banks,
        "family": family,
        "contacts": [
            {"name": c.name, "position": c.position, "phone": m(mask_phone, c.phone), "email": c.email}
            for c in customer.contacts.all()
        ],
        "vehicles": customer.vehicles.select_related("room"),
        "relations": relations,
        # 销售信息: the rooms this customer bought (owner relations, past ones too).
        "sales": customer.room_relations.filter(role=RelationRole.OWNER)
        .select_related("room", "room__project", "room__unit_type")
        .order_by("end_date", "-start_date"),
        "related": selectors.related_customers(customer),
        "timeline": selectors.timeline(customer, 100),
        "transfers": customer.transfers.select_related("from_salesperson", "to_salesperson")[:50],
        "renames": customer.rename_requests.all()[:20],
        "features": [
            (_("marital status"), _dict_label("marriage", customer.marriage)),
            (_("income level"), _dict_label("income_level", customer.income_level)),
            (_("family structure"), _dict_label("family_structure", customer.family_structure)),
            (_("customer category"), _dict_label("customer_kind", customer.customer_kind)),
        ],
        "service_rows": _service_rows(request.user, customer),
        "revealed": show,
        "can_reveal": selectors.can_see_sensitive(request.user),
        "can_change": has_point(request.user, "customers.customer.change"),
        "can_move_in": has_point(request.user, "customers.relation.add"),
        "can_rename_request": has_point(request.user, "customers.renamerequest.add"),
        "today": timezone.localdate(),
    }
    return _page(request, "customers/customer_page.html", customer.name, **context)


def _service_rows(user, customer) -> list:
    """服务信息: receptions and tasks of the service context that name this customer (if installed)."""
    from django.apps import apps

    rows = []
    for label, model_name in ((_("Receptions"), "Reception"), (_("Tasks"), "Task")):
        try:
            model = apps.get_model("service", model_name)
        except LookupError:
            continue
        if not any(f.name == "customer" for f in model._meta.fields) or not hasattr(model, "scope"):
            continue
        rows.append((label, list(scoped(user, model.objects.filter(customer=customer)).order_by("-pk")[:50])))
    return rows


def _dict_label(dictionary, code):
    if not code:
        return ""

    return dictionary_label(dictionary, code)


@require_POST
@login_required
def reveal(request, pk):
    """Show the unmasked data once, for a reason (PIPL: logged with the reason)."""
    customer = get_object_or_404(scoped(request.user, Customer), pk=pk)
    try:
        services.customer_reveal(actor=request.user, customer=customer, reason=request.POST.get("reason", ""))
    except ERRORS as exc:
        messages.error(request, error_text(exc))
    else:
        request.session[f"anju_reveal_{pk}"] = True
    return HttpResponseRedirect(reverse("customers:customer", args=[pk]))


@require_POST
@login_required
def rename_request(request, pk):
    _require(request, "customers.renamerequest.add")
    customer = get_object_or_404(scoped(request.user, Customer), pk=pk)
    try:
        services.rename_request_create(
            actor=request.user,
            customer=customer,
            new_name=request.POST.get("new_name", ""),
            reason=request.POST.get("reason", ""),
        )
    except ERRORS as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Rename request filed; the name changes when a manager approves it."))
    return HttpResponseRedirect(reverse("customers:customer", args=[pk]))


@require_POST
@login_required
def move_out(request, pk):
    _require(request, "customers.relation.change")
    relation = get_object_or_404(scoped(request.user, RoomCustomer, for_write=True), pk=pk)
    try:
        date = datetime.date.fromisoformat(request.POST.get("date", ""))
        services.relation_end(actor=request.user, relation=relation, date=date)
    except ValueError:
        messages.error(request, _("Enter the move-out date."))
    except ERRORS as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Moved out; the relation stays in the history."))
    return HttpResponseRedirect(reverse("customers:customer", args=[relation.customer_id]))


# --- move-in registration (入伙登记) and ownership transfer (过户) -----------------------------------------
class MoveInForm(forms.Form):
    room = forms.ModelChoiceField(label=gettext_lazy("room"), queryset=None)
    customer = forms.ModelChoiceField(label=gettext_lazy("customer"), queryset=None)
    role = forms.ChoiceField(
        label=gettext_lazy("relation"), choices=RelationRole.choices, initial=RelationRole.OWNER
    )
    date = forms.DateField(label=gettext_lazy("move-in date"), widget=forms.DateInput(attrs={"type": "date"}))
    share = forms.DecimalField(
        label=gettext_lazy("share (%)"), required=False, max_digits=5, decimal_places=2
    )
    keys_handed_over = forms.CharField(label=gettext_lazy("keys handed over"), required=False, max_length=200)
    documents_handed_over = forms.CharField(
        label=gettext_lazy("documents handed over"), required=False, max_length=300
    )
    transfer = forms.BooleanField(
        label=gettext_lazy("ownership transfer: the new owner replaces the current owners (过户)"),
        required=False,
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["room"].queryset = scoped(user, Room, for_write=True).order_by("code")
        self.fields["customer"].queryset = (
            scoped(user, Customer).filter(state=CustomerState.ACTIVE).order_by("code")
        )


@login_required
def move_in(request):
    _require(request, "customers.relation.add")
    initial = {"date": timezone.localdate()}
    for key in ("room", "customer"):
        if (pk := parse_id(request.GET.get(key, ""))) is not None:
            initial[key] = pk
    form = MoveInForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                if d["transfer"]:
                    services.room_transfer_ownership(
                        actor=request.user,
                        room=d["room"],
                        new_owners=[(d["customer"], d["share"])],
                        date=d["date"],
                    )
                else:
                    services.room_move_in(
                        actor=request.user,
                        room=d["room"],
                        customer=d["customer"],
                        role=d["role"],
                        date=d["date"],
                        share=d["share"],
                        keys_handed_over=d["keys_handed_over"],
                        documents_handed_over=d["documents_handed_over"],
                    )
        except ERRORS as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request,
                _("%(name)s is registered in room %(room)s.")
                % {"name": d["customer"].name, "room": d["room"].code},
            )
            return HttpResponseRedirect(reverse("customers:customer", args=[d["customer"].pk]))
    return _page(
        request, "customers/form_page.html", _("Move-in registration"), form=form, submit=_("Register")
    )


# --- import ----------------------------------------------------------------------------------------
class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel (.xlsx) or CSV file"))
    valid_only = forms.BooleanField(
        label=gettext_lazy("Import the valid rows even if some rows fail"), required=False
    )


@login_required
def import_view(request):
    _require(request, "customers.customer.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        commit = "commit" in request.POST
        try:
            result = services.customers_import(
                actor=request.user,
                company=_company(request),
                rows=importer.read_rows(form.cleaned_data["file"]),
                valid_only=form.cleaned_data["valid_only"],
                dry_run=not commit,
            )
        except ERRORS as exc:
            messages.error(request, error_text(exc))
        else:
            if commit and result["written"]:
                messages.success(request, _("%(count)s customers imported.") % {"count": result["written"]})
            elif commit:
                messages.error(
                    request,
                    _("Nothing was imported: fix the rows with errors or choose to import the valid rows."),
                )
    return _page(
        request,
        "customers/import.html",
        _("Import customers"),
        form=form,
        result=result,
        headings=importer.TEMPLATE_HEADINGS,
    )

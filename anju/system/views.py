"""Staff pages that are not model lists: business parameters and data clearing.
(Saved-view buttons live in the list template of anju.core and call `anju.core.savedviews`.)"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin import site
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold import widgets

from anju.core.admin import error_text
from anju.core.parsing import int_or_none
from anju.core.services import ConflictError, ServiceValidationError
from anju.org import access
from anju.org.choices import COMPANY_KINDS
from anju.org.models import OrgUnit
from anju.system import clearing, selectors, services
from anju.system.choices import ParameterType
from anju.system.parameters import DEFINITIONS


def _require(request, point: str) -> None:
    if not access.has_point(request.user, point):
        raise PermissionDenied


def _page(request, template, title, **context):
    return TemplateResponse(request, template, {**site.each_context(request), "title": title, **context})


def _visible_companies(request):
    return access.scoped(
        request.user, OrgUnit.objects.filter(kind__in=COMPANY_KINDS, is_active=True)
    ).order_by("path")


def _company_from(request, raw) -> OrgUnit:
    if raw in (None, ""):
        raw = access.current_company_id(request.user)
    try:
        return _visible_companies(request).get(pk=int(raw))
    except (TypeError, ValueError, OrgUnit.DoesNotExist) as exc:
        raise Http404 from exc


# --- business parameters (业务参数设置) ---------------------------------------------------------
def _value_field(definition, **kwargs) -> forms.Field:
    common = {"label": definition.label, "help_text": definition.help_text, **kwargs}
    if definition.type == ParameterType.INTEGER:
        return forms.IntegerField(
            min_value=definition.min_value,
            max_value=definition.max_value,
            widget=widgets.UnfoldAdminIntegerFieldWidget,
            **common,
        )
    if definition.type == ParameterType.BOOLEAN:
        return forms.BooleanField(required=False, widget=widgets.UnfoldBooleanSwitchWidget, **common)
    if definition.type == ParameterType.CHOICE:
        return forms.ChoiceField(choices=definition.choices, widget=widgets.UnfoldAdminSelectWidget, **common)
    return forms.CharField(
        max_length=500, required=False, widget=widgets.UnfoldAdminTextInputWidget, **common
    )


class ParameterForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, definition, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"] = _value_field(definition)


@login_required
def parameter_list(request):
    _require(request, "system.parameter.view")
    company = _company_from(request, request.GET.get("company"))
    companies = {c.pk: c for c in _visible_companies(request)}
    names = dict(OrgUnit.objects.filter(pk__in=access.ancestor_ids(company.pk)).values_list("pk", "name"))
    rows = [
        {
            "row": row,
            "display": selectors.display_value(row.definition, row.effective),
            "default": selectors.display_value(row.definition, row.definition.default),
            "source": names.get(row.source_company_id, "") if row.source_company_id else _("default"),
        }
        for row in selectors.parameter_rows(company.pk)
    ]
    return _page(
        request,
        "system/parameter_list.html",
        _("Business parameters"),
        company=company,
        companies=companies.values(),
        rows=rows,
        can_change=access.has_point(request.user, "system.parameter.change"),
    )


@login_required
def parameter_edit(request, key):
    _require(request, "system.parameter.change")
    definition = DEFINITIONS.get(key)
    if definition is None:
        raise Http404
    company = _company_from(request, request.GET.get("company") or request.POST.get("company"))
    row = next(r for r in selectors.parameter_rows(company.pk) if r.key == key)
    back = f"{reverse('system:parameters')}?company={company.pk}"
    if request.method == "POST":
        form = ParameterForm(definition, request.POST)
        if "reset" in request.POST:
            try:
                with transaction.atomic():
                    services.parameter_reset(
                        actor=request.user,
                        company=company,
                        key=key,
                        expected_version=int_or_none(request.POST.get("version")) or None,
                    )
            except (ServiceValidationError, ConflictError) as exc:
                messages.error(request, error_text(exc))
                return HttpResponseRedirect(request.get_full_path())
            messages.success(request, _("“%(label)s” inherits again.") % {"label": definition.label})
            return HttpResponseRedirect(back)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.parameter_set(
                        actor=request.user,
                        company=company,
                        key=key,
                        value=form.cleaned_data["value"],
                        expected_version=form.cleaned_data["version"],
                    )
            except ServiceValidationError as exc:
                for message in exc.errors.get("value", []) or exc.errors.get("__all__", []):
                    form.add_error("value", message)
                if not form.errors:
                    form.add_error(None, error_text(exc))
            except ConflictError as exc:
                messages.error(request, str(exc))
                return HttpResponseRedirect(request.get_full_path())
            else:
                messages.success(request, _("“%(label)s” saved.") % {"label": definition.label})
                return HttpResponseRedirect(back)
    else:
        form = ParameterForm(definition, initial={"value": row.effective, "version": row.version or 0})
    return _page(
        request,
        "system/parameter_edit.html",
        _("Change parameter: %(label)s") % {"label": definition.label},
        company=company,
        definition=definition,
        row=row,
        form=form,
        back=back,
        default=selectors.display_value(definition, definition.default),
    )


# --- data clearing (清空数据) -------------------------------------------------------------------
class ClearingForm(forms.Form):
    company = forms.ModelChoiceField(
        queryset=OrgUnit.objects.none(),
        label=gettext_lazy("company"),
        widget=widgets.UnfoldAdminSelectWidget,
        help_text=gettext_lazy("The company and every unit below it."),
    )
    categories = forms.MultipleChoiceField(
        choices=(),
        widget=widgets.UnfoldAdminCheckboxSelectMultipleWidget,
        label=gettext_lazy("table categories"),
    )

    def __init__(self, request, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = _visible_companies(request)
        self.fields["categories"].choices = clearing.category_choices()


class ClearingConfirmForm(ClearingForm):
    confirm_name = forms.CharField(
        label=gettext_lazy("type the company name to confirm"),
        max_length=100,
        widget=widgets.UnfoldAdminTextInputWidget(attrs={"autocomplete": "off"}),
    )
    confirm_production = forms.BooleanField(
        label=gettext_lazy(
            "This is a production system. I confirm a second time that these rows are to be deleted."
        ),
        required=False,
        widget=widgets.UnfoldBooleanWidget,
    )


@login_required
def data_clearing(request):
    _require(request, "system.dataclearing.view")
    can_clear = access.has_point(request.user, "system.dataclearing.manage")
    second = services.clearing_requires_second_confirmation()
    result = None
    preview = None
    if request.method == "POST":
        if not can_clear:
            raise PermissionDenied
        form = ClearingConfirmForm(request, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    result = services.data_clear(
                        actor=request.user,
                        company=data["company"],
                        categories=data["categories"],
                        confirm_name=data["confirm_name"],
                        confirm_production=data["confirm_production"],
                    )
            except ServiceValidationError as exc:
                for field_name, msgs in exc.errors.items():
                    target = field_name if field_name in form.fields else None
                    for message in msgs:
                        form.add_error(target, message)
            except ValidationError as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(
                    request,
                    _("%(count)s rows deleted. The backup written before clearing is %(path)s")
                    % {"count": result.total, "path": result.backup_path},
                )
        data = getattr(form, "cleaned_data", {})
        if data.get("company") and data.get("categories"):
            preview = services.clearing_counts(data["company"], data["categories"])
    else:
        form = ClearingForm(
            request, request.GET or None, initial={"company": access.current_company_id(request.user)}
        )
        if request.GET and form.is_valid():
            preview = services.clearing_counts(form.cleaned_data["company"], form.cleaned_data["categories"])
            form = ClearingConfirmForm(request, initial=form.cleaned_data)
    labels = dict(clearing.category_choices())
    return _page(
        request,
        "system/data_clearing.html",
        _("Data clearing"),
        form=form,
        preview=[(labels[k], counts) for k, counts in preview.items()] if preview else None,
        preview_total=sum(sum(c.values()) for c in preview.values()) if preview else 0,
        result=result,
        can_clear=can_clear,
        second_confirmation=second,
    )

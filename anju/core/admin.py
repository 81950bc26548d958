"""Base class of every staff screen: data scope, permission points, services, export, page size."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from import_export import resources
from import_export.admin import ExportMixin
from import_export.formats import base_formats
from unfold.admin import ModelAdmin
from unfold.contrib.import_export.forms import ExportForm

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.masking import can_reveal, mask_field, sensitive_fields
from anju.core.models import SavedView
from anju.core.paging import COUNT_CAP, AtLeast, CappedCountPaginator
from anju.core.parsing import is_digits
from anju.core.scoping import has_point, scoped
from anju.core.services import ConflictError, ServiceValidationError

PAGE_SIZES = (20, 50, 100, 200)

# The form buttons of manual 000 §2.9 (保存 / 保存并新增 / 保存并关闭), rendered by
# templates/admin/submit_line.html; listed here so that makemessages finds them.
FORM_BUTTONS = (
    pgettext_lazy("anju form button", "Save"),
    pgettext_lazy("anju form button", "Save and add another"),
    pgettext_lazy("anju form button", "Save and close"),
)


def error_dict(exc) -> dict[str, list[str]]:
    """Field name ("" for the whole form) → translated messages of a refusal."""
    if isinstance(exc, ConflictError):
        return {"": [str(exc)]}
    if hasattr(exc, "message_dict"):
        return {
            ("" if k in ("__all__", "non_field_errors") else k): [str(m) for m in v]
            for k, v in exc.message_dict.items()
        }
    if hasattr(exc, "messages"):
        return {"": [str(m) for m in exc.messages]}
    return {"": [str(exc)]}


def field_label(opts, name: str) -> str:
    try:
        return str(capfirst(opts.get_field(name).verbose_name))
    except FieldDoesNotExist:
        return name


def error_text(exc, opts=None) -> str:
    if hasattr(exc, "message_dict"):
        parts = []
        for field, msgs in exc.message_dict.items():
            text = " ".join(str(m) for m in msgs)
            if field in ("__all__", "non_field_errors"):
                parts.append(text)
            else:
                parts.append(f"{field_label(opts, field) if opts else field}: {text}")
        return "; ".join(parts)
    if hasattr(exc, "messages"):
        return " ".join(str(m) for m in exc.messages)
    return str(exc)


def export_resource(model, *, show_sensitive: bool):
    """The default Excel export of a list: every column under its translated name, never a
    password hash, and sensitive values (mobile, ID number) masked unless the user may see them."""
    sensitive = sensitive_fields(model)

    class Meta:
        exclude = ("password",)

    Meta.model = model

    class AnjuResource(resources.ModelResource):
        @classmethod
        def field_from_django_field(cls, field_name, django_field, readonly):
            field = super().field_from_django_field(field_name, django_field, readonly)
            field.column_name = str(capfirst(getattr(django_field, "verbose_name", field_name)))
            return field

        def export_field(self, field, instance, **kwargs):
            value = super().export_field(field, instance, **kwargs)
            name = self.get_field_name(field)
            if name in sensitive and not show_sensitive and value:
                value = mask_field(model, name, value)
            return value

    return type(f"{model.__name__}ExportResource", (AnjuResource,), {"Meta": Meta, "__module__": __name__})


class AnjuModelAdmin(ExportMixin, ModelAdmin):
    """Subclasses set `permission_resource` ("org.orgunit") and implement `service_create`,
    `service_update` and `service_delete`, each calling the context's service function."""

    permission_resource: str = ""
    export_form_class = ExportForm
    export_formats = [base_formats.XLSX, base_formats.CSV]
    list_per_page = 20
    list_filter_submit = True
    warn_unsaved_form = True
    compressed_fields = True
    list_before_template = "anju/list_toolbar.html"
    change_form_before_template = "anju/change_form_version.html"
    # Big lists: no second COUNT(*) of the unfiltered table, and the page count is capped
    # (anju.core.paging): "1000+ tasks", every page still reachable.
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_count_cap = COUNT_CAP

    # --- permission points ---------------------------------------------------------------
    def _point(self, request, action: str) -> bool:
        if not self.permission_resource:
            raise ImproperlyConfigured(f"{type(self).__name__} has no permission_resource")
        return has_point(request.user, f"{self.permission_resource}.{action}")

    def has_module_permission(self, request):
        return self._point(request, "view")

    def has_view_permission(self, request, obj=None):
        return self._point(request, "view") or self._point(request, "change")

    def has_add_permission(self, request):
        return self._point(request, "add")

    def has_change_permission(self, request, obj=None):
        return self._point(request, "change") and self.writable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._point(request, "delete") and self.writable(request, obj)

    def writable(self, request, obj) -> bool:
        """Whether the user may change this row: a row of a project shared read-only opens read-only."""
        if obj is None or obj.pk is None:
            return True
        spec = getattr(type(obj), "scope", None)
        if spec is None or not spec.project:
            return True  # only project-bound rows can be visible without being writable
        rows = type(obj)._default_manager.filter(pk=obj.pk)
        return scoped(request.user, rows, for_write=True).exists()

    def has_export_permission(self, request):
        return self._point(request, "export")

    # --- data scope ------------------------------------------------------------------------
    def get_queryset(self, request):
        return scoped(request.user, super().get_queryset(request))

    def get_export_queryset(self, request):
        return super().get_export_queryset(request)

    # Fields whose choices deliberately reach outside the data scope (the subclass limits them itself,
    # e.g. the companies a project may be shared with).
    unscoped_choice_fields: tuple[str, ...] = ()

    def _scoped_choices(self, db_field, request, kwargs) -> dict:
        """A form may only point at rows the user could write: every foreign-key and many-to-many
        choice list goes through the data scope (a subclass's own queryset is narrowed too)."""
        model = db_field.related_model
        if db_field.name not in self.unscoped_choice_fields and getattr(model, "scope", None) is not None:
            base = kwargs.get("queryset")
            if base is None:
                base = model._default_manager.all()
            kwargs["queryset"] = scoped(request.user, base, for_write=True)
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(
            db_field, request, **self._scoped_choices(db_field, request, kwargs)
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(
            db_field, request, **self._scoped_choices(db_field, request, kwargs)
        )

    def get_export_resource_classes(self, request):
        if self.resource_classes or self.resource_class:  # a module's own resource wins
            return super().get_export_resource_classes(request)
        show = can_reveal(request.user, self.model) if request is not None else False
        return [export_resource(self.model, show_sensitive=show)]

    # --- personal data (anju.core.masking): masked in lists and forms without the reveal point -------
    MASKED_PREFIX = "masked__"

    def _hides_sensitive(self, request) -> bool:
        return bool(sensitive_fields(self.model)) and not (
            request is not None and can_reveal(request.user, self.model)
        )

    def _masked_column(self, name: str):
        model = self.model

        def column(obj):
            return mask_field(model, name, getattr(obj, name)) or "-"

        column.short_description = capfirst(model._meta.get_field(name).verbose_name)
        column.admin_order_field = name
        column.__name__ = f"{self.MASKED_PREFIX}{name}"
        return column

    def __getattr__(self, attr):
        # "masked__mobile" in a form's read-only fields: the masked value of the field "mobile".
        if attr.startswith(AnjuModelAdmin.MASKED_PREFIX):
            name = attr.removeprefix(AnjuModelAdmin.MASKED_PREFIX)
            if name in sensitive_fields(self.model):
                return self._masked_column(name)
        raise AttributeError(attr)

    def get_list_display(self, request):
        names = super().get_list_display(request)
        if not self._hides_sensitive(request):
            return names
        sensitive = sensitive_fields(self.model)
        return [self._masked_column(n) if isinstance(n, str) and n in sensitive else n for n in names]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self._hides_sensitive(request):
            return fieldsets
        # An existing row's sensitive fields are shown masked and read-only: editing them would show
        # the clear value in the input. Entering a new row's values reveals nothing.
        sensitive = sensitive_fields(self.model)
        seen: set[str] = set()

        def swap(items):
            result = []
            for item in items:
                if isinstance(item, list | tuple):
                    row = swap(item)
                    if row:
                        result.append(type(item)(row))
                    continue
                if isinstance(item, str) and item in sensitive:
                    item = f"{self.MASKED_PREFIX}{item}"
                if item in seen:  # the read-only copy Django appended after the form's own field
                    continue
                seen.add(item)
                result.append(item)
            return result

        return [
            (title, {**options, "fields": swap(options.get("fields", ()))}) for title, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is None or not self._hides_sensitive(request):
            return readonly
        sensitive = sensitive_fields(self.model)
        shown = [n for n in sensitive if self.model._meta.get_field(n).editable or n in readonly]
        readonly = [n for n in readonly if n not in sensitive]
        return readonly + [f"{self.MASKED_PREFIX}{n}" for n in shown]

    # --- writes go through services ---------------------------------------------------------
    def service_create(self, request, obj, form):
        raise ImproperlyConfigured(f"{type(self).__name__}.service_create is not implemented")

    def service_update(self, request, obj, form):
        raise ImproperlyConfigured(f"{type(self).__name__}.service_update is not implemented")

    def service_delete(self, request, obj):
        raise ImproperlyConfigured(f"{type(self).__name__}.service_delete is not implemented")

    def changed_data(self, form) -> dict:
        return {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}

    def expected_version(self, request):
        value = request.POST.get("_version")
        return int(value) if value and is_digits(value) else None

    def save_model(self, request, obj, form, change):
        if change:
            result = self.service_update(request, obj, form)
        else:
            result = self.service_create(request, obj, form)
        if result is not None and result is not obj:
            obj.pk = result.pk
            obj.__dict__.update({k: v for k, v in result.__dict__.items() if not k.startswith("_state")})

    def save_related(self, request, form, formsets, change):
        # Many-to-many fields are passed to the services; only inline formsets are saved here.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        self.service_delete(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.service_delete(request, obj)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Rows outside the user's data scope do not exist for them: 404, as in the API.
        raise Http404(
            _("%(name)s with ID “%(key)s” doesn’t exist.") % {"name": opts.verbose_name, "key": object_id}
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except (ServiceValidationError, ValidationError, ConflictError) as exc:
            if request.method != "POST":
                self.message_user(request, error_text(exc, self.opts), level=messages.ERROR)
                return HttpResponseRedirect(request.get_full_path())
            refusal = exc
        # The service refused and everything it wrote was rolled back. Render the form again with
        # the user's input: a second validation pass attaches the refusal to the named field.
        request._anju_service_error = refusal
        with transaction.atomic():
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_anju_service_error", None)
        if refusal is None:
            return form_class
        errors = error_dict(refusal)
        opts = self.opts

        class WithServiceErrors(form_class):
            def _post_clean(self):
                super()._post_clean()
                for name, msgs in errors.items():
                    if name in self.fields:
                        self.add_error(name, msgs)
                    else:
                        self.add_error(None, [f"{field_label(opts, name)}: {m}" if name else m for m in msgs])

        WithServiceErrors.__name__ = form_class.__name__
        return WithServiceErrors

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except (ServiceValidationError, ValidationError, ConflictError) as exc:
            self.message_user(request, error_text(exc, self.opts), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def response_action(self, request, queryset):
        try:
            with transaction.atomic():
                return super().response_action(request, queryset)
        except (ServiceValidationError, ValidationError, ConflictError) as exc:
            self.message_user(request, error_text(exc, self.opts), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The version the user started editing from travels with the form (optimistic locking).
        posted = request.POST.get("_version") if request.method == "POST" else None
        context["anju_version"] = posted if posted else getattr(obj, "version", None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- lists ---------------------------------------------------------------------------
    def changelist_view(self, request, extra_context=None):
        per_page = request.GET.get("per_page")
        if per_page:
            params = request.GET.copy()
            params.pop("per_page")
            request.GET = params
            request.META["QUERY_STRING"] = params.urlencode()
            if is_digits(per_page) and int(per_page) in PAGE_SIZES:
                request.session[f"anju_per_page:{self.opts.label_lower}"] = int(per_page)
        extra_context = {
            **(extra_context or {}),
            "anju_page_sizes": PAGE_SIZES,
            "anju_per_page": self._per_page(request),
            "anju_saved_views": self._saved_views(request),
        }
        return super().changelist_view(request, extra_context)

    def _saved_views(self, request):
        return list(scoped(request.user, SavedView).filter(list_key=self.opts.label_lower))

    def _per_page(self, request) -> int:
        return request.session.get(f"anju_per_page:{self.opts.label_lower}", self.list_per_page)

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if not issubclass(self.paginator, CappedCountPaginator):
            return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        return self.paginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            # Never below "show all": an estimated count must keep that link off.
            cap=max(self.list_count_cap, self.list_max_show_all),
            page_hint=request.GET.get(PAGE_VAR, 1) if request is not None else 1,
        )

    def get_changelist(self, request, **kwargs):
        base = super().get_changelist(request, **kwargs)
        per_page = self._per_page(request)

        class PerUserPageSize(base):
            def __init__(self, *args, **kw):
                args = list(args)
                if "list_per_page" in kw:  # import_export builds its ChangeList with keywords
                    kw["list_per_page"] = per_page
                else:
                    args[8] = per_page  # ChangeList(request, model, ..., list_per_page, ...)
                super().__init__(*args, **kw)

            def get_results(self, request):
                super().get_results(request)
                paginator = self.paginator
                if getattr(paginator, "count_is_estimate", False):
                    # The list shows "1000+" at the foot; the header's "N results" would understate.
                    self.result_count = AtLeast(paginator.display_count)
                    self.full_result_count = self.result_count
                elif not self.has_active_filters and not self.query and self.full_result_count is None:
                    # Unfiltered: the filtered count is the full count (no "(Show all)" link).
                    self.full_result_count = self.result_count

        return PerUserPageSize

    # --- export is logged (PIPL Art. 55) --------------------------------------------------------
    def get_data_for_export(self, request, queryset, **kwargs):
        data = super().get_data_for_export(request, queryset, **kwargs)
        audit.log_action(
            actor=request.user,
            action=LogAction.EXPORT,
            model=self.model,
            note=_("%(count)s rows exported") % {"count": len(data)},
            object_repr=str(self.opts.verbose_name_plural),
        )
        return data

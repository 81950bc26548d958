"""Staff screens of 系统设置: dictionaries, announcements, operation and login logs.
Business parameters, data clearing and saved views are pages in `views.py`."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    FieldTextFilter,
    RangeDateTimeFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import action
from unfold.widgets import UnfoldAdminTextInputWidget, UnfoldBooleanWidget

from anju.core.admin import AnjuModelAdmin, error_text
from anju.core.models import OperationLog
from anju.core.services import ConflictError, ServiceValidationError
from anju.org import access
from anju.org.choices import COMPANY_KINDS
from anju.org.models import OrgUnit
from anju.system import selectors, services
from anju.system.models import Announcement, Dictionary, DictionaryItem, LoginLog


# --- dictionaries (辅助资料) -------------------------------------------------------------------
class DictionaryItemInline(TabularInline):
    model = DictionaryItem
    fields = ["code", "label", "label_en", "sort_order", "is_enabled"]
    extra = 0
    ordering = ["sort_order", "code"]
    tab = False

    def _point(self, request, action_name):
        return access.has_point(request.user, f"system.dictionary.{action_name}")

    def has_view_permission(self, request, obj=None):
        return self._point(request, "view") or self._point(request, "change")

    def has_add_permission(self, request, obj=None):
        return self._point(request, "change")

    def has_change_permission(self, request, obj=None):
        return self._point(request, "change")

    def has_delete_permission(self, request, obj=None):
        return self._point(request, "change")


@admin.register(Dictionary)
class DictionaryAdmin(AnjuModelAdmin):
    permission_resource = "system.dictionary"
    list_display = ["name", "code", "is_system", "item_count"]
    list_filter = ["is_system"]
    search_fields = ["code", "name", "items__label"]
    ordering = ["code"]
    fields = ["code", "name", "description", "is_system"]
    readonly_fields = ["is_system"]
    inlines = [DictionaryItemInline]

    @admin.display(description=_("items"))
    def item_count(self, obj):
        return obj.items.count()

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_system:
            return ["code", "is_system"]
        return ["is_system"]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_system:
            return False
        return super().has_delete_permission(request, obj)

    def service_create(self, request, obj, form):
        data = form.cleaned_data
        return services.dictionary_create(
            actor=request.user, code=data["code"], name=data["name"], description=data.get("description", "")
        )

    def service_update(self, request, obj, form):
        data = self.changed_data(form)
        if not data:
            return obj
        return services.dictionary_update(
            actor=request.user, dictionary=obj, data=data, expected_version=self.expected_version(request)
        )

    def service_delete(self, request, obj):
        services.dictionary_delete(actor=request.user, dictionary=obj)

    def save_formset(self, request, form, formset, change):
        """Item rows go through the item services, never straight to the database."""
        formset.save(commit=False)
        dictionary = form.instance
        for item in formset.deleted_objects:
            services.dictionaryitem_delete(actor=request.user, item=item)
        for item, changed in formset.changed_objects:
            services.dictionaryitem_update(
                actor=request.user, item=item, data={name: getattr(item, name) for name in changed}
            )
        for item in formset.new_objects:
            services.dictionaryitem_create(
                actor=request.user,
                dictionary=dictionary,
                code=item.code,
                label=item.label,
                label_en=item.label_en,
                sort_order=item.sort_order,
                is_enabled=item.is_enabled,
            )


# --- announcements (公告管理) ------------------------------------------------------------------
def _companies(request):
    return access.scoped(request.user, OrgUnit.objects.filter(kind__in=COMPANY_KINDS, is_active=True))


@admin.register(Announcement)
class AnnouncementAdmin(AnjuModelAdmin):
    permission_resource = "system.announcement"
    list_display = [
        "title",
        "company",
        "publish_from",
        "publish_until",
        "is_pinned",
        "is_published",
        "author",
    ]
    list_filter = ["is_pinned", ("publish_from", RangeDateTimeFilter)]
    search_fields = ["title", "body"]
    fields = ["company", "title", "body", "publish_from", "publish_until", "is_pinned", "author"]
    readonly_fields = ["author"]

    @admin.display(description=_("published now"), boolean=True)
    def is_published(self, obj):
        now = timezone.now()
        return obj.publish_from <= now and (obj.publish_until is None or obj.publish_until > now)

    def get_readonly_fields(self, request, obj=None):
        return ["author", "company"] if obj is not None else ["author"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "company":
            kwargs["queryset"] = _companies(request)
            kwargs["initial"] = access.current_company_id(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("publish_from", timezone.localtime())
        return initial

    def service_create(self, request, obj, form):
        data = dict(form.cleaned_data)
        data.pop("author", None)
        return services.announcement_create(actor=request.user, **data)

    def service_update(self, request, obj, form):
        data = self.changed_data(form)
        if not data:
            return obj
        return services.announcement_update(
            actor=request.user, announcement=obj, data=data, expected_version=self.expected_version(request)
        )

    def service_delete(self, request, obj):
        services.announcement_delete(actor=request.user, announcement=obj)


# --- logs (操作日志, 登录日志) -----------------------------------------------------------------
class LogClearForm(forms.Form):
    date_from = forms.DateField(
        label=_("from date"), required=False, widget=UnfoldAdminTextInputWidget(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("to date"), required=False, widget=UnfoldAdminTextInputWidget(attrs={"type": "date"})
    )
    confirm = forms.BooleanField(
        label=_("I understand that the cleared rows cannot be recovered except from a backup."),
        required=True,
        widget=UnfoldBooleanWidget,
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return data


class _ReadOnlyLogAdmin(AnjuModelAdmin):
    """Logs are written by the system only: no add, no change; deleting and clearing need their
    own permission points and are themselves logged."""

    list_per_page = 50
    actions_list = ["clear_log"]
    delete_service = None
    clear_service = None

    def get_queryset(self, request):
        qs = selectors.visible_logs(request.user, self.model)
        return qs.select_related(*self.list_select_related) if self.list_select_related else qs

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return self._point(request, "view")

    def has_clear_permission(self, request):
        return self._point(request, "clear")

    def delete_model(self, request, obj):
        type(self).delete_service(actor=request.user, logs=[obj])

    def delete_queryset(self, request, queryset):
        type(self).delete_service(actor=request.user, logs=list(queryset.values_list("pk", flat=True)))

    @action(description=_("Clear log"), url_path="clear", permissions=["clear"], icon="delete_sweep")
    def clear_log(self, request):
        form = LogClearForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    count = type(self).clear_service(
                        actor=request.user,
                        queryset=self.get_queryset(request),
                        date_from=form.cleaned_data["date_from"],
                        date_to=form.cleaned_data["date_to"],
                    )
            except (ServiceValidationError, ConflictError) as exc:
                self.message_user(request, error_text(exc), level=messages.ERROR)
            else:
                self.message_user(
                    request, gettext("%(count)s rows cleared.") % {"count": count}, messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Clear %(name)s") % {"name": self.opts.verbose_name_plural},
            "form": form,
        }
        return TemplateResponse(request, "system/log_clear.html", context)


@admin.register(OperationLog)
class OperationLogAdmin(_ReadOnlyLogAdmin):
    permission_resource = "system.operationlog"
    list_display = [
        "at",
        "actor_name",
        "action",
        "module_name",
        "object_type",
        "object_repr",
        "company",
        "ip",
    ]
    list_select_related = ["content_type", "company"]
    list_filter = [
        ("at", RangeDateTimeFilter),
        ("action", ChoicesDropdownFilter),
        ("actor_name", FieldTextFilter),
        ("module", FieldTextFilter),
        ("content_type", RelatedDropdownFilter),
        ("object_id", FieldTextFilter),
        ("ip", FieldTextFilter),
    ]
    search_fields = ["actor_name", "object_repr", "note", "object_id"]
    date_hierarchy = None
    fields = [
        "at",
        "actor",
        "actor_name",
        "action",
        "module",
        "object_type",
        "object_id",
        "object_repr",
        "company",
        "changes",
        "note",
        "ip",
        "user_agent",
    ]
    readonly_fields = fields
    delete_service = services.operationlog_delete
    clear_service = services.operationlog_clear

    @admin.display(description=_("module"), ordering="module")
    def module_name(self, obj):
        try:
            return apps.get_app_config(obj.module).verbose_name if obj.module else ""
        except LookupError:
            return obj.module

    @admin.display(description=_("object type"), ordering="content_type")
    def object_type(self, obj):
        if obj.content_type is None:
            return ""
        model = obj.content_type.model_class()
        return model._meta.verbose_name if model else obj.content_type.model

    @admin.display(description=_("changes"))
    def changes(self, obj):
        before, after = obj.before or {}, obj.after or {}
        keys = list(dict.fromkeys([*before, *after]))
        if not keys:
            return "—"
        model = obj.content_type.model_class() if obj.content_type else None

        def label(key):
            if model is not None:
                try:
                    return str(model._meta.get_field(key).verbose_name)
                except Exception:
                    return key
            return key

        rows = format_html_join(
            "",
            '<tr class="border-b border-base-200 dark:border-base-800"><th class="text-left pr-4 py-1 font-medium">{}</th>'
            '<td class="pr-4 py-1 text-red-700 dark:text-red-400">{}</td>'
            '<td class="py-1 text-green-700 dark:text-green-400">{}</td></tr>',
            ((label(k), _display(before.get(k, "")), _display(after.get(k, ""))) for k in keys),
        )
        return format_html(
            '<table class="anju-log-diff"><thead><tr><th class="text-left pr-4">{}</th>'
            '<th class="text-left pr-4">{}</th><th class="text-left">{}</th></tr></thead><tbody>{}</tbody></table>',
            gettext("field"),
            gettext("before"),
            gettext("after"),
            rows,
        )


def _display(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list | dict):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


@admin.register(LoginLog)
class LoginLogAdmin(_ReadOnlyLogAdmin):
    permission_resource = "system.loginlog"
    list_display = ["at", "username", "user", "success", "reason", "channel", "ip", "company"]
    list_select_related = ["user", "company"]
    list_filter = [
        ("at", RangeDateTimeFilter),
        "success",
        ("username", FieldTextFilter),
        ("channel", FieldTextFilter),
        ("ip", FieldTextFilter),
    ]
    search_fields = ["username", "reason", "user_agent"]
    fields = ["at", "username", "user", "company", "success", "reason", "channel", "ip", "user_agent"]
    readonly_fields = fields
    delete_service = services.loginlog_delete
    clear_service = services.loginlog_clear

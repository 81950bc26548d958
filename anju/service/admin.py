"""Staff screens (Unfold): reference data, reception entry and decomposition, the task page with its
timeline, sibling tasks and one button per allowed transition."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from anju.core.admin import AnjuModelAdmin, error_text
from anju.core.files import download_url
from anju.core.services import ConflictError, ServiceValidationError
from anju.core.statemachine_admin import StatusEventInline
from anju.org.access import current_company_id, has_point, scoped, visible_company_ids
from anju.org.models import OrgUnit, User
from anju.service import services
from anju.service.choices import ResponsibleKind, TaskType
from anju.service.models import (
    AcceptanceShare,
    Callback,
    CallbackEvent,
    Compensation,
    CompensationEvent,
    ComplaintTopic,
    Contractor,
    ContractorContact,
    ContractorScope,
    Delivery,
    Notification,
    Problem,
    ProblemCategory,
    Reception,
    WarrantyElement,
)
from anju.tasks import calendar, workflow
from anju.tasks.models import CalendarDay, CalendarYear, EscalationStep, Task, WorkingHours

ERRORS = (ServiceValidationError, ValidationError, ConflictError, PermissionDenied)


def _attachment_links(rows) -> list[dict]:
    """Attachments with their protected download link (view point + data scope, see anju.core.files)."""
    return [
        {
            "name": a.name,
            "content_type": a.content_type,
            "size": a.size,
            "uploaded_at": a.uploaded_at,
            "url": download_url(a),
        }
        for a in rows
    ]


class ReferenceAdmin(AnjuModelAdmin):
    """Plain reference data: writes through the generated CRUD services."""

    def _crud(self):
        return services.CRUD[self.model]

    def service_create(self, request, obj, form):
        data = {
            f: form.cleaned_data[f]
            for f in form.cleaned_data
            if f in {x.name for x in self.model._meta.get_fields()}
        }
        return self._crud()["create"](actor=request.user, **data)

    def service_update(self, request, obj, form):
        return self._crud()["update"](
            actor=request.user,
            instance=obj,
            data=self.changed_data(form),
            expected_version=self.expected_version(request),
        )

    def service_delete(self, request, obj):
        self._crud()["delete"](actor=request.user, instance=obj)


@admin.register(CalendarDay)
class CalendarDayAdmin(ReferenceAdmin):
    permission_resource = "service.settings"
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]

    def changelist_view(self, request, extra_context=None):
        from anju.service.workbench import calendar_warning

        warning = calendar_warning()
        if warning:
            self.message_user(request, warning, level=messages.WARNING)
        return super().changelist_view(request, extra_context)


@admin.register(CalendarYear)
class CalendarYearAdmin(ReferenceAdmin):
    permission_resource = "service.settings"
    list_display = ["year", "configured", "source"]

    @admin.display(description=_("calendar source"))
    def source(self, obj):
        return calendar.year_status(obj.year)["source"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(ReferenceAdmin):
    permission_resource = "service.settings"
    list_display = ["company", "morning_start", "morning_end", "afternoon_start", "afternoon_end"]


@admin.register(EscalationStep)
class EscalationStepAdmin(ReferenceAdmin):
    permission_resource = "service.settings"
    list_display = ["company", "level", "target", "after_hours"]


@admin.register(AcceptanceShare)
class AcceptanceShareAdmin(ReferenceAdmin):
    permission_resource = "service.settings"
    list_display = ["project", "company"]


@admin.register(WarrantyElement)
class WarrantyElementAdmin(ReferenceAdmin):
    permission_resource = "service.problem"
    list_display = ["code", "name", "contractor_period", "contractor_unit", "buyer_period", "buyer_unit"]


@admin.register(ProblemCategory)
class ProblemCategoryAdmin(ReferenceAdmin):
    permission_resource = "service.problem"
    list_display = ["code", "name", "parent", "sort_order"]
    search_fields = ["code", "name"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]


@admin.register(Problem)
class ProblemAdmin(ReferenceAdmin):
    permission_resource = "service.problem"
    list_display = [
        "code",
        "name",
        "part",
        "warranty_element",
        "severity",
        "limit_unit",
        "reply_limit",
        "answer_limit",
        "process_limit",
        "default_department_name",
    ]
    list_filter = ["severity", "limit_unit", "warranty_element"]
    search_fields = ["code", "name", "part__name"]


class ContractorContactInline(admin.TabularInline):
    model = ContractorContact
    extra = 0


@admin.register(Contractor)
class ContractorAdmin(ReferenceAdmin):
    permission_resource = "service.contractor"
    list_display = ["code", "name", "company", "phone", "is_active"]
    search_fields = ["code", "name"]


@admin.register(ContractorScope)
class ContractorScopeAdmin(ReferenceAdmin):
    permission_resource = "service.contractor"
    list_display = ["contractor", "project", "building", "category"]


@admin.register(ComplaintTopic)
class ComplaintTopicAdmin(ReferenceAdmin):
    permission_resource = "service.topic"
    list_display = ["title", "project", "is_active", "created_at"]
    fields = ["project", "title", "description", "standard_solution", "script", "is_active"]

    def service_create(self, request, obj, form):
        company = OrgUnit.objects.get(pk=current_company_id(request.user))
        return services.complainttopic_create(actor=request.user, company=company, **form.cleaned_data)


# --- receptions --------------------------------------------------------------------------------------
class ReceptionForm(forms.ModelForm):
    attachment = forms.FileField(
        label=_("attachment"), required=False, help_text=_("Image, video or document, at most 50 MB.")
    )

    class Meta:
        model = Reception
        fields = [
            "channel",
            "customer",
            "caller_name",
            "caller_phone",
            "room",
            "content",
            "received_at",
            "accepting_companies",
        ]


@admin.register(Reception)
class ReceptionAdmin(AnjuModelAdmin):
    permission_resource = "service.reception"
    form = ReceptionForm
    list_display = [
        "code",
        "received_at",
        "channel",
        "caller_name",
        "project",
        "room",
        "status",
        "created_by",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["code", "caller_name", "caller_phone", "content"]
    change_form_outer_after_template = "service/admin/reception_after.html"
    readonly_fields = ["code", "status"]

    def get_fields(self, request, obj=None):
        fields = [
            "channel",
            "customer",
            "caller_name",
            "caller_phone",
            "room",
            "content",
            "received_at",
            "accepting_companies",
            "attachment",
        ]
        return ["code", "status", *fields] if obj else fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        from anju.customers.models import Customer
        from anju.estates.models import Room

        if "room" in form.base_fields:
            form.base_fields["room"].queryset = scoped(request.user, Room, for_write=True).select_related(
                "project"
            )
        if "customer" in form.base_fields:
            form.base_fields["customer"].queryset = scoped(request.user, Customer)
        if "received_at" in form.base_fields:
            form.base_fields["received_at"].required = False
        if "accepting_companies" in form.base_fields:
            form.base_fields["accepting_companies"].required = False
            form.base_fields["accepting_companies"].queryset = OrgUnit.objects.filter(
                kind__in=("group", "region", "company")
            )
        return form

    def service_create(self, request, obj, form):
        d = form.cleaned_data
        company = OrgUnit.objects.get(pk=current_company_id(request.user))
        return services.reception_create(
            actor=request.user,
            company=company,
            room=d["room"],
            content=d["content"],
            channel=d["channel"],
            customer=d.get("customer"),
            caller_name=d.get("caller_name", ""),
            caller_phone=d.get("caller_phone", ""),
            accepting_companies=list(d.get("accepting_companies") or []),
            received_at=d.get("received_at"),
            attachments=[d["attachment"]] if d.get("attachment") else [],
        )

    def service_update(self, request, obj, form):
        data = self.changed_data(form)
        attachment = data.pop("attachment", None)
        data.pop("room", None)
        if "accepting_companies" in data:
            data["accepting_companies"] = list(data["accepting_companies"])
        return services.reception_update(
            actor=request.user,
            reception=obj,
            data=data,
            expected_version=self.expected_version(request),
            attachments=[attachment] if attachment else [],
        )

    def service_delete(self, request, obj):
        raise ServiceValidationError(_("Reception records are kept; void their tasks instead."))

    def has_delete_permission(self, request, obj=None):
        return False

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:service_reception_decompose", args=[obj.pk]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["service_tasks"] = (
                scoped(request.user, Task).filter(reception=obj).select_related("responsible_user", "problem")
            )
            context["service_decompose_url"] = reverse("admin:service_reception_decompose", args=[obj.pk])
            context["service_attachments"] = _attachment_links(obj.attachments.all())
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "<int:pk>/decompose/",
                self.admin_site.admin_view(self.decompose_view),
                name="service_reception_decompose",
            ),
            *super().get_urls(),
        ]

    def decompose_view(self, request, pk):
        if not has_point(request.user, "service.reception.change"):
            raise PermissionDenied
        reception = get_object_or_404(scoped(request.user, Reception, for_write=True), pk=pk)
        form = DecomposeForm(request.POST or None, user=request.user, reception=reception)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    services.reception_decompose(
                        actor=request.user, reception=reception, tasks=[form.task_spec()]
                    )
            except ERRORS as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("Task added."))
                target = (
                    "admin:service_reception_decompose"
                    if "_another" in request.POST
                    else "admin:service_reception_change"
                )
                return HttpResponseRedirect(reverse(target, args=[reception.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Decompose reception %(code)s") % {"code": reception.code},
            "reception": reception,
            "form": form,
            "tasks": scoped(request.user, Task)
            .filter(reception=reception)
            .select_related("problem", "responsible_user"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "service/admin/decompose.html", context)


class DecomposeForm(forms.Form):
    task_type = forms.ChoiceField(label=_("type"), choices=TaskType.choices)
    problem = forms.ModelChoiceField(
        label=_("problem"),
        queryset=Problem.objects.filter(is_active=True).select_related("part__parent"),
        required=False,
    )
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    accepting_company = forms.ModelChoiceField(label=_("accepting company"), queryset=OrgUnit.objects.none())
    acceptor = forms.ModelChoiceField(label=_("acceptor"), queryset=User.objects.none())
    responsible_kind = forms.ChoiceField(
        label=_("responsible party kind"),
        choices=[("", _("Automatic (duty, then workload)")), *ResponsibleKind.choices],
        required=False,
    )
    responsible_user = forms.ModelChoiceField(
        label=_("responsible person"), queryset=User.objects.none(), required=False
    )
    responsible_department = forms.ModelChoiceField(
        label=_("responsible department"), queryset=OrgUnit.objects.filter(kind="department"), required=False
    )
    responsible_contractor = forms.ModelChoiceField(
        label=_("responsible contractor"), queryset=Contractor.objects.none(), required=False
    )
    consultant = forms.ModelChoiceField(label=_("consultant"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, user, reception, **kwargs):
        super().__init__(*args, **kwargs)
        users = scoped(user, User).filter(is_active=True)
        for name in ("acceptor", "responsible_user", "consultant"):
            self.fields[name].queryset = users
        self.fields["accepting_company"].queryset = reception.accepting_companies.all()
        self.fields["responsible_contractor"].queryset = scoped(user, Contractor)
        self.fields["responsible_department"].queryset = OrgUnit.objects.filter(
            kind="department", company_id__in=visible_company_ids(user)
        )
        self.fields["acceptor"].initial = user.pk
        self.fields["accepting_company"].initial = (
            reception.accepting_companies.filter(pk=current_company_id(user)).first()
            or reception.accepting_companies.first()
        )

    def task_spec(self) -> dict:
        d = dict(self.cleaned_data)
        return d


# --- tasks ---------------------------------------------------------------------------------------
class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[(k, t.label) for k, t in workflow.TRANSITIONS.items()])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False)
    responsible_kind = forms.ChoiceField(choices=[("", "-"), *ResponsibleKind.choices], required=False)
    responsible_user = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    responsible_department = forms.ModelChoiceField(
        queryset=OrgUnit.objects.filter(kind="department"), required=False
    )
    responsible_contractor = forms.ModelChoiceField(queryset=Contractor.objects.none(), required=False)
    attachment = forms.FileField(required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_user"].queryset = scoped(user, User).filter(is_active=True)
        self.fields["responsible_contractor"].queryset = scoped(user, Contractor)
        self.fields["responsible_department"].queryset = OrgUnit.objects.filter(
            kind="department", company_id__in=visible_company_ids(user)
        )


@admin.register(Task)
class TaskAdmin(AnjuModelAdmin):
    permission_resource = "service.task"
    list_display = [
        "code",
        "task_type",
        "source",
        "project",
        "room",
        "status",
        "acceptor",
        "responsible_user",
        "process_due",
        "process_timeout",
    ]
    list_filter = [
        "status",
        "source",
        "task_type",
        "reply_timeout",
        "answer_timeout",
        "process_timeout",
        "warranty_status",
    ]
    search_fields = ["code", "description"]
    change_form_outer_after_template = "service/admin/task_after.html"
    fields = [
        "code",
        "source",
        "reception",
        "task_type",
        "problem",
        "description",
        "project",
        "room",
        "customer",
        "accepting_company",
        "acceptor",
        "responsible_kind",
        "responsible_user",
        "responsible_department",
        "responsible_contractor",
        "consultant",
        "topic",
        "severity",
        "status",
        "warranty_status",
        "warranty_end",
        "is_paid",
        "reply_due",
        "answer_due",
        "process_due",
        "time_left",
        "reply_timeout",
        "answer_timeout",
        "process_timeout",
        "escalation_level",
    ]
    readonly_fields = ["time_left"]

    @admin.display(description=_("time left (working hours)"))
    def time_left(self, obj):
        from django.utils import timezone

        now, parts = timezone.now(), []
        for label, due, stop in (
            (_("reply"), obj.reply_due, obj.replied_at),
            (_("answer to the customer"), obj.answer_due, obj.answered_at),
            (_("processing"), obj.process_due, obj.completed_at),
        ):
            if due and not stop and obj.is_open:
                minutes = calendar.working_minutes_between(now, due, obj.accepting_company_id)
                parts.append(f"{label} {minutes / 60:+.1f}")
        return "；".join(parts) or "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the page is read-only; changes are the transition buttons below it

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("<int:pk>/act/", self.admin_site.admin_view(self.act_view), name="service_task_act"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["service_task"] = obj
            context["service_events"] = workflow.timeline(obj)
            context["service_siblings"] = (
                scoped(request.user, Task).filter(reception_id=obj.reception_id).exclude(pk=obj.pk)
                if obj.reception_id
                else []
            )
            context["service_actions"] = (
                workflow.allowed_actions(request.user, obj)
                if has_point(request.user, "service.task.change")
                else []
            )
            context["service_form"] = TransitionForm(user=request.user)
            context["service_callbacks"] = obj.callbacks.all()
            context["service_topic"] = obj.topic
            context["service_attachments"] = _attachment_links(obj.attachments.all())
        return super().render_change_form(request, context, add, change, form_url, obj)

    def act_view(self, request, pk):
        if request.method != "POST" or not has_point(request.user, "service.task.change"):
            raise PermissionDenied
        task = get_object_or_404(scoped(request.user, Task, for_write=True), pk=pk)
        form = TransitionForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            messages.error(request, error_text(ValidationError(form.errors)))
        else:
            d = form.cleaned_data
            assignment = None
            if d.get("responsible_kind"):
                assignment = {
                    "kind": d["responsible_kind"],
                    "user": d.get("responsible_user"),
                    "department": d.get("responsible_department"),
                    "contractor": d.get("responsible_contractor"),
                }
            try:
                with transaction.atomic():
                    services.task_transition(
                        actor=request.user,
                        task=task,
                        action=d["action"],
                        note=d.get("note", ""),
                        expected_version=d.get("version"),
                        assignment=assignment,
                        attachments=[d["attachment"]] if d.get("attachment") else [],
                    )
            except ERRORS as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(
                    request, _("Done: %(action)s") % {"action": workflow.TRANSITIONS[d["action"]].label}
                )
        return HttpResponseRedirect(reverse("admin:tasks_task_change", args=[task.pk]))


# --- callbacks, compensation, inbox -------------------------------------------------------------------
class CallbackForm(forms.Form):
    from anju.service.choices import CallbackMethod, Satisfaction

    method = forms.ChoiceField(label=_("method"), choices=CallbackMethod.choices)
    person_reached = forms.CharField(label=_("person reached"), required=False)
    satisfaction = forms.TypedChoiceField(label=_("satisfaction"), choices=Satisfaction.choices, coerce=int)
    nps = forms.IntegerField(label=_("NPS (0-10)"), min_value=0, max_value=10, required=False)
    comments = forms.CharField(label=_("comments"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CallbackEventInline(StatusEventInline):
    model = CallbackEvent
    tab = False


@admin.register(Callback)
class CallbackAdmin(AnjuModelAdmin):
    permission_resource = "service.callback"
    inlines = [CallbackEventInline]
    list_display = ["task", "due_at", "status", "satisfaction", "nps", "done_by", "done_at"]
    list_filter = ["status", "satisfaction"]
    change_form_outer_after_template = "service/admin/callback_after.html"
    readonly_fields = [
        "task",
        "due_at",
        "status",
        "method",
        "person_reached",
        "satisfaction",
        "nps",
        "comments",
        "done_by",
        "done_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.status == "pending" and has_point(request.user, "service.callback.change"):
            context["callback_form"] = CallbackForm()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            path(
                "<int:pk>/record/",
                self.admin_site.admin_view(self.record_view),
                name="service_callback_record",
            ),
            *super().get_urls(),
        ]

    def record_view(self, request, pk):
        if request.method != "POST" or not has_point(request.user, "service.callback.change"):
            raise PermissionDenied
        callback = get_object_or_404(scoped(request.user, Callback, for_write=True), pk=pk)
        form = CallbackForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.callback_record(actor=request.user, callback=callback, **form.cleaned_data)
            except ERRORS as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("Callback recorded."))
                return HttpResponseRedirect(reverse("admin:tasks_task_change", args=[callback.task_id]))
        else:
            messages.error(request, error_text(ValidationError(form.errors)))
        return HttpResponseRedirect(reverse("admin:service_callback_change", args=[pk]))


class CompensationEventInline(StatusEventInline):
    model = CompensationEvent
    tab = False


@admin.register(Compensation)
class CompensationAdmin(AnjuModelAdmin):
    permission_resource = "service.compensation"
    inlines = [CompensationEventInline]
    list_display = ["task", "kind", "amount", "payer", "contractor", "status", "created_at"]
    list_filter = ["status", "kind", "payer"]
    fields = ["task", "kind", "amount", "payer", "contractor", "description"]
    actions = ["approve", "reject"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "task" in form.base_fields:
            form.base_fields["task"].queryset = scoped(request.user, Task, for_write=True)
        return form

    def service_create(self, request, obj, form):
        return services.compensation_create(actor=request.user, **form.cleaned_data)

    def service_update(self, request, obj, form):
        raise ServiceValidationError(
            _("A registered compensation cannot be edited; reject it and register a new one.")
        )

    def service_delete(self, request, obj):
        raise ServiceValidationError(_("A registered compensation cannot be deleted; reject it instead."))

    def has_delete_permission(self, request, obj=None):
        return False  # registered compensations are rejected, never deleted (service_delete refuses)

    @admin.action(description=_("Approve"))
    def approve(self, request, queryset):
        if not has_point(request.user, "service.compensation.approve"):
            raise PermissionDenied
        for row in queryset.filter(status="pending"):
            services.compensation_decide(actor=request.user, compensation=row, approve=True)

    @admin.action(description=_("Reject"))
    def reject(self, request, queryset):
        if not has_point(request.user, "service.compensation.approve"):
            raise PermissionDenied
        for row in queryset.filter(status="pending"):
            services.compensation_decide(actor=request.user, compensation=row, approve=False)


@admin.register(Notification)
class NotificationAdmin(AnjuModelAdmin):
    permission_resource = "service.task"
    list_display = ["title", "task", "created_at", "read_at"]
    readonly_fields = ["title", "body", "task", "created_at", "read_at"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return request.user.is_authenticated

    def has_view_permission(self, request, obj=None):
        return request.user.is_authenticated


@admin.register(Delivery)
class DeliveryAdmin(AnjuModelAdmin):
    """通知发送记录: the e-mail/SMS deliveries of the user's notifications (the inbox's scope), with
    their outcome; failed ones can be sent again."""

    permission_resource = "service.delivery"
    list_display = ["notification", "channel", "address", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel"]
    readonly_fields = [
        "notification",
        "channel",
        "address",
        "status",
        "attempts",
        "error",
        "next_attempt_at",
        "leased_until",
        "sent_at",
        "provider_message_id",
        "key",
        "created_at",
    ]
    fields = readonly_fields
    actions = ["retry"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("notification")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return request.user.is_authenticated

    def has_view_permission(self, request, obj=None):
        return request.user.is_authenticated

    def has_retry_permission(self, request):
        return self._point(request, "retry")

    @admin.action(description=_("Retry"), permissions=["retry"])
    def retry(self, request, queryset):
        done, refused = 0, []
        for row in queryset:
            try:
                with transaction.atomic():
                    services.delivery_retry(actor=request.user, delivery=row)
                done += 1
            except ERRORS as exc:
                refused.append(f"{row}: {error_text(exc)}")
        if done:
            messages.success(request, _("%(count)d deliveries will be sent again.") % {"count": done})
        for text in refused:
            messages.error(request, text)

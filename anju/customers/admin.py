"""Staff screens of the customer ledger. Writes go through `anju.customers.services`; personal data
is masked (PIPL) unless the user holds "view sensitive"."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export import fields as ie_fields
from import_export import resources
from unfold.admin import TabularInline

from anju.core.admin import AnjuModelAdmin
from anju.core.masking import mask_bank_account, mask_id_number, mask_phone
from anju.core.statemachine_admin import StatusEventInline
from anju.customers import services
from anju.customers.choices import CustomerState
from anju.customers.models import (
    BankAccount,
    Contact,
    Customer,
    CustomerPhone,
    DuplicateLog,
    FamilyMember,
    MergeLog,
    RenameEvent,
    RenameRequest,
    RoomCustomer,
    TransferLog,
    Vehicle,
)
from anju.customers.selectors import can_see_sensitive, tag_q
from anju.customers.validators import parse_id
from anju.estates.models import Project
from anju.org.access import current_company_id, has_point, scoped
from anju.org.models import OrgUnit
from anju.system.fields import DictionaryChoiceField
from anju.system.selectors import dictionary_choices


def _warn(request, obj) -> None:
    for warning in getattr(obj, "warnings", []) or []:
        messages.warning(request, warning)


class CustomerResource(resources.ModelResource):
    """Excel export columns; sensitive values masked unless the exporting user may see them."""

    mobile = ie_fields.Field(attribute="mobile", column_name=str(_("mobile")))
    id_number = ie_fields.Field(attribute="id_number", column_name=str(_("ID number")))

    def __init__(self, user=None, **kwargs):
        super().__init__()
        self.show = bool(user and can_see_sensitive(user))

    class Meta:
        model = Customer
        fields = (
            "code",
            "name",
            "kind",
            "mobile",
            "id_type",
            "id_number",
            "gender",
            "birthday",
            "address",
            "tags",
            "state",
        )
        export_order = fields

    def dehydrate_mobile(self, obj):
        return obj.mobile if self.show else mask_phone(obj.mobile)

    def dehydrate_id_number(self, obj):
        return obj.id_number if self.show else mask_id_number(obj.id_number)


class _ChildInline(TabularInline):
    extra = 0
    tab = True
    sensitive: dict = {}

    def _show(self, request):
        return can_see_sensitive(request.user)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if not self._show(request):
            fields = [f"masked_{f}" if f in self.sensitive else f for f in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        if self._show(request):
            return super().get_readonly_fields(request, obj)
        return [f"masked_{f}" for f in self.sensitive]

    def has_add_permission(self, request, obj=None):
        return has_point(request.user, "customers.customer.change") and (
            self._show(request) or not self.sensitive
        )

    def has_change_permission(self, request, obj=None):
        return has_point(request.user, "customers.customer.change")

    def has_delete_permission(self, request, obj=None):
        return has_point(request.user, "customers.customer.change")

    def has_view_permission(self, request, obj=None):
        return has_point(request.user, "customers.customer.view")


class PhoneInline(_ChildInline):
    model = CustomerPhone
    fields = ["kind", "number", "is_primary", "remarks"]
    sensitive = {"number": mask_phone}

    @admin.display(description=_("number"))
    def masked_number(self, obj):
        return mask_phone(obj.number)


class ContactInline(_ChildInline):
    model = Contact
    fields = ["name", "position", "phone", "email", "remarks"]
    sensitive = {"phone": mask_phone}

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


class FamilyInline(_ChildInline):
    model = FamilyMember
    fields = ["relationship", "name", "gender", "birthday", "mobile", "id_number", "remarks"]
    sensitive = {"mobile": mask_phone, "id_number": mask_id_number}

    @admin.display(description=_("mobile"))
    def masked_mobile(self, obj):
        return mask_phone(obj.mobile)

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "relationship":
            return DictionaryChoiceField("relationship", label=db_field.verbose_name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class BankInline(_ChildInline):
    model = BankAccount
    fields = ["account_name", "bank_name", "account_number", "agreement_no", "is_primary"]
    sensitive = {"account_number": mask_bank_account}

    @admin.display(description=_("account number"))
    def masked_account_number(self, obj):
        return mask_bank_account(obj.account_number)


class VehicleInline(_ChildInline):
    model = Vehicle
    fields = ["plate_number", "vehicle_type", "brand", "color", "parking_space", "start_date", "end_date"]


class CustomerForm(forms.ModelForm):
    tags_text = forms.CharField(
        label=_("tags"), required=False, help_text=_("Separate tags with commas; library tags or your own.")
    )

    class Meta:
        model = Customer
        fields = [
            "kind",
            "code",
            "name",
            "id_type",
            "id_number",
            "gender",
            "birthday",
            "address",
            "postcode",
            "email",
            "workplace",
            "marriage",
            "income_level",
            "family_structure",
            "customer_kind",
            "project",
            "salesperson",
            "remarks",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        for name in ("marriage", "income_level", "family_structure", "customer_kind"):
            if name in self.fields:
                self.fields[name] = DictionaryChoiceField(
                    name, required=False, label=Customer._meta.get_field(name).verbose_name
                )
        if "code" in self.fields:
            self.fields["code"].required = False
            self.fields["code"].help_text = _("Usually the room code; left empty, one is generated.")
        if self.instance.pk:
            self.fields["tags_text"].initial = ", ".join(self.instance.tags)

    def clean_tags_text(self):
        text = self.cleaned_data.get("tags_text") or ""
        return [t.strip() for t in text.replace("，", ",").split(",") if t.strip()]

    def validate_unique(self):
        # Uniqueness (code, ID number) is checked by the service with a precise message.
        pass


class TagFilter(admin.SimpleListFilter):
    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        choices = list(dictionary_choices("customer_tag"))
        known = {code for code, _label in choices}
        free = set()
        for tags in model_admin.get_queryset(request).exclude(tags=[]).values_list("tags", flat=True)[:2000]:
            free.update(t for t in tags if t not in known)
        return choices + [(t, t) for t in sorted(free)[:50]]

    def queryset(self, request, queryset):
        value = self.value()

        return queryset.filter(tag_q(value)) if value else queryset


@admin.register(Customer)
class CustomerAdmin(AnjuModelAdmin):
    permission_resource = "customers.customer"
    form = CustomerForm
    resource_classes = [CustomerResource]
    list_display = [
        "code",
        "name_link",
        "kind",
        "masked_mobile",
        "masked_id",
        "state",
        "tag_list",
        "salesperson",
        "updated_at",
    ]
    list_filter = [
        "state",
        "kind",
        TagFilter,
        "gender",
        "marriage",
        "income_level",
        ("salesperson", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["=code", "name", "^name_initials", "^name_pinyin", "=phones__digits"]
    inlines = [PhoneInline, ContactInline, FamilyInline, BankInline, VehicleInline]
    actions = ["make_active", "make_disabled", "add_tag", "remove_tag", "transfer", "merge_two"]
    list_select_related = ["salesperson"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        match = request.resolver_match
        if (
            match
            and match.url_name == "customers_customer_changelist"
            and not request.GET.get("state__exact")
        ):
            qs = qs.exclude(state=CustomerState.MERGED)
        return qs

    def get_fieldsets(self, request, obj=None):
        basic = [
            "kind",
            "code",
            "name",
            "id_type",
            "id_number",
            "gender",
            "birthday",
            "address",
            "postcode",
            "email",
            "workplace",
            "tags_text",
            "remarks",
        ]
        if obj is not None and not can_see_sensitive(request.user):
            basic = ["masked_id" if f == "id_number" else f for f in basic]
        return [
            (_("Basic data"), {"classes": ["tab"], "fields": basic}),
            (
                _("Features"),
                {
                    "classes": ["tab"],
                    "fields": ["marriage", "income_level", "family_structure", "customer_kind"],
                },
            ),
            (_("Sales"), {"classes": ["tab"], "fields": ["project", "salesperson"]}),
            *(
                [
                    (
                        _("Properties"),
                        {
                            "classes": ["tab"],
                            "fields": [
                                "state",
                                "created_by",
                                "created_at",
                                "updated_by",
                                "updated_at",
                                "version",
                            ],
                        },
                    )
                ]
                if obj is not None
                else []
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = ["state", "created_by", "created_at", "updated_by", "updated_at", "version", "masked_id"]
        if obj is not None:
            fields.append("name")
        return fields

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = scoped(request.user, Project)
        if db_field.name == "salesperson":
            from django.contrib.auth import get_user_model

            kwargs["queryset"] = scoped(request.user, get_user_model().objects.filter(is_active=True))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # --- list columns ---
    @admin.display(description=_("name"), ordering="name")
    def name_link(self, obj):
        url = reverse("customers:customer", args=[obj.pk])
        return format_html('<a href="{}" class="text-primary-600">{}</a>', url, obj.name)

    # Lists and the edit form always mask; a holder of "view sensitive" reveals one customer on the
    # customer page with a reason (logged), or exports (logged).
    @admin.display(description=_("mobile"))
    def masked_mobile(self, obj):
        return mask_phone(obj.mobile)

    @admin.display(description=_("ID number"))
    def masked_id(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description=_("tags"))
    def tag_list(self, obj):
        return ", ".join(obj.tags)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id and request.method == "GET" and can_see_sensitive(request.user):
            obj = self.get_object(request, object_id)
            if obj is not None:  # the edit form shows the full ID number and phones: logged
                services.customer_log_sensitive_view(
                    actor=request.user, customers=[obj], note=str(_("edit form"))
                )
        return super().changeform_view(request, object_id, form_url, extra_context)

    # --- writes ---
    def _data(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k in CustomerForm.Meta.fields}
        data["tags"] = form.cleaned_data.get("tags_text", [])
        return data

    def service_create(self, request, obj, form):
        data = self._data(form)
        name, code = data.pop("name"), data.pop("code", "")
        customer = services.customer_create(
            actor=request.user, company=self._company(request), name=name, code=code, **data
        )
        _warn(request, customer)
        return customer

    def _company(self, request):
        return OrgUnit.objects.get(pk=current_company_id(request.user))

    def service_update(self, request, obj, form):
        changed = set(form.changed_data)
        data = {
            k: v
            for k, v in self._data(form).items()
            if k in changed or (k == "tags" and "tags_text" in changed)
        }
        data.pop("name", None)
        customer = services.customer_update(
            actor=request.user, customer=obj, data=data, expected_version=self.expected_version(request)
        )
        _warn(request, customer)
        return customer

    def service_delete(self, request, obj):
        services.customer_delete(actor=request.user, customer=obj)

    def save_formset(self, request, form, formset, change):
        customer = form.instance
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.child_delete(actor=request.user, instance=type(obj).objects.get(pk=obj.pk))
        for obj, changed_fields in formset.changed_objects:
            data = {name: getattr(obj, name) for name in changed_fields}
            original = type(obj).objects.get(pk=obj.pk)
            _warn(
                request,
                services.child_save(
                    actor=request.user, model=type(obj), customer=customer, data=data, instance=original
                ),
            )
        for obj in formset.new_objects:
            data = {
                f.name: getattr(obj, f.name)
                for f in type(obj)._meta.concrete_fields
                if f.name not in ("id", "customer", "version") and f.editable
            }
            _warn(
                request,
                services.child_save(actor=request.user, model=type(obj), customer=customer, data=data),
            )

    def response_change(self, request, obj):
        if "_continue" not in request.POST and "_addanother" not in request.POST:
            return self._to_page(obj)
        return super().response_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if "_continue" not in request.POST and "_addanother" not in request.POST:
            return self._to_page(obj)
        return super().response_add(request, obj, post_url_continue)

    def _to_page(self, obj):
        from django.http import HttpResponseRedirect

        return HttpResponseRedirect(reverse("customers:customer", args=[obj.pk]))

    # --- batch actions (批量修改) ---
    @admin.action(description=_("Set the selected customers active"), permissions=["change"])
    def make_active(self, request, queryset):
        n = services.customers_batch_update(
            actor=request.user, customers=list(queryset), state=CustomerState.ACTIVE
        )
        self.message_user(request, _("%(count)s customers changed.") % {"count": n})

    @admin.action(description=_("Disable the selected customers"), permissions=["change"])
    def make_disabled(self, request, queryset):
        n = services.customers_batch_update(
            actor=request.user, customers=list(queryset), state=CustomerState.DISABLED
        )
        self.message_user(request, _("%(count)s customers changed.") % {"count": n})

    def _tag_action(self, request, queryset, add: bool):
        tag = (request.POST.get("tag") or "").strip()
        if not tag:
            from django.template.response import TemplateResponse

            return TemplateResponse(
                request,
                "customers/batch_tag.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Tag"),
                    "queryset": queryset,
                    "action": request.POST.get("action"),
                    "add": add,
                    "opts": self.opts,
                },
            )
        kwargs = {"add_tags": [tag]} if add else {"remove_tags": [tag]}
        n = services.customers_batch_update(actor=request.user, customers=list(queryset), **kwargs)
        self.message_user(request, _("%(count)s customers changed.") % {"count": n})
        return None

    @admin.action(description=_("Add a tag to the selected customers"), permissions=["change"])
    def add_tag(self, request, queryset):
        return self._tag_action(request, queryset, True)

    @admin.action(description=_("Remove a tag from the selected customers"), permissions=["change"])
    def remove_tag(self, request, queryset):
        return self._tag_action(request, queryset, False)

    # --- transfer (客户转移) and merge ---
    def has_transfer_permission(self, request):
        return has_point(request.user, "customers.customer.transfer")

    def has_merge_permission(self, request):
        return has_point(request.user, "customers.customer.merge")

    def _intermediate(self, request, template, queryset, **context):
        from django.template.response import TemplateResponse

        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "queryset": queryset,
                "action": request.POST.get("action"),
                "opts": self.opts,
                **context,
            },
        )

    @admin.action(
        description=_("Transfer the selected customers to another salesperson or project"),
        permissions=["transfer"],
    )
    def transfer(self, request, queryset):
        from django.contrib.auth import get_user_model

        users = scoped(request.user, get_user_model().objects.filter(is_active=True)).order_by("username")
        projects = scoped(request.user, Project).order_by("code")
        if "confirm" not in request.POST:
            return self._intermediate(
                request,
                "customers/transfer.html",
                queryset,
                title=_("Customer transfer"),
                users=users,
                projects=projects,
            )
        sp, pj = request.POST.get("to_salesperson", ""), request.POST.get("to_project", "")
        sp_id, pj_id = parse_id(sp), parse_id(pj)
        to_salesperson = users.filter(pk=sp_id).first() if sp_id is not None else None
        to_project = projects.filter(pk=pj_id).first() if pj_id is not None else None
        logs = services.customer_transfer(
            actor=request.user,
            customers=list(queryset),
            to_salesperson=to_salesperson,
            to_project=to_project,
            reason=request.POST.get("reason", ""),
        )
        self.message_user(request, _("%(count)s customers transferred.") % {"count": len(logs)})
        return None

    @admin.action(description=_("Merge the two selected customers"), permissions=["merge"])
    def merge_two(self, request, queryset):
        customers = list(queryset.order_by("created_at", "pk"))
        if len(customers) != 2:
            self.message_user(request, _("Select exactly two customers to merge."), level=messages.ERROR)
            return None
        kept_id = request.POST.get("kept", "")
        kept = next((c for c in customers if str(c.pk) == kept_id), customers[0])
        merged = next(c for c in customers if c.pk != kept.pk)
        if "confirm" not in request.POST:
            return self._intermediate(
                request,
                "customers/merge.html",
                queryset,
                title=_("Merge customers"),
                customers=customers,
                kept=kept,
                merged=merged,
                preview=services.merge_preview(kept, merged),
            )
        log = services.customer_merge(actor=request.user, kept=kept, merged=merged)
        self.message_user(
            request, _("Merged; it can be reverted from the merge log (no. %(id)s).") % {"id": log.pk}
        )
        return None


class _ReadOnlyAdmin(AnjuModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RoomCustomer)
class RoomCustomerAdmin(_ReadOnlyAdmin):
    permission_resource = "customers.relation"
    list_display = ["room", "customer", "role", "share", "start_date", "end_date", "end_reason", "is_move_in"]
    list_filter = ["role", "end_reason", "is_move_in", ("end_date", admin.EmptyFieldListFilter)]
    search_fields = ["room__code", "customer__name", "customer__code"]
    list_select_related = ["room", "customer"]
    actions = ["move_out_today"]

    def has_move_out_permission(self, request):
        return has_point(request.user, "customers.relation.change")

    @admin.action(description=_("Move out the selected relations today (迁出)"), permissions=["move_out"])
    def move_out_today(self, request, queryset):
        n = 0
        for rel in queryset.filter(end_date__isnull=True):
            services.relation_end(actor=request.user, relation=rel, date=timezone.localdate())
            n += 1
        self.message_user(request, _("%(count)s relations ended.") % {"count": n})


class RenameRequestForm(forms.ModelForm):
    class Meta:
        model = RenameRequest
        fields = ["customer", "new_name", "reason"]


class RenameEventInline(StatusEventInline):
    model = RenameEvent


@admin.register(RenameRequest)
class RenameRequestAdmin(AnjuModelAdmin):
    permission_resource = "customers.renamerequest"
    form = RenameRequestForm
    inlines = [RenameEventInline]
    list_display = [
        "customer",
        "old_name",
        "new_name",
        "reason",
        "status",
        "requested_by",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status"]
    search_fields = ["old_name", "new_name", "customer__code"]
    autocomplete_fields = ["customer"]
    actions = ["approve", "reject"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_approve_permission(self, request):
        return has_point(request.user, "customers.customer.approve")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "customer":
            kwargs["queryset"] = scoped(request.user, Customer).exclude(state=CustomerState.MERGED)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def service_create(self, request, obj, form):
        return services.rename_request_create(actor=request.user, **form.cleaned_data)

    @admin.action(description=_("Approve the selected rename requests"), permissions=["approve"])
    def approve(self, request, queryset):
        for req in queryset.filter(status="pending"):
            services.rename_request_decide(actor=request.user, request=req, approve=True)
        self.message_user(request, _("Approved."))

    @admin.action(description=_("Reject the selected rename requests"), permissions=["approve"])
    def reject(self, request, queryset):
        for req in queryset.filter(status="pending"):
            services.rename_request_decide(actor=request.user, request=req, approve=False)
        self.message_user(request, _("Rejected."))


@admin.register(FamilyMember)
class FamilyMemberAdmin(_ReadOnlyAdmin):
    permission_resource = "customers.customer"
    list_display = ["customer", "relationship", "name", "gender", "birthday", "masked_mobile"]
    search_fields = ["name", "customer__name", "customer__code"]
    list_select_related = ["customer"]

    @admin.display(description=_("mobile"))
    def masked_mobile(self, obj):
        return mask_phone(obj.mobile)


@admin.register(Vehicle)
class VehicleAdmin(_ReadOnlyAdmin):
    permission_resource = "customers.customer"
    list_display = ["plate_number", "customer", "vehicle_type", "brand", "color", "parking_space", "room"]
    search_fields = ["plate_number", "customer__name", "parking_space"]
    list_select_related = ["customer", "room"]


@admin.register(DuplicateLog)
class DuplicateLogAdmin(_ReadOnlyAdmin):
    permission_resource = "customers.customer"
    list_display = ["at", "name", "mode", "candidate_count", "chosen", "created", "actor"]
    list_filter = ["mode"]
    search_fields = ["name"]

    def has_module_permission(self, request):
        return has_point(request.user, "customers.customer.approve")

    def has_view_permission(self, request, obj=None):
        return has_point(request.user, "customers.customer.approve")

    @admin.display(description=_("same-name customers"))
    def candidate_count(self, obj):
        return len(obj.candidates)


@admin.register(MergeLog)
class MergeLogAdmin(_ReadOnlyAdmin):
    permission_resource = "customers.customer"
    list_display = ["at", "kept", "merged", "actor", "reverted_at"]
    actions = ["revert"]

    def has_view_permission(self, request, obj=None):
        return has_point(request.user, "customers.customer.merge")

    def has_merge_permission(self, request):
        return has_point(request.user, "customers.customer.merge")

    @admin.action(description=_("Revert the selected merges"), permissions=["merge"])
    def revert(self, request, queryset):
        for log in queryset.filter(reverted_at__isnull=True):
            services.merge_revert(actor=request.user, log=log)
        self.message_user(request, _("Reverted."))


@admin.register(TransferLog)
class TransferLogAdmin(_ReadOnlyAdmin):
    permission_resource = "customers.customer"
    list_display = [
        "at",
        "customer",
        "from_salesperson",
        "to_salesperson",
        "from_project",
        "to_project",
        "reason",
        "actor",
    ]
    search_fields = ["customer__name", "customer__code"]

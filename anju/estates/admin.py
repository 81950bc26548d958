from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from anju.core.admin import AnjuModelAdmin
from anju.core.masking import mask_phone
from anju.core.statemachine_admin import StatusEventInline
from anju.estates import services
from anju.estates.models import (
    Building,
    DecorationStandard,
    Project,
    ProjectShare,
    ProjectTeam,
    Room,
    RoomImport,
    RoomImportRow,
    RoomStatusChange,
    TeamMember,
    UnitType,
    Zone,
)
from anju.org.access import (
    current_company_id,
    has_point,
    scoped,
    visible_company_ids,
    writable_project_ids,
)
from anju.org.choices import COMPANY_KINDS
from anju.org.models import OrgUnit, User

# Only projects present in the (scoped) list: a plain related filter would list every company's.
PROJECT_FILTER = ("project", admin.RelatedOnlyFieldListFilter)

SCOPED_FOREIGN_KEYS = {
    "project": Project,
    "zone": Zone,
    "parent": None,  # same model as the admin's
    "building": Building,
    "unit_type": UnitType,
    "decoration_standard": DecorationStandard,
    "team": ProjectTeam,
}


class EstatesAdmin(AnjuModelAdmin):
    """Foreign keys offer only rows the user may change; rows of read-only shares open read-only."""

    project_path = "project_id"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in SCOPED_FOREIGN_KEYS:
            model = SCOPED_FOREIGN_KEYS[db_field.name] or self.model
            kwargs["queryset"] = scoped(request.user, model, for_write=True)
        elif db_field.name == "company":
            kwargs["queryset"] = OrgUnit.objects.filter(
                pk__in=visible_company_ids(request.user), kind__in=COMPANY_KINDS
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _writable(self, request, obj) -> bool:
        if obj is None:
            return True
        project_id = obj.pk if isinstance(obj, Project) else getattr(obj, self.project_path, None)
        return project_id in writable_project_ids(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._writable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._writable(request, obj)


@admin.register(Project)
class ProjectAdmin(EstatesAdmin):
    permission_resource = "estates.project"
    list_display = ["code", "name", "company", "status", "completion_date", "delivery_date", "members_only"]
    list_filter = ["status", "members_only"]
    search_fields = ["code", "name", "short_name", "address"]
    fields = [
        "company",
        "code",
        "name",
        "short_name",
        "address",
        "developer",
        "property_company",
        "completion_date",
        "delivery_date",
        "status",
        "members_only",
        "remarks",
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["company"] if obj is not None else []

    def service_create(self, request, obj, form):
        return services.project_create(actor=request.user, **form.cleaned_data)

    def service_update(self, request, obj, form):
        return services.project_update(
            actor=request.user,
            project=obj,
            data=self.changed_data(form),
            expected_version=self.expected_version(request),
        )

    def service_delete(self, request, obj):
        services.project_delete(actor=request.user, project=obj)


def share_targets(user):
    """Companies a project can be shared with: those of the user's own group tree."""
    path = OrgUnit.objects.filter(pk=current_company_id(user)).values_list("path", flat=True).first()
    if not path:
        return OrgUnit.objects.none()
    group_path = path.split("/")[0] + "/"
    return OrgUnit.objects.filter(path__startswith=group_path, kind__in=COMPANY_KINDS, is_active=True)


def team_candidates(user):
    """People a project team may take: active staff of the user's own group tree (property-firm
    staff join the developer's teams), not of other groups."""
    path = OrgUnit.objects.filter(pk=current_company_id(user)).values_list("path", flat=True).first()
    if not path:
        return User.objects.none()
    return User.objects.filter(is_active=True, department__path__startswith=path.split("/")[0] + "/")


@admin.register(ProjectShare)
class ProjectShareAdmin(EstatesAdmin):
    """项目共享: kept by the owning company (permission point estates.project.manage)."""

    permission_resource = "estates.project"
    list_display = ["project", "company", "access", "created_at"]
    list_filter = ["access"]
    fields = ["project", "company", "access"]
    unscoped_choice_fields = ("company",)

    def has_add_permission(self, request):
        return self._point(request, "manage")

    def has_change_permission(self, request, obj=None):
        return self._point(request, "manage") and self._writable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._point(request, "manage") and self._writable(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "company":
            kwargs["queryset"] = share_targets(request.user)
            return super(EstatesAdmin, self).formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "project":
            # Only the owning company shares a project, not a company it is shared to.
            kwargs["queryset"] = Project.objects.filter(company__in=visible_company_ids(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["project", "company"] if obj is not None else []

    def service_create(self, request, obj, form):
        return services.project_share(actor=request.user, **form.cleaned_data)

    def service_update(self, request, obj, form):
        return services.project_share(
            actor=request.user, project=obj.project, company=obj.company, access=form.cleaned_data["access"]
        )

    def service_delete(self, request, obj):
        services.project_unshare(actor=request.user, share=obj)


@admin.register(ProjectTeam)
class ProjectTeamAdmin(EstatesAdmin):
    permission_resource = "estates.team"
    list_display = ["name", "project", "parent", "member_count"]
    list_filter = [PROJECT_FILTER]
    search_fields = ["name"]
    fields = ["project", "parent", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_members=Count("members"))

    @admin.display(description=_("members"), ordering="n_members")
    def member_count(self, obj):
        return obj.n_members

    def get_readonly_fields(self, request, obj=None):
        return ["project"] if obj is not None else []

    def service_create(self, request, obj, form):
        return services.team_create(actor=request.user, **form.cleaned_data)

    def service_update(self, request, obj, form):
        return services.team_update(
            actor=request.user,
            team=obj,
            data=self.changed_data(form),
            expected_version=self.expected_version(request),
        )

    def service_delete(self, request, obj):
        services.team_delete(actor=request.user, team=obj)


@admin.register(TeamMember)
class TeamMemberAdmin(EstatesAdmin):
    permission_resource = "estates.team"
    list_display = ["user", "team", "project", "role"]
    list_filter = ["role", PROJECT_FILTER]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]
    fields = ["team", "user", "role"]
    autocomplete_fields = ["user"]
    unscoped_choice_fields = ("user",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = team_candidates(request.user)
            return super(EstatesAdmin, self).formfield_for_foreignkey(db_field, request, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    def service_create(self, request, obj, form):
        return services.team_member_add(actor=request.user, **form.cleaned_data)

    def service_update(self, request, obj, form):
        return services.team_member_update(actor=request.user, member=obj, data=self.changed_data(form))

    def service_delete(self, request, obj):
        services.team_member_remove(actor=request.user, member=obj)


@admin.register(DecorationStandard)
class DecorationStandardAdmin(EstatesAdmin):
    permission_resource = "estates.unittype"
    list_display = ["code", "name", "project"]
    list_filter = [PROJECT_FILTER]
    search_fields = ["code", "name"]
    fields = ["project", "code", "name", "description"]

    def get_readonly_fields(self, request, obj=None):
        return ["project"] if obj is not None else []

    def service_create(self, request, obj, form):
        return services.decoration_standard_create(actor=request.user, **form.cleaned_data)

    def service_update(self, request, obj, form):
        return services.decoration_standard_update(
            actor=request.user,
            standard=obj,
            data=self.changed_data(form),
            expected_version=self.expected_version(request),
        )

    def service_delete(self, request, obj):
        services.decoration_standard_delete(actor=request.user, standard=obj)


@admin.register(UnitType)
class UnitTypeAdmin(EstatesAdmin):
    permission_resource = "estates.unittype"
    list_display = ["code", "name", "project", "layout", "building_area", "inner_area", "decoration_standard"]
    list_filter = [PROJECT_FILTER]
    search_fields = ["code", "name", "layout"]
    fields = ["project", "code", "name", "layout", "building_area", "inner_area", "decoration_standard"]

    def get_readonly_fields(self, request, obj=None):
        return ["project"] if obj is not None else []

    def service_create(self, request, obj, form):
        return services.unit_type_create(actor=request.user, **form.cleaned_data)

    def service_update(self, request, obj, form):
        return services.unit_type_update(
            actor=request.user,
            unit_type=obj,
            data=self.changed_data(form),
            expected_version=self.expected_version(request),
        )

    def service_delete(self, request, obj):
        services.unit_type_delete(actor=request.user, unit_type=obj)


@admin.register(Zone)
class ZoneAdmin(EstatesAdmin):
    permission_resource = "estates.zone"
    list_display = ["code", "name", "project", "parent"]
    list_filter = [PROJECT_FILTER]
    search_fields = ["code", "name"]
    fields = ["project", "parent", "code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["project"] if obj is not None else []

    def service_create(self, request, obj, form):
        return services.zone_create(actor=request.user, **form.cleaned_data)

    def service_update(self, request, obj, form):
        return services.zone_update(
            actor=request.user,
            zone=obj,
            data=self.changed_data(form),
            expected_version=self.expected_version(request),
        )

    def service_delete(self, request, obj):
        services.zone_delete(actor=request.user, zone=obj)


@admin.register(Building)
class BuildingAdmin(EstatesAdmin):
    permission_resource = "estates.building"
    list_display = [
        "code",
        "name",
        "project",
        "zone",
        "is_villa",
        "floors",
        "units",
        "room_count",
        "grid_links",
    ]
    list_filter = [PROJECT_FILTER, "is_villa"]
    search_fields = ["code", "name"]
    fields = ["project", "zone", "code", "name", "remarks"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(n_rooms=Count("rooms", filter=Q(rooms__is_virtual=False)))
        )

    @admin.display(description=_("rooms"), ordering="n_rooms")
    def room_count(self, obj):
        return obj.n_rooms

    @admin.display(description=_("room grid"))
    def grid_links(self, obj):
        if obj.n_rooms:
            return format_html(
                '<a class="text-primary-600 underline" href="{}">{}</a> · '
                '<a class="text-primary-600 underline" href="{}">{}</a>',
                reverse("estates:building_grid", args=[obj.pk]),
                _("Room grid"),
                reverse("estates:building_copy", args=[obj.pk]),
                _("Copy building"),
            )
        return format_html(
            '<a class="text-primary-600 underline" href="{}">{}</a>',
            reverse("estates:building_wizard", args=[obj.pk]),
            _("Generate rooms"),
        )

    def get_readonly_fields(self, request, obj=None):
        return ["project"] if obj is not None else []

    def service_create(self, request, obj, form):
        return services.building_create(actor=request.user, **form.cleaned_data)

    def service_update(self, request, obj, form):
        return services.building_update(
            actor=request.user,
            building=obj,
            data=self.changed_data(form),
            expected_version=self.expected_version(request),
        )

    def service_delete(self, request, obj):
        services.building_delete(actor=request.user, building=obj)


class RoomStatusChangeInline(StatusEventInline):
    model = RoomStatusChange
    fields = ["created_at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields
    tab = False


@admin.register(Room)
class RoomAdmin(EstatesAdmin):
    """Rooms: edit room data here; rooms of a grid are made by the wizard or on the grid page, and
    "add" here makes a virtual room (新增虚拟房间)."""

    permission_resource = "estates.room"
    list_display = [
        "code",
        "number",
        "name",
        "project",
        "building",
        "floor_no",
        "status",
        "is_virtual",
        "unit_type",
        "building_area",
    ]
    list_filter = ["status", "is_virtual", PROJECT_FILTER, ("building", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "number", "name"]
    list_select_related = ["project", "building", "unit_type"]
    inlines = [RoomStatusChangeInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return [
                "project",
                "building",
                "code",
                "number",
                "name",
                "floor_no",
                "natural_floor",
                "unit_type",
                "orientation",
                "building_area",
                "inner_area",
                "remarks",
            ]
        return [
            "project",
            "building",
            "status",
            "is_virtual",
            "code",
            "number",
            "name",
            "unit_type",
            "decoration_standard",
            "floor_no",
            "natural_floor",
            "orientation",
            "view",
            "building_area",
            "inner_area",
            "measured_area",
            "delivery_date",
            "remarks",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        editable = services.room_editable_fields(obj)
        return [f for f in self.get_fields(request, obj) if f not in editable]

    def service_create(self, request, obj, form):
        return services.room_create_virtual(actor=request.user, **form.cleaned_data)

    def service_update(self, request, obj, form):
        return services.room_update(
            actor=request.user,
            room=obj,
            data=self.changed_data(form),
            expected_version=self.expected_version(request),
        )

    def service_delete(self, request, obj):
        services.room_delete(actor=request.user, room=obj)


class RoomImportRowInline(admin.TabularInline):
    model = RoomImportRow
    fields = ["row_no", "outcome", "room_code", "message", "buyer_name", "buyer_phone_shown"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_formset(self, request, obj=None, **kwargs):
        self._sensitive = has_point(request.user, "estates.room.view_sensitive")
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description=_("buyer phone"))
    def buyer_phone_shown(self, obj):
        return obj.buyer_phone if getattr(self, "_sensitive", False) else mask_phone(obj.buyer_phone)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RoomImport)
class RoomImportAdmin(AnjuModelAdmin):
    permission_resource = "estates.room"
    list_display = [
        "file_name",
        "status",
        "total_rows",
        "imported_rows",
        "error_rows",
        "created_by",
        "created_at",
    ]
    list_filter = ["status"]
    fields = [
        "file_name",
        "status",
        "import_valid_rows",
        "total_rows",
        "imported_rows",
        "error_rows",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [RoomImportRowInline]

    def has_module_permission(self, request):
        return has_point(request.user, "estates.room.import")

    def has_view_permission(self, request, obj=None):
        return has_point(request.user, "estates.room.import")

    def has_add_permission(self, request):
        return False  # uploads go through the import page

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

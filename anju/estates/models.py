from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anju.estates.choices import (
    ImportOutcome,
    ImportStatus,
    NumberingRule,
    ProjectStatus,
    RoomStatus,
    ShareAccess,
    TeamRole,
)
from anju.org.access import ScopeSpec


class Project(models.Model):
    """A real-estate project (项目). Owned by one company; may be shared with others (项目共享)."""

    company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("company"), on_delete=models.PROTECT, related_name="projects"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="phases",
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    developer = models.CharField(_("developer"), max_length=100, blank=True)
    property_company = models.CharField(_("property-management company"), max_length=100, blank=True)
    completion_date = models.DateField(_("completion acceptance date"), null=True, blank=True)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNING
    )
    members_only = models.BooleanField(
        _("visible to team members only"),
        default=False,
        help_text=_("Only members of the project team see this project."),
    )
    assigned_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned users"),
        blank=True,
        related_name="assigned_projects",
    )
    remarks = models.TextField(_("remarks"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope = ScopeSpec(project="pk")

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["company_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="estates_project_company_code_uniq"),
            models.UniqueConstraint(fields=["company", "name"], name="estates_project_company_name_uniq"),
        ]

    def __str__(self):
        return self.name


class ProjectShare(models.Model):
    """项目共享 (000 §3.1.2): a project made visible to another company, read-only or read/write."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="shares"
    )
    company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("shared with"), on_delete=models.CASCADE, related_name="shared_projects"
    )
    access = models.CharField(
        _("access"), max_length=10, choices=ShareAccess.choices, default=ShareAccess.READ
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope = ScopeSpec(project="project")

    class Meta:
        verbose_name = _("project share")
        verbose_name_plural = _("project shares")
        constraints = [models.UniqueConstraint(fields=["project", "company"], name="estates_share_uniq")]

    def __str__(self):
        return f"{self.project} → {self.company}"


class DecorationStandard(models.Model):
    """装修标准 of a project (e.g. 毛坯, 精装)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="decoration_standards"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(project="project")

    class Meta:
        verbose_name = _("decoration standard")
        verbose_name_plural = _("decoration standards")
        ordering = ["project_id", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="estates_decostd_uniq")]

    def __str__(self):
        return self.name


class UnitType(models.Model):
    """户型: layout and areas that rooms of this type take."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="unit_types"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    layout = models.CharField(_("layout"), max_length=40, blank=True, help_text=_("e.g. 3室2厅2卫"))
    building_area = models.DecimalField(
        _("building area (m²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    inner_area = models.DecimalField(
        _("inner area (m²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    decoration_standard = models.ForeignKey(
        DecorationStandard,
        verbose_name=_("decoration standard"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(project="project")

    class Meta:
        verbose_name = _("unit type")
        verbose_name_plural = _("unit types")
        ordering = ["project_id", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="estates_unittype_uniq")]

    def __str__(self):
        return self.name


class Zone(models.Model):
    """分区/组团: optional, any depth, between project and building."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="zones"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent zone"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(project="project")

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["project_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "code"], name="estates_zone_sibling_code_uniq"),
            models.UniqueConstraint(fields=["parent", "name"], name="estates_zone_sibling_name_uniq"),
            models.UniqueConstraint(
                fields=["project", "code"],
                condition=models.Q(parent__isnull=True),
                name="estates_zone_top_code_uniq",
            ),
            models.UniqueConstraint(
                fields=["project", "name"],
                condition=models.Q(parent__isnull=True),
                name="estates_zone_top_name_uniq",
            ),
        ]

    def __str__(self):
        return self.name


class Building(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="buildings"
    )
    zone = models.ForeignKey(
        Zone,
        verbose_name=_("zone"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="buildings",
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    is_villa = models.BooleanField(_("villa"), default=False)
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)
    units = models.PositiveSmallIntegerField(_("units"), default=1)
    numbering_rule = models.CharField(
        _("numbering rule"), max_length=20, choices=NumberingRule.choices, default=NumberingRule.FLOOR_NUMBER
    )
    # The grid of the 销控图: {"rows": [{"floor": 30, "name": "30"}, ...] top to bottom,
    # "units": ["1单元", ...], "columns": [{"unit": 1, "number": "01"}, ...] left to right}.
    layout = models.JSONField(_("grid layout"), default=dict, blank=True, editable=False)
    remarks = models.TextField(_("remarks"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope = ScopeSpec(project="project")

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["project_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "code"], name="estates_building_sibling_code_uniq"),
            models.UniqueConstraint(fields=["zone", "name"], name="estates_building_sibling_name_uniq"),
            models.UniqueConstraint(
                fields=["project", "code"],
                condition=models.Q(zone__isnull=True),
                name="estates_building_top_code_uniq",
            ),
            models.UniqueConstraint(
                fields=["project", "name"],
                condition=models.Q(zone__isnull=True),
                name="estates_building_top_name_uniq",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def rows(self) -> list[dict]:
        return (self.layout or {}).get("rows", [])

    @property
    def columns(self) -> list[dict]:
        return (self.layout or {}).get("columns", [])

    @property
    def unit_names(self) -> list[str]:
        return (self.layout or {}).get("units", [])


class Room(models.Model):
    """A room (房间) placed on its building's grid: floor row × grid column, possibly spanning cells."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="rooms"
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rooms",
    )
    code = models.CharField(_("room code"), max_length=60)
    number = models.CharField(_("room number"), max_length=20, blank=True)
    unit_no = models.PositiveSmallIntegerField(_("unit"), null=True, blank=True)
    floor_no = models.SmallIntegerField(_("floor"), null=True, blank=True)
    natural_floor = models.CharField(_("natural floor"), max_length=10, blank=True)
    grid_row = models.PositiveSmallIntegerField(default=0, editable=False)
    grid_col = models.PositiveSmallIntegerField(default=0, editable=False)
    row_span = models.PositiveSmallIntegerField(default=1, editable=False)
    col_span = models.PositiveSmallIntegerField(default=1, editable=False)
    # The rooms a merge absorbed, as snapshots placed relative to this room's top-left cell, so that a
    # split gives them back (numbers, areas, unit type) instead of leaving blank cells.
    merged_rooms = models.JSONField(default=list, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=RoomStatus.choices, default=RoomStatus.CONTROL, db_index=True
    )
    is_virtual = models.BooleanField(
        _("virtual room"),
        default=False,
        help_text=_("Public space not for sale; excluded from sales counts."),
    )
    name = models.CharField(_("room name"), max_length=60, blank=True, help_text=_("e.g. 大堂, 地下车库"))
    orientation = models.CharField(_("orientation"), max_length=20, blank=True)
    view = models.CharField(_("view"), max_length=40, blank=True)
    unit_type = models.ForeignKey(
        UnitType,
        verbose_name=_("unit type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rooms",
    )
    decoration_standard = models.ForeignKey(
        DecorationStandard,
        verbose_name=_("decoration standard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    building_area = models.DecimalField(
        _("building area (m²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    inner_area = models.DecimalField(
        _("inner area (m²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    measured_area = models.DecimalField(
        _("measured area (m²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    delivery_date = models.DateField(_("delivery date (warranty start)"), null=True, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope = ScopeSpec(project="project")

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["project_id", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="estates_room_code_uniq")]
        indexes = [models.Index(fields=["building", "grid_row", "grid_col"], name="estates_room_grid_idx")]

    def __str__(self):
        return self.code


class ProjectTeam(models.Model):
    """项目团队 (000 §3.1.1): a tree of teams per project; the top team is created with the project."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="teams"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(project="project")

    class Meta:
        verbose_name = _("project team")
        verbose_name_plural = _("project teams")
        ordering = ["project_id", "pk"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="estates_team_name_uniq")]

    def __str__(self):
        return f"{self.project} / {self.name}"


class TeamMember(models.Model):
    """A user in one team of a project (a member belongs to one team per project)."""

    team = models.ForeignKey(
        ProjectTeam, verbose_name=_("team"), on_delete=models.CASCADE, related_name="members"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="team_members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="project_teams",
    )
    role = models.CharField(_("team role"), max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER)

    scope = ScopeSpec(project="project")

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="estates_member_one_team")]

    def __str__(self):
        return f"{self.team.name}: {self.user}"


class RoomStatusChange(models.Model):
    """The event row written with every room status change (workflow.py)."""

    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=RoomStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=RoomStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    scope = ScopeSpec(project="room__project")

    class Meta:
        verbose_name = _("room status change")
        verbose_name_plural = _("room status changes")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.room_id}: {self.from_status} → {self.to_status}"


class RoomImport(models.Model):
    """One run of 引入房源 (000 §3.3.3) with its per-row outcome."""

    company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("company"), on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=200)
    status = models.CharField(_("result"), max_length=10, choices=ImportStatus.choices)
    import_valid_rows = models.BooleanField(_("import the valid rows"), default=False)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    imported_rows = models.PositiveIntegerField(_("imported"), default=0)
    error_rows = models.PositiveIntegerField(_("errors"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    scope = ScopeSpec(company="company")

    class Meta:
        verbose_name = _("room import")
        verbose_name_plural = _("room imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})" if self.created_at else self.file_name


class RoomImportRow(models.Model):
    """A row of an import file: its outcome, and the buyer of a sold room for the customer ledger."""

    run = models.ForeignKey(
        RoomImport, verbose_name=_("import"), on_delete=models.CASCADE, related_name="rows"
    )
    row_no = models.PositiveIntegerField(_("row"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=ImportOutcome.choices)
    message = models.CharField(_("message"), max_length=500, blank=True)
    room_code = models.CharField(_("room code"), max_length=60, blank=True)
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="import_rows",
    )
    buyer_name = models.CharField(_("buyer name"), max_length=100, blank=True)
    buyer_phone = models.CharField(_("buyer phone"), max_length=40, blank=True)
    buyer_picked_up = models.BooleanField(_("buyer taken into the customer ledger"), default=False)
    data = models.JSONField(_("row data"), default=dict, blank=True)

    scope = ScopeSpec(company="run__company")
    sensitive_fields = {"buyer_phone": "phone"}
    sensitive_point = "estates.room.view_sensitive"

    class Meta:
        verbose_name = _("room import row")
        verbose_name_plural = _("room import rows")
        ordering = ["run_id", "row_no"]

    def __str__(self):
        return f"{self.run_id}#{self.row_no}"

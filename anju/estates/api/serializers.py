from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from anju.core.masking import mask_phone
from anju.estates.admin import share_targets
from anju.estates.choices import NumberingRule, RoomStatus, ShareAccess, TeamRole
from anju.estates.grid import MAX_FLOORS, MAX_HOUSEHOLDS, MAX_UNITS
from anju.estates.models import (
    Building,
    DecorationStandard,
    Project,
    ProjectShare,
    ProjectTeam,
    Room,
    RoomImport,
    RoomImportRow,
    TeamMember,
    UnitType,
    Zone,
)
from anju.org.access import has_point, scoped, visible_company_ids
from anju.org.choices import COMPANY_KINDS
from anju.org.models import OrgUnit, User


class WritableScopedField(serializers.PrimaryKeyRelatedField):
    """A foreign key to a row the user may change (read-only shares excluded)."""

    def get_queryset(self):
        request = self.context.get("request")
        base = super().get_queryset()
        return scoped(request.user, base, for_write=True) if request else base.none()


class CompanyField(serializers.PrimaryKeyRelatedField):
    """A company of the user's current company subtree."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return OrgUnit.objects.none()
        return OrgUnit.objects.filter(pk__in=visible_company_ids(request.user), kind__in=COMPANY_KINDS)


class ShareTargetField(serializers.PrimaryKeyRelatedField):
    """A company of the user's own group tree (a project is shared within the group)."""

    def get_queryset(self):
        request = self.context.get("request")
        return share_targets(request.user) if request else OrgUnit.objects.none()


class ProjectSerializer(serializers.ModelSerializer):
    company = CompanyField(queryset=OrgUnit.objects.all())
    version = serializers.IntegerField(read_only=True)
    shared = serializers.SerializerMethodField()

    class Meta:
        model = Project
        validators: list = []  # uniqueness is checked by the services, naming the field
        fields = [
            "id",
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
            "shared",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_shared(self, obj) -> bool:
        request = self.context.get("request")
        return bool(request) and obj.company_id not in visible_company_ids(request.user)


class ProjectUpdateSerializer(ProjectSerializer):
    class Meta(ProjectSerializer.Meta):
        read_only_fields = [*ProjectSerializer.Meta.read_only_fields, "company"]


class ProjectShareSerializer(serializers.ModelSerializer):
    project = WritableScopedField(queryset=Project.objects.all())
    company = ShareTargetField(queryset=OrgUnit.objects.all())
    access = serializers.ChoiceField(choices=ShareAccess.choices, default=ShareAccess.READ)

    class Meta:
        model = ProjectShare
        validators: list = []  # uniqueness is checked by the services, naming the field
        fields = ["id", "project", "company", "access", "created_at"]
        read_only_fields = ["created_at"]


class ProjectTeamSerializer(serializers.ModelSerializer):
    project = WritableScopedField(queryset=Project.objects.all())
    parent = WritableScopedField(queryset=ProjectTeam.objects.all(), allow_null=True, required=False)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = ProjectTeam
        validators: list = []  # uniqueness is checked by the services, naming the field
        fields = ["id", "project", "parent", "name", "version"]


class TeamMemberSerializer(serializers.ModelSerializer):
    team = WritableScopedField(queryset=ProjectTeam.objects.all())
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    role = serializers.ChoiceField(choices=TeamRole.choices, default=TeamRole.MEMBER)

    class Meta:
        model = TeamMember
        validators: list = []  # uniqueness is checked by the services, naming the field
        fields = ["id", "team", "project", "user", "role"]
        read_only_fields = ["project"]


class DecorationStandardSerializer(serializers.ModelSerializer):
    project = WritableScopedField(queryset=Project.objects.all())
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = DecorationStandard
        validators: list = []  # uniqueness is checked by the services, naming the field
        fields = ["id", "project", "code", "name", "description", "version"]


class UnitTypeSerializer(serializers.ModelSerializer):
    project = WritableScopedField(queryset=Project.objects.all())
    decoration_standard = WritableScopedField(
        queryset=DecorationStandard.objects.all(), allow_null=True, required=False
    )
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = UnitType
        validators: list = []  # uniqueness is checked by the services, naming the field
        fields = [
            "id",
            "project",
            "code",
            "name",
            "layout",
            "building_area",
            "inner_area",
            "decoration_standard",
            "version",
        ]


class ZoneSerializer(serializers.ModelSerializer):
    project = WritableScopedField(queryset=Project.objects.all())
    parent = WritableScopedField(queryset=Zone.objects.all(), allow_null=True, required=False)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Zone
        validators: list = []  # uniqueness is checked by the services, naming the field
        fields = ["id", "project", "parent", "code", "name", "version"]


class BuildingSerializer(serializers.ModelSerializer):
    project = WritableScopedField(queryset=Project.objects.all())
    zone = WritableScopedField(queryset=Zone.objects.all(), allow_null=True, required=False)
    version = serializers.IntegerField(read_only=True)
    # Annotated by the list query; counted here for a row a write just returned.
    room_count = serializers.SerializerMethodField()

    class Meta:
        model = Building
        validators: list = []  # uniqueness is checked by the services, naming the field
        fields = [
            "id",
            "project",
            "zone",
            "code",
            "name",
            "is_villa",
            "floors",
            "units",
            "numbering_rule",
            "remarks",
            "layout",
            "room_count",
            "version",
            "created_at",
        ]
        read_only_fields = ["is_villa", "floors", "units", "numbering_rule", "layout", "created_at"]

    def get_room_count(self, obj) -> int:
        annotated = getattr(obj, "room_count", None)
        return annotated if annotated is not None else obj.rooms.filter(is_virtual=False).count()


class BuildingUpdateSerializer(BuildingSerializer):
    class Meta(BuildingSerializer.Meta):
        read_only_fields = [*BuildingSerializer.Meta.read_only_fields, "project"]


class WizardSerializer(serializers.Serializer):
    """The room wizard (000 §3.2.2). `numbers` is the edited preview, top floor first; "" = no room."""

    villa = serializers.BooleanField(default=False)
    floors = serializers.IntegerField(min_value=1, max_value=MAX_FLOORS, default=1)
    households = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_HOUSEHOLDS),
        min_length=1,
        max_length=MAX_UNITS,
        default=[1],
        help_text=_("Households per floor of each unit (one number per unit)."),
    )
    rule = serializers.ChoiceField(choices=NumberingRule.choices, default=NumberingRule.FLOOR_NUMBER)
    floor_names = serializers.ListField(child=serializers.CharField(max_length=10), required=False)
    unit_names = serializers.ListField(child=serializers.CharField(max_length=20), required=False)
    column_numbers = serializers.ListField(
        child=serializers.CharField(max_length=10, allow_blank=True), required=False
    )
    unit_types = serializers.ListField(child=serializers.IntegerField(allow_null=True), required=False)
    numbers = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(max_length=20, allow_blank=True)),
        required=False,
    )
    villa_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    villa_unit_type = WritableScopedField(queryset=UnitType.objects.all(), required=False, allow_null=True)


class WizardColumnSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    number = serializers.CharField()
    unit_type = serializers.IntegerField(allow_null=True)


class WizardPreviewSerializer(serializers.Serializer):
    rows = serializers.ListField(child=serializers.DictField())
    units = serializers.ListField(child=serializers.CharField())
    columns = WizardColumnSerializer(many=True)
    numbers = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(allow_blank=True))
    )


class GenerateResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()


class CopyBuildingSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=100)
    project = WritableScopedField(queryset=Project.objects.all(), required=False, allow_null=True)
    zone = WritableScopedField(queryset=Zone.objects.all(), required=False, allow_null=True)


class GridRoomSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    number = serializers.CharField()
    status = serializers.CharField()
    row = serializers.IntegerField()
    col = serializers.IntegerField()
    row_span = serializers.IntegerField()
    col_span = serializers.IntegerField()
    version = serializers.IntegerField()


class GridSerializer(serializers.Serializer):
    building = serializers.IntegerField()
    rows = serializers.ListField(child=serializers.DictField())
    units = serializers.ListField(child=serializers.CharField())
    columns = serializers.ListField(child=serializers.DictField())
    rooms = GridRoomSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField())


class RoomSerializer(serializers.ModelSerializer):
    project = serializers.PrimaryKeyRelatedField(read_only=True)
    building = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)  # virtual rooms: none
    unit_type = WritableScopedField(queryset=UnitType.objects.all(), allow_null=True, required=False)
    decoration_standard = WritableScopedField(
        queryset=DecorationStandard.objects.all(), allow_null=True, required=False
    )
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Room
        fields = [
            "id",
            "project",
            "building",
            "code",
            "number",
            "name",
            "unit_no",
            "floor_no",
            "natural_floor",
            "grid_row",
            "grid_col",
            "row_span",
            "col_span",
            "status",
            "is_virtual",
            "unit_type",
            "decoration_standard",
            "orientation",
            "view",
            "building_area",
            "inner_area",
            "measured_area",
            "delivery_date",
            "remarks",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "unit_no",
            "grid_row",
            "grid_col",
            "row_span",
            "col_span",
            "status",
            "is_virtual",
            "created_at",
            "updated_at",
        ]


class VirtualRoomSerializer(serializers.ModelSerializer):
    """新增虚拟房间: free code and number."""

    project = WritableScopedField(queryset=Project.objects.all())
    building = WritableScopedField(queryset=Building.objects.all(), allow_null=True, required=False)
    unit_type = WritableScopedField(queryset=UnitType.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Room
        fields = [
            "id",
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


class AddRoomSerializer(serializers.Serializer):
    row = serializers.IntegerField(min_value=0)
    col = serializers.IntegerField(min_value=0)
    number = serializers.CharField(max_length=20)
    code = serializers.CharField(max_length=60, required=False, allow_blank=True)
    unit_type = WritableScopedField(queryset=UnitType.objects.all(), allow_null=True, required=False)
    orientation = serializers.CharField(max_length=20, required=False, allow_blank=True)
    view = serializers.CharField(max_length=40, required=False, allow_blank=True)


class InsertColumnSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")


class ColumnResultSerializer(serializers.Serializer):
    column = serializers.IntegerField(required=False)
    deleted_rooms = serializers.ListField(child=serializers.CharField(), required=False)


class SetStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RoomStatus.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RoomImportRowSerializer(serializers.ModelSerializer):
    buyer_phone = serializers.SerializerMethodField()

    def get_buyer_phone(self, obj) -> str:
        """Masked (138****8000) unless the user holds estates.room.view_sensitive (PIPL)."""
        request = self.context.get("request")
        if request is not None and has_point(request.user, "estates.room.view_sensitive"):
            return obj.buyer_phone
        return mask_phone(obj.buyer_phone)

    class Meta:
        model = RoomImportRow
        fields = [
            "row_no",
            "outcome",
            "message",
            "room_code",
            "room",
            "buyer_name",
            "buyer_phone",
            "buyer_picked_up",
        ]


class RoomImportSerializer(serializers.ModelSerializer):
    rows = RoomImportRowSerializer(many=True, read_only=True)

    class Meta:
        model = RoomImport
        fields = [
            "id",
            "company",
            "file_name",
            "status",
            "import_valid_rows",
            "total_rows",
            "imported_rows",
            "error_rows",
            "created_at",
            "rows",
        ]


class RoomImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    import_valid_rows = serializers.BooleanField(default=False)

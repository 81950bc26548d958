from django.db.models import Count, Q
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from anju.core.api.parsers import FormParser, MultiPartParser
from anju.core.api.viewsets import ScopedModelViewSet, ScopedQuerysetMixin, expected_version
from anju.core.services import ServiceValidationError
from anju.estates import imports, services
from anju.estates.api import serializers as s
from anju.estates.grid import GridError, plan_building
from anju.estates.models import (
    Building,
    DecorationStandard,
    Project,
    ProjectShare,
    ProjectTeam,
    Room,
    RoomImport,
    TeamMember,
    UnitType,
    Zone,
)
from anju.org.access import current_company_id, scoped
from anju.org.models import OrgUnit


class WritableMixin:
    """Updates, deletes and actions act on rows the user may change: read-only shares answer 404."""

    def perform_update(self, serializer):
        self.get_writable_object()
        serializer.instance = self.update_service(serializer.instance, dict(serializer.validated_data))

    def perform_destroy(self, instance):
        self.get_writable_object()
        self.delete_service(instance)


class ProjectViewSet(WritableMixin, ScopedModelViewSet):
    queryset = Project.objects.select_related("company")
    serializer_class = s.ProjectSerializer
    permission_resource = "estates.project"
    filterset_fields = ["company", "status", "members_only"]
    search_fields = ["code", "name", "short_name", "address"]
    ordering_fields = ["code", "name", "delivery_date"]
    ordering = ["code"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.ProjectUpdateSerializer
        return s.ProjectSerializer

    def perform_create(self, serializer):
        serializer.instance = services.project_create(actor=self.request.user, **serializer.validated_data)

    def update_service(self, instance, data):
        return services.project_update(
            actor=self.request.user,
            project=instance,
            data=data,
            expected_version=expected_version(self.request),
        )

    def delete_service(self, instance):
        services.project_delete(actor=self.request.user, project=instance)


class ProjectShareViewSet(ScopedModelViewSet):
    """项目共享: managed by the owning company (permission point estates.project.manage)."""

    queryset = ProjectShare.objects.select_related("project", "company")
    serializer_class = s.ProjectShareSerializer
    permission_resource = "estates.project"
    permission_actions = {
        "list": "view",
        "retrieve": "view",
        "create": "manage",
        "update": "manage",
        "partial_update": "manage",
        "destroy": "manage",
    }
    filterset_fields = ["project", "company", "access"]

    def perform_create(self, serializer):
        serializer.instance = services.project_share(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        share = self.get_writable_object()
        data = serializer.validated_data
        if "project" in data and data["project"] != share.project:
            raise Http404
        serializer.instance = services.project_share(
            actor=self.request.user,
            project=share.project,
            company=data.get("company", share.company),
            access=data.get("access", share.access),
        )

    def perform_destroy(self, instance):
        self.get_writable_object()
        services.project_unshare(actor=self.request.user, share=instance)


class ProjectTeamViewSet(WritableMixin, ScopedModelViewSet):
    queryset = ProjectTeam.objects.all()
    serializer_class = s.ProjectTeamSerializer
    permission_resource = "estates.team"
    filterset_fields = ["project", "parent"]

    def perform_create(self, serializer):
        serializer.instance = services.team_create(actor=self.request.user, **serializer.validated_data)

    def update_service(self, instance, data):
        return services.team_update(
            actor=self.request.user, team=instance, data=data, expected_version=expected_version(self.request)
        )

    def delete_service(self, instance):
        services.team_delete(actor=self.request.user, team=instance)


class TeamMemberViewSet(WritableMixin, ScopedModelViewSet):
    queryset = TeamMember.objects.select_related("team", "user")
    serializer_class = s.TeamMemberSerializer
    permission_resource = "estates.team"
    filterset_fields = ["project", "team", "user", "role"]

    def perform_create(self, serializer):
        serializer.instance = services.team_member_add(actor=self.request.user, **serializer.validated_data)

    def update_service(self, instance, data):
        return services.team_member_update(actor=self.request.user, member=instance, data=data)

    def delete_service(self, instance):
        services.team_member_remove(actor=self.request.user, member=instance)


class DecorationStandardViewSet(WritableMixin, ScopedModelViewSet):
    queryset = DecorationStandard.objects.all()
    serializer_class = s.DecorationStandardSerializer
    permission_resource = "estates.unittype"
    filterset_fields = ["project"]
    search_fields = ["code", "name"]

    def perform_create(self, serializer):
        serializer.instance = services.decoration_standard_create(
            actor=self.request.user, **serializer.validated_data
        )

    def update_service(self, instance, data):
        return services.decoration_standard_update(
            actor=self.request.user,
            standard=instance,
            data=data,
            expected_version=expected_version(self.request),
        )

    def delete_service(self, instance):
        services.decoration_standard_delete(actor=self.request.user, standard=instance)


class UnitTypeViewSet(WritableMixin, ScopedModelViewSet):
    queryset = UnitType.objects.select_related("decoration_standard")
    serializer_class = s.UnitTypeSerializer
    permission_resource = "estates.unittype"
    filterset_fields = ["project", "decoration_standard"]
    search_fields = ["code", "name", "layout"]

    def perform_create(self, serializer):
        serializer.instance = services.unit_type_create(actor=self.request.user, **serializer.validated_data)

    def update_service(self, instance, data):
        return services.unit_type_update(
            actor=self.request.user,
            unit_type=instance,
            data=data,
            expected_version=expected_version(self.request),
        )

    def delete_service(self, instance):
        services.unit_type_delete(actor=self.request.user, unit_type=instance)


class ZoneViewSet(WritableMixin, ScopedModelViewSet):
    queryset = Zone.objects.all()
    serializer_class = s.ZoneSerializer
    permission_resource = "estates.zone"
    filterset_fields = ["project", "parent"]
    search_fields = ["code", "name"]

    def perform_create(self, serializer):
        serializer.instance = services.zone_create(actor=self.request.user, **serializer.validated_data)

    def update_service(self, instance, data):
        return services.zone_update(
            actor=self.request.user, zone=instance, data=data, expected_version=expected_version(self.request)
        )

    def delete_service(self, instance):
        services.zone_delete(actor=self.request.user, zone=instance)


class BuildingViewSet(WritableMixin, ScopedModelViewSet):
    queryset = Building.objects.annotate(room_count=Count("rooms", filter=Q(rooms__is_virtual=False)))
    serializer_class = s.BuildingSerializer
    permission_resource = "estates.building"
    permission_actions = {
        "preview": "view",
        "generate": "change",
        "grid": "view",
        "copy": "add",
        "add_room": "change",
    }
    filterset_fields = ["project", "zone", "is_villa"]
    search_fields = ["code", "name"]
    ordering = ["project_id", "code"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.BuildingUpdateSerializer
        return {
            "preview": s.WizardSerializer,
            "generate": s.WizardSerializer,
            "copy": s.CopyBuildingSerializer,
            "add_room": s.AddRoomSerializer,
        }.get(self.action, s.BuildingSerializer)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("room_count", None)
        serializer.instance = services.building_create(actor=self.request.user, **data)

    def update_service(self, instance, data):
        data.pop("room_count", None)
        return services.building_update(
            actor=self.request.user,
            building=instance,
            data=data,
            expected_version=expected_version(self.request),
        )

    def delete_service(self, instance):
        services.building_delete(actor=self.request.user, building=instance)

    def _wizard_input(self, request):
        serializer = s.WizardSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=s.WizardSerializer, responses={200: s.WizardPreviewSerializer})
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        """Steps 1–3 of the wizard: the grid and the default room numbers, nothing saved."""
        self.get_object()
        data = self._wizard_input(request)

        try:
            plan = plan_building(
                floors=1 if data["villa"] else data["floors"],
                households=[1] if data["villa"] else data["households"],
                rule=data["rule"],
                floor_names=data.get("floor_names"),
                unit_names=data.get("unit_names"),
                column_numbers=data.get("column_numbers"),
                unit_types=data.get("unit_types"),
            )
        except GridError as exc:
            raise ServiceValidationError({exc.field: exc.message}) from exc
        return Response(
            {
                "rows": plan.rows,
                "units": plan.units,
                "columns": [
                    {"unit": c.unit, "number": c.number, "unit_type": c.unit_type_id} for c in plan.columns
                ],
                "numbers": plan.numbers,
            }
        )

    @extend_schema(request=s.WizardSerializer, responses={201: s.GenerateResultSerializer})
    @action(detail=True, methods=["post"])
    def generate(self, request, pk=None):
        """Step 4: create the rooms of an empty building from the (edited) preview."""
        building = self.get_writable_object()
        data = self._wizard_input(request)
        created = services.building_generate(actor=request.user, building=building, **data)
        return Response({"created": created}, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.GridSerializer})
    @action(detail=True, methods=["get"])
    def grid(self, request, pk=None):
        """The 销控图 as data: rows (top floor first), columns, rooms with their spans, status counts."""
        building = self.get_object()
        rooms = list(
            Room.objects.filter(building=building, is_virtual=False).values_list(
                "id", "code", "number", "status", "grid_row", "grid_col", "row_span", "col_span", "version"
            )
        )
        counts: dict[str, int] = {}
        for room in rooms:
            counts[room[3]] = counts.get(room[3], 0) + 1
        keys = ["id", "code", "number", "status", "row", "col", "row_span", "col_span", "version"]
        return Response(
            {
                "building": building.pk,
                "rows": building.rows,
                "units": building.unit_names,
                "columns": building.columns,
                "rooms": [dict(zip(keys, room, strict=True)) for room in rooms],
                "counts": counts,
            }
        )

    @extend_schema(request=s.CopyBuildingSerializer, responses={201: s.BuildingSerializer})
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        """复制/粘贴楼栋: a new building with the same grid and room data, rooms in 销控."""
        building = self.get_object()
        serializer = s.CopyBuildingSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = data.get("project")
        if project is None and data.get("zone") is None:
            project = scoped(request.user, Project, for_write=True).filter(pk=building.project_id).first()
            if project is None:
                raise Http404
        new = services.building_copy(
            actor=request.user,
            building=building,
            code=data["code"],
            name=data["name"],
            project=project,
            zone=data.get("zone"),
        )
        return Response(s.BuildingSerializer(new, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=s.AddRoomSerializer, responses={201: s.RoomSerializer})
    @action(detail=True, methods=["post"], url_path="add-room")
    def add_room(self, request, pk=None):
        """Create a room in a blank cell of the grid."""
        building = self.get_writable_object()
        serializer = s.AddRoomSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        room = services.room_add_at(actor=request.user, building=building, **serializer.validated_data)
        return Response(s.RoomSerializer(room, context=self.get_serializer_context()).data, status=201)


class RoomViewSet(WritableMixin, ScopedModelViewSet):
    queryset = Room.objects.select_related("unit_type")
    serializer_class = s.RoomSerializer
    permission_resource = "estates.room"
    permission_actions = {
        "merge_right": "change",
        "merge_down": "change",
        "split": "change",
        "insert_column": "change",
        "delete_column": "delete",
        "set_status": "change",
    }
    filterset_fields = ["project", "building", "status", "is_virtual", "unit_type", "unit_no", "floor_no"]
    search_fields = ["code", "number", "name"]
    ordering_fields = ["code", "grid_row", "grid_col"]
    ordering = ["project_id", "code"]

    def get_serializer_class(self):
        if self.action == "create":
            return s.VirtualRoomSerializer
        return {
            "insert_column": s.InsertColumnSerializer,
            "set_status": s.SetStatusSerializer,
        }.get(self.action, s.RoomSerializer)

    @extend_schema(request=s.VirtualRoomSerializer, responses={201: s.RoomSerializer})
    def create(self, request, *args, **kwargs):
        """新增虚拟房间 (rooms of the grid are made by the wizard or `add-room` on the building)."""
        serializer = s.VirtualRoomSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        room = services.room_create_virtual(actor=request.user, **serializer.validated_data)
        return Response(s.RoomSerializer(room, context=self.get_serializer_context()).data, status=201)

    def update_service(self, instance, data):
        return services.room_update(
            actor=self.request.user, room=instance, data=data, expected_version=expected_version(self.request)
        )

    def delete_service(self, instance):
        services.room_delete(actor=self.request.user, room=instance)

    def _grid_action(self, func, **kwargs):
        room = self.get_writable_object()
        room = func(actor=self.request.user, room=room, **kwargs)
        return Response(s.RoomSerializer(room, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: s.RoomSerializer})
    @action(detail=True, methods=["post"], url_path="merge-right")
    def merge_right(self, request, pk=None):
        return self._grid_action(services.room_merge_right)

    @extend_schema(request=None, responses={200: s.RoomSerializer})
    @action(detail=True, methods=["post"], url_path="merge-down")
    def merge_down(self, request, pk=None):
        return self._grid_action(services.room_merge_down)

    @extend_schema(request=None, responses={200: s.RoomSerializer})
    @action(detail=True, methods=["post"])
    def split(self, request, pk=None):
        return self._grid_action(services.room_split)

    @extend_schema(request=s.InsertColumnSerializer, responses={200: s.ColumnResultSerializer})
    @action(detail=True, methods=["post"], url_path="insert-column")
    def insert_column(self, request, pk=None):
        room = self.get_writable_object()
        serializer = s.InsertColumnSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        index = services.room_insert_column(actor=request.user, room=room, **serializer.validated_data)
        return Response({"column": index})

    @extend_schema(request=None, responses={200: s.ColumnResultSerializer})
    @action(detail=True, methods=["post"], url_path="delete-column")
    def delete_column(self, request, pk=None):
        room = self.get_writable_object()
        codes = services.room_delete_column(actor=request.user, room=room)
        return Response({"deleted_rooms": codes})

    @extend_schema(request=s.SetStatusSerializer, responses={200: s.RoomSerializer})
    @action(detail=True, methods=["post"], url_path="set-status")
    def set_status(self, request, pk=None):
        room = self.get_writable_object()
        serializer = s.SetStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        room = services.room_set_status(actor=request.user, room=room, **serializer.validated_data)
        return Response(s.RoomSerializer(room, context=self.get_serializer_context()).data)


class RoomImportViewSet(
    ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """引入房源: upload a file; the answer lists every row's outcome."""

    queryset = RoomImport.objects.prefetch_related("rows")
    serializer_class = s.RoomImportSerializer
    permission_resource = "estates.room"
    permission_actions = {"list": "import", "retrieve": "import", "create": "import"}
    parser_classes = [MultiPartParser, FormParser]

    def get_serializer_class(self):
        return s.RoomImportUploadSerializer if self.action == "create" else s.RoomImportSerializer

    @extend_schema(request=s.RoomImportUploadSerializer, responses={201: s.RoomImportSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.RoomImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        company = OrgUnit.objects.filter(pk=current_company_id(request.user)).first()
        run = imports.rooms_import(
            actor=request.user,
            company=company,
            content=upload.read(),
            file_name=upload.name,
            import_valid_rows=serializer.validated_data["import_valid_rows"],
        )
        return Response(
            s.RoomImportSerializer(run, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

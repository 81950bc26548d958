from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from anju.core import savedviews
from anju.core.api.viewsets import ScopedModelViewSet, ScopedQuerysetMixin, expected_version
from anju.core.models import OperationLog, SavedView
from anju.core.parsing import is_digits
from anju.org import access
from anju.org.models import OrgUnit
from anju.system import clearing, selectors, services
from anju.system.api import serializers as s
from anju.system.exports import export_logs
from anju.system.filtersets import AnnouncementFilterSet, LoginLogFilterSet, OperationLogFilterSet
from anju.system.models import Announcement, Dictionary, DictionaryItem, LoginLog
from anju.system.parameters import DEFINITIONS


# --- dictionaries ------------------------------------------------------------------------------
class DictionaryViewSet(ScopedModelViewSet):
    queryset = Dictionary.objects.prefetch_related("items")
    serializer_class = s.DictionarySerializer
    permission_resource = "system.dictionary"
    filterset_fields = ["is_system", "code"]
    search_fields = ["code", "name", "description"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]

    def perform_create(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k in ("code", "name", "description")}
        serializer.instance = services.dictionary_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = services.dictionary_update(
            actor=self.request.user,
            dictionary=serializer.instance,
            data=dict(serializer.validated_data),
            expected_version=expected_version(self.request),
        )

    def perform_destroy(self, instance):
        services.dictionary_delete(actor=self.request.user, dictionary=instance)


class DictionaryItemViewSet(ScopedModelViewSet):
    queryset = DictionaryItem.objects.select_related("dictionary")
    serializer_class = s.DictionaryItemSerializer
    permission_resource = "system.dictionary"
    filterset_fields = {"dictionary": ["exact"], "dictionary__code": ["exact"], "is_enabled": ["exact"]}
    search_fields = ["code", "label", "label_en"]
    ordering_fields = ["sort_order", "code", "label"]
    ordering = ["dictionary__code", "sort_order", "code"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.DictionaryItemUpdateSerializer
        return s.DictionaryItemSerializer

    def perform_create(self, serializer):
        serializer.instance = services.dictionaryitem_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.dictionaryitem_update(
            actor=self.request.user,
            item=serializer.instance,
            data=dict(serializer.validated_data),
            expected_version=expected_version(self.request),
        )

    def perform_destroy(self, instance):
        services.dictionaryitem_delete(actor=self.request.user, item=instance)


class DictionaryChoicesView(generics.GenericAPIView):
    """Enabled items of one dictionary, for building forms; any signed-in user may read them."""

    serializer_class = s.DictionaryChoiceSerializer
    queryset = Dictionary.objects.none()
    pagination_class = None
    filter_backends: list = []

    @extend_schema(responses={200: s.DictionaryChoiceSerializer(many=True)})
    def get(self, request, code):
        if not Dictionary.objects.filter(code=code).exists():
            raise Http404
        return Response([{"code": c, "label": str(label)} for c, label in selectors.dictionary_choices(code)])


# --- business parameters ----------------------------------------------------------------------
_COMPANY_PARAM = OpenApiParameter(
    "company", OpenApiTypes.INT, description="Company id (default: the current company)."
)


class ParameterViewSet(viewsets.GenericViewSet):
    """Every defined business parameter with the company's effective value; set or reset one."""

    serializer_class = s.ParameterSerializer
    permission_resource = "system.parameter"
    permission_actions = {"reset": "change"}
    lookup_field = "key"
    lookup_value_regex = r"[A-Za-z0-9_.\-]+"
    pagination_class = None
    filter_backends: list = []
    metadata_class = None  # no model behind the rows: OPTIONS is not offered

    def _company(self) -> OrgUnit:
        raw = self.request.query_params.get("company")
        if raw is None and hasattr(self.request.data, "get"):
            raw = self.request.data.get("company")
        company_id = access.current_company_id(self.request.user) if raw in (None, "") else raw
        try:
            company_id = int(company_id)
        except (TypeError, ValueError) as exc:
            raise Http404 from exc
        if company_id not in access.visible_company_ids(self.request.user):
            raise Http404
        company = OrgUnit.objects.get(pk=company_id)
        if not company.is_company:
            raise Http404
        return company

    def _row_data(self, row):
        definition = row.definition
        return {
            "key": definition.key,
            "label": str(definition.label),
            "group": str(definition.group),
            "type": definition.type,
            "help_text": str(definition.help_text or ""),
            "choices": [{"value": v, "label": str(label)} for v, label in definition.choices],
            "min_value": definition.min_value,
            "max_value": definition.max_value,
            "default": definition.default,
            "company": row.company_id,
            "value": row.effective,
            "is_own": row.is_own,
            "inherited_from": None if row.is_own else row.source_company_id,
            "version": row.version or 0,
        }

    def _row(self, company, key):
        if key not in DEFINITIONS:
            raise Http404
        return next(r for r in selectors.parameter_rows(company.pk) if r.key == key)

    @extend_schema(parameters=[_COMPANY_PARAM], responses={200: s.ParameterSerializer(many=True)})
    def list(self, request):
        company = self._company()
        return Response([self._row_data(r) for r in selectors.parameter_rows(company.pk)])

    @extend_schema(parameters=[_COMPANY_PARAM], responses={200: s.ParameterSerializer})
    def retrieve(self, request, key=None):
        company = self._company()
        return Response(self._row_data(self._row(company, key)))

    @extend_schema(
        parameters=[_COMPANY_PARAM], request=s.ParameterSetSerializer, responses={200: s.ParameterSerializer}
    )
    def update(self, request, key=None):
        company = self._company()
        self._row(company, key)
        serializer = s.ParameterSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.parameter_set(
            actor=request.user,
            company=company,
            key=key,
            value=serializer.validated_data["value"],
            expected_version=serializer.validated_data.get("version"),
        )
        return Response(self._row_data(self._row(company, key)))

    @extend_schema(
        parameters=[_COMPANY_PARAM], request=s.ParameterSetSerializer, responses={200: s.ParameterSerializer}
    )
    def partial_update(self, request, key=None):
        return self.update(request, key=key)

    @extend_schema(
        parameters=[_COMPANY_PARAM],
        request=s.ParameterResetSerializer,
        responses={200: s.ParameterSerializer},
    )
    @action(detail=True, methods=["post"])
    def reset(self, request, key=None):
        company = self._company()
        self._row(company, key)
        serializer = s.ParameterResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.parameter_reset(
            actor=request.user,
            company=company,
            key=key,
            expected_version=serializer.validated_data.get("version"),
        )
        return Response(self._row_data(self._row(company, key)))


# --- announcements ----------------------------------------------------------------------------
class AnnouncementViewSet(ScopedModelViewSet):
    queryset = Announcement.objects.select_related("company", "author")
    serializer_class = s.AnnouncementSerializer
    permission_resource = "system.announcement"
    filterset_class = AnnouncementFilterSet
    search_fields = ["title", "body"]
    ordering_fields = ["publish_from", "publish_until", "title", "created_at"]
    ordering = ["-is_pinned", "-publish_from"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.AnnouncementUpdateSerializer
        return s.AnnouncementSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        company = data.pop("company", None)
        if company is None:
            company = OrgUnit.objects.filter(pk=access.current_company_id(self.request.user)).first()
        serializer.instance = services.announcement_create(actor=self.request.user, company=company, **data)

    def perform_update(self, serializer):
        serializer.instance = services.announcement_update(
            actor=self.request.user,
            announcement=serializer.instance,
            data=dict(serializer.validated_data),
            expected_version=expected_version(self.request),
        )

    def perform_destroy(self, instance):
        services.announcement_delete(actor=self.request.user, announcement=instance)


class PublishedAnnouncementsView(generics.GenericAPIView):
    """What the workbench shows: the current company's (and its parents') published announcements."""

    serializer_class = s.AnnouncementSerializer
    queryset = Announcement.objects.none()
    pagination_class = None
    filter_backends: list = []

    @extend_schema(responses={200: s.AnnouncementSerializer(many=True)})
    def get(self, request):
        rows = selectors.published_announcements(access.current_company_id(request.user))[:50]
        return Response(s.AnnouncementSerializer(rows, many=True, context={"request": request}).data)


# --- logs ---------------------------------------------------------------------------------------
_XLSX = {(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY}


class _LogViewSet(ScopedQuerysetMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_actions = {"clear": "clear", "export": "export"}
    delete_service = None
    clear_service = None

    def get_queryset(self):
        return (
            selectors.visible_logs(self.request.user, self.queryset.model)
            .select_related(*self.related)
            .order_by("-at", "-id")
        )

    def perform_destroy(self, instance):
        type(self).delete_service(actor=self.request.user, logs=[instance])

    def _clear(self, request):
        serializer = s.LogClearSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        queryset = self.filter_queryset(self.get_queryset())
        count = type(self).clear_service(
            actor=request.user,
            queryset=queryset,
            date_from=serializer.validated_data.get("date_from"),
            date_to=serializer.validated_data.get("date_to"),
        )
        return Response({"deleted": count})

    def _export(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        content, filename = export_logs(request.user, self.queryset.model, queryset)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@extend_schema_view(destroy=extend_schema(description="Delete one row (needs system.operationlog.delete)."))
class OperationLogViewSet(_LogViewSet):
    queryset = OperationLog.objects.all()
    related = ("content_type",)
    serializer_class = s.OperationLogSerializer
    permission_resource = "system.operationlog"
    filterset_class = OperationLogFilterSet
    search_fields = ["actor_name", "object_repr", "note"]
    ordering_fields = ["at", "actor_name", "action", "module"]
    delete_service = services.operationlog_delete
    clear_service = services.operationlog_clear

    @extend_schema(
        request=s.LogClearSerializer,
        responses={200: s.CountSerializer},
        description="Clear the rows matching the filters and the date range (needs system.operationlog.clear).",
    )
    @action(detail=False, methods=["post"])
    def clear(self, request):
        return self._clear(request)

    @extend_schema(responses=_XLSX, description="Excel file of the filtered rows.")
    @action(detail=False, methods=["get"])
    def export(self, request):
        return self._export(request)


class LoginLogViewSet(_LogViewSet):
    queryset = LoginLog.objects.all()
    related = ("user",)
    serializer_class = s.LoginLogSerializer
    permission_resource = "system.loginlog"
    filterset_class = LoginLogFilterSet
    search_fields = ["username", "reason"]
    ordering_fields = ["at", "username", "success"]
    delete_service = services.loginlog_delete
    clear_service = services.loginlog_clear

    @extend_schema(
        request=s.LogClearSerializer,
        responses={200: s.CountSerializer},
        description="Clear the rows matching the filters and the date range (needs system.loginlog.clear).",
    )
    @action(detail=False, methods=["post"])
    def clear(self, request):
        return self._clear(request)

    @extend_schema(responses=_XLSX, description="Excel file of the filtered rows.")
    @action(detail=False, methods=["get"])
    def export(self, request):
        return self._export(request)


# --- data clearing --------------------------------------------------------------------------------
class DataClearingView(generics.GenericAPIView):
    """GET: the row counts that clearing would delete. POST: clear (a full backup is written first)."""

    serializer_class = s.ClearingRequestSerializer
    permission_resource = "system.dataclearing"
    permission_actions = {"post": "manage", "get": "view"}
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("company", OpenApiTypes.INT, required=True),
            OpenApiParameter("categories", OpenApiTypes.STR, many=True),
        ],
        responses={200: s.ClearingPreviewSerializer},
    )
    def get(self, request):
        raw = request.query_params.get("company")
        if is_digits(raw) and int(raw) not in access.visible_company_ids(request.user):
            raise Http404  # another company's subtree: invisible, like every row out of scope
        query = s.ClearingQuerySerializer(
            data={
                "company": raw,
                "categories": request.query_params.getlist("categories"),
            },
            context={"request": request},
        )
        query.is_valid(raise_exception=True)
        company = query.validated_data["company"]
        keys = query.validated_data.get("categories") or [c.key for c in clearing.categories() if c.clearable]
        counts = services.clearing_counts(company, keys)
        labels = dict(clearing.category_choices())
        return Response(
            {
                "company": company.pk,
                "company_name": company.name,
                "second_confirmation_required": services.clearing_requires_second_confirmation(),
                "categories": [{"key": k, "label": str(labels[k]), "counts": counts[k]} for k in keys],
            }
        )

    @extend_schema(request=s.ClearingRequestSerializer, responses={200: s.ClearingResultSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.data_clear(
            actor=request.user,
            company=data["company"],
            categories=data["categories"],
            confirm_name=data["confirm_name"],
            confirm_production=data.get("confirm_production", False),
        )
        return Response({"backup_path": result.backup_path, "deleted": result.deleted, "total": result.total})


# --- backups ----------------------------------------------------------------------------------------
class BackupView(generics.GenericAPIView):
    """GET: the backup files on the server. POST: write a full backup now."""

    serializer_class = s.BackupFileSerializer
    permission_resource = "system.backup"
    permission_actions = {"post": "manage", "get": "view"}
    pagination_class = None
    filter_backends: list = []

    @extend_schema(responses={200: s.BackupFileSerializer(many=True)})
    def get(self, request):
        directory = Path(settings.BACKUP_DIR)
        files = sorted(directory.glob("*.jsonl.gz"), reverse=True) if directory.exists() else []
        return Response(
            [
                {
                    "name": f.name,
                    "size": f.stat().st_size,
                    "modified": timezone.localtime(datetime.fromtimestamp(f.stat().st_mtime, tz=UTC)),
                }
                for f in files
            ]
        )

    @extend_schema(request=None, responses={201: s.BackupResultSerializer})
    def post(self, request):
        result = services.backup_create(actor=request.user)
        return Response(
            {"path": result.path, "total": result.total, "counts": result.counts},
            status=status.HTTP_201_CREATED,
        )


# --- saved views ------------------------------------------------------------------------------------
class SavedViewViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The signed-in user's saved list views. Saving under an existing name overwrites it."""

    queryset = SavedView.objects.all()
    serializer_class = s.SavedViewSerializer
    permission_resource = None
    filterset_fields = ["list_key"]
    ordering = ["list_key", "name"]
    pagination_class = None

    def perform_create(self, serializer):
        serializer.instance = savedviews.savedview_save(actor=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        savedviews.savedview_delete(actor=self.request.user, view=instance)

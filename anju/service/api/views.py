from django.db.models import Count, Prefetch, Sum
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from anju.core.api.viewsets import (
    ScopedModelViewSet,
    ScopedQuerysetMixin,
    ScopedReadOnlyViewSet,
    expected_version,
)
from anju.org.access import current_company_id, has_point, scoped
from anju.service import selectors, services, warranty
from anju.service.api import serializers as s
from anju.service.choices import ApprovalStatus, TaskType, WarrantyStatus
from anju.service.models import (
    AcceptanceShare,
    Callback,
    Compensation,
    ComplaintTopic,
    Contractor,
    ContractorContact,
    ContractorScope,
    Delivery,
    MessageTemplate,
    Notification,
    Problem,
    ProblemCategory,
    Reception,
    WarrantyElement,
)
from anju.tasks import calendar
from anju.tasks.models import CalendarDay, CalendarYear, EscalationStep, Task, TaskEvent, WorkingHours


def reference_viewset(model, resource, filterset_fields=(), search_fields=()):
    serializer_class = s.model_serializer(model, f"Service{model.__name__}Serializer")
    crud = services.CRUD[model]

    class ReferenceViewSet(ScopedModelViewSet):
        queryset = model.objects.all()
        permission_resource = resource

        def perform_create(self, serializer):
            serializer.instance = crud["create"](actor=self.request.user, **serializer.validated_data)

        def perform_update(self, serializer):
            obj = self.get_writable_object()
            serializer.instance = crud["update"](
                actor=self.request.user,
                instance=obj,
                data=dict(serializer.validated_data),
                expected_version=expected_version(self.request),
            )

        def perform_destroy(self, instance):
            crud["delete"](actor=self.request.user, instance=instance)

    ReferenceViewSet.serializer_class = serializer_class
    ReferenceViewSet.filterset_fields = list(filterset_fields)
    ReferenceViewSet.search_fields = list(search_fields)
    ReferenceViewSet.__name__ = f"{model.__name__}ViewSet"
    return ReferenceViewSet


CalendarDayViewSet = reference_viewset(CalendarDay, "service.settings", ["kind"])
CalendarYearViewSet = reference_viewset(CalendarYear, "service.settings")
WorkingHoursViewSet = reference_viewset(WorkingHours, "service.settings", ["company"])
EscalationStepViewSet = reference_viewset(EscalationStep, "service.settings", ["company"])
MessageTemplateViewSet = reference_viewset(MessageTemplate, "service.settings")
WarrantyElementViewSet = reference_viewset(WarrantyElement, "service.problem")
ProblemCategoryViewSet = reference_viewset(ProblemCategory, "service.problem", ["parent"], ["code", "name"])
ProblemViewSet = reference_viewset(
    Problem, "service.problem", ["part", "severity", "is_active"], ["code", "name"]
)
ContractorViewSet = reference_viewset(
    Contractor, "service.contractor", ["company", "is_active"], ["code", "name"]
)
ContractorContactViewSet = reference_viewset(ContractorContact, "service.contractor", ["contractor"])
ContractorScopeViewSet = reference_viewset(
    ContractorScope, "service.contractor", ["contractor", "project", "category"]
)
AcceptanceShareViewSet = reference_viewset(AcceptanceShare, "service.settings", ["project", "company"])


class ReceptionViewSet(ScopedModelViewSet):
    queryset = Reception.objects.select_related("room", "project").prefetch_related(
        "accepting_companies", "attachments"
    )
    permission_resource = "service.reception"
    permission_actions = {"decompose": "change"}
    filterset_fields = ["status", "channel", "project", "room", "customer"]
    search_fields = ["code", "caller_name", "caller_phone", "content"]
    ordering_fields = ["received_at", "code"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.ReceptionUpdateSerializer
        if self.action == "decompose":
            return s.DecomposeSerializer
        return s.ReceptionSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        user = self.request.user
        company_id = current_company_id(user)
        from anju.org.models import OrgUnit

        serializer.instance = services.reception_create(
            actor=user,
            company=OrgUnit.objects.get(pk=company_id) if company_id else data["room"].project.company,
            room=data["room"],
            content=data.get("content", ""),
            channel=data.get("channel"),
            customer=data.get("customer"),
            caller_name=data.get("caller_name", ""),
            caller_phone=data.get("caller_phone", ""),
            accepting_companies=data.get("accepting_companies"),
            received_at=data.get("received_at"),
            attachments=data.get("upload", []),
        )

    def perform_update(self, serializer):
        obj = self.get_writable_object()
        data = dict(serializer.validated_data)
        files = data.pop("upload", [])
        serializer.instance = services.reception_update(
            actor=self.request.user,
            reception=obj,
            data=data,
            expected_version=expected_version(self.request),
            attachments=files,
        )

    def perform_destroy(self, instance):
        raise ValidationError({"non_field_errors": [str(_cannot_delete())]})

    @extend_schema(request=s.DecomposeSerializer, responses={201: s.TaskSerializer(many=True)})
    @action(detail=True, methods=["post"])
    def decompose(self, request, pk=None):
        reception = self.get_writable_object()
        serializer = s.DecomposeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        tasks = services.reception_decompose(
            actor=request.user,
            reception=reception,
            tasks=[dict(t) for t in serializer.validated_data["tasks"]],
        )
        return Response(
            s.TaskSerializer(tasks, many=True, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


def _cannot_delete():
    from django.utils.translation import gettext as _

    return _("Reception records are kept; void their tasks instead.")


class TaskViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Task.objects.select_related("room", "project", "problem", "acceptor", "responsible_user")
    permission_resource = "service.task"
    permission_actions = {"transitions": "change"}
    filterset_fields = [
        "status",
        "source",
        "task_type",
        "project",
        "reception",
        "acceptor",
        "responsible_user",
        "accepting_company",
        "topic",
    ]
    search_fields = ["code", "description"]
    ordering_fields = ["created_at", "process_due", "reply_due", "code"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":  # the timeline names each event's actor: one query, not one each
            queryset = queryset.prefetch_related(
                Prefetch("events", queryset=TaskEvent.objects.select_related("actor"))
            )
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.TaskDetailSerializer
        if self.action == "transitions":
            return s.TransitionSerializer
        return s.TaskSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        for key in (
            "responsible_kind",
            "responsible_user",
            "responsible_department",
            "responsible_contractor",
        ):
            data.setdefault(key, None if key != "responsible_kind" else "")
        serializer.instance = services.task_create(actor=self.request.user, **data)

    @extend_schema(request=s.TransitionSerializer, responses={200: s.TaskDetailSerializer})
    @action(detail=True, methods=["post"])
    def transitions(self, request, pk=None):
        task = self.get_writable_object()
        serializer = s.TransitionSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assignment = None
        if data.get("responsible_kind"):
            assignment = {
                "kind": data["responsible_kind"],
                "user": data.get("responsible_user"),
                "department": data.get("responsible_department"),
                "contractor": data.get("responsible_contractor"),
            }
            if "consultant" in data:
                assignment["consultant"] = data["consultant"]
        elif data["action"] in ("assign", "reassign"):
            raise ValidationError({"responsible_kind": [str(_choose_responsible())]})
        task = services.task_transition(
            actor=request.user,
            task=task,
            action=data["action"],
            note=data.get("note", ""),
            expected_version=data.get("version"),
            assignment=assignment,
            attachments=data.get("attachments", []),
        )
        return Response(s.TaskDetailSerializer(task, context=self.get_serializer_context()).data)


def _choose_responsible():
    from django.utils.translation import gettext as _

    return _("Choose who is responsible.")


class CallbackViewSet(ScopedReadOnlyViewSet):
    queryset = Callback.objects.select_related("task").prefetch_related("events")
    serializer_class = s.CallbackSerializer
    permission_resource = "service.callback"
    permission_actions = {"record": "change", "waive": "change"}
    filterset_fields = ["status", "project", "task"]
    ordering_fields = ["due_at"]

    @extend_schema(request=s.CallbackRecordSerializer, responses={200: s.CallbackSerializer})
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        callback = self.get_writable_object()
        serializer = s.CallbackRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        callback = services.callback_record(
            actor=request.user, callback=callback, expected_version=version, **data
        )
        return Response(s.CallbackSerializer(callback).data)

    @extend_schema(request=s.NoteSerializer, responses={200: s.CallbackSerializer})
    @action(detail=True, methods=["post"])
    def waive(self, request, pk=None):
        callback = self.get_writable_object()
        serializer = s.NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(
            s.CallbackSerializer(
                services.callback_waive(
                    actor=request.user, callback=callback, note=serializer.validated_data["note"]
                )
            ).data
        )


class CompensationViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Compensation.objects.select_related("task", "contractor").prefetch_related("events")
    serializer_class = s.CompensationSerializer
    permission_resource = "service.compensation"
    permission_actions = {"decide": "approve", "totals": "view"}
    filterset_fields = ["status", "project", "contractor", "payer", "kind"]

    def perform_create(self, serializer):
        serializer.instance = services.compensation_create(
            actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=s.DecisionSerializer, responses={200: s.CompensationSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        row = self.get_writable_object()
        serializer = s.DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = services.compensation_decide(
            actor=request.user,
            compensation=row,
            approve=serializer.validated_data["approve"],
            expected_version=serializer.validated_data.get("version"),
        )
        return Response(s.CompensationSerializer(row, context=self.get_serializer_context()).data)

    @extend_schema(responses={200: s.TotalsSerializer})
    @action(detail=False, methods=["get"])
    def totals(self, request):
        qs = self.filter_queryset(self.get_queryset()).filter(status=ApprovalStatus.APPROVED)
        by_project = list(
            qs.values("project", "project__name")
            .annotate(total=Sum("amount"), count=Count("pk"))
            .order_by("project")
        )
        by_contractor = list(
            qs.filter(contractor__isnull=False)
            .values("contractor", "contractor__name")
            .annotate(total=Sum("amount"), count=Count("pk"))
            .order_by("contractor")
        )
        for row in by_project + by_contractor:
            row["total"] = f"{row['total']:.2f}"
        return Response({"by_project": by_project, "by_contractor": by_contractor})


class TopicViewSet(ScopedModelViewSet):
    queryset = ComplaintTopic.objects.all()
    serializer_class = s.TopicSerializer
    permission_resource = "service.topic"
    permission_actions = {"link": "change"}
    search_fields = ["title"]

    def perform_create(self, serializer):
        from anju.org.models import OrgUnit

        serializer.instance = services.complainttopic_create(
            actor=self.request.user,
            company=OrgUnit.objects.get(pk=current_company_id(self.request.user)),
            **serializer.validated_data,
        )

    def perform_update(self, serializer):
        serializer.instance = services.complainttopic_update(
            actor=self.request.user,
            instance=self.get_writable_object(),
            data=dict(serializer.validated_data),
            expected_version=expected_version(self.request),
        )

    def perform_destroy(self, instance):
        services.complainttopic_delete(actor=self.request.user, instance=instance)

    @extend_schema(request=s.TopicLinkSerializer, responses={200: s.TaskSerializer})
    @action(detail=True, methods=["post"])
    def link(self, request, pk=None):
        topic = self.get_writable_object()
        serializer = s.TopicLinkSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        task = services.task_link_topic(
            actor=request.user, task=serializer.validated_data["task"], topic=topic
        )
        return Response(s.TaskSerializer(task, context=self.get_serializer_context()).data)


class NotificationViewSet(ScopedReadOnlyViewSet):
    queryset = Notification.objects.all()
    serializer_class = s.NotificationSerializer
    permission_actions = {"read": "view"}
    filterset_fields = ["task"]

    @extend_schema(request=None, responses={200: s.NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.notification_mark_read(actor=request.user, notification=notification)
        notification.refresh_from_db()
        return Response(s.NotificationSerializer(notification).data)


class DeliveryViewSet(ScopedReadOnlyViewSet):
    """The e-mail/SMS deliveries of the user's notifications (the inbox's scope: their own)."""

    queryset = Delivery.objects.select_related("notification").order_by("-pk")
    serializer_class = s.DeliverySerializer
    filterset_fields = ["status", "channel", "notification"]

    @extend_schema(request=None, responses={200: s.DeliverySerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        if not has_point(request.user, "service.delivery.retry"):
            raise PermissionDenied
        delivery = services.delivery_retry(actor=request.user, delivery=self.get_object())
        return Response(s.DeliverySerializer(delivery).data)


class CalendarStatusView(APIView):
    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={200: s.CalendarStatusSerializer})
    def get(self, request):
        try:
            year = int(request.query_params.get("year") or timezone.localdate().year)
        except ValueError as exc:
            raise ValidationError({"year": ["?"]}) from exc
        if not 1900 <= year <= 2200:
            raise ValidationError({"year": ["1900-2200"]})
        return Response(calendar.year_status(year))


class WarrantyCheckView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("problem", int), OpenApiParameter("room", int)],
        responses={200: s.WarrantyCheckSerializer},
    )
    def get(self, request):
        from django.http import Http404

        from anju.estates.models import Room

        try:
            problem = Problem.objects.get(pk=int(request.query_params.get("problem", "")))
            room = (
                scoped(request.user, Room)
                .select_related("project")
                .get(pk=int(request.query_params.get("room", "")))
            )
        except (ValueError, Problem.DoesNotExist, Room.DoesNotExist) as exc:
            raise Http404 from exc
        status_, end = warranty.check(problem, room)
        return Response(
            {
                "status": status_,
                "status_display": str(WarrantyStatus(status_).label),
                "end": end,
                "paid_if_repair": status_ == WarrantyStatus.OUT,
            }
        )


class WorkbenchView(APIView):
    permission_resource = "service.task"

    @extend_schema(responses={200: s.WorkbenchSerializer})
    def get(self, request):
        user = request.user
        return Response(
            {
                "receptions": {
                    "all": selectors.reception_progress(user, mine=False),
                    "mine": selectors.reception_progress(user, mine=True),
                },
                "tasks": {
                    "all": selectors.task_progress(user, mine=False),
                    "mine": selectors.task_progress(user, mine=True),
                },
                "responsiveness": {
                    f"{period}_{'mine' if mine else 'all'}": selectors.responsiveness(
                        user, mine=mine, period=period
                    )
                    for period in ("month", "year", "all")
                    for mine in (False, True)
                },
            }
        )


__all__ = ["TaskType"]

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from anju.core.files import download_url
from anju.estates.models import Room
from anju.org.access import scoped, visible_company_ids
from anju.org.models import OrgUnit, User
from anju.service.choices import CallbackMethod, ResponsibleKind, Satisfaction, TaskType
from anju.service.models import (
    Callback,
    CallbackEvent,
    Compensation,
    CompensationEvent,
    ComplaintTopic,
    Contractor,
    Delivery,
    Notification,
    Problem,
    Reception,
    ReceptionAttachment,
)
from anju.tasks import calendar, workflow
from anju.tasks.models import Task, TaskEvent


class ScopedPK(serializers.PrimaryKeyRelatedField):
    """A foreign key the user may only point at rows inside their (writable) data scope."""

    def get_queryset(self):
        request = self.context.get("request")
        qs = super().get_queryset()
        if request is None:
            return qs.none()
        return scoped(request.user, qs, for_write=getattr(qs.model.scope, "project", None) is not None)


class VisibleDepartmentPK(serializers.PrimaryKeyRelatedField):
    """A department of one of the user's visible companies."""

    def get_queryset(self):
        request = self.context.get("request")
        qs = super().get_queryset()
        if request is None:
            return qs.none()
        return qs.filter(company_id__in=visible_company_ids(request.user))


class ScopedModelSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedPK


def model_serializer(model, name: str, read_only=()):
    meta = type(
        "Meta", (), {"model": model, "fields": "__all__", "read_only_fields": ("version", *read_only)}
    )
    return type(name, (ScopedModelSerializer,), {"Meta": meta})


class AttachmentSerializer(serializers.ModelSerializer):
    # The protected download (view point + data scope), never the storage's own URL.
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReceptionAttachment
        fields = ["id", "name", "content_type", "size", "download_url", "uploaded_at"]
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return download_url(obj)


class ReceptionSerializer(ScopedModelSerializer):
    room = ScopedPK(queryset=Room.objects.all())
    accepting_companies = serializers.PrimaryKeyRelatedField(
        queryset=OrgUnit.objects.all(), many=True, required=False
    )
    attachments = AttachmentSerializer(many=True, read_only=True)
    upload = serializers.ListField(
        child=serializers.FileField(), write_only=True, required=False, label=_("attachments")
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Reception
        fields = [
            "id",
            "code",
            "company",
            "channel",
            "customer",
            "caller_name",
            "caller_phone",
            "room",
            "project",
            "content",
            "received_at",
            "accepting_companies",
            "status",
            "status_display",
            "created_by",
            "created_at",
            "version",
            "attachments",
            "upload",
        ]
        read_only_fields = ["code", "company", "project", "status", "created_by", "created_at", "version"]
        extra_kwargs = {"received_at": {"required": False}}


class ReceptionUpdateSerializer(ReceptionSerializer):
    class Meta(ReceptionSerializer.Meta):
        read_only_fields = [*ReceptionSerializer.Meta.read_only_fields, "room"]


class EventSerializer(serializers.ModelSerializer):
    # Events of the SLA sweep and of bulk loads have no actor: named as automatic, never null.
    actor_name = serializers.SerializerMethodField()
    action_label = serializers.SerializerMethodField()
    from_status_label = serializers.SerializerMethodField()
    to_status_label = serializers.SerializerMethodField()

    class Meta:
        model = TaskEvent
        fields = [
            "id",
            "action",
            "action_label",
            "from_status",
            "from_status_label",
            "to_status",
            "to_status_label",
            "actor",
            "actor_name",
            "at",
            "note",
            "data",
        ]

    def get_actor_name(self, obj) -> str:
        return workflow.person_name(obj.actor if obj.actor_id else None)

    def get_action_label(self, obj) -> str:
        return workflow.event_label(obj.task, obj.action)

    def get_from_status_label(self, obj) -> str:
        return workflow.status_label(obj.from_status) if obj.from_status else ""

    def get_to_status_label(self, obj) -> str:
        return workflow.status_label(obj.to_status) if obj.to_status else ""


def _fresh(field):
    """A new, unbound instance of a serializer field built from the same arguments (what DRF's
    deepcopy does, without deep-copying querysets and choices, which fields never change)."""
    import copy

    if isinstance(field, serializers.BaseSerializer) or any(
        isinstance(v, serializers.Field) for v in field._kwargs.values()
    ):
        return copy.deepcopy(field)
    return field.__class__(*field._args, **field._kwargs)


class FieldsOnceMixin:
    """Build a ModelSerializer's fields from the model once per class; every instance gets fresh
    copies of them. Introspecting the model and deep-copying the declared fields' querysets cost
    ~4 ms of every task request."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_once")
        if built is None:
            built = super().get_fields()
            cls._fields_once = built
        return {name: _fresh(field) for name, field in built.items()}


class TaskSerializer(FieldsOnceMixin, ScopedModelSerializer):
    room = ScopedPK(queryset=Room.objects.select_related("project"))
    problem = ScopedPK(
        queryset=Problem.objects.filter(is_active=True).select_related("part__parent", "warranty_element"),
        required=False,
        allow_null=True,
    )
    accepting_company = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
    acceptor = ScopedPK(queryset=User.objects.filter(is_active=True))
    responsible_user = ScopedPK(queryset=User.objects.filter(is_active=True), required=False, allow_null=True)
    responsible_department = VisibleDepartmentPK(
        queryset=OrgUnit.objects.filter(kind="department"), required=False, allow_null=True
    )
    consultant = ScopedPK(queryset=User.objects.filter(is_active=True), required=False, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    time_left = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "code",
            "source",
            "reception",
            "task_type",
            "problem",
            "description",
            "room",
            "project",
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
            "status_display",
            "warranty_status",
            "warranty_end",
            "is_paid",
            "assigned_at",
            "reply_due",
            "answer_due",
            "process_due",
            "replied_at",
            "answered_at",
            "completed_at",
            "closed_at",
            "reply_timeout",
            "answer_timeout",
            "process_timeout",
            "escalation_level",
            "created_by",
            "created_at",
            "version",
            "allowed_actions",
            "time_left",
        ]
        read_only_fields = [
            "code",
            "reception",
            "project",
            "severity",
            "status",
            "warranty_status",
            "warranty_end",
            "is_paid",
            "assigned_at",
            "reply_due",
            "answer_due",
            "process_due",
            "replied_at",
            "answered_at",
            "completed_at",
            "closed_at",
            "reply_timeout",
            "answer_timeout",
            "process_timeout",
            "escalation_level",
            "created_by",
            "created_at",
            "version",
            "topic",
        ]
        extra_kwargs = {"source": {"default": "daily"}}  # a task created here is a daily complaint

    def get_allowed_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return [t.action for t in workflow.allowed_actions(request.user, obj)] if request else []

    def get_time_left(self, obj) -> dict:
        """Working minutes left on each running clock (negative: overdue)."""
        from django.utils import timezone

        now = timezone.now()
        out = {}
        with calendar.memoized():
            out = self._time_left(obj, now)
        return out

    def _time_left(self, obj, now) -> dict:
        out = {}
        for name, due, stop in (
            ("reply", obj.reply_due, obj.replied_at),
            ("answer", obj.answer_due, obj.answered_at),
            ("process", obj.process_due, obj.completed_at),
        ):
            if due and not stop and obj.is_open:
                out[name] = calendar.working_minutes_between(now, due, obj.accepting_company_id)
        return out


class TaskDetailSerializer(TaskSerializer):
    events = EventSerializer(many=True, read_only=True)
    siblings = serializers.SerializerMethodField()

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "events", "siblings"]

    def get_siblings(self, obj) -> list[dict]:
        if not obj.reception_id:
            return []
        return list(
            Task.objects.filter(reception_id=obj.reception_id)
            .exclude(pk=obj.pk)
            .values("id", "code", "status", "task_type")
        )


class DecomposeTaskSerializer(serializers.Serializer):
    task_type = serializers.ChoiceField(choices=TaskType.choices)
    problem = serializers.PrimaryKeyRelatedField(
        queryset=Problem.objects.filter(is_active=True), required=False, allow_null=True
    )
    description = serializers.CharField(required=False, allow_blank=True)
    room = ScopedPK(queryset=Room.objects.all(), required=False, allow_null=True)
    accepting_company = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.all())
    acceptor = ScopedPK(queryset=User.objects.filter(is_active=True))
    responsible_kind = serializers.ChoiceField(
        choices=ResponsibleKind.choices, required=False, allow_blank=True
    )
    responsible_user = ScopedPK(queryset=User.objects.filter(is_active=True), required=False, allow_null=True)
    responsible_department = VisibleDepartmentPK(
        queryset=OrgUnit.objects.filter(kind="department"), required=False, allow_null=True
    )
    responsible_contractor = ScopedPK(queryset=Contractor.objects.all(), required=False, allow_null=True)
    consultant = ScopedPK(queryset=User.objects.filter(is_active=True), required=False, allow_null=True)


class DecomposeSerializer(serializers.Serializer):
    tasks = DecomposeTaskSerializer(many=True)


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(k, t.label) for k, t in workflow.TRANSITIONS.items()])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True)
    responsible_kind = serializers.ChoiceField(
        choices=ResponsibleKind.choices, required=False, allow_blank=True
    )
    responsible_user = ScopedPK(queryset=User.objects.filter(is_active=True), required=False, allow_null=True)
    responsible_department = VisibleDepartmentPK(
        queryset=OrgUnit.objects.filter(kind="department"), required=False, allow_null=True
    )
    responsible_contractor = ScopedPK(queryset=Contractor.objects.all(), required=False, allow_null=True)
    consultant = ScopedPK(queryset=User.objects.filter(is_active=True), required=False, allow_null=True)
    attachments = serializers.ListField(child=serializers.FileField(), required=False, write_only=True)


class CallbackEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallbackEvent
        fields = ["at", "action", "from_status", "to_status", "actor", "note"]
        read_only_fields = fields


class CompensationEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompensationEvent
        fields = ["at", "action", "from_status", "to_status", "actor", "note"]
        read_only_fields = fields


class CallbackSerializer(serializers.ModelSerializer):
    # Declared so that the schema admits "" (a pending callback has no method yet).
    method = serializers.ChoiceField(choices=CallbackMethod.choices, allow_blank=True, read_only=True)
    events = CallbackEventSerializer(many=True, read_only=True)

    class Meta:
        model = Callback
        fields = [
            "id",
            "task",
            "project",
            "due_at",
            "status",
            "method",
            "person_reached",
            "satisfaction",
            "nps",
            "comments",
            "done_by",
            "done_at",
            "version",
            "events",
        ]
        read_only_fields = fields


class CallbackRecordSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=CallbackMethod.choices)
    person_reached = serializers.CharField(allow_blank=True, required=False, default="")
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    nps = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    comments = serializers.CharField(allow_blank=True, required=False, default="")
    version = serializers.IntegerField(required=False, allow_null=True)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField()


class CompensationSerializer(ScopedModelSerializer):
    task = ScopedPK(queryset=Task.objects.all())
    events = CompensationEventSerializer(many=True, read_only=True)

    class Meta:
        model = Compensation
        fields = [
            "id",
            "task",
            "project",
            "kind",
            "amount",
            "payer",
            "contractor",
            "description",
            "status",
            "approved_by",
            "approved_at",
            "created_by",
            "created_at",
            "version",
            "events",
        ]
        read_only_fields = [
            "project",
            "status",
            "approved_by",
            "approved_at",
            "created_by",
            "created_at",
            "version",
        ]
        extra_kwargs = {"amount": {"min_value": 0}}


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    version = serializers.IntegerField(required=False, allow_null=True)


class TotalsSerializer(serializers.Serializer):
    by_project = serializers.ListField(child=serializers.DictField())
    by_contractor = serializers.ListField(child=serializers.DictField())


class TopicLinkSerializer(serializers.Serializer):
    task = ScopedPK(queryset=Task.objects.all())


class TopicSerializer(ScopedModelSerializer):
    class Meta:
        model = ComplaintTopic
        fields = "__all__"
        read_only_fields = ["version", "created_at", "company"]


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "template", "title", "body", "task", "read_at", "created_at"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="notification.title", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "notification",
            "title",
            "channel",
            "channel_display",
            "address",
            "status",
            "status_display",
            "attempts",
            "error",
            "next_attempt_at",
            "sent_at",
            "provider_message_id",
            "created_at",
        ]
        read_only_fields = fields


class CalendarStatusSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    source = serializers.CharField()
    fallback = serializers.BooleanField()


class WarrantyCheckSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_display = serializers.CharField()
    end = serializers.DateField(allow_null=True)
    paid_if_repair = serializers.BooleanField()


class WorkbenchSerializer(serializers.Serializer):
    receptions = serializers.DictField()
    tasks = serializers.DictField()
    responsiveness = serializers.DictField()

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from anju.core.api.fields import BoundedDateTimeField
from anju.core.models import OperationLog, SavedView
from anju.core.savedviews import LIST_KEY_PATTERN
from anju.org.api.serializers import ScopedPrimaryKeyRelatedField
from anju.org.models import OrgUnit
from anju.system import clearing
from anju.system.models import (
    Announcement,
    Dictionary,
    DictionaryItem,
    LoginLog,
)


class DictionaryItemSerializer(serializers.ModelSerializer):
    dictionary = serializers.PrimaryKeyRelatedField(queryset=Dictionary.objects.all())
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = DictionaryItem
        fields = ["id", "dictionary", "code", "label", "label_en", "sort_order", "is_enabled", "version"]
        # Uniqueness is checked by the service, which answers with a field error.
        validators: list = []


class DictionaryItemUpdateSerializer(DictionaryItemSerializer):
    class Meta(DictionaryItemSerializer.Meta):
        read_only_fields = ["dictionary"]


class DictionarySerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(read_only=True)
    items = DictionaryItemSerializer(many=True, read_only=True)

    class Meta:
        model = Dictionary
        fields = ["id", "code", "name", "description", "is_system", "version", "items"]
        read_only_fields = ["is_system"]
        extra_kwargs = {"code": {"validators": []}}


class DictionaryChoiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class ParameterChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class ParameterSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    group = serializers.CharField(read_only=True)
    type = serializers.CharField(read_only=True)
    help_text = serializers.CharField(read_only=True)
    choices = ParameterChoiceSerializer(many=True, read_only=True)
    min_value = serializers.IntegerField(read_only=True, allow_null=True)
    max_value = serializers.IntegerField(read_only=True, allow_null=True)
    default = serializers.JSONField(read_only=True)
    company = serializers.IntegerField(read_only=True)
    value = serializers.JSONField(read_only=True, help_text=_("The effective value for the company."))
    is_own = serializers.BooleanField(
        read_only=True, help_text=_("True when the company has its own value; false when inherited.")
    )
    inherited_from = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Company whose value applies; null for the default.")
    )
    version = serializers.IntegerField(
        read_only=True, help_text=_("Version of the company's own value; 0 when it has none.")
    )


class ParameterSetSerializer(serializers.Serializer):
    value = serializers.JSONField(label=_("value"))
    version = serializers.IntegerField(
        required=False, min_value=0, help_text=_("The version you edited (0 when the value was inherited).")
    )


class ParameterResetSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=0)


class AnnouncementSerializer(serializers.ModelSerializer):
    company = ScopedPrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), required=False)
    version = serializers.IntegerField(read_only=True)
    publish_from = BoundedDateTimeField(required=False)
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = Announcement
        fields = [
            "id",
            "company",
            "title",
            "body",
            "publish_from",
            "publish_until",
            "is_pinned",
            "author",
            "author_name",
            "version",
            "created_at",
        ]
        read_only_fields = ["author", "created_at"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_author_name(self, obj):
        return str(obj.author) if obj.author else ""


class AnnouncementUpdateSerializer(AnnouncementSerializer):
    class Meta(AnnouncementSerializer.Meta):
        read_only_fields = [*AnnouncementSerializer.Meta.read_only_fields, "company"]


class OperationLogSerializer(serializers.ModelSerializer):
    action_display = serializers.CharField(source="get_action_display", read_only=True)
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = OperationLog
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "action",
            "action_display",
            "module",
            "object_type",
            "object_id",
            "object_repr",
            "company",
            "before",
            "after",
            "note",
            "ip",
            "user_agent",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_object_type(self, obj):
        ct = obj.content_type
        return f"{ct.app_label}.{ct.model}" if ct else ""


class LoginLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = LoginLog
        fields = [
            "id",
            "at",
            "username",
            "user",
            "company",
            "success",
            "reason",
            "channel",
            "ip",
            "user_agent",
        ]
        read_only_fields = fields


class LogClearSerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, allow_null=True, label=_("from date"))
    date_to = serializers.DateField(required=False, allow_null=True, label=_("to date"))

    def validate(self, attrs):
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"date_to": _("The end date must not be before the start date.")}
            )
        return attrs


class CountSerializer(serializers.Serializer):
    deleted = serializers.IntegerField()


class ClearingQuerySerializer(serializers.Serializer):
    company = ScopedPrimaryKeyRelatedField(queryset=OrgUnit.objects.all(), label=_("company"))
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=()), required=False, label=_("table categories")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].child.choices = clearing.category_choices()

    def validate_company(self, value):
        if not value.is_company:
            raise serializers.ValidationError(_("Choose a company, not a department."))
        return value


class ClearingRequestSerializer(ClearingQuerySerializer):
    categories = serializers.ListField(child=serializers.ChoiceField(choices=()), label=_("table categories"))
    confirm_name = serializers.CharField(
        label=_("company name"), help_text=_("Type the company's name to confirm."), max_length=100
    )
    confirm_production = serializers.BooleanField(
        required=False,
        default=False,
        label=_("second confirmation"),
        help_text=_("Required on production systems (DEBUG off)."),
    )


class ClearingCategorySerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())


class ClearingPreviewSerializer(serializers.Serializer):
    company = serializers.IntegerField()
    company_name = serializers.CharField()
    second_confirmation_required = serializers.BooleanField()
    categories = ClearingCategorySerializer(many=True)


class ClearingResultSerializer(serializers.Serializer):
    backup_path = serializers.CharField()
    deleted = serializers.DictField(child=serializers.IntegerField())
    total = serializers.IntegerField()


class BackupFileSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField()
    modified = serializers.DateTimeField()


class BackupResultSerializer(serializers.Serializer):
    path = serializers.CharField()
    total = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())


class SavedViewSerializer(serializers.ModelSerializer):
    class Meta:
        model = SavedView
        fields = ["id", "list_key", "name", "query", "created_at"]
        read_only_fields = ["created_at"]
        validators: list = []
        extra_kwargs = {
            "list_key": {
                "validators": [
                    RegexValidator(LIST_KEY_PATTERN, _("Name the list as “app.model”, e.g. “org.orgunit”."))
                ],
                "help_text": _("The list, as “app_label.model_name” (e.g. “org.orgunit”)."),
            },
            "query": {
                "required": False,
                "allow_blank": True,
                "help_text": _("The list's query string (filters, ordering, page size)."),
            },
        }

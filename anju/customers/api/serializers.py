from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from anju.core.masking import mask_bank_account, mask_id_number, mask_phone
from anju.customers.choices import CustomerState, EndReason, PhoneKind, RelationRole
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
from anju.customers.selectors import can_see_sensitive
from anju.estates.models import Project, Room
from anju.org.access import scoped


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key the user can only point at rows inside their data scope."""

    def get_queryset(self):
        request = self.context.get("request")
        return scoped(request.user, super().get_queryset()) if request else super().get_queryset().none()


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


class MaskingMixin:
    """Masks personal data (PIPL) unless the user holds customers.customer.view_sensitive."""

    masked: dict = {}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if not (request and can_see_sensitive(request.user)):
            for name, func in self.masked.items():
                if data.get(name):
                    data[name] = func(str(data[name]))
        return data


class WarningsMixin(serializers.Serializer):
    warnings = serializers.SerializerMethodField(
        help_text=_("Findings that did not block the save (e.g. an unknown mobile prefix).")
    )

    def get_warnings(self, obj) -> list[str]:
        return [str(w) for w in getattr(obj, "warnings", [])]


class PhoneInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PhoneKind.choices, required=False)
    number = serializers.CharField(max_length=40)
    remarks = serializers.CharField(max_length=100, required=False, allow_blank=True)


class CustomerPhoneSerializer(MaskingMixin, WarningsMixin, serializers.ModelSerializer):
    masked = {"number": mask_phone}
    customer = ScopedRelatedField(queryset=Customer.objects.all())

    class Meta:
        model = CustomerPhone
        fields = ["id", "customer", "kind", "number", "is_primary", "remarks", "warnings"]


class CustomerSerializer(MaskingMixin, WarningsMixin, serializers.ModelSerializer):
    masked = {"mobile": mask_phone, "id_number": mask_id_number}
    phones = serializers.SerializerMethodField()
    phones_input = PhoneInputSerializer(
        many=True, write_only=True, required=False, source="phones_in", help_text=_("Replaces all phones.")
    )
    tags = serializers.ListField(child=serializers.CharField(max_length=30), required=False)
    salesperson = serializers.PrimaryKeyRelatedField(
        queryset=_user_model().objects.all(), required=False, allow_null=True
    )
    project = ScopedRelatedField(
        queryset=Project.objects.all(),
        required=False,
        allow_null=True,
    )
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "company",
            "kind",
            "code",
            "name",
            "mobile",
            "phones",
            "phones_input",
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
            "tags",
            "state",
            "project",
            "salesperson",
            "remarks",
            "merged_into",
            "name_initials",
            "created_by",
            "updated_by",
            "created_at",
            "updated_at",
            "version",
            "warnings",
        ]
        read_only_fields = [
            "company",
            "state",
            "merged_into",
            "name_initials",
            "created_by",
            "updated_by",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"code": {"required": False, "allow_blank": True}}

    def get_phones(self, obj) -> list[dict]:
        request = self.context.get("request")
        show = request and can_see_sensitive(request.user)
        return [
            {
                "id": p.pk,
                "kind": p.kind,
                "number": p.number if show else mask_phone(p.number),
                "is_primary": p.is_primary,
            }
            for p in obj.phones.all()
        ]

    def validate_salesperson(self, value):
        request = self.context.get("request")
        if (
            value is not None
            and request
            and not scoped(request.user, _user_model().objects.filter(pk=value.pk)).exists()
        ):
            raise serializers.ValidationError(_("Choose a member of your company."))
        return value


class CustomerUpdateSerializer(CustomerSerializer):
    class Meta(CustomerSerializer.Meta):
        read_only_fields = [*CustomerSerializer.Meta.read_only_fields, "name"]


class RevealSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class RevealResultSerializer(serializers.Serializer):
    id_number = serializers.CharField()
    mobile = serializers.CharField()
    phones = serializers.ListField(child=serializers.DictField())
    bank_accounts = serializers.ListField(child=serializers.DictField())
    family = serializers.ListField(child=serializers.DictField())


class CustomerRenameSerializer(serializers.Serializer):
    new_name = serializers.CharField(max_length=100)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


class MatchRequestSerializer(serializers.Serializer):
    names = serializers.CharField(max_length=2000, help_text=_("Several names separated by ';'."))
    keys = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text=_("Phones or ID numbers, separated by ';'."),
    )


class MatchCandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    company = serializers.CharField()
    same_company = serializers.BooleanField()
    contact = serializers.CharField()
    score = serializers.IntegerField()


class MatchEntrySerializer(serializers.Serializer):
    name = serializers.CharField()
    key = serializers.CharField()
    candidates = MatchCandidateSerializer(many=True)
    best = serializers.IntegerField(allow_null=True)


class MatchResponseSerializer(serializers.Serializer):
    mode = serializers.CharField()
    entries = MatchEntrySerializer(many=True)


class RegisterSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    key = serializers.CharField(max_length=60, required=False, allow_blank=True)
    candidates = serializers.ListField(child=serializers.IntegerField(), required=False)
    chosen = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("Candidate id, or null for none.")
    )
    data = serializers.DictField(
        required=False, help_text=_("Step 3 form: the customer's fields and phones.")
    )


class MergeSerializer(serializers.Serializer):
    kept = ScopedRelatedField(queryset=Customer.objects.exclude(state=CustomerState.MERGED))
    merged = ScopedRelatedField(queryset=Customer.objects.exclude(state=CustomerState.MERGED))


class MergePreviewSerializer(serializers.Serializer):
    moves = serializers.DictField()
    fills = serializers.ListField(child=serializers.CharField())


class TransferSerializer(serializers.Serializer):
    customers = ScopedRelatedField(queryset=Customer.objects.all(), many=True)
    to_salesperson = ScopedRelatedField(
        queryset=_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    to_project = ScopedRelatedField(
        queryset=Project.objects.all(),
        required=False,
        allow_null=True,
    )
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class BatchSerializer(serializers.Serializer):
    customers = ScopedRelatedField(queryset=Customer.objects.all(), many=True)
    state = serializers.ChoiceField(
        choices=[CustomerState.ACTIVE, CustomerState.DISABLED], required=False, allow_null=True
    )
    add_tags = serializers.ListField(child=serializers.CharField(max_length=30), required=False)
    remove_tags = serializers.ListField(child=serializers.CharField(max_length=30), required=False)


class BatchCountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    valid_only = serializers.BooleanField(
        default=False, help_text=_("Import the valid rows even if others fail.")
    )
    dry_run = serializers.BooleanField(default=True, help_text=_("Preview only: nothing is written."))


class ImportResultSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    valid = serializers.IntegerField()
    written = serializers.IntegerField()
    rows = serializers.ListField(child=serializers.DictField())


class TimelineSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor_name = serializers.CharField()
    action = serializers.CharField()
    object_repr = serializers.CharField()
    note = serializers.CharField()


class SearchResultSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="customer, room, vehicle, reception, task, …")
    id = serializers.IntegerField()
    label = serializers.CharField()
    detail = serializers.CharField()
    customer = serializers.IntegerField(allow_null=True)
    score = serializers.IntegerField()
    why = serializers.CharField()
    why_label = serializers.CharField()
    url = serializers.CharField(allow_null=True, help_text="Staff page of the result; null when not allowed.")


class _ChildSerializer(MaskingMixin, WarningsMixin, serializers.ModelSerializer):
    customer = ScopedRelatedField(queryset=Customer.objects.exclude(state=CustomerState.MERGED))
    version = serializers.IntegerField(read_only=True)


class ContactSerializer(_ChildSerializer):
    masked = {"phone": mask_phone}

    class Meta:
        model = Contact
        fields = ["id", "customer", "name", "position", "phone", "email", "remarks", "version", "warnings"]


class FamilyMemberSerializer(_ChildSerializer):
    masked = {"mobile": mask_phone, "id_number": mask_id_number}

    class Meta:
        model = FamilyMember
        fields = [
            "id",
            "customer",
            "relationship",
            "name",
            "gender",
            "birthday",
            "mobile",
            "id_number",
            "remarks",
            "version",
            "warnings",
        ]


class BankAccountSerializer(_ChildSerializer):
    masked = {"account_number": mask_bank_account}

    class Meta:
        model = BankAccount
        fields = [
            "id",
            "customer",
            "account_name",
            "bank_name",
            "account_number",
            "agreement_no",
            "is_primary",
            "version",
            "warnings",
        ]


class VehicleSerializer(_ChildSerializer):
    room = ScopedRelatedField(
        queryset=Room.objects.all(),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Vehicle
        fields = [
            "id",
            "customer",
            "plate_number",
            "vehicle_type",
            "brand",
            "color",
            "parking_space",
            "room",
            "start_date",
            "end_date",
            "remarks",
            "version",
            "warnings",
        ]


class PhoneChildSerializer(_ChildSerializer):
    masked = {"number": mask_phone}

    class Meta:
        model = CustomerPhone
        fields = ["id", "customer", "kind", "number", "is_primary", "remarks", "warnings"]


class RoomCustomerSerializer(serializers.ModelSerializer):
    room = ScopedRelatedField(queryset=Room.objects.all())
    customer = ScopedRelatedField(queryset=Customer.objects.exclude(state=CustomerState.MERGED))
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    room_code = serializers.CharField(source="room.code", read_only=True)
    is_current = serializers.BooleanField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    # Declared so that the schema admits "" (a current relation has no end reason yet).
    end_reason = serializers.ChoiceField(choices=EndReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = RoomCustomer
        fields = [
            "id",
            "room",
            "room_code",
            "customer",
            "customer_name",
            "role",
            "share",
            "start_date",
            "end_date",
            "end_reason",
            "is_current",
            "is_move_in",
            "keys_handed_over",
            "documents_handed_over",
            "remarks",
            "version",
        ]
        read_only_fields = ["end_date", "end_reason", "is_move_in"]


class MoveOutSerializer(serializers.Serializer):
    date = serializers.DateField()
    remarks = serializers.CharField(max_length=200, required=False, allow_blank=True)


class NewOwnerSerializer(serializers.Serializer):
    customer = ScopedRelatedField(queryset=Customer.objects.exclude(state=CustomerState.MERGED))
    share = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, allow_null=True)


class OwnershipTransferSerializer(serializers.Serializer):
    room = ScopedRelatedField(queryset=Room.objects.all())
    new_owners = NewOwnerSerializer(many=True)
    date = serializers.DateField()
    remarks = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RelationMoveSerializer(serializers.Serializer):
    relations = ScopedRelatedField(queryset=RoomCustomer.objects.select_related("room"), many=True)
    room = ScopedRelatedField(queryset=Room.objects.all())
    date = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def validate_relations(self, value):
        if not value:
            raise serializers.ValidationError(_("Choose at least one relation."))
        return value


class BillingPartySerializer(serializers.Serializer):
    room = serializers.IntegerField()
    relation = RoomCustomerSerializer(allow_null=True)


class RenameEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RenameEvent
        fields = ["at", "action", "from_status", "to_status", "actor", "note"]
        read_only_fields = fields


class RenameRequestSerializer(serializers.ModelSerializer):
    customer = ScopedRelatedField(queryset=Customer.objects.exclude(state=CustomerState.MERGED))
    version = serializers.IntegerField(read_only=True)
    events = RenameEventSerializer(many=True, read_only=True)

    class Meta:
        model = RenameRequest
        fields = [
            "id",
            "customer",
            "old_name",
            "new_name",
            "reason",
            "status",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
            "version",
            "events",
        ]
        read_only_fields = ["old_name", "status", "requested_by", "decided_by", "decided_at", "decision_note"]


class RenameDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class DuplicateLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = DuplicateLog
        fields = ["id", "company", "name", "mode", "candidates", "chosen", "created", "actor", "at"]


class MergeLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = MergeLog
        fields = ["id", "company", "kept", "merged", "moved", "actor", "at", "reverted_at", "reverted_by"]


class TransferLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = TransferLog
        fields = [
            "id",
            "customer",
            "from_salesperson",
            "to_salesperson",
            "from_project",
            "to_project",
            "reason",
            "actor",
            "at",
        ]


__all__ = ["EndReason", "RelationRole"]

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from anju.core.api.parsers import FormParser, MultiPartParser
from anju.core.api.viewsets import (
    ScopedModelViewSet,
    ScopedQuerysetMixin,
    ScopedReadOnlyViewSet,
    expected_version,
)
from anju.core.services import ServiceValidationError
from anju.customers import exporter, importer, selectors, services
from anju.customers.api import serializers as s
from anju.customers.choices import CustomerState
from anju.customers.filtersets import CustomerFilter, RoomCustomerFilter
from anju.customers.models import (
    BankAccount,
    Contact,
    Customer,
    CustomerPhone,
    DuplicateLog,
    FamilyMember,
    MergeLog,
    RenameRequest,
    RoomCustomer,
    TransferLog,
    Vehicle,
)
from anju.customers.validators import parse_id
from anju.estates.models import Room
from anju.org.access import current_company_id, scoped
from anju.org.models import OrgUnit
from anju.system.parameters import get_parameter


def _company(user):
    company_id = current_company_id(user)
    if company_id is None:
        raise ServiceValidationError(_("Choose a company to work in first."))
    return OrgUnit.objects.get(pk=company_id)


class CustomerViewSet(ScopedModelViewSet):
    """客户台帐: customers of the current data scope. Personal data is masked unless the user holds
    "view sensitive"; unmasked responses are logged."""

    queryset = Customer.objects.prefetch_related(
        Prefetch("phones", queryset=CustomerPhone.objects.order_by("-is_primary", "id"))
    )
    serializer_class = s.CustomerSerializer
    permission_resource = "customers.customer"
    permission_actions = {
        "reveal": "view_sensitive",
        "rename": "rename",
        "match": "add",
        "register": "add",
        "merge_preview": "merge",
        "merge": "merge",
        "transfer": "transfer",
        "batch": "change",
        "export": "export",
        "import_rows": "import",
        "timeline": "view",
        "template": "import",
    }
    filterset_class = CustomerFilter
    ordering_fields = ["code", "name", "created_at", "updated_at"]
    # The model's order, served by the (company, code) unique index: ordering by code alone sorted
    # every visible customer for each page (75 ms over 200,000 customers instead of 0.2 ms).
    ordering = ["company_id", "code"]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list" and not self.request.query_params.get("state"):
            qs = qs.exclude(state=CustomerState.MERGED)
        return qs

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return s.CustomerUpdateSerializer
        return s.CustomerSerializer

    def _log_unmasked(self, customers, note=""):
        if selectors.can_see_sensitive(self.request.user):
            services.customer_log_sensitive_view(actor=self.request.user, customers=customers, note=note)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        results = response.data.get("results", []) if isinstance(response.data, dict) else response.data
        if results:
            self._log_unmasked(Customer.objects.filter(pk__in=[r["id"] for r in results]), note=_("API list"))
        return response

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()  # once: the log names the customer the response shows
        response = Response(self.get_serializer(instance).data)
        self._log_unmasked([instance], note=_("API detail"))
        return response

    def _data(self, validated):
        data = dict(validated)
        phones = data.pop("phones_in", None)
        return data, phones

    def perform_create(self, serializer):
        data, phones = self._data(serializer.validated_data)
        name = data.pop("name")
        code = data.pop("code", "")
        serializer.instance = services.customer_create(
            actor=self.request.user,
            company=_company(self.request.user),
            name=name,
            code=code,
            phones=phones or (),
            **data,
        )

    def perform_update(self, serializer):
        data, phones = self._data(serializer.validated_data)
        instance = self.get_writable_object()
        serializer.instance = services.customer_update(
            actor=self.request.user,
            customer=instance,
            data=data,
            phones=phones,
            expected_version=expected_version(self.request),
        )

    def perform_destroy(self, instance):
        services.customer_delete(actor=self.request.user, customer=self.get_writable_object())

    @extend_schema(request=s.RevealSerializer, responses={200: s.RevealResultSerializer})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The unmasked ID number, phones and bank accounts; the reason is logged (PIPL)."""
        customer = self.get_object()
        serializer = s.RevealSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(
            services.customer_reveal(
                actor=request.user, customer=customer, reason=serializer.validated_data["reason"]
            )
        )

    @extend_schema(request=s.CustomerRenameSerializer, responses={200: s.CustomerSerializer})
    @action(detail=True, methods=["post"])
    def rename(self, request, pk=None):
        """Direct rename (its own permission point); the usual way is a rename request."""
        customer = self.get_writable_object()
        serializer = s.CustomerRenameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = services.customer_rename(
            actor=request.user, customer=customer, **serializer.validated_data
        )
        return Response(s.CustomerSerializer(customer, context=self.get_serializer_context()).data)

    @extend_schema(request=s.MatchRequestSerializer, responses={200: s.MatchResponseSerializer})
    @action(detail=False, methods=["post"])
    def match(self, request):
        """Wizard step 2: same-name customers within the sharing scope, best match preselected."""
        serializer = s.MatchRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mode = get_parameter(current_company_id(request.user), "customer.matching_mode")
        entries = selectors.match_candidates(
            request.user, mode, serializer.validated_data["names"], serializer.validated_data.get("keys", "")
        )
        return Response({"mode": mode, "entries": [e.__dict__ for e in entries]})

    @extend_schema(request=s.RegisterSerializer, responses={201: s.CustomerSerializer})
    @action(detail=False, methods=["post"])
    def register(self, request):
        """Wizard step 3: create (or reuse the chosen) customer; same-name registrations are logged."""
        serializer = s.RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        v = serializer.validated_data
        company = _company(request.user)
        mode = get_parameter(company.pk, "customer.matching_mode")
        entries = selectors.match_candidates(request.user, mode, v["name"], v.get("key", ""))
        allowed = {c["id"] for e in entries for c in e.candidates}
        chosen = None
        if v.get("chosen"):
            if v["chosen"] not in allowed:
                raise ServiceValidationError({"chosen": _("Choose one of the offered customers.")})
            chosen = Customer.objects.get(pk=v["chosen"])
        data = dict(v.get("data") or {})
        allowed_fields = (
            set(s.CustomerSerializer.Meta.fields)
            - set(s.CustomerSerializer.Meta.read_only_fields)
            - {"id", "name", "phones_input", "warnings", "version", "project", "salesperson"}
        )
        phones = data.pop("phones", None)
        data = {k: v2 for k, v2 in data.items() if k in allowed_fields}
        if phones is not None:
            data["phones"] = phones
        customer = services.customer_register(
            actor=request.user,
            company=company,
            name=v["name"],
            mode=mode,
            key=v.get("key", ""),
            candidates=sorted(allowed),
            chosen=chosen,
            data=data,
        )
        return Response(
            s.CustomerSerializer(customer, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.MergeSerializer, responses={200: s.MergePreviewSerializer})
    @action(detail=False, methods=["post"], url_path="merge-preview")
    def merge_preview(self, request):
        serializer = s.MergeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return Response(
            services.merge_preview(serializer.validated_data["kept"], serializer.validated_data["merged"])
        )

    @extend_schema(request=s.MergeSerializer, responses={200: s.MergeLogSerializer})
    @action(detail=False, methods=["post"])
    def merge(self, request):
        serializer = s.MergeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        log = services.customer_merge(actor=request.user, **serializer.validated_data)
        return Response(s.MergeLogSerializer(log).data)

    @extend_schema(request=s.TransferSerializer, responses={200: s.TransferLogSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def transfer(self, request):
        """客户转移: to another salesperson and/or project; a transfer log row per customer."""
        serializer = s.TransferSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        logs = services.customer_transfer(actor=request.user, **serializer.validated_data)
        return Response(s.TransferLogSerializer(logs, many=True).data)

    @extend_schema(request=s.BatchSerializer, responses={200: s.BatchCountSerializer})
    @action(detail=False, methods=["post"])
    def batch(self, request):
        """批量修改: state and tags of the chosen customers."""
        serializer = s.BatchSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        v = serializer.validated_data
        ids = [c.pk for c in v["customers"]]
        customers = scoped(request.user, Customer.objects.filter(pk__in=ids), for_write=True)
        count = services.customers_batch_update(
            actor=request.user,
            customers=list(customers),
            state=v.get("state"),
            add_tags=v.get("add_tags", ()),
            remove_tags=v.get("remove_tags", ()),
        )
        return Response({"count": count})

    @extend_schema(
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY
        }
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        """Excel export of the filtered rows (masked unless "view sensitive"); logged."""
        queryset = self.filter_queryset(self.get_queryset())
        content, count = exporter.export_customers(request.user, queryset)
        services.customer_log_export(actor=request.user, count=count, note=request.GET.urlencode()[:300])
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="customers-{timezone.localdate():%Y%m%d}.xlsx"'
        )
        return response

    @extend_schema(
        request={"multipart/form-data": s.ImportSerializer}, responses={200: s.ImportResultSerializer}
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_rows(self, request):
        """Import customers and room relations from .xlsx/.csv; preview by default (dry_run)."""
        serializer = s.ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        v = serializer.validated_data
        result = services.customers_import(
            actor=request.user,
            company=_company(request.user),
            rows=importer.read_rows(v["file"]),
            valid_only=v["valid_only"],
            dry_run=v["dry_run"],
        )
        return Response(result)

    @extend_schema(responses={200: s.TimelineSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)  # one unpaginated list
    def timeline(self, request, pk=None):
        """交互明细: what happened to this customer and its records."""
        rows = selectors.timeline(self.get_object())
        return Response(
            [
                {
                    "at": r.at,
                    "actor_name": r.actor_name,
                    "action": r.get_action_display(),
                    "object_repr": r.object_repr,
                    "note": r.note,
                }
                for r in rows
            ]
        )


class _ChildViewSet(ScopedModelViewSet):
    permission_resource = "customers.customer"
    permission_actions = {"create": "change", "destroy": "change"}
    filterset_fields = ["customer"]
    model = None

    def _log_unmasked(self, customer_ids, note):
        if getattr(self.model, "sensitive_fields", ()) and selectors.can_see_sensitive(self.request.user):
            services.customer_log_sensitive_view(
                actor=self.request.user,
                customers=Customer.objects.filter(pk__in=set(customer_ids)),
                note=note,
            )

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        results = response.data.get("results", []) if isinstance(response.data, dict) else response.data
        if results:
            self._log_unmasked([r["customer"] for r in results], f"API {self.model._meta.model_name} list")
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        self._log_unmasked([response.data["customer"]], f"API {self.model._meta.model_name} detail")
        return response

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        customer = data.pop("customer")
        if not scoped(self.request.user, Customer.objects.filter(pk=customer.pk), for_write=True).exists():
            raise ServiceValidationError({"customer": _("You may not change this customer.")})
        serializer.instance = services.child_save(
            actor=self.request.user, model=self.model, customer=customer, data=data
        )

    def perform_update(self, serializer):
        instance = self.get_writable_object()
        data = dict(serializer.validated_data)
        if "customer" in data and data["customer"].pk != instance.customer_id:
            raise ServiceValidationError({"customer": _("A record cannot move to another customer.")})
        data.pop("customer", None)
        serializer.instance = services.child_save(
            actor=self.request.user,
            model=self.model,
            customer=instance.customer,
            data=data,
            instance=instance,
            expected_version=expected_version(self.request),
        )

    def perform_destroy(self, instance):
        services.child_delete(actor=self.request.user, instance=self.get_writable_object())


class PhoneViewSet(_ChildViewSet):
    queryset = CustomerPhone.objects.all()
    serializer_class = s.PhoneChildSerializer
    model = CustomerPhone


class ContactViewSet(_ChildViewSet):
    queryset = Contact.objects.all()
    serializer_class = s.ContactSerializer
    model = Contact


class FamilyMemberViewSet(_ChildViewSet):
    queryset = FamilyMember.objects.all()
    serializer_class = s.FamilyMemberSerializer
    model = FamilyMember


class BankAccountViewSet(_ChildViewSet):
    queryset = BankAccount.objects.all()
    serializer_class = s.BankAccountSerializer
    model = BankAccount


class VehicleViewSet(_ChildViewSet):
    queryset = Vehicle.objects.all()
    serializer_class = s.VehicleSerializer
    model = Vehicle
    filterset_fields = ["customer", "plate_number", "room"]


class RoomCustomerViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """房间客户关系: create = move-in (入伙/迁入); end = move-out (迁出); history is kept."""

    queryset = RoomCustomer.objects.select_related("room", "customer")
    serializer_class = s.RoomCustomerSerializer
    permission_resource = "customers.relation"
    permission_actions = {
        "end": "change",
        "transfer_ownership": "change",
        "move": "change",
        "billing_party": "view",
    }
    filterset_class = RoomCustomerFilter
    ordering = ["room_id", "role", "-start_date"]

    def _require_writable_room(self, room):
        # Rooms of a project shared read-only are visible but must not change hands.
        if not scoped(self.request.user, type(room).objects.filter(pk=room.pk), for_write=True).exists():
            raise ServiceValidationError({"room": _("You may not change this room.")})

    def perform_create(self, serializer):
        v = dict(serializer.validated_data)
        room = v.pop("room")
        self._require_writable_room(room)
        serializer.instance = services.room_move_in(
            actor=self.request.user,
            room=room,
            customer=v.pop("customer"),
            role=v.pop("role"),
            date=v.pop("start_date"),
            **v,
        )

    @extend_schema(request=s.MoveOutSerializer, responses={200: s.RoomCustomerSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """迁出: end the relation on the date; it stays in the room's history."""
        relation = self.get_writable_object()
        serializer = s.MoveOutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        relation = services.relation_end(
            actor=request.user,
            relation=relation,
            date=serializer.validated_data["date"],
            remarks=serializer.validated_data.get("remarks", ""),
        )
        return Response(s.RoomCustomerSerializer(relation, context=self.get_serializer_context()).data)

    @extend_schema(
        request=s.OwnershipTransferSerializer, responses={200: s.RoomCustomerSerializer(many=True)}
    )
    @action(detail=False, methods=["post"], url_path="transfer-ownership")
    def transfer_ownership(self, request):
        """过户: new owners replace the current ones from the date."""
        serializer = s.OwnershipTransferSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        v = serializer.validated_data
        self._require_writable_room(v["room"])
        created = services.room_transfer_ownership(
            actor=request.user,
            room=v["room"],
            new_owners=[(o["customer"], o.get("share")) for o in v["new_owners"]],
            date=v["date"],
            remarks=v.get("remarks", ""),
        )
        return Response(
            s.RoomCustomerSerializer(created, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(request=s.RelationMoveSerializer, responses={200: s.RoomCustomerSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def move(self, request):
        """Before a room split or merge on the grid: end the chosen current relations on the date and
        start them again on the target room (same role and share); both rooms keep the history."""
        serializer = s.RelationMoveSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        v = serializer.validated_data
        self._require_writable_room(v["room"])
        for relation in v["relations"]:
            self._require_writable_room(relation.room)
        moved = services.relations_move_to_room(
            actor=request.user, relations=v["relations"], room=v["room"], date=v["date"], note=v["note"]
        )
        return Response(
            s.RoomCustomerSerializer(moved, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        parameters=[OpenApiParameter("room", int, required=True)], responses={200: s.BillingPartySerializer}
    )
    @action(detail=False, methods=["get"], url_path="billing-party")
    def billing_party(self, request):
        """002 §1.4: the customer fee bills go to — resident, else tenant, else owner."""

        room_id = parse_id(request.query_params.get("room", ""))
        if room_id is None:
            raise ServiceValidationError({"room": _("Give the room id.")})
        room = get_object_or_404(scoped(request.user, Room), pk=room_id)
        relation = selectors.billing_party(room)
        return Response(
            {
                "room": room.pk,
                "relation": s.RoomCustomerSerializer(relation, context=self.get_serializer_context()).data
                if relation
                else None,
            }
        )


class RenameRequestViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = RenameRequest.objects.select_related("customer").prefetch_related("events")
    serializer_class = s.RenameRequestSerializer
    permission_resource = "customers.renamerequest"
    permission_actions = {"approve": "view", "reject": "view"}
    filterset_fields = ["status", "customer"]

    def perform_create(self, serializer):
        v = serializer.validated_data
        serializer.instance = services.rename_request_create(
            actor=self.request.user, customer=v["customer"], new_name=v["new_name"], reason=v["reason"]
        )

    def _decide(self, request, approve):
        req = self.get_object()
        serializer = s.RenameDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        req = services.rename_request_decide(
            actor=request.user, request=req, approve=approve, note=serializer.validated_data.get("note", "")
        )
        return Response(s.RenameRequestSerializer(req, context=self.get_serializer_context()).data)

    @extend_schema(request=s.RenameDecisionSerializer, responses={200: s.RenameRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """A manager (customers.customer.approve) approves: the customer is renamed."""
        return self._decide(request, True)

    @extend_schema(request=s.RenameDecisionSerializer, responses={200: s.RenameRequestSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, False)


class DuplicateLogViewSet(ScopedReadOnlyViewSet):
    queryset = DuplicateLog.objects.all()
    serializer_class = s.DuplicateLogSerializer
    permission_resource = "customers.customer"
    permission_actions = {"list": "approve", "retrieve": "approve"}


class MergeLogViewSet(ScopedReadOnlyViewSet):
    queryset = MergeLog.objects.all()
    serializer_class = s.MergeLogSerializer
    permission_resource = "customers.customer"
    permission_actions = {"list": "merge", "retrieve": "merge", "revert": "merge"}

    @extend_schema(request=None, responses={200: s.MergeLogSerializer})
    @action(detail=True, methods=["post"])
    def revert(self, request, pk=None):
        log = services.merge_revert(actor=request.user, log=self.get_object())
        return Response(s.MergeLogSerializer(log).data)


class TransferLogViewSet(ScopedReadOnlyViewSet):
    queryset = TransferLog.objects.all()
    serializer_class = s.TransferLogSerializer
    permission_resource = "customers.customer"
    filterset_fields = ["customer"]


class SearchView(APIView):
    """全能搜索: customers, rooms, phones, plates, ID tails, pinyin initials — in the data scope."""

    permission_resource = "customers.customer"

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True),
            OpenApiParameter("limit", int),
            OpenApiParameter("kind", str, description="only results of this kind (room, task, …)"),
        ],
        responses={200: s.SearchResultSerializer(many=True)},
    )
    def get(self, request):
        try:
            limit = max(1, min(int(request.query_params.get("limit", 20)), 100))
        except ValueError:
            limit = 20
        return Response(
            selectors.omni_search(
                request.user,
                request.query_params.get("q", ""),
                limit,
                kind=request.query_params.get("kind") or None,
            )
        )

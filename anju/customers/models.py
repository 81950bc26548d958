from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.core.masking import mask_phone
from anju.core.statemachine import StatusEvent, status_field
from anju.customers.choices import (
    CustomerKind,
    CustomerState,
    EndReason,
    Gender,
    PhoneKind,
    RelationRole,
    RenameStatus,
)
from anju.org.access import ScopeSpec

USER = settings.AUTH_USER_MODEL


def _user_fk(label, related_name="+"):
    return models.ForeignKey(
        USER, verbose_name=label, null=True, blank=True, on_delete=models.SET_NULL, related_name=related_name
    )


class Customer(models.Model):
    """A customer (客户): a person or an organisation, owned by a company (the ledger's 客户台帐)."""

    company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("company"), on_delete=models.PROTECT, related_name="customers"
    )
    kind = models.CharField(
        _("customer type"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.PERSON
    )
    code = models.CharField(_("customer code"), max_length=60)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, db_index=True)
    id_type = models.CharField(_("ID type"), max_length=50, blank=True, default="id_card")
    id_number = models.CharField(_("ID number"), max_length=40, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    email = models.EmailField(_("email"), blank=True)
    workplace = models.CharField(_("workplace"), max_length=200, blank=True)
    marriage = models.CharField(_("marital status"), max_length=50, blank=True)
    income_level = models.CharField(_("income level"), max_length=50, blank=True)
    family_structure = models.CharField(_("family structure"), max_length=50, blank=True)
    customer_kind = models.CharField(_("customer category"), max_length=50, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=CustomerState.choices, default=CustomerState.ACTIVE, db_index=True
    )
    project = models.ForeignKey(
        "estates.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    salesperson = _user_fk(_("salesperson"))
    remarks = models.TextField(_("remarks"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Search keys, computed by the services (pinyin of the name, reversed ID for tail search).
    name_initials = models.CharField(_("pinyin initials"), max_length=100, blank=True, editable=False)
    name_pinyin = models.CharField(_("pinyin"), max_length=300, blank=True, editable=False)
    id_number_rev = models.CharField(max_length=40, blank=True, editable=False)
    created_by = _user_fk(_("created by"))
    updated_by = _user_fk(_("modified by"))
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    sensitive_fields = {"mobile": "phone", "id_number": "id_number", "id_number_rev": "hidden"}
    sensitive_point = "customers.customer.view_sensitive"
    scope = ScopeSpec(company="company", users=("salesperson", "created_by"))

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["company_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="customers_code_uniq"),
            models.UniqueConstraint(
                fields=["company", "id_type", "id_number"],
                condition=~Q(id_number="") & ~Q(state="merged"),
                name="customers_id_number_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["name"], name="cust_name_prefix_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(
                fields=["name_initials"], name="cust_initials_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["name_pinyin"], name="cust_pinyin_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["id_number_rev"], name="cust_idrev_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["code"], name="cust_code_prefix_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.name


class CustomerPhone(models.Model):
    """联系电话: mobiles, home and office phones, fax (several per customer)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="phones"
    )
    kind = models.CharField(_("type"), max_length=10, choices=PhoneKind.choices, default=PhoneKind.MOBILE)
    number = models.CharField(_("number"), max_length=40)
    digits = models.CharField(max_length=40, editable=False, default="")
    digits_rev = models.CharField(max_length=40, editable=False, default="")
    is_primary = models.BooleanField(_("primary"), default=False)
    remarks = models.CharField(_("remarks"), max_length=100, blank=True)

    sensitive_fields = {"number": "phone", "digits": "hidden", "digits_rev": "hidden"}
    sensitive_point = "customers.customer.view_sensitive"
    scope = ScopeSpec(company="customer__company", users=("customer__salesperson", "customer__created_by"))

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ["customer_id", "-is_primary", "id"]
        indexes = [
            models.Index(fields=["digits"], name="cust_phone_digits_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["digits_rev"], name="cust_phone_rev_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {mask_phone(self.number)}"


class Contact(models.Model):
    """联系人 of a customer (for organisations above all)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    remarks = models.CharField(_("remarks"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    sensitive_fields = {"phone": "phone"}
    sensitive_point = "customers.customer.view_sensitive"
    scope = ScopeSpec(company="customer__company", users=("customer__salesperson", "customer__created_by"))

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["customer_id", "id"]

    def __str__(self):
        return self.name


class FamilyMember(models.Model):
    """家庭成员 (客户成员, 002 §1.1.4): relationship from the dictionary "relationship"."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="family"
    )
    relationship = models.CharField(_("relationship to customer"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    id_number = models.CharField(_("ID number"), max_length=40, blank=True)
    remarks = models.CharField(_("remarks"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    sensitive_fields = {"mobile": "phone", "id_number": "id_number"}
    sensitive_point = "customers.customer.view_sensitive"
    scope = ScopeSpec(company="customer__company", users=("customer__salesperson", "customer__created_by"))

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        ordering = ["customer_id", "id"]

    def __str__(self):
        return self.name


class BankAccount(models.Model):
    """Bank account for direct debit (银行托收); exactly one primary per customer."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="bank_accounts"
    )
    account_name = models.CharField(_("account holder"), max_length=100)
    bank_name = models.CharField(_("bank"), max_length=100)
    account_number = models.CharField(_("account number"), max_length=40)
    agreement_no = models.CharField(_("bank agreement number"), max_length=40, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    sensitive_fields = {"account_number": "bank_account"}
    sensitive_point = "customers.customer.view_sensitive"
    scope = ScopeSpec(company="customer__company", users=("customer__salesperson", "customer__created_by"))

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["customer_id", "-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="customers_bank_one_primary"
            )
        ]

    def __str__(self):
        return f"{self.bank_name} {self.account_number[-4:]}"


class Vehicle(models.Model):
    """客车关系: a customer's vehicle and its parking space."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="vehicles"
    )
    plate_number = models.CharField(_("plate number"), max_length=12)
    vehicle_type = models.CharField(_("vehicle type"), max_length=50, blank=True)
    brand = models.CharField(_("brand and model"), max_length=100, blank=True)
    color = models.CharField(_("colour"), max_length=20, blank=True)
    parking_space = models.CharField(_("parking space"), max_length=60, blank=True)
    room = models.ForeignKey(
        "estates.Room",
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    remarks = models.CharField(_("remarks"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(company="customer__company", users=("customer__salesperson", "customer__created_by"))

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["customer_id", "id"]
        indexes = [
            models.Index(fields=["plate_number"], name="cust_plate_idx", opclasses=["varchar_pattern_ops"])
        ]

    def __str__(self):
        return self.plate_number


class RoomCustomer(models.Model):
    """房间客户关系: who owns, rents or lives in a room, from when until when (history is kept)."""

    room = models.ForeignKey(
        "estates.Room", verbose_name=_("room"), on_delete=models.PROTECT, related_name="customer_relations"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="room_relations"
    )
    role = models.CharField(_("relation"), max_length=10, choices=RelationRole.choices)
    share = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True, db_index=True)
    end_reason = models.CharField(_("end reason"), max_length=20, choices=EndReason.choices, blank=True)
    is_move_in = models.BooleanField(_("move-in registered"), default=False)
    keys_handed_over = models.CharField(_("keys handed over"), max_length=200, blank=True)
    documents_handed_over = models.CharField(_("documents handed over"), max_length=300, blank=True)
    remarks = models.CharField(_("remarks"), max_length=300, blank=True)
    created_by = _user_fk(_("created by"))
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope = ScopeSpec(project="room__project")

    class Meta:
        verbose_name = _("room-customer relation")
        verbose_name_plural = _("room-customer relations")
        ordering = ["room_id", "role", "-start_date", "id"]
        indexes = [models.Index(fields=["room", "end_date"], name="cust_relation_room_idx")]

    def __str__(self):
        return f"{self.room} · {self.customer} · {self.get_role_display()}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None


class RenameRequest(models.Model):
    """客户更名单 (002 §1.1.3): the name changes only when a manager approves."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="rename_requests"
    )
    old_name = models.CharField(_("current name"), max_length=100)
    new_name = models.CharField(_("new name"), max_length=100)
    reason = models.TextField(_("reason for the change"))
    status = models.CharField(
        _("status"), max_length=10, choices=RenameStatus.choices, default=RenameStatus.PENDING, db_index=True
    )
    requested_by = _user_fk(_("requested by"))
    decided_by = _user_fk(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope = ScopeSpec(company="customer__company")

    class Meta:
        verbose_name = _("rename request")
        verbose_name_plural = _("rename requests")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.old_name} → {self.new_name}"


class RenameEvent(StatusEvent):
    """The event row written with every status change of a rename request (workflow.py)."""

    request = models.ForeignKey(
        RenameRequest, verbose_name=_("rename request"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = status_field("from", RenameStatus.choices)
    to_status = status_field("to", RenameStatus.choices)

    scope = ScopeSpec(company="request__customer__company")

    class Meta(StatusEvent.Meta):
        verbose_name = _("rename request event")
        verbose_name_plural = _("rename request events")


class DuplicateLog(models.Model):
    """重名登记日志: every registration of a name that already existed, for managers."""

    company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("company"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    mode = models.CharField(_("matching mode"), max_length=20)
    entered_key = models.CharField(_("phone or ID number entered"), max_length=60, blank=True)
    candidates = models.JSONField(_("same-name customers"), default=list)
    chosen = models.ForeignKey(
        Customer,
        verbose_name=_("customer chosen"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.ForeignKey(
        Customer,
        verbose_name=_("customer created"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = _user_fk(_("registered by"))
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    sensitive_fields = {"entered_key": "hidden"}
    sensitive_point = "customers.customer.view_sensitive"
    scope = ScopeSpec(company="company")

    class Meta:
        verbose_name = _("duplicate-name registration")
        verbose_name_plural = _("duplicate-name registrations")
        ordering = ["-at", "-id"]

    def __str__(self):
        return self.name


class MergeLog(models.Model):
    """A merge of two customer records, with what moved, so it can be reverted."""

    company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("company"), on_delete=models.CASCADE, related_name="+"
    )
    kept = models.ForeignKey(
        Customer, verbose_name=_("customer kept"), on_delete=models.PROTECT, related_name="+"
    )
    merged = models.ForeignKey(
        Customer, verbose_name=_("customer merged away"), on_delete=models.PROTECT, related_name="+"
    )
    moved = models.JSONField(_("moved records"), default=dict)
    merged_snapshot = models.JSONField(default=dict)
    actor = _user_fk(_("merged by"))
    at = models.DateTimeField(_("time"), auto_now_add=True)
    reverted_at = models.DateTimeField(_("reverted at"), null=True, blank=True)
    reverted_by = _user_fk(_("reverted by"))

    scope = ScopeSpec(company="company")

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.merged_id} → {self.kept_id}"


class TransferLog(models.Model):
    """客户转移日志 (003 items 8, 9): a customer handed to another salesperson or project."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="transfers"
    )
    from_salesperson = _user_fk(_("from salesperson"))
    to_salesperson = _user_fk(_("to salesperson"))
    from_project = models.ForeignKey(
        "estates.Project",
        verbose_name=_("from project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to_project = models.ForeignKey(
        "estates.Project",
        verbose_name=_("to project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    actor = _user_fk(_("transferred by"))
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    scope = ScopeSpec(company="customer__company")

    class Meta:
        verbose_name = _("customer transfer")
        verbose_name_plural = _("customer transfers")
        ordering = ["-at", "-id"]

    def __str__(self):
        return str(self.customer)


class CustomerLink(models.Model):
    """相关客户: a manual link between two customers (spouse, company and its director...)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="links"
    )
    other = models.ForeignKey(
        Customer, verbose_name=_("related customer"), on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(_("relation"), max_length=100, blank=True)

    scope = ScopeSpec(company="customer__company")

    class Meta:
        verbose_name = _("related customer")
        verbose_name_plural = _("related customers")
        constraints = [models.UniqueConstraint(fields=["customer", "other"], name="customers_link_uniq")]

    def __str__(self):
        return f"{self.customer} ↔ {self.other}"

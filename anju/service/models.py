"""Customer service (任务管理): reference data, receptions, tasks, SLA, notifications, callbacks."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anju.core.files import StoredName
from anju.core.statemachine import StatusEvent, status_field
from anju.org.access import ScopeSpec
from anju.service import choices as c

# The task engine's models (anju.tasks) that the service context's models point at; the other
# engine models are imported from anju.tasks.models directly.
from anju.tasks.models import Task, TaskEvent

USER = settings.AUTH_USER_MODEL


# --- problem standard library ---------------------------------------------------------------------
class WarrantyElement(models.Model):
    """One row of the warranty table: contractor period from completion, buyer minimum from delivery."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    contractor_unit = models.CharField(
        _("contractor period unit"), max_length=20, choices=c.PeriodUnit.choices, default=c.PeriodUnit.MONTH
    )
    contractor_period = models.PositiveIntegerField(_("contractor period"), null=True, blank=True)
    buyer_unit = models.CharField(
        _("buyer period unit"), max_length=20, choices=c.PeriodUnit.choices, default=c.PeriodUnit.MONTH
    )
    buyer_period = models.PositiveIntegerField(_("buyer minimum period"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(unscoped=True)

    class Meta:
        verbose_name = _("warranty element")
        verbose_name_plural = _("warranty elements")
        ordering = ["code"]

    def __str__(self):
        return self.name


class ProblemCategory(models.Model):
    """类别 (parent empty) or 部位 (parent = its 类别)."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="parts",
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sort_order = models.IntegerField(_("order"), default=0)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(unscoped=True)

    class Meta:
        verbose_name = _("problem category / part")
        verbose_name_plural = _("problem categories and parts")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @property
    def category(self):
        return self.parent if self.parent_id else self


class Problem(models.Model):
    """A standard problem (问题) under a part (部位)."""

    part = models.ForeignKey(
        ProblemCategory, verbose_name=_("part"), on_delete=models.PROTECT, related_name="problems"
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    warranty_element = models.ForeignKey(
        WarrantyElement,
        verbose_name=_("warranty element"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    default_department_name = models.CharField(
        _("default responsible department"),
        max_length=60,
        blank=True,
        help_text=_("Matched by name against the departments of the accepting company (e.g. 工程部)."),
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=c.Severity.choices, default=c.Severity.NORMAL
    )
    limit_unit = models.CharField(
        _("time-limit unit"), max_length=20, choices=c.LimitUnit.choices, default=c.LimitUnit.WORKING_HOUR
    )
    reply_limit = models.PositiveIntegerField(_("responsible-person reply limit"), default=8)
    answer_limit = models.PositiveIntegerField(_("answer-to-customer limit"), default=16)
    process_limit = models.PositiveIntegerField(_("processing limit"), default=40)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(unscoped=True)

    class Meta:
        verbose_name = _("standard problem")
        verbose_name_plural = _("problem standard library")
        ordering = ["part__sort_order", "code"]

    def __str__(self):
        return f"{self.part} / {self.name}"


# --- contractors and acceptance duty ---------------------------------------------------------------
class Contractor(models.Model):
    company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("company"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(company="company")

    class Meta:
        verbose_name = _("contractor")
        verbose_name_plural = _("contractors")
        ordering = ["company_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="service_contractor_code_uniq")
        ]

    def __str__(self):
        return self.name


class ContractorContact(models.Model):
    contractor = models.ForeignKey(
        Contractor, verbose_name=_("contractor"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=60)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    scope = ScopeSpec(company="contractor__company")
    sensitive_fields = {"mobile": "phone"}
    sensitive_point = "service.contractor.view_sensitive"

    class Meta:
        verbose_name = _("contractor contact")
        verbose_name_plural = _("contractor contacts")

    def __str__(self):
        return self.name


class ContractorScope(models.Model):
    """施工范围: the contractor built this project (or one building of it) for this problem category."""

    contractor = models.ForeignKey(
        Contractor, verbose_name=_("contractor"), on_delete=models.CASCADE, related_name="scopes"
    )
    project = models.ForeignKey(
        "estates.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="+"
    )
    building = models.ForeignKey(
        "estates.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    category = models.ForeignKey(
        ProblemCategory,
        verbose_name=_("problem category"),
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"parent__isnull": True},
    )

    scope = ScopeSpec(project="project")

    class Meta:
        verbose_name = _("construction scope")
        verbose_name_plural = _("construction scopes")
        indexes = [models.Index(fields=["project", "category"], name="service_cscope_idx")]

    def __str__(self):
        return f"{self.contractor}: {self.project} {self.building or ''} {self.category}"


class AcceptanceShare(models.Model):
    """受理职责共享: this company accepts receptions for this project."""

    project = models.ForeignKey(
        "estates.Project", verbose_name=_("project"), on_delete=models.CASCADE, related_name="+"
    )
    company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("accepting company"), on_delete=models.CASCADE, related_name="+"
    )

    scope = ScopeSpec(project="project")

    class Meta:
        verbose_name = _("acceptance duty share")
        verbose_name_plural = _("acceptance duty sharing")
        constraints = [models.UniqueConstraint(fields=["project", "company"], name="service_accshare_uniq")]

    def __str__(self):
        return f"{self.project} → {self.company}"


# --- complaint topics -------------------------------------------------------------------------------
class ComplaintTopic(models.Model):
    company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("company"), on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        "estates.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    standard_solution = models.TextField(_("standard solution"), blank=True)
    script = models.TextField(_("script for staff"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope = ScopeSpec(company="company")

    class Meta:
        verbose_name = _("complaint topic")
        verbose_name_plural = _("complaint topics")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


# --- receptions and tasks -------------------------------------------------------------------------
class Reception(models.Model):
    """接待记录: one contact from a customer, later decomposed into tasks."""

    company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("company"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    channel = models.CharField(
        _("channel"), max_length=20, choices=c.Channel.choices, default=c.Channel.PHONE
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    caller_name = models.CharField(_("caller name"), max_length=100, blank=True)
    caller_phone = models.CharField(_("caller phone"), max_length=40, blank=True)
    room = models.ForeignKey(
        "estates.Room", verbose_name=_("complaint object (room)"), on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        "estates.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    content = models.TextField(_("content"))
    received_at = models.DateTimeField(_("received at"))
    accepting_companies = models.ManyToManyField(
        "org.OrgUnit", verbose_name=_("accepting companies"), related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=c.ReceptionStatus.choices,
        default=c.ReceptionStatus.PENDING,
        editable=False,
    )
    created_by = models.ForeignKey(
        USER,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(project="project")
    # The caller's number is usually the customer's mobile: the customer point reveals it here too.
    sensitive_fields = {"caller_phone": "phone"}
    sensitive_point = "customers.customer.view_sensitive"

    class Meta:
        verbose_name = _("reception record")
        verbose_name_plural = _("reception records")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["project", "status"], name="service_rec_proj_status"),
            models.Index(fields=["created_by", "status"], name="service_rec_creator_status"),
            # The list's default order: without it every page sorted all visible receptions
            # (0.5 s over 667,000 of them).
            models.Index(fields=["received_at"], name="service_rec_received"),
        ]

    def __str__(self):
        return self.code


class Attachment(models.Model):
    """An uploaded file (type checked by content on upload, downloaded through anju.core.files)."""

    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class ReceptionAttachment(Attachment):
    reception = models.ForeignKey(
        Reception, verbose_name=_("reception"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=StoredName("service/receptions"))

    scope = ScopeSpec(project="reception__project")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class ReceptionCounter(models.Model):
    """Pre-aggregated 日常投诉接待记录 counts (not 保修意见表) per accepting company, project, status
    and user: user 0 counts every reception, user N the receptions N entered."""

    company_id = models.BigIntegerField()
    user_id = models.BigIntegerField()
    project_id = models.BigIntegerField()
    status = models.CharField(max_length=20, choices=c.ReceptionStatus.choices)
    n = models.IntegerField(default=0)

    scope = ScopeSpec(project="project_id")

    class Meta:
        verbose_name = _("reception counter")
        verbose_name_plural = _("reception counters")
        constraints = [
            models.UniqueConstraint(
                fields=["company_id", "user_id", "project_id", "status"], name="service_reccounter_key"
            )
        ]

    def __str__(self):
        return f"{self.company_id}/{self.user_id}/{self.project_id} {self.status}: {self.n}"


class TaskAttachment(Attachment):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        TaskEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=StoredName("service/tasks"))

    scope = ScopeSpec(
        project="task__project",
        department="task__responsible_department",
        users=("task__responsible_user", "task__acceptor"),
    )

    class Meta:
        verbose_name = _("task attachment")
        verbose_name_plural = _("task attachments")


# --- notifications ---------------------------------------------------------------------------------
class Notification(models.Model):
    """In-app inbox message."""

    recipient = models.ForeignKey(
        USER, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="service_notifications"
    )
    template = models.CharField(_("template"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    dedupe_key = models.CharField(max_length=120, blank=True, null=True, unique=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope = ScopeSpec(owner="recipient")

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="service_notif_unread")]

    def __str__(self):
        return self.title


class Delivery(models.Model):
    """One message sent (or tried) on one channel: a row of the outbox (anju.service.notifications).

    A pending row is due when `next_attempt_at` has passed. Taking it (a huey job's claim, or the
    sweep's re-queueing) writes a lease: a fresh `lease_token`, and `leased_until` =
    `next_attempt_at` = the lease's end, so nobody else takes it before the lease expires. The
    outcome is recorded only under the same token; an expired lease makes the row due again."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=c.NotificationChannel.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=c.DeliveryStatus.choices, default=c.DeliveryStatus.PENDING
    )
    error = models.TextField(_("last error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Stable per delivery: the idempotency key given to gateways that accept one (the SMS gateway's
    # Idempotency-Key header, the e-mail's Message-ID), so a resend after a crash is recognisable.
    key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True, default="", editable=False)
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True)

    scope = ScopeSpec(owner="notification__recipient")

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="service_delivery_uniq")
        ]
        # The sweep's and the claims' question: pending rows whose next attempt (or lease end) passed.
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="service_delivery_due")]

    def __str__(self):
        return f"{self.channel} {self.address}"


class SmsOutbox(models.Model):
    """The default SMS backend: messages are queued here for an operator or gateway to pick up."""

    phone = models.CharField(_("phone"), max_length=40)
    body = models.TextField(_("body"))
    # The delivery's idempotency key: a message resent after a worker crash is not queued twice.
    key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeSpec(unscoped=True)

    class Meta:
        verbose_name = _("SMS outbox")
        verbose_name_plural = _("SMS outbox")

    def __str__(self):
        return self.phone


class MessageTemplate(models.Model):
    """An administrator's wording for a notification; the built-in wording is used otherwise."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(unscoped=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self):
        return self.code


# --- callbacks and compensation --------------------------------------------------------------------
class Callback(models.Model):
    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="callbacks")
    project = models.ForeignKey("estates.Project", on_delete=models.PROTECT, related_name="+", editable=False)
    due_at = models.DateTimeField(_("due"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=c.CallbackStatus.choices, default=c.CallbackStatus.PENDING
    )
    method = models.CharField(_("method"), max_length=10, choices=c.CallbackMethod.choices, blank=True)
    person_reached = models.CharField(_("person reached"), max_length=100, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"), choices=c.Satisfaction.choices, null=True, blank=True
    )
    nps = models.PositiveSmallIntegerField(_("NPS (0-10)"), null=True, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    done_by = models.ForeignKey(
        USER, verbose_name=_("done by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(
        project="project",
        department="task__responsible_department",
        users=("task__responsible_user", "task__acceptor"),
    )

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["due_at"]

    def __str__(self):
        return f"{self.task} {self.get_status_display()}"


class Compensation(models.Model):
    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="compensations"
    )
    project = models.ForeignKey("estates.Project", on_delete=models.PROTECT, related_name="+", editable=False)
    kind = models.CharField(_("type"), max_length=20, choices=c.CompensationKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    payer = models.CharField(_("payer"), max_length=20, choices=c.Payer.choices)
    contractor = models.ForeignKey(
        Contractor,
        verbose_name=_("contractor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compensations",
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("approval"),
        max_length=10,
        choices=c.ApprovalStatus.choices,
        default=c.ApprovalStatus.PENDING,
        editable=False,
    )
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(
        project="project",
        department="task__responsible_department",
        users=("task__responsible_user", "task__acceptor"),
    )

    class Meta:
        verbose_name = _("compensation")
        verbose_name_plural = _("compensations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.task} {self.amount}"


class CallbackEvent(StatusEvent):
    """The event row written with every status change of a callback (aftercare.py)."""

    callback = models.ForeignKey(
        Callback, verbose_name=_("callback"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = status_field("from", c.CallbackStatus.choices)
    to_status = status_field("to", c.CallbackStatus.choices)

    scope = ScopeSpec(
        project="callback__project",
        department="callback__task__responsible_department",
        users=("callback__task__responsible_user", "callback__task__acceptor"),
    )

    class Meta(StatusEvent.Meta):
        verbose_name = _("callback event")
        verbose_name_plural = _("callback events")


class CompensationEvent(StatusEvent):
    """The event row written with every approval decision on a compensation (aftercare.py)."""

    compensation = models.ForeignKey(
        Compensation, verbose_name=_("compensation"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = status_field("from", c.ApprovalStatus.choices)
    to_status = status_field("to", c.ApprovalStatus.choices)

    scope = ScopeSpec(
        project="compensation__project",
        department="compensation__task__responsible_department",
        users=("compensation__task__responsible_user", "compensation__task__acceptor"),
    )

    class Meta(StatusEvent.Meta):
        verbose_name = _("compensation event")
        verbose_name_plural = _("compensation events")

"""Customer service (任务管理): reference data, receptions, tasks, SLA, notifications, callbacks."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anju.core.files import StoredName
from anju.org.access import ScopeSpec
from anju.service import choices as c

USER = settings.AUTH_USER_MODEL


# --- business calendar --------------------------------------------------------------------------
class CalendarDay(models.Model):
    """A holiday or make-up working day entered by an administrator; it wins over chinese-calendar."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=c.DayKind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(unscoped=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"


class CalendarYear(models.Model):
    """Marks a year whose holidays an administrator has entered completely (no fallback warning)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    configured = models.BooleanField(_("holidays entered completely"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(unscoped=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class WorkingHours(models.Model):
    company = models.OneToOneField(
        "org.OrgUnit", verbose_name=_("company"), on_delete=models.CASCADE, related_name="+"
    )
    morning_start = models.TimeField(_("morning start"), default=datetime.time(9, 0))
    morning_end = models.TimeField(_("morning end"), default=datetime.time(12, 0))
    afternoon_start = models.TimeField(_("afternoon start"), default=datetime.time(13, 30))
    afternoon_end = models.TimeField(_("afternoon end"), default=datetime.time(18, 0))
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(company="company")

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def __str__(self):
        return f"{self.company}: {self.morning_start:%H:%M}-{self.morning_end:%H:%M}, {self.afternoon_start:%H:%M}-{self.afternoon_end:%H:%M}"


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
    sensitive_fields = ("mobile",)

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


class EscalationStep(models.Model):
    """One rung of a company's escalation ladder, counted in working hours after a deadline passed."""

    company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("company"), on_delete=models.CASCADE, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("level"))
    target = models.CharField(_("notify"), max_length=20, choices=c.EscalationTarget.choices)
    after_hours = models.PositiveIntegerField(_("working hours after the deadline"), default=0)

    scope = ScopeSpec(company="company")

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation ladder")
        ordering = ["company_id", "level"]
        constraints = [models.UniqueConstraint(fields=["company", "level"], name="service_escal_uniq")]

    def __str__(self):
        return f"{self.level}: {self.get_target_display()}"


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
    sensitive_fields = ("caller_phone",)

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


class Task(models.Model):
    """任务: the unit of work. Reception-born (日常投诉) or from another source (模拟验房, 交付投诉, 报修)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    source = models.CharField(
        _("source"), max_length=20, choices=c.TaskSource.choices, default=c.TaskSource.DAILY
    )
    source_ref = models.CharField(
        _("source reference"),
        max_length=60,
        blank=True,
        help_text=_("Id of the record of another source (inspection problem, work order)."),
    )
    reception = models.ForeignKey(
        Reception,
        verbose_name=_("reception"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    task_type = models.CharField(_("type"), max_length=20, choices=c.TaskType.choices)
    problem = models.ForeignKey(
        Problem, verbose_name=_("problem"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("description"), blank=True)
    room = models.ForeignKey(
        "estates.Room", verbose_name=_("room"), on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        "estates.Project",
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepting_company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("accepting company"), on_delete=models.PROTECT, related_name="+"
    )
    acceptor = models.ForeignKey(USER, verbose_name=_("acceptor"), on_delete=models.PROTECT, related_name="+")
    responsible_kind = models.CharField(
        _("responsible party kind"), max_length=20, choices=c.ResponsibleKind.choices, blank=True
    )
    responsible_user = models.ForeignKey(
        USER,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_department = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("responsible department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_contractor = models.ForeignKey(
        Contractor,
        verbose_name=_("responsible contractor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    consultant = models.ForeignKey(
        USER, verbose_name=_("consultant"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    topic = models.ForeignKey(
        ComplaintTopic,
        verbose_name=_("complaint topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=c.Severity.choices, default=c.Severity.NORMAL
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=c.TaskStatus.choices,
        default=c.TaskStatus.PENDING_ASSIGNMENT,
        editable=False,
    )
    warranty_status = models.CharField(
        _("warranty"),
        max_length=10,
        choices=c.WarrantyStatus.choices,
        default=c.WarrantyStatus.NOT_APPLICABLE,
        editable=False,
    )
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True, editable=False)
    is_paid = models.BooleanField(_("paid repair"), default=False, editable=False)
    # SLA clocks: deadline, stop time, timeout flag (stays set once a clock passed its deadline).
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True, editable=False)
    reply_due = models.DateTimeField(_("reply due"), null=True, blank=True, db_index=True, editable=False)
    answer_due = models.DateTimeField(_("answer due"), null=True, blank=True, db_index=True, editable=False)
    process_due = models.DateTimeField(
        _("processing due"), null=True, blank=True, db_index=True, editable=False
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True, editable=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    reply_timeout = models.BooleanField(_("reply timeout"), default=False, editable=False)
    answer_timeout = models.BooleanField(_("answer-to-customer timeout"), default=False, editable=False)
    process_timeout = models.BooleanField(_("processing timeout"), default=False, editable=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0, editable=False)
    next_escalation_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        USER,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), db_index=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(
        project="project", department="responsible_department", users=("responsible_user", "acceptor")
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["accepting_company", "source", "project", "status"], name="service_task_stats"
            ),
            models.Index(
                fields=["accepting_company", "source", "project", "created_at"],
                name="service_task_stats_time",
            ),
            models.Index(fields=["status", "reply_due"], name="service_task_reply_due"),
            models.Index(fields=["status", "answer_due"], name="service_task_answer_due"),
            models.Index(fields=["status", "process_due"], name="service_task_process_due"),
            models.Index(fields=["next_escalation_at"], name="service_task_next_escal"),
            # "My tasks": per branch (责任人 / 受理人) an index-only scan over the open tasks with
            # their deadlines (counts, overdue, due soon) and the first rows by processing deadline.
            models.Index(
                fields=["responsible_user", "status", "process_due", "reply_due", "answer_due"],
                name="service_task_resp_due",
            ),
            models.Index(
                fields=["acceptor", "status", "process_due", "reply_due", "answer_due", "responsible_user"],
                name="service_task_acc_due",
            ),
        ]

    def __str__(self):
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in c.OPEN_STATUSES

    def responsible_display(self) -> str:
        return str(self.responsible_user or self.responsible_contractor or self.responsible_department or "")


class TaskCounter(models.Model):
    """Pre-aggregated 日常投诉任务 counts for the workbench (000 §2.8), maintained in the same
    transaction as every change of a counted task (anju.service.counters). One row per accepting
    company, project, status, month of registration (local time), responsible department (0: none)
    and user: user 0 counts every task, user N the tasks whose 责任人 or 受理人 is N (once)."""

    accepting_company_id = models.BigIntegerField()
    user_id = models.BigIntegerField()
    project_id = models.BigIntegerField()
    status = models.CharField(max_length=20, choices=c.TaskStatus.choices)
    month = models.DateField()
    department_id = models.BigIntegerField()
    n = models.IntegerField(default=0)
    reply = models.IntegerField(default=0)
    answer = models.IntegerField(default=0)
    process = models.IntegerField(default=0)

    scope = ScopeSpec(project="project_id")

    class Meta:
        verbose_name = _("task counter")
        verbose_name_plural = _("task counters")
        constraints = [
            models.UniqueConstraint(
                fields=["accepting_company_id", "user_id", "project_id", "status", "month", "department_id"],
                name="service_taskcounter_key",
            )
        ]

    def __str__(self):
        return f"{self.accepting_company_id}/{self.user_id}/{self.project_id} {self.status} {self.month}: {self.n}"


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


class TaskEvent(models.Model):
    """One line of a task's timeline: a transition, an escalation, a notification, a callback."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    actor = models.ForeignKey(
        USER, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    scope = ScopeSpec(
        project="task__project",
        department="task__responsible_department",
        users=("task__responsible_user", "task__acceptor"),
    )

    class Meta:
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.task_id} {self.action}"


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


class EscalationLog(models.Model):
    """One escalation step done for one task; unique so that a second sweep sends nothing."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="escalations")
    clock = models.CharField(max_length=10, blank=True, default="")  # the overdue clock escalated
    due_at = models.DateTimeField(null=True, blank=True)  # that clock's deadline
    level = models.PositiveSmallIntegerField()
    target = models.CharField(max_length=20, choices=c.EscalationTarget.choices)
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    scope = ScopeSpec(project="task__project")

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        # A ladder per overdue clock: once a clock stops, the next overdue one starts again at level 1.
        constraints = [
            models.UniqueConstraint(
                fields=["task", "clock", "due_at", "level"], name="service_escallog_clock_uniq"
            )
        ]

    def __str__(self):
        return f"{self.task_id} L{self.level}"


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
    """One message sent (or tried) on one channel."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=c.NotificationChannel.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=c.DeliveryStatus.choices, default=c.DeliveryStatus.PENDING
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope = ScopeSpec(owner="notification__recipient")

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="service_delivery_uniq")
        ]

    def __str__(self):
        return f"{self.channel} {self.address}"


class SmsOutbox(models.Model):
    """The default SMS backend: messages are queued here for an operator or gateway to pick up."""

    phone = models.CharField(_("phone"), max_length=40)
    body = models.TextField(_("body"))
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

"""The task engine (任务引擎): tasks, their timeline, SLA clocks and escalation, workbench counters.

The tables were created by the service context and keep their names (``service_*``); the models
moved here when the engine became its own context.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anju.org.access import ScopeSpec
from anju.service import choices as c
from anju.tasks import choices as tc
from anju.tasks import sources

USER = settings.AUTH_USER_MODEL


# --- business calendar (the SLA clock) ------------------------------------------------------------
class CalendarDay(models.Model):
    """A holiday or make-up working day entered by an administrator; it wins over chinese-calendar."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=tc.DayKind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(unscoped=True)

    class Meta:
        db_table = "service_calendarday"  # kept from the service context
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
        db_table = "service_calendaryear"  # kept from the service context
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
        db_table = "service_workinghours"  # kept from the service context
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def __str__(self):
        return f"{self.company}: {self.morning_start:%H:%M}-{self.morning_end:%H:%M}, {self.afternoon_start:%H:%M}-{self.afternoon_end:%H:%M}"


class EscalationStep(models.Model):
    """One rung of a company's escalation ladder, counted in working hours after a deadline passed."""

    company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("company"), on_delete=models.CASCADE, related_name="+"
    )
    level = models.PositiveSmallIntegerField(_("level"))
    target = models.CharField(_("notify"), max_length=20, choices=tc.EscalationTarget.choices)
    after_hours = models.PositiveIntegerField(_("working hours after the deadline"), default=0)

    scope = ScopeSpec(company="company")

    class Meta:
        db_table = "service_escalationstep"  # kept from the service context
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation ladder")
        ordering = ["company_id", "level"]
        constraints = [models.UniqueConstraint(fields=["company", "level"], name="service_escal_uniq")]

    def __str__(self):
        return f"{self.level}: {self.get_target_display()}"


class Task(models.Model):
    """任务: the unit of work, opened by a registered task source (日常投诉 born of a reception, …)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    # A key of the task-source registry (anju.tasks.sources); a source's own rows point at their tasks
    # with a foreign key (the daily complaint: the task's reception).
    source = models.CharField(_("source"), max_length=20, choices=sources.choices)
    reception = models.ForeignKey(
        "service.Reception",
        verbose_name=_("reception"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    task_type = models.CharField(_("type"), max_length=20, choices=c.TaskType.choices)
    problem = models.ForeignKey(
        "service.Problem",
        verbose_name=_("problem"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
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
        _("responsible party kind"), max_length=20, choices=tc.ResponsibleKind.choices, blank=True
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
        "service.Contractor",
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
        "service.ComplaintTopic",
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
        choices=tc.TaskStatus.choices,
        default=tc.TaskStatus.PENDING_ASSIGNMENT,
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
        db_table = "service_task"  # kept from the service context
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
        return self.status in tc.OPEN_STATUSES

    def responsible_display(self) -> str:
        return str(self.responsible_user or self.responsible_contractor or self.responsible_department or "")


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
        db_table = "service_taskevent"  # kept from the service context
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.task_id} {self.action}"


class EscalationLog(models.Model):
    """One escalation step done for one task; unique so that a second sweep sends nothing."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="escalations")
    clock = models.CharField(max_length=10, blank=True, default="")  # the overdue clock escalated
    due_at = models.DateTimeField(null=True, blank=True)  # that clock's deadline
    level = models.PositiveSmallIntegerField()
    target = models.CharField(max_length=20, choices=tc.EscalationTarget.choices)
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    scope = ScopeSpec(project="task__project")

    class Meta:
        db_table = "service_escalationlog"  # kept from the service context
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


class TaskCounter(models.Model):
    """Pre-aggregated 日常投诉任务 counts for the workbench (000 §2.8), maintained in the same
    transaction as every change of a counted task (anju.service.counters). One row per accepting
    company, project, status, month of registration (local time), responsible department (0: none)
    and user: user 0 counts every task, user N the tasks whose 责任人 or 受理人 is N (once)."""

    accepting_company_id = models.BigIntegerField()
    user_id = models.BigIntegerField()
    project_id = models.BigIntegerField()
    status = models.CharField(max_length=20, choices=tc.TaskStatus.choices)
    month = models.DateField()
    department_id = models.BigIntegerField()
    n = models.IntegerField(default=0)
    reply = models.IntegerField(default=0)
    answer = models.IntegerField(default=0)
    process = models.IntegerField(default=0)

    scope = ScopeSpec(project="project_id")

    class Meta:
        db_table = "service_taskcounter"  # kept from the service context
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

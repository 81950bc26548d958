"""The task engine's choices: task status, SLA clocks, the business calendar, escalation targets."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (day off)")
    WORKDAY = "workday", _("Make-up working day")


class LimitUnit(models.TextChoices):
    WORKING_DAY = "working_day", _("Working days")
    WORKING_HOUR = "working_hour", _("Working hours")
    MINUTE = "minute", _("Minutes (round the clock, emergency repair)")


class TaskStatus(models.TextChoices):
    PENDING_ASSIGNMENT = "pending_assignment", _("To be assigned")
    PENDING_REPLY = "pending_reply", _("Awaiting reply")
    DISCUSSING = "discussing", _("Solution under discussion")
    IMPLEMENTING = "implementing", _("To be implemented")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    VOIDED = "voided", _("Voided")
    INVALID = "invalid", _("Invalid demand")


OPEN_STATUSES = (
    TaskStatus.PENDING_ASSIGNMENT,
    TaskStatus.PENDING_REPLY,
    TaskStatus.DISCUSSING,
    TaskStatus.IMPLEMENTING,
)
FINISHED_STATUSES = (TaskStatus.COMPLETED, TaskStatus.CLOSED, TaskStatus.VOIDED, TaskStatus.INVALID)


class ResponsibleKind(models.TextChoices):
    PERSON = "person", _("Person")
    DEPARTMENT = "department", _("Department")
    CONTRACTOR = "contractor", _("Contractor")


class Clock(models.TextChoices):
    REPLY = "reply", _("Responsible-person reply")
    ANSWER = "answer", _("Answer to the customer")
    PROCESS = "process", _("Task processing")


class EscalationTarget(models.TextChoices):
    RESPONSIBLE = "responsible", _("Responsible person")
    ACCEPTOR = "acceptor", _("Acceptor")
    SUPERVISOR = "supervisor", _("Supervisor")
    PROJECT_HEAD = "project_head", _("Project head")

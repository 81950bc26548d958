from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (day off)")
    WORKDAY = "workday", _("Make-up working day")


class LimitUnit(models.TextChoices):
    WORKING_DAY = "working_day", _("Working days")
    WORKING_HOUR = "working_hour", _("Working hours")
    MINUTE = "minute", _("Minutes (round the clock, emergency repair)")


class Severity(models.TextChoices):
    LOW = "low", _("Minor")
    NORMAL = "normal", _("Normal")
    SERIOUS = "serious", _("Serious")
    URGENT = "urgent", _("Emergency repair")


class PeriodUnit(models.TextChoices):
    MONTH = "month", _("Months")
    SEASON = "season", _("Heating/cooling seasons")
    DESIGN_LIFE = "design_life", _("Design service life")
    CONTRACT = "contract", _("By contract")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    WEB = "web", _("Website")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("E-mail")
    WARRANTY_FORM = "warranty_form", _("Warranty opinion form")
    OTHER = "other", _("Other")


class ReceptionStatus(models.TextChoices):
    PENDING = "pending", _("To be decomposed")
    DECOMPOSED = "decomposed", _("Decomposed")
    CONFIRMING = "confirming", _("Awaiting confirmation")
    CLOSED = "closed", _("Closed")


class TaskType(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    REPAIR = "repair", _("Repair")
    CONSULTATION = "consultation", _("Consultation")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")


class TaskSource(models.TextChoices):
    DAILY = "daily", _("Daily complaint")
    MOCK_INSPECTION = "mock_inspection", _("Mock inspection")
    DELIVERY = "delivery", _("Delivery complaint")
    REPAIR = "repair", _("Repair order")


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


class WarrantyStatus(models.TextChoices):
    IN = "in", _("In warranty")
    OUT = "out", _("Out of warranty (paid repair)")
    UNKNOWN = "unknown", _("Unknown (dates or contract missing)")
    NOT_APPLICABLE = "na", _("Not applicable")


class Clock(models.TextChoices):
    REPLY = "reply", _("Responsible-person reply")
    ANSWER = "answer", _("Answer to the customer")
    PROCESS = "process", _("Task processing")


class EscalationTarget(models.TextChoices):
    RESPONSIBLE = "responsible", _("Responsible person")
    ACCEPTOR = "acceptor", _("Acceptor")
    SUPERVISOR = "supervisor", _("Supervisor")
    PROJECT_HEAD = "project_head", _("Project head")


class NotificationChannel(models.TextChoices):
    INBOX = "inbox", _("In-app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (no address)")


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    WAIVED = "waived", _("Waived")


class CallbackMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Visit")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    NEUTRAL = 3, _("Neutral")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


class CompensationKind(models.TextChoices):
    CASH = "cash", _("Cash")
    FEE_DEDUCTION = "fee_deduction", _("Fee deduction")
    GOODS = "goods", _("Goods")


class Payer(models.TextChoices):
    DEVELOPER = "developer", _("Developer")
    CONTRACTOR = "contractor", _("Contractor")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")

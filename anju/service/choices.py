from django.db import models
from django.utils.translation import gettext_lazy as _

# The task engine's choices, re-exported for the service context's callers.
from anju.tasks.choices import (  # noqa: F401
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Clock,
    DayKind,
    EscalationTarget,
    LimitUnit,
    ResponsibleKind,
    TaskStatus,
)


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


class WarrantyStatus(models.TextChoices):
    IN = "in", _("In warranty")
    OUT = "out", _("Out of warranty (paid repair)")
    UNKNOWN = "unknown", _("Unknown (dates or contract missing)")
    NOT_APPLICABLE = "na", _("Not applicable")


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

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class CustomerState(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISABLED = "disabled", _("Disabled")
    MERGED = "merged", _("Merged into another customer")


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Home phone")
    OFFICE = "office", _("Office phone")
    FAX = "fax", _("Fax")


class RelationRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    TENANT = "tenant", _("Tenant")
    RESIDENT = "resident", _("Resident")


class EndReason(models.TextChoices):
    MOVE_OUT = "move_out", _("Moved out")
    TRANSFER = "transfer", _("Ownership transferred")
    CORRECTION = "correction", _("Corrected")
    MERGE = "merge", _("Customers merged")


class RenameStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class MatchingMode(models.TextChoices):
    NAME_PHONE = "name_phone", _("Name + phone")
    NAME_ID = "name_id", _("Name + ID number")

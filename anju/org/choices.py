from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    GROUP = "group", _("Group")
    REGION = "region", _("Region centre")
    COMPANY = "company", _("Company")
    DEPARTMENT = "department", _("Department")


# Kinds that act as a company (own projects, roles, parameters); a department never does.
COMPANY_KINDS = (UnitKind.GROUP, UnitKind.REGION, UnitKind.COMPANY)


class CompanyBusiness(models.TextChoices):
    DEVELOPER = "developer", _("Real-estate developer")
    PROPERTY = "property", _("Property management")
    OTHER = "other", _("Other")


class DataRange(models.TextChoices):
    # Ordered from widest to narrowest; several roles combine to the widest.
    ALL = "all", _("All data")
    CUSTOM = "custom", _("Selected departments")
    DEPT_AND_BELOW = "dept_and_below", _("Own department and below")
    DEPT = "dept", _("Own department")
    SELF = "self", _("Only own records")

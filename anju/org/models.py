from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.core.scoping import ScopeSpec
from anju.org.choices import COMPANY_KINDS, CompanyBusiness, DataRange, UnitKind


class OrgUnit(models.Model):
    """One node of the organisation tree: group → region centre → company → department (any depth).

    `path` is a materialised path of zero-padded ids ("000001/000004/") so that a subtree is one
    indexed prefix query and moving a subtree is one UPDATE.
    """

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    business = models.CharField(
        _("business"), max_length=20, choices=CompanyBusiness.choices, default=CompanyBusiness.DEVELOPER
    )
    manager = models.ForeignKey(
        "org.User",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    sort_order = models.IntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    remarks = models.TextField(_("remarks"), blank=True)
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    company = models.ForeignKey(
        "self",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text=_("The nearest unit at or above this one that acts as a company."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope = ScopeSpec(company="pk")

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["path"]

    def __str__(self):
        return self.name

    @property
    def is_company(self) -> bool:
        return self.kind in COMPANY_KINDS


class Role(models.Model):
    company = models.ForeignKey(
        OrgUnit, verbose_name=_("company"), on_delete=models.PROTECT, related_name="roles"
    )
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    permissions = models.JSONField(_("permission points"), default=list, blank=True)
    data_range = models.CharField(
        _("data range"), max_length=20, choices=DataRange.choices, default=DataRange.ALL
    )
    custom_departments = models.ManyToManyField(
        OrgUnit, verbose_name=_("departments (custom range)"), blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope = ScopeSpec(company="company")

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["company__path", "code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="org_role_company_code_uniq")]

    def __str__(self):
        return self.name


class AnjuUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(**{self.model.USERNAME_FIELD: username})


class User(AbstractUser):
    """A member of staff. `is_superuser` is the manual's 超级用户: every function, ignoring roles."""

    mobile = models.CharField(_("mobile"), max_length=20, blank=True, db_index=True)
    department = models.ForeignKey(
        OrgUnit,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="users")
    all_projects = models.BooleanField(
        _("may access all projects"),
        default=False,
        help_text=_("Sees every project of the current company without being assigned to each."),
    )
    current_company = models.ForeignKey(
        OrgUnit,
        verbose_name=_("current company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    project_filter = models.JSONField(_("project filter"), default=list, blank=True)
    must_change_password = models.BooleanField(_("must change password at next login"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Bumped by anju.org.access.access_changed: keys the user's cached access snapshot.
    access_version = models.PositiveIntegerField(default=0, editable=False)

    objects = AnjuUserManager()
    sensitive_fields = {"mobile": "phone"}
    sensitive_point = "org.user.view_sensitive"
    scope = ScopeSpec(company="department")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(fields=["mobile"], condition=~Q(mobile=""), name="org_user_mobile_uniq")
        ]

    def __str__(self):
        return f"{self.get_full_name() or self.username}"

    def get_full_name(self):
        # Chinese order: family name first, no space.
        return f"{self.last_name}{self.first_name}".strip()

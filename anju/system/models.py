from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.org.access import ScopeSpec
from anju.system.choices import ParameterType


class LoginLog(models.Model):
    """登录日志: every attempt, success or failure, with IP and user agent."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    username = models.CharField(_("user name entered"), max_length=150, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    company = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    success = models.BooleanField(_("success"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    channel = models.CharField(_("channel"), max_length=20, default="web")
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)

    scope = ScopeSpec(company="company")

    class Meta:
        verbose_name = _("login log")
        verbose_name_plural = _("login logs")
        ordering = ["-at", "-id"]

    def __str__(self):
        at = timezone.localtime(self.at) if self.at else None
        return f"{at:%Y-%m-%d %H:%M} {self.username}"


class Dictionary(models.Model):
    """辅助资料: an administrator-maintained option list, e.g. relationship to customer."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_system = models.BooleanField(
        _("built in"), default=False, help_text=_("Built-in lists cannot be deleted.")
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(unscoped=True)

    class Meta:
        verbose_name = _("dictionary")
        verbose_name_plural = _("dictionaries")
        ordering = ["code"]

    def __str__(self):
        return self.name


class DictionaryItem(models.Model):
    dictionary = models.ForeignKey(
        Dictionary, verbose_name=_("dictionary"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField(_("code"), max_length=50)
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100, blank=True)
    sort_order = models.IntegerField(_("order"), default=0)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    scope = ScopeSpec(unscoped=True)

    class Meta:
        verbose_name = _("dictionary item")
        verbose_name_plural = _("dictionary items")
        ordering = ["dictionary_id", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["dictionary", "code"], name="system_dictitem_uniq")]

    def __str__(self):
        return self.label


class Parameter(models.Model):
    """业务参数设置: a typed value per company; the registry in `parameters.py` holds defaults."""

    company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("company"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("parameter"), max_length=80)
    value = models.JSONField(_("value"))
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    scope = ScopeSpec(company="company")

    class Meta:
        verbose_name = _("business parameter")
        verbose_name_plural = _("business parameters")
        constraints = [models.UniqueConstraint(fields=["company", "key"], name="system_parameter_uniq")]

    def __str__(self):
        return self.key


class Announcement(models.Model):
    """公告管理: a company notice shown on the workbench during its publish window."""

    company = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("company"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("content"))
    publish_from = models.DateTimeField(_("publish from"))
    publish_until = models.DateTimeField(_("publish until"), null=True, blank=True)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope = ScopeSpec(company="company")

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-is_pinned", "-publish_from"]
        indexes = [models.Index(fields=["company", "publish_from"], name="system_announce_window_idx")]

    def __str__(self):
        return self.title


__all__ = [
    "Announcement",
    "Dictionary",
    "DictionaryItem",
    "LoginLog",
    "Parameter",
    "ParameterType",
]

"""Core models: the operation log every service writes (`anju.core.audit.log_action`) and the saved
list views of every admin list (`anju.core.savedviews`)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.choices import LogAction
from anju.core.scoping import ScopeSpec


class OperationLog(models.Model):
    """操作日志 (000 §2.6): who did what to which object, from where, with before/after values."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=LogAction.choices, db_index=True)
    module = models.CharField(_("module"), max_length=40, blank=True, db_index=True)
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("object type"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    company = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)

    scope = ScopeSpec(company="company")

    class Meta:
        verbose_name = _("operation log")
        verbose_name_plural = _("operation logs")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="system_oplog_object_idx")]
        db_table = "system_operationlog"  # moved from the system app; the table kept its name

    def __str__(self):
        at = timezone.localtime(self.at) if self.at else None
        return f"{at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"


class SavedView(models.Model):
    """A user's saved list view: filters, ordering and page size of one admin list."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    list_key = models.CharField(_("list"), max_length=100)
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("query string"), max_length=2000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope = ScopeSpec(owner="owner")

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["list_key", "name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "list_key", "name"], name="system_savedview_uniq")
        ]
        db_table = "system_savedview"  # moved from the system app; the table kept its name

    def __str__(self):
        return self.name

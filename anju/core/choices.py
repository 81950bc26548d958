from django.db import models
from django.utils.translation import gettext_lazy as _


class LogAction(models.TextChoices):
    """What an operation-log row records (every service writes one, see `anju.core.audit`)."""

    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    TRANSITION = "transition", _("State change")
    APPROVE = "approve", _("Approve")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    VIEW_SENSITIVE = "view_sensitive", _("View sensitive data")
    LOGIN = "login", _("Login")
    LOGOUT = "logout", _("Logout")
    PASSWORD = "password", _("Password change")
    CLEAR = "clear", _("Data clearing")
    LOG_CLEAR = "log_clear", _("Log clearing")
    BACKUP = "backup", _("Backup")
    RESTORE = "restore", _("Restore")
    OTHER = "other", _("Other")


# Rows that record a deletion or a clearing are the evidence of erasure: no one deletes them, not
# even the retention purge.
PROTECTED_LOG_ACTIONS = (LogAction.DELETE, LogAction.CLEAR, LogAction.LOG_CLEAR)

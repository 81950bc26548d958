"""Permission points of the system-settings module (manual 000 §2)."""

import dataclasses

from django.utils.translation import gettext_lazy as _

from anju.core.registry import CRUD, permissions

permissions.module("system", _("System settings"))
permissions.resource("system", "dictionary", _("Dictionaries"), (*CRUD, "export"))
permissions.resource("system", "parameter", _("Business parameters"), ("view", "change"))
permissions.resource("system", "announcement", _("Announcements"), (*CRUD, "export"))
permissions.resource("system", "operationlog", _("Operation logs"), ("view", "export", "delete", "clear"))
permissions.resource("system", "loginlog", _("Login logs"), ("view", "export", "delete", "clear"))
permissions.resource("system", "dataclearing", _("Data clearing"), ("view", "manage"))
permissions.resource("system", "backup", _("Backups"), ("view", "manage"))

# Actions the shared registry has no label for.
_EXTRA_ACTION_LABELS = {"clear": _("Clear (all or by date range)")}
for _code, _point in list(permissions.points.items()):
    if _point.module == "system" and _point.action in _EXTRA_ACTION_LABELS:
        permissions.points[_code] = dataclasses.replace(_point, label=_EXTRA_ACTION_LABELS[_point.action])

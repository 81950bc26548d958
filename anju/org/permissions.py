from django.utils.translation import gettext_lazy as _

from anju.core.registry import CRUD, permissions

permissions.module("org", _("Organisation"))
permissions.resource("org", "orgunit", _("Organisation units"), (*CRUD, "export"))
permissions.resource("org", "role", _("Roles"), (*CRUD, "export"))
permissions.resource("org", "user", _("Users"), (*CRUD, "export", "view_sensitive", "manage"))

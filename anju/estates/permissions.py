from django.utils.translation import gettext_lazy as _

from anju.core.registry import CRUD, permissions

permissions.module("estates", _("Base data"))
permissions.resource("estates", "project", _("Projects"), (*CRUD, "export", "manage"))
permissions.resource("estates", "team", _("Project teams"), CRUD)
permissions.resource("estates", "unittype", _("Decoration standards and unit types"), CRUD)
permissions.resource("estates", "zone", _("Zones"), CRUD)
permissions.resource("estates", "building", _("Buildings"), (*CRUD, "export"))
permissions.resource("estates", "room", _("Rooms"), (*CRUD, "export", "import", "view_sensitive"))

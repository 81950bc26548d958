from django.utils.translation import gettext_lazy as _

from anju.core.registry import CRUD, permissions

permissions.module("service", _("Customer service"))
permissions.resource("service", "reception", _("Reception records"), (*CRUD, "export"))
permissions.resource("service", "task", _("Tasks"), ("view", "add", "change", "export", "manage"))
permissions.resource("service", "callback", _("Callbacks"), ("view", "change", "export"))
permissions.resource("service", "compensation", _("Compensation"), (*CRUD, "approve", "export"))
permissions.resource("service", "topic", _("Complaint topics"), CRUD)
permissions.resource("service", "problem", _("Problem standard library"), (*CRUD, "export"))
permissions.resource("service", "contractor", _("Contractors"), (*CRUD, "export"))
permissions.resource("service", "settings", _("Customer-service settings"), ("view", "change"))

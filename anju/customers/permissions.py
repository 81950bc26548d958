from django.utils.translation import gettext_lazy as _

from anju.core.registry import ACTION_LABELS, CRUD, permissions

ACTION_LABELS.setdefault("rename", _("Rename directly"))
ACTION_LABELS.setdefault("transfer", _("Transfer"))
ACTION_LABELS.setdefault("merge", _("Merge"))

permissions.module("customers", _("Customers"))
permissions.resource(
    "customers",
    "customer",
    _("Customer ledger"),
    (*CRUD, "export", "import", "view_sensitive", "approve", "rename", "transfer", "merge"),
)
permissions.resource("customers", "relation", _("Room-customer relations"), (*CRUD, "export"))
permissions.resource("customers", "renamerequest", _("Rename requests"), ("view", "add"))

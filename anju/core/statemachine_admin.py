"""The read-only admin inline of a StatusEvent model (anju.core.statemachine): the status history."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy
from unfold.admin import TabularInline


class StatusEventInline(TabularInline):
    """Subclass with `model = <the event model>`; events are written by the workflow only."""

    fields = ["at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    tab = True
    verbose_name_plural = pgettext_lazy("status event", "status history")

    def has_view_permission(self, request, obj=None):
        # Whoever may see the subject sees its history (permission points, not Django's model perms).
        parent = self.admin_site._registry.get(self.parent_model)
        return parent is not None and parent.has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

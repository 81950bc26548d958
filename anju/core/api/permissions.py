from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from anju.core.scoping import has_point

# DRF action → permission-point action.
ACTION_MAP = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
    "export": "export",
}


class PointPermission(BasePermission):
    """Maps a view's action onto a permission point "<permission_resource>.<action>".

    Views declare `permission_resource = "org.orgunit"`; extra actions map through
    `permission_actions = {"move": "change"}`. A view with no resource requires only a login.
    """

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if getattr(user, "must_change_password", False) and not getattr(
            view, "allowed_before_password_change", False
        ):
            # The first login's (or an administrator's reset's) forced change applies to the API too.
            self.message = _("Change your password first: POST /api/v1/me/password/.")
            return False
        resource = getattr(view, "permission_resource", None)
        if resource is None:
            return True
        action = getattr(view, "action", None) or request.method.lower()
        mapped = {**ACTION_MAP, **getattr(view, "permission_actions", {})}.get(action)
        if mapped is None:
            mapped = "view" if request.method in ("GET", "HEAD", "OPTIONS") else "change"
        return has_point(user, f"{resource}.{mapped}")

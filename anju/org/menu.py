from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from anju.core.registry import menu_section
from anju.org.access import has_point


def _item(title, icon, url_name, point):
    return {
        "title": title,
        "icon": icon,
        "link": reverse_lazy(url_name),
        "permission": lambda request: has_point(request.user, point),
    }


@menu_section("system")
def system_menu(request):
    return [
        _item(_("Organisation units"), "account_tree", "admin:org_orgunit_changelist", "org.orgunit.view"),
        _item(_("Roles"), "badge", "admin:org_role_changelist", "org.role.view"),
        _item(_("Users"), "group", "admin:org_user_changelist", "org.user.view"),
    ]

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
        _item(_("Dictionaries"), "list_alt", "admin:system_dictionary_changelist", "system.dictionary.view"),
        _item(_("Business parameters"), "tune", "system:parameters", "system.parameter.view"),
        _item(
            _("Announcements"), "campaign", "admin:system_announcement_changelist", "system.announcement.view"
        ),
        _item(
            _("Operation logs"), "history", "admin:core_operationlog_changelist", "system.operationlog.view"
        ),
        _item(_("Login logs"), "login", "admin:system_loginlog_changelist", "system.loginlog.view"),
        _item(_("Data clearing"), "delete_forever", "system:data-clearing", "system.dataclearing.view"),
    ]

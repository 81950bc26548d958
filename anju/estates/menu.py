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


@menu_section("basedata")
def basedata_menu(request):
    return [
        _item(_("Projects"), "apartment", "admin:estates_project_changelist", "estates.project.view"),
        _item(_("Project teams"), "groups", "admin:estates_projectteam_changelist", "estates.team.view"),
        _item(_("Team members"), "person_add", "admin:estates_teammember_changelist", "estates.team.view"),
        _item(_("Project sharing"), "share", "admin:estates_projectshare_changelist", "estates.project.view"),
        _item(
            _("Decoration standards"),
            "format_paint",
            "admin:estates_decorationstandard_changelist",
            "estates.unittype.view",
        ),
        _item(_("Unit types"), "floor_lamp", "admin:estates_unittype_changelist", "estates.unittype.view"),
        _item(_("Zones"), "map", "admin:estates_zone_changelist", "estates.zone.view"),
        _item(
            _("Buildings and room grids"),
            "domain",
            "admin:estates_building_changelist",
            "estates.building.view",
        ),
        _item(_("Rooms"), "meeting_room", "admin:estates_room_changelist", "estates.room.view"),
        _item(_("Import rooms"), "upload_file", "estates:room_import", "estates.room.import"),
        _item(_("Room imports"), "history", "admin:estates_roomimport_changelist", "estates.room.import"),
    ]

"""The left menu, built from the sections each context registers (empty sections are hidden)."""

import logging

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from anju.core.registry import menu_sections

logger = logging.getLogger(__name__)

# Site titles configured in settings.UNFOLD; listed here so that the core catalogue translates them.
SITE_TITLES = (_("Anju CRM"), _("Anju 安居"))


def _allowed(item, request) -> bool:
    check = item.get("permission")
    return check is None or bool(check(request))


def _resolves(item) -> bool:
    """One context's menu item pointing at a missing URL must not break every staff page."""
    try:
        item["link"] = str(item["link"])
    except NoReverseMatch:
        logger.exception("Menu item %r links to an unknown URL", str(item.get("title")))
        return False
    return True


def visible_sections(request) -> list[dict]:
    """Sections in menu order with the items this user may open; sections left empty are dropped."""
    result = []
    for section in sorted(menu_sections.values(), key=lambda s: s.order):
        items = [item for item in section.items(request) if _allowed(item, request) and _resolves(item)]
        if items:
            result.append({"key": section.key, "title": section.title, "items": items})
    return result


def sidebar_navigation(request):
    navigation = [
        {
            "title": _("Workbench"),
            "separator": False,
            "items": [{"title": _("Workbench"), "icon": "dashboard", "link": reverse("admin:index")}],
        }
    ]
    for section in visible_sections(request):
        navigation.append(
            {"title": section["title"], "separator": True, "collapsible": True, "items": section["items"]}
        )
    return navigation


def environment_badge(request):
    if settings.DEBUG:
        return [str(_("Development")), "warning"]
    return None

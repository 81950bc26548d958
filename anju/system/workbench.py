"""Workbench card: the published announcements of the current company and its parent companies."""

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from anju.core.registry import workbench_widget
from anju.org import access
from anju.system.selectors import published_announcements


@workbench_widget("announcements", order=10)
def announcements_widget(request):
    user = request.user
    if not user.is_authenticated:
        return None
    rows = list(published_announcements(access.current_company_id(user))[:10])
    html = render_to_string(
        "system/workbench_announcements.html",
        {
            "announcements": rows,
            "can_manage": access.has_point(user, "system.announcement.view"),
        },
        request=request,
    )
    # Rendered by the template engine with autoescaping: titles and bodies are escaped.
    return mark_safe(html)  # noqa: S308

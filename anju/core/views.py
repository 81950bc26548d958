import time

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from anju.core.menu import visible_sections
from anju.core.middleware import is_api
from anju.core.registry import workbench_widgets


@never_cache
@require_GET
def healthz(request):
    """Database and job-queue health as JSON; 503 when either is down."""
    result = {"status": "ok", "time": timezone.now().isoformat()}
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        result["database"] = {
            "ok": True,
            "vendor": connection.vendor,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    except Exception as exc:
        result["database"] = {"ok": False, "error": type(exc).__name__}
    try:
        from huey.contrib.djhuey import HUEY

        started = time.perf_counter()
        pending = HUEY.pending_count()
        result["queue"] = {
            "ok": True,
            "backend": type(HUEY).__name__,
            "pending": pending,
            "immediate": HUEY.immediate,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    except Exception as exc:
        result["queue"] = {"ok": False, "error": type(exc).__name__}
    healthy = result["database"]["ok"] and result["queue"]["ok"]
    result["status"] = "ok" if healthy else "error"
    return JsonResponse(result, status=200 if healthy else 503)


def workbench_callback(request, context):
    """Unfold dashboard: the registered widgets (announcements, tasks, …) and the user's shortcuts."""

    widgets = []
    for widget in sorted(workbench_widgets, key=lambda w: w.order):
        rendered = widget.render(request)
        if rendered:
            # Widgets return rendered templates (safe HTML by the registry contract).
            widgets.append(rendered if hasattr(rendered, "__html__") else mark_safe(rendered))  # noqa: S308
    context["anju_widgets"] = widgets
    context["title"] = _("Workbench")
    context["anju_shortcuts"] = visible_sections(request)
    return context


# --- error pages --------------------------------------------------------------------------------------
RETRY_AFTER_SECONDS = 30


def _database_unavailable(request):
    """The database dropped the connection (restart, failover, network) or refused it: the request
    may succeed in a moment. 503 + Retry-After, JSON for the API and a plain page for staff; nothing
    here touches the database (no session, no menu)."""
    from django.http import HttpResponse
    from django.template.loader import render_to_string

    message = _("The database is unavailable for a moment. Please try again in %(seconds)s seconds.") % {
        "seconds": RETRY_AFTER_SECONDS
    }
    if is_api(request):
        response = JsonResponse({"detail": message, "code": "service_unavailable"}, status=503)
    else:
        response = HttpResponse(
            render_to_string("anju/503.html", {"message": message, "retry_after": RETRY_AFTER_SECONDS}),
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request, template_name="500.html"):
    """handler500: a lost database connection is a 503 with Retry-After; anything else Django's 500."""
    import sys

    from django.db import InterfaceError, OperationalError
    from django.views import defaults

    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return _database_unavailable(request)
    return defaults.server_error(request, template_name)

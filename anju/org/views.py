from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anju.core.admin import error_text
from anju.core.parsing import is_digits
from anju.core.services import ServiceValidationError
from anju.org import access, services


def lockout_response(request, credentials=None, *args, **kwargs):
    """Shown by django-axes after 5 failures (manual 004 §四.1): locked for 30 minutes."""
    message = _(
        "Too many failed logins: this account is locked for 30 minutes. Ask an administrator to unlock it."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "locked"}, status=429)
    return render(request, "org/locked.html", {"message": message}, status=429)


def _back(request) -> HttpResponseRedirect:
    target = request.POST.get("next") or request.headers.get("referer") or "/admin/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/admin/"
    return HttpResponseRedirect(target)


@require_POST
@login_required
def switch_company(request):
    """Header workspace: make another company the current one (its data scope applies at once)."""
    pk = request.POST.get("company", "")
    company = access.workable_companies(request.user).filter(pk=int(pk)).first() if is_digits(pk) else None
    if company is None:
        raise Http404
    try:
        services.user_switch_company(actor=request.user, company=company)
    except ServiceValidationError as exc:
        messages.error(request, error_text(exc))
        return _back(request)
    messages.success(request, _("Current company: %(name)s") % {"name": company.name})
    # The page the user was on may show a row of the previous company: land on the workbench.
    next_url = request.POST.get("next", "")
    if "/change/" in next_url or "/delete/" in next_url:
        return HttpResponseRedirect("/admin/")
    return _back(request)


@require_POST
@login_required
def set_project_filter(request):
    """Header workspace: narrow every list to some of the visible projects (none = all)."""
    if request.POST.get("clear"):
        ids: list[int] = []
    else:
        ids = [int(v) for v in request.POST.getlist("projects") if is_digits(v)]
    try:
        services.user_set_project_filter(actor=request.user, project_ids=ids)
    except ServiceValidationError as exc:
        messages.error(request, error_text(exc))
        return _back(request)
    if ids:
        messages.success(request, _("Project filter: %(count)s projects") % {"count": len(ids)})
    else:
        messages.success(request, _("Project filter cleared: all your projects are shown."))
    return _back(request)

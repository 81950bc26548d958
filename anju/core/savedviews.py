"""Saved list views ("视图"): a user's named filters of one admin list, for their own use only.

The model is `anju.core.models.SavedView`; the list template of `anju.core.admin.AnjuModelAdmin` shows
the user's views and posts to the two staff views below; the API (`/api/v1/system/saved-views/`) calls
the same services.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anju.core import audit
from anju.core.admin import error_text
from anju.core.choices import LogAction
from anju.core.crud import create_instance, delete_instance, lock
from anju.core.models import SavedView
from anju.core.scoping import scoped
from anju.core.services import ServiceValidationError, service

LIST_KEY_PATTERN = r"^[a-z0-9_]+(\.[a-z0-9_\-]+)+$"
_LIST_KEY = re.compile(LIST_KEY_PATTERN)


# --- services -------------------------------------------------------------------------------------
@service
def savedview_save(*, actor, list_key: str, name: str, query: str = "") -> SavedView:
    """Save (or overwrite, by name) one of the actor's list views."""
    name = (name or "").strip()
    query = (query or "").strip().lstrip("?")
    errors = {}
    if not _LIST_KEY.match(list_key or ""):
        errors["list_key"] = _("Name the list as “app.model”, e.g. “org.orgunit”.")
    if not name:
        errors["name"] = _("Give the view a name.")
    elif len(name) > 100:
        errors["name"] = _("At most 100 characters.")
    if len(query) > 2000:
        errors["query"] = _("The filter is too long to save (at most 2000 characters).")
    if errors:
        raise ServiceValidationError(errors)
    existing = SavedView.objects.select_for_update().filter(owner=actor, list_key=list_key, name=name).first()
    if existing is not None:
        before = audit.snapshot(existing)
        existing.query = query
        existing.save(update_fields=["query"])
        audit.log_action(
            actor=actor,
            action=LogAction.UPDATE,
            instance=existing,
            before=before,
            after=audit.snapshot(existing),
        )
        return existing
    return create_instance(
        actor=actor, instance=SavedView(owner=actor, list_key=list_key, name=name, query=query)
    )


@service
def savedview_delete(*, actor, view: SavedView) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDenied
    delete_instance(actor=actor, instance=lock(SavedView, view.pk))


# --- staff views (mounted by anju.core.urls under /admin/core/-/) ----------------------------------
def _back_to_list(request, list_url: str, query: str = ""):
    if not url_has_allowed_host_and_scheme(list_url, allowed_hosts={request.get_host()}):
        list_url = "/admin/"
    return HttpResponseRedirect(f"{list_url}?{query}" if query else list_url)


@require_POST
@login_required
def saved_view_create(request):
    """Save the current list's conditions ("视图") under a name; only for the user's own use."""
    list_key = request.POST.get("list_key", "")[:100]
    list_url = request.POST.get("list_url", "/admin/")
    query = request.POST.get("query", "")
    try:
        view = savedview_save(
            actor=request.user, list_key=list_key, name=request.POST.get("name", ""), query=query
        )
    except ServiceValidationError as exc:
        messages.error(request, error_text(exc))
        return _back_to_list(request, list_url, query.lstrip("?"))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return _back_to_list(request, list_url, view.query)


@require_POST
@login_required
def saved_view_delete(request, pk: int):
    view = get_object_or_404(scoped(request.user, SavedView), pk=pk)
    savedview_delete(actor=request.user, view=view)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return _back_to_list(request, request.POST.get("list_url", "/admin/"))

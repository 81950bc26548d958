"""Enumerate what the product exposes: every API endpoint (DRF's endpoint enumerator, the same walk
drf-spectacular does) and every staff (admin) URL, so that the sweeps cover new modules unasked."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.schemas.generators import EndpointEnumerator

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_PARAM = re.compile(r"{([^}]+)}")


@dataclass(frozen=True)
class ApiRoute:
    path: str  # "/api/v1/customers/customers/{pk}/"
    method: str
    view: type  # the view class
    action: str | None  # viewset action for this method, None for an APIView

    @property
    def params(self) -> list[str]:
        return _PARAM.findall(self.path)

    @property
    def is_detail(self) -> bool:
        return bool(self.params)

    @property
    def model(self):
        queryset = getattr(self.view, "queryset", None)
        return queryset.model if queryset is not None else None

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def url(self, value) -> str:
        return _PARAM.sub(str(value), self.path)


def api_routes() -> list[ApiRoute]:
    routes = []
    for path, method, callback in EndpointEnumerator().get_api_endpoints():
        actions = getattr(callback, "actions", None) or {}
        routes.append(
            ApiRoute(
                path=path,
                method=method.upper(),
                view=callback.cls,
                action=actions.get(method.lower()),
            )
        )
    return routes


def admin_model_urls(model, pk) -> dict[str, str]:
    """The standard admin pages of one registered model (changelist, add, change, delete, history)."""
    from django.urls import NoReverseMatch, reverse

    info = (model._meta.app_label, model._meta.model_name)
    urls = {}
    for name, args in (
        ("changelist", ()),
        ("add", ()),
        ("change", (pk,)),
        ("delete", (pk,)),
        ("history", (pk,)),
    ):
        try:
            urls[name] = reverse("admin:{}_{}_{}".format(*info, name), args=args)
        except NoReverseMatch:
            continue
    return urls


def registered_admin_models():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route, entry


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def staff_url_templates() -> list[str]:
    """Every staff URL under /admin/, parameters written "{name}" (regex patterns made concrete)."""
    urls = set()
    for route, _entry in _walk(get_resolver().url_patterns):
        if not route.startswith("admin/"):
            continue
        if route.startswith("^") or "(?P" in route:  # Django admin's regex patterns (app index, etc.)
            route = route.lstrip("^").rstrip("$")
            route = re.sub(r"\(\?P<app_label>[^)]*\)", "org", route)
            route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)
            if "(" in route or "\\" in route:
                continue
        route = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", route)
        urls.add("/" + route.replace("^", "").replace("$", ""))
    return sorted(urls)


def fill(template: str, value) -> str:
    return _PARAM.sub(str(value), template)

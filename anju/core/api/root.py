"""The API's front door: `GET /api/v1/` lists each context's sections and where the schema and docs are.

Contexts contribute routes through their `api/urls.py` (`context_api_modules`); the root lists every
route of a context that needs no path parameter (lists, searches, actions on a collection), so a new
module shows up unasked. It holds links only, no data, so it is public.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.urls import NoReverseMatch, URLPattern, reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

API_PREFIX = "/api/v1/"


def context_api_modules():
    """(app config, its `api.urls` module) for every context that has one."""
    for config in apps.get_app_configs():
        if not config.name.startswith("anju."):
            continue
        try:
            module = import_module(f"{config.name}.api.urls")
        except ModuleNotFoundError as exc:
            # A context without an `api` package (or without its urls) has no API routes.
            if exc.name not in (f"{config.name}.api.urls", f"{config.name}.api"):
                raise
            continue
        yield config, module


def _section_paths(module) -> list[str]:
    paths = []
    for pattern in module.urlpatterns:
        if not isinstance(pattern, URLPattern) or not pattern.name or pattern.pattern.regex.groups:
            continue
        try:
            url = reverse(pattern.name)
        except NoReverseMatch:
            continue
        if url.startswith(API_PREFIX) and url not in paths:
            paths.append(url)
    return sorted(paths)


SECTION_FIELDS = {
    "key": serializers.CharField(help_text="The context (app label)."),
    "title": serializers.CharField(),
    "endpoints": serializers.DictField(
        child=serializers.URLField(), help_text="Route (relative to /api/v1/) → absolute URL."
    ),
}


class ApiRootView(APIView):
    """The API root: each context's section URLs, the OpenAPI schema and the interactive docs."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="api_root",
        tags=["api"],
        responses=inline_serializer(
            "ApiRoot",
            {
                "title": serializers.CharField(),
                "version": serializers.CharField(),
                "schema": serializers.URLField(help_text="OpenAPI 3 schema (YAML; ?format=json)."),
                "docs": serializers.URLField(help_text="Interactive documentation (Swagger UI)."),
                "token": serializers.URLField(help_text="POST username and password for a token."),
                "sections": inline_serializer("ApiRootSection", SECTION_FIELDS, many=True),
            },
        ),
    )
    def get(self, request):
        absolute = request.build_absolute_uri
        sections = []
        for config, module in context_api_modules():
            paths = _section_paths(module)
            if paths:
                sections.append(
                    {
                        "key": config.label,
                        "title": str(config.verbose_name),
                        "endpoints": {p[len(API_PREFIX) :].rstrip("/"): absolute(p) for p in paths},
                    }
                )
        return Response(
            {
                "title": "Anju API",
                "version": "v1",
                "schema": absolute(reverse("schema")),
                "docs": absolute(reverse("api-docs")),
                "token": absolute(reverse("auth-token")),
                "sections": sections,
            }
        )

from importlib import import_module

from django.apps import apps
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from anju.core.api.root import ApiRootView, context_api_modules
from anju.core.files import FileDownloadView
from anju.core.views import healthz


def _context_api_urls():
    """Each context's `api/urls.py` contributes its `urlpatterns` under /api/v1/."""
    return [pattern for _config, module in context_api_modules() for pattern in module.urlpatterns]


def _context_ui_urls():
    patterns = []
    for config in apps.get_app_configs():
        if config.name.startswith("anju."):
            try:
                module = import_module(f"{config.name}.urls")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.urls":
                    raise
                continue
            patterns.append(path(f"admin/{config.label}/-/", include((module.urlpatterns, config.label))))
    return patterns


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    *_context_ui_urls(),
    path("admin/", admin.site.urls),
    path("api/v1/", ApiRootView.as_view(), name="api-root"),
    path("api/v1/", include(_context_api_urls())),
    path("api/v1/files/<str:label>/<int:pk>/", FileDownloadView.as_view(), name="file-download"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
# MEDIA_ROOT is never served as such, in any mode: uploads are answered only by `file-download`
# (view point + data scope, attachment, detected type, nosniff, CSP), see anju.core.files.

# A dropped database connection answers 503 with Retry-After (API JSON, staff HTML), not a 500.
handler500 = "anju.core.views.server_error"

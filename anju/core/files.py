"""Protected downloads of uploaded files (attachments).

Uploaded files are never served straight from MEDIA_ROOT or a public bucket: a file is fetched through
`/files/<model label>/<pk>/`, which answers only a signed-in user holding the model's view point and
seeing the row in their data scope (404 otherwise, like every other row). Contexts register the
models whose rows carry a file:

    files.register("service.ReceptionAttachment", point="service.reception.view")
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from anju.org.access import has_point, scoped


@dataclass(frozen=True)
class Downloadable:
    label: str  # "app_label.ModelName"
    point: str  # the permission point needed to download
    file_field: str = "file"
    name_field: str = "name"


DOWNLOADABLE: dict[str, Downloadable] = {}


def register(label: str, *, point: str, file_field: str = "file", name_field: str = "name") -> None:
    DOWNLOADABLE[label.lower()] = Downloadable(label, point, file_field, name_field)


def download_url(instance) -> str:
    return reverse("file-download", args=[instance._meta.label_lower, instance.pk])


class FileDownloadView(APIView):
    """Download an attachment the user may see (session or token authentication)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, label: str, pk: int):
        entry = DOWNLOADABLE.get(label.lower())
        if entry is None or not has_point(request.user, entry.point):
            raise Http404
        model = apps.get_model(entry.label)
        row = scoped(request.user, model).filter(pk=pk).first()
        stored = getattr(row, entry.file_field, None) if row is not None else None
        if not stored:
            raise Http404
        try:
            handle = stored.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        response = FileResponse(
            handle, as_attachment=True, filename=getattr(row, entry.name_field, "") or None
        )
        # Never let a browser render an uploaded file inside the product's origin.
        response["Content-Security-Policy"] = "sandbox"
        response["X-Content-Type-Options"] = "nosniff"
        return response

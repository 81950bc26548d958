"""Protected downloads of uploaded files (attachments).

Uploaded files are never served straight from MEDIA_ROOT or a public bucket: a file is fetched through
`/files/<model label>/<pk>/`, which answers only a signed-in user holding the model's view point and
seeing the row in their data scope (404 otherwise, like every other row). Contexts register the
models whose rows carry a file:

    files.register("service.ReceptionAttachment", point="service.reception.view")

A file is stored under a name the product chooses (`StoredName`: a random name with the extension of
the type detected from its content, never the uploader's name) and answered as an attachment with the
detected type only when that type is passive (`PASSIVE_TYPES`), `nosniff` and a CSP that forbids
everything, so a browser never renders an upload inside the product's origin.
"""

from __future__ import annotations

import posixpath
import uuid
from dataclasses import dataclass

from django.apps import apps
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from anju.core.scoping import has_point, scoped

# The content types an upload may be stored and answered as, with their extensions (the first one is
# the one a stored file gets). Nothing here is rendered as a document by a browser: no HTML, SVG or XML.
PASSIVE_TYPES: dict[str, tuple[str, ...]] = {
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "image/heic": ("heic", "heif"),
    "video/mp4": ("mp4", "m4v"),
    "video/quicktime": ("mov",),
    "video/webm": ("webm",),
    "video/x-msvideo": ("avi",),
    "audio/mp4": ("m4a",),
    "audio/mpeg": ("mp3",),
    "audio/wav": ("wav",),
    "audio/amr": ("amr",),
    "application/pdf": ("pdf",),
    "application/msword": ("doc", "xls", "ppt"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
}
UNKNOWN_TYPE = "application/octet-stream"
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def extension_for(content_type: str) -> str:
    return PASSIVE_TYPES.get(content_type, ("bin",))[0]


def download_name(name: str, content_type: str) -> str:
    """The uploader's name, with an extension that matches the detected type (`x.html` → `x.jpg`)."""
    stem, ext = posixpath.splitext(posixpath.basename((name or "").replace("\\", "/")))
    if ext[1:].lower() in PASSIVE_TYPES.get(content_type, ()):
        return stem + ext
    return f"{stem or 'file'}.{extension_for(content_type)}"


@deconstructible
class StoredName:
    """`upload_to` for uploads: `<folder>/<year>/<month>/<random hex>.<extension of the detected type>`.

    The model row must carry the detected type in `content_type` before it is saved."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        ext = extension_for(getattr(instance, "content_type", ""))
        return f"{self.folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"

    def __eq__(self, other):
        return isinstance(other, StoredName) and other.folder == self.folder


@dataclass(frozen=True)
class Downloadable:
    label: str  # "app_label.ModelName"
    point: str  # the permission point needed to download
    file_field: str = "file"
    name_field: str = "name"
    content_type_field: str = "content_type"


DOWNLOADABLE: dict[str, Downloadable] = {}


def register(
    label: str,
    *,
    point: str,
    file_field: str = "file",
    name_field: str = "name",
    content_type_field: str = "content_type",
) -> None:
    DOWNLOADABLE[label.lower()] = Downloadable(label, point, file_field, name_field, content_type_field)


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
        # The type detected at upload, never one guessed from a name; anything else is opaque bytes.
        content_type = getattr(row, entry.content_type_field, "") or ""
        if content_type not in PASSIVE_TYPES:
            content_type = UNKNOWN_TYPE
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=download_name(getattr(row, entry.name_field, "") or "", content_type),
            content_type=content_type,
        )
        # Never let a browser render an uploaded file inside the product's origin.
        response["Content-Security-Policy"] = DOWNLOAD_CSP
        response["X-Content-Type-Options"] = "nosniff"
        return response

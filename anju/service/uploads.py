"""Attachment checks: at most 50 MB, type recognised from the content (magic bytes), never the name.

Only passive types are accepted (`anju.core.files.PASSIVE_TYPES`): HTML, SVG and XML are refused, and
so is an image, video or audio file that carries HTML/SVG markup (a polyglot such as a JPEG header
followed by a page). The file is then stored under a product-chosen name (`anju.core.files.StoredName`).
"""

from __future__ import annotations

import re
import zipfile

from django.utils.translation import gettext as _

from anju.core.services import ServiceValidationError

MAX_BYTES = 50 * 1024 * 1024
CHUNK = 1024 * 1024
# Markup a browser would act on: an upload whose bytes hold it is refused, whatever its header says.
ACTIVE_MARKUP = re.compile(
    rb"<\s*(?:script|html|body|iframe|object|embed|svg)[\s/>]|<!doctype\s+html", re.IGNORECASE
)
# A document that starts (after a BOM and blanks) with markup: HTML, SVG, XML.
MARKUP_START = re.compile(rb"^(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?[\s\x00]*<", re.IGNORECASE)


def carries_markup(file) -> bool:
    """Whether the file's bytes hold active markup anywhere (read in 1 MB chunks with an overlap)."""
    file.seek(0)
    tail = b""
    try:
        while chunk := file.read(CHUNK):
            if ACTIVE_MARKUP.search(tail + chunk):
                return True
            tail = chunk[-64:]
        return False
    finally:
        file.seek(0)


def sniff(head: bytes, file=None) -> str | None:
    """The MIME type the first bytes say, or None when not an accepted image/video/audio/document."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"qt  ",):
            return "video/quicktime"
        if brand.startswith((b"M4A",)):
            return "audio/mp4"
        if brand.startswith((b"heic", b"heix", b"mif1")):
            return "image/heic"
        return "video/mp4"
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"  # OLE2: .doc / .xls / .ppt
    if head.startswith(b"PK\x03\x04") and file is not None:
        try:
            file.seek(0)
            names = set(zipfile.ZipFile(file).namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        finally:
            file.seek(0)
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            if any(n.startswith("xl/") for n in names):
                return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if any(n.startswith("ppt/") for n in names):
                return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    return None


def detect(file) -> tuple[str | None, bool]:
    """(the type the content says or None, whether the content is or carries active markup)."""
    file.seek(0)
    head = file.read(32)
    file.seek(0)
    kind = sniff(head, file)
    active = bool(MARKUP_START.match(head)) or bool(
        kind and kind.startswith(("image/", "video/", "audio/")) and carries_markup(file)
    )
    return kind, active


def check_upload(file, field: str = "attachments") -> str:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
        file.seek(0)
    if size > MAX_BYTES:
        raise ServiceValidationError({field: _("%(name)s is larger than 50 MB.") % {"name": file.name}})
    if size == 0:
        raise ServiceValidationError({field: _("%(name)s is empty.") % {"name": file.name}})
    kind, active = detect(file)
    if active:
        raise ServiceValidationError(
            {
                field: _("%(name)s holds HTML, SVG or XML content, which is not accepted.")
                % {"name": file.name}
            }
        )
    if kind is None:
        raise ServiceValidationError(
            {
                field: _("%(name)s is not an accepted image, video, audio or document file.")
                % {"name": file.name}
            }
        )
    return kind

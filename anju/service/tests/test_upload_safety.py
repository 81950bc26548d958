"""Uploads are never served raw (issue 11 item 4): no /media/ route in any mode, a product-chosen stored
name with the extension of the detected type, active content refused, downloads only through the
permission-checked view with the detected type, attachment disposition, nosniff and a strict CSP."""

import importlib
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import translation

from anju.core.files import download_url
from anju.core.models import OperationLog
from anju.service.models import ReceptionAttachment
from anju.service.tests.conftest import new_reception

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
POLYGLOT = b"\xff\xd8\xff\xe0" + b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def post_reception(svc, api, files):
    return api(svc.acceptor).post(
        "/api/v1/service/receptions/",
        {"channel": "phone", "room": svc.room.pk, "content": "漏水", "upload": files},
        format="multipart",
    )


def test_media_root_is_not_routed_even_with_debug_on(settings):
    import config.urls

    settings.DEBUG = True
    try:
        urls = importlib.reload(config.urls)
        with pytest.raises(Resolver404):
            resolve("/media/service/receptions/2026/01/x.html", urlconf=urls)
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)


def test_a_jpeg_named_html_is_stored_under_a_random_jpg_name_and_downloaded_as_an_image(svc, api, media):
    r = post_reception(svc, api, [SimpleUploadedFile("x.html", JPEG, content_type="text/html")])
    assert r.status_code == 201, r.content
    row = ReceptionAttachment.objects.get(reception_id=r.json()["id"])
    assert row.content_type == "image/jpeg" and row.name == "x.html"
    assert re.fullmatch(r"service/receptions/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", row.file.name), row.file.name
    assert (media / row.file.name).read_bytes() == JPEG

    response = api(svc.acceptor).get(download_url(row))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="x.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert Client().get(download_url(row)).status_code in (401, 403)  # nobody signed in


@pytest.mark.parametrize(
    "name, content",
    [
        ("x.html", POLYGLOT),  # a JPEG header, then a page
        ("x.jpg", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("x.xml", b'<?xml version="1.0"?><a xmlns:html="http://www.w3.org/1999/xhtml"/>'),
        ("x.png", b"\xef\xbb\xbf  <html>"),
        ("x.gif", b"GIF89a\x01\x00\x01\x00" + b"\x00" * 2_000_000 + b"<svg onload=alert(1)>"),
    ],
)
def test_active_content_is_refused_and_nothing_is_written(svc, api, media, name, content):
    before = ReceptionAttachment.objects.count()
    r = post_reception(svc, api, [SimpleUploadedFile(name, content)])
    assert r.status_code == 400, r.content
    assert "attachments" in r.json()
    assert ReceptionAttachment.objects.count() == before
    assert not any(p.is_file() for p in media.rglob("*"))


def test_a_file_stored_under_its_old_name_still_downloads_with_its_detected_type(svc, api, media):
    reception = new_reception(svc)
    old_name = "service/receptions/2025/01/x.html"  # as stored before product-chosen names
    (media / "service/receptions/2025/01").mkdir(parents=True)
    (media / old_name).write_bytes(JPEG)
    row = ReceptionAttachment.objects.create(
        reception=reception, file=old_name, name="x.html", content_type="image/jpeg", size=len(JPEG)
    )
    response = api(svc.acceptor).get(download_url(row))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"  # not text/html guessed from the name
    assert response["Content-Disposition"] == 'attachment; filename="x.jpg"'


def test_the_rename_command_gives_old_files_product_names_and_they_still_download(svc, api, media):
    from django.core.management import call_command

    reception = new_reception(svc)
    folder = media / "service/receptions/2025/01"
    folder.mkdir(parents=True)
    (folder / "x.html").write_bytes(JPEG)
    (folder / "page.html").write_bytes(b"<html><script>alert(1)</script></html>")
    good = ReceptionAttachment.objects.create(
        reception=reception,
        file="service/receptions/2025/01/x.html",
        name="x.html",
        content_type="image/jpeg",
        size=len(JPEG),
    )
    bad = ReceptionAttachment.objects.create(
        reception=reception,
        file="service/receptions/2025/01/page.html",
        name="page.html",
        content_type="image/jpeg",
        size=10,
    )
    out = io.StringIO()
    with translation.override("en"):
        call_command("rename_stored_attachments", stdout=out)
    assert "1 renamed, 1 kept" in out.getvalue()
    good.refresh_from_db()
    bad.refresh_from_db()
    assert re.fullmatch(r"service/receptions/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", good.file.name)
    assert (media / good.file.name).read_bytes() == JPEG
    assert bad.file.name == "service/receptions/2025/01/page.html"  # kept: not a passive type
    response = api(svc.acceptor).get(download_url(good))
    assert response.status_code == 200 and b"".join(response.streaming_content) == JPEG
    assert OperationLog.objects.filter(object_repr__in=["Stored attachment names", "附件存储文件名"]).exists()
    call_command("rename_stored_attachments", stdout=io.StringIO())  # again: nothing to do
    assert ReceptionAttachment.objects.get(pk=good.pk).file.name == good.file.name

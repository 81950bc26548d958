import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from anju.core.files import download_url
from anju.core.testing import api_client, make_role, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def attachment(world, settings, tmp_path):
    from anju.core.testing import make_project
    from anju.estates.models import Room
    from anju.service.models import Reception, ReceptionAttachment

    settings.MEDIA_ROOT = tmp_path
    project = make_project(world.company_a)
    room = Room.objects.create(project=project, code="1-101")
    reception = Reception.objects.create(
        code="JD1",
        company=world.company_a,
        project=project,
        room=room,
        channel="phone",
        content="漏水",
        received_at=timezone.now(),
    )
    row = ReceptionAttachment(reception=reception, name="现场.jpg", content_type="image/jpeg", size=5)
    row.file.save("x.jpg", ContentFile(b"\xff\xd8\xff\xe0!"), save=False)
    row.save()
    return row


def test_an_attachment_downloads_only_inside_the_data_scope_and_with_the_view_point(world, attachment):
    url = download_url(attachment)
    assert url.startswith("/api/v1/files/service.receptionattachment/")
    response = api_client(world.user_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\xff\xd8\xff\xe0!"
    assert (
        "attachment" in response["Content-Disposition"] and "sandbox" in response["Content-Security-Policy"]
    )
    assert api_client(world.user_b).get(url).status_code == 404  # another company's file
    no_point = make_user(world.dept_a, [make_role(world.company_a, points=["customers.customer.view"])])
    assert api_client(no_point).get(url).status_code == 404
    assert api_client(None).get(url).status_code == 401
    assert api_client(world.user_a).get("/api/v1/files/org.user/1/").status_code == 404  # not a file model


def test_the_api_links_attachments_to_the_protected_download(world, attachment):
    detail = api_client(world.user_a).get(f"/api/v1/service/receptions/{attachment.reception_id}/")
    assert detail.status_code == 200, detail.content
    assert [a["download_url"] for a in detail.json()["attachments"]] == [download_url(attachment)]
    assert "/media/" not in detail.content.decode()


def test_the_reception_page_links_its_attachments_to_the_protected_download(world, attachment):
    from django.test import Client

    client = Client()
    client.force_login(world.user_a)
    html = client.get(f"/admin/service/reception/{attachment.reception_id}/change/").content.decode()
    assert f'href="{download_url(attachment)}"' in html and "现场.jpg" in html

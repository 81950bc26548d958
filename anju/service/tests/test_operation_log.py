"""Work done by the customer-service writes leaves operation-log rows with real before/after values."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from anju.core.models import OperationLog
from anju.service import services
from anju.service.models import Reception

pytestmark = pytest.mark.django_db


def _reception_rows(reception):
    return OperationLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Reception), object_id=str(reception.pk)
    ).order_by("id")


def _new_reception(svc):
    return services.reception_create(
        actor=svc.acceptor, company=svc.world.company_a, room=svc.room, content="漏水", channel="phone"
    )


def test_the_reception_status_change_of_a_decomposition_is_logged(svc, api):
    reception = _new_reception(svc)
    body = {
        "tasks": [
            {
                "task_type": "repair",
                "problem": svc.problem.pk,
                "accepting_company": svc.world.company_a.pk,
                "acceptor": svc.acceptor.pk,
            }
        ]
    }
    r = api(svc.acceptor).post(f"/api/v1/service/receptions/{reception.pk}/decompose/", body, format="json")
    assert r.status_code == 201, r.content
    assert Reception.objects.get(pk=reception.pk).status == "decomposed"
    changes = [
        (row.before, row.after, row.actor) for row in _reception_rows(reception).filter(action="transition")
    ]
    assert changes == [({"status": "pending"}, {"status": "decomposed"}, svc.acceptor)]


def test_an_attachment_added_by_patch_is_logged_with_before_and_after(svc, api):
    reception = _new_reception(svc)
    photo = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100, content_type="image/jpeg")
    r = api(svc.acceptor).patch(
        f"/api/v1/service/receptions/{reception.pk}/", {"upload": [photo]}, format="multipart"
    )
    assert r.status_code == 200, r.content
    row = _reception_rows(reception).filter(after__has_key="attachments").get()
    assert row.before == {"attachments": []}
    assert row.after == {"attachments": ["现场.jpg (104 B)"]}


def test_a_rejected_attachment_leaves_the_patched_fields_unchanged(svc, api):
    reception = _new_reception(svc)
    bad = SimpleUploadedFile("x.jpg", b"not really", content_type="image/jpeg")
    r = api(svc.acceptor).patch(
        f"/api/v1/service/receptions/{reception.pk}/",
        {"content": "改过的内容", "upload": [bad]},
        format="multipart",
    )
    assert r.status_code == 400
    assert Reception.objects.get(pk=reception.pk).content == "漏水"  # nothing half-written


def test_accepting_companies_are_logged_before_and_after(svc):
    reception = _new_reception(svc)
    created = _reception_rows(reception).first()
    assert created.after["accepting_companies"] == [svc.world.company_a.pk]

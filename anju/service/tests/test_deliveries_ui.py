"""Staff screens and API of the outbox: deliveries listed like the inbox (each user their own), a
failed one sent again through `services.delivery_retry` under the `service.delivery.retry` point."""

import pytest
from django.test import TestCase
from django.utils import translation

from anju.core.models import OperationLog
from anju.service import notifications
from anju.service.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(svc, monkeypatch):
    """A failed SMS delivery of the acceptor's and of the supervisor's (no role points); the jobs
    that would go to huey are collected."""
    jobs = []
    monkeypatch.setattr(notifications, "_enqueue", lambda ids, token=None: jobs.append((list(ids), token)))
    for user in (svc.acceptor, svc.supervisor):
        notifications.notify(recipient=user, template="task_completed", context={"task": "RW1"})
    Delivery.objects.filter(status="pending").update(
        status="failed", attempts=5, error="ConnectionRefusedError: down", lease_token=""
    )
    mine = Delivery.objects.get(notification__recipient=svc.acceptor, channel="sms")
    theirs = Delivery.objects.get(notification__recipient=svc.supervisor, channel="email")
    jobs.clear()
    return mine, theirs, jobs


def test_the_api_lists_own_deliveries_and_retries_a_failed_one(svc, api, failed):
    mine, theirs, jobs = failed
    client = api(svc.acceptor)
    listing = client.get("/api/v1/service/deliveries/", {"status": "failed"}).json()
    assert {row["id"] for row in listing["results"]} == set(
        Delivery.objects.filter(notification__recipient=svc.acceptor).values_list("pk", flat=True)
    )
    assert client.get(f"/api/v1/service/deliveries/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/service/deliveries/{theirs.pk}/retry/").status_code == 404

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"/api/v1/service/deliveries/{mine.pk}/retry/")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["attempts"]) == ("pending", 0)
    assert jobs == [([mine.pk], Delivery.objects.get(pk=mine.pk).lease_token)]
    log = OperationLog.objects.get(content_type__model="delivery", object_id=str(mine.pk))
    assert log.before["status"] == "failed" and log.after["status"] == "pending"
    # Only a failed delivery: a clear error naming the field, nothing changed.
    response = client.post(f"/api/v1/service/deliveries/{mine.pk}/retry/")
    assert response.status_code == 400 and "status" in response.json()


def test_retrying_needs_the_point(svc, api, failed):
    from anju.core.testing import make_role, make_user

    _mine, _theirs, jobs = failed
    viewer = make_user(
        svc.cs, [make_role(svc.world.company_a, points=["service.task.view"])], email="v@example.com"
    )
    notifications.notify(recipient=viewer, template="task_completed", context={"task": "RW1"})
    own = Delivery.objects.get(notification__recipient=viewer, channel="email")
    Delivery.objects.filter(pk=own.pk).update(status="failed", lease_token="")
    jobs.clear()
    client = api(viewer)  # sees their deliveries, may not send one again
    assert client.get("/api/v1/service/deliveries/").json()["count"] == 2  # e-mail, SMS skipped
    assert client.post(f"/api/v1/service/deliveries/{own.pk}/retry/").status_code == 403
    assert Delivery.objects.get(pk=own.pk).status == "failed" and jobs == []


def test_the_staff_list_filters_by_status_and_retries(svc, client, failed):
    mine, _theirs, jobs = failed
    client.force_login(svc.acceptor)
    with translation.override("zh-hans"):
        html = client.get("/admin/service/delivery/", {"status__exact": "failed"}).content.decode()
    assert "13900000001" in html and "boss@example.com" not in html
    assert "重试" in html  # the action, translated
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/admin/service/delivery/", {"action": "retry", "_selected_action": [mine.pk]}, follow=True
        )
    assert response.status_code == 200
    assert Delivery.objects.get(pk=mine.pk).status == "pending" and [ids for ids, _t in jobs] == [[mine.pk]]
    assert client.get(f"/admin/service/delivery/{mine.pk}/change/").status_code == 200


def test_the_retry_point_has_a_translated_label():
    from anju.core.registry import permissions

    point = permissions.points["service.delivery.retry"]
    with translation.override("zh-hans"):
        assert (str(point.label), str(point.resource_label)) == ("重试", "通知发送记录")

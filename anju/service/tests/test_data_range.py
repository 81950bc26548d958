import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from anju.core.files import download_url
from anju.service import services
from anju.service.models import Callback, TaskAttachment
from anju.service.tests.conftest import new_task

pytestmark = pytest.mark.django_db


def test_task_children_follow_the_tasks_data_range(svc, api):
    task = new_task(svc)
    photo = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100, content_type="image/jpeg")
    r = api(svc.engineer1).post(
        f"/api/v1/service/tasks/{task.pk}/transitions/",
        {"action": "reply", "note": "已到现场", "attachments": [photo]},
        format="multipart",
    )
    assert r.status_code == 200, r.content
    task.refresh_from_db()
    for action in ("answer", "complete"):
        task = services.task_transition(actor=svc.engineer1, task=task, action=action)
    callback = Callback.objects.get(task=task)
    url = download_url(TaskAttachment.objects.get(task=task))
    # engineer2 (仅本人) is neither 受理人 nor 责任人: the task and everything under it is 404 / unlisted.
    outsider = api(svc.engineer2)
    assert outsider.get(f"/api/v1/service/tasks/{task.pk}/").status_code == 404
    assert outsider.get(url).status_code == 404
    assert callback.pk not in [
        row["id"] for row in outsider.get("/api/v1/service/callbacks/").json()["results"]
    ]
    r = outsider.post(
        f"/api/v1/service/callbacks/{callback.pk}/record/",
        {"method": "phone", "person_reached": "张先生", "satisfaction": 1, "nps": 1},
        format="json",
    )
    assert r.status_code == 404
    # The people on the task still see them.
    assert api(svc.engineer1).get(url).status_code == 200
    listed = [row["id"] for row in api(svc.acceptor).get("/api/v1/service/callbacks/").json()["results"]]
    assert callback.pk in listed


def test_the_reception_page_lists_only_the_tasks_in_the_users_data_range(svc):
    from django.test import Client

    task = new_task(svc)  # 责任人 by duty: 工程部, not engineer2 personally
    client = Client()
    client.force_login(svc.engineer2)  # 仅本人, neither 受理人 nor 责任人
    response = client.get(f"/admin/service/reception/{task.reception_id}/change/")
    assert response.status_code == 200
    assert task.code not in response.content.decode()
    client.force_login(svc.acceptor)
    assert task.code in client.get(f"/admin/service/reception/{task.reception_id}/change/").content.decode()

import threading
import time

import pytest
from django.db import OperationalError, connection

from anju.service.models import Reception
from anju.service.tests.conftest import new_task
from anju.tasks.models import Task

pytestmark = pytest.mark.django_db


def test_reception_decompose_and_drive_through_the_api(svc, api):
    client = api(svc.acceptor)
    r = client.post(
        "/api/v1/service/receptions/",
        {
            "channel": "phone",
            "room": svc.room.pk,
            "content": "卫生间渗漏，墙面抹灰脱落",
            "caller_name": "李女士",
            "caller_phone": "13700001111",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    assert r.json()["status"] == "pending" and r.json()["accepting_companies"] == [svc.world.company_a.pk]
    body = {
        "tasks": [
            {
                "task_type": "repair",
                "problem": svc.problem.pk,
                "accepting_company": svc.world.company_a.pk,
                "acceptor": svc.acceptor.pk,
            },
            {
                "task_type": "complaint",
                "problem": svc.service_problem.pk,
                "accepting_company": svc.world.company_a.pk,
                "acceptor": svc.acceptor.pk,
                "responsible_kind": "person",
                "responsible_user": svc.engineer2.pk,
            },
        ]
    }
    r = client.post(f"/api/v1/service/receptions/{rid}/decompose/", body, format="json")
    assert r.status_code == 201, r.content
    t1, t2 = r.json()
    assert t2["responsible_user"] == svc.engineer2.pk and t2["status"] == "pending_reply"
    detail = api(svc.engineer1).get(f"/api/v1/service/tasks/{t1['id']}/").json()
    assert detail["allowed_actions"] == ["reply"] and set(detail["time_left"]) == {
        "reply",
        "answer",
        "process",
    }
    assert detail["siblings"][0]["id"] == t2["id"]
    url = f"/api/v1/service/tasks/{t1['id']}/transitions/"
    r = api(svc.engineer1).post(
        url, {"action": "reply", "note": "明天上门", "version": detail["version"]}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "discussing"
    # Stale version: 409 with a clear message, nothing overwritten.
    r = api(svc.acceptor).post(
        url, {"action": "void", "note": "重复", "version": detail["version"]}, format="json"
    )
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert Task.objects.get(pk=t1["id"]).status == "discussing"
    # Not allowed for this role: 403; unknown action / missing reason: 400.
    assert api(svc.engineer1).post(url, {"action": "close"}, format="json").status_code in (403, 409)
    assert api(svc.acceptor).post(url, {"action": "fly"}, format="json").status_code == 400
    r = api(svc.acceptor).post(url, {"action": "invalidate", "note": ""}, format="json")
    assert r.status_code == 400 and "note" in r.json()
    assert Reception.objects.get(pk=rid).status == "decomposed"


def test_out_of_scope_is_404_and_bad_input_400(svc, api):
    task = new_task(svc)
    outsider = svc.world.user_b  # company B
    assert api(outsider).get(f"/api/v1/service/tasks/{task.pk}/").status_code == 404
    assert (
        api(outsider)
        .post(f"/api/v1/service/tasks/{task.pk}/transitions/", {"action": "void", "note": "x"}, format="json")
        .status_code
        == 404
    )
    assert api(outsider).get(f"/api/v1/service/receptions/{task.reception_id}/").status_code == 404
    # A 客服专员 of the same company who is neither 受理人 nor 责任人 does not see the task.
    assert api(svc.engineer2).get(f"/api/v1/service/tasks/{task.pk}/").status_code == 404
    r = api(svc.acceptor).post(
        "/api/v1/service/receptions/",
        {"channel": "phone", "room": svc.room.pk, "content": " "},
        format="json",
    )
    assert r.status_code == 400 and "content" in r.json()
    r = api(outsider).post(
        "/api/v1/service/receptions/",
        {"channel": "phone", "room": svc.room.pk, "content": "x"},
        format="json",
    )
    assert r.status_code == 400 and "room" in r.json()
    r = api(svc.acceptor).post(
        f"/api/v1/service/receptions/{task.reception_id}/decompose/",
        {
            "tasks": [
                {
                    "task_type": "repair",
                    "accepting_company": svc.world.company_a.pk,
                    "acceptor": svc.acceptor.pk,
                }
            ]
        },
        format="json",
    )
    assert r.status_code == 400 and "tasks[0].problem" in r.json()


def test_reference_data_and_calendar_status(svc, api):
    client = api(svc.world.superuser)
    assert client.get("/api/v1/service/problems/?search=空鼓").json()["count"] == 1
    assert client.get("/api/v1/service/calendar/status/?year=2027").json()["fallback"] is True
    r = client.post(
        "/api/v1/service/calendar-days/",
        {"date": "2027-02-06", "kind": "holiday", "name": "春节"},
        format="json",
    )
    assert r.status_code == 201
    r = client.get(f"/api/v1/service/warranty-check/?problem={svc.problem.pk}&room={svc.room.pk}").json()
    assert r["status"] in ("in", "out")
    r = client.post(
        "/api/v1/service/contractors/",
        {"company": svc.world.company_a.pk, "code": "C1", "name": "某建设"},
        format="json",
    )
    assert r.status_code == 201
    r = client.post(
        "/api/v1/service/contractor-scopes/",
        {"contractor": r.json()["id"], "project": svc.project.pk, "category": svc.problem.part.parent_id},
        format="json",
    )
    assert r.status_code == 201, r.content
    r = client.delete(f"/api/v1/service/warranty-elements/{svc.problem.warranty_element_id}/")
    assert r.status_code == 400  # still used by problems


def test_topic_link(svc, api):
    task = new_task(svc)
    client = api(svc.world.user_a)
    r = client.post(
        "/api/v1/service/topics/",
        {"title": "地砖空鼓群诉", "standard_solution": "统一返修", "script": "您好，我们已安排…"},
        format="json",
    )
    assert r.status_code == 201, r.content
    r = client.post(f"/api/v1/service/topics/{r.json()['id']}/link/", {"task": task.pk}, format="json")
    assert r.status_code == 200 and r.json()["topic"] is not None


@pytest.mark.django_db(transaction=True)
def test_two_people_act_at_once_one_gets_a_conflict(svc):
    from anju.core.services import ConflictError
    from anju.service import services

    task = new_task(svc)
    barrier = threading.Barrier(2)
    results = []

    def act(user, action, note):
        # Both start from the same version. PostgreSQL: the second blocks on the row lock, then
        # finds the version moved. SQLite's shared-cache test database answers "table is locked"
        # instead of waiting, so the thread retries like a client would.
        barrier.wait()
        try:
            for _attempt in range(200):
                try:
                    services.task_transition(
                        actor=user,
                        task=Task.objects.get(pk=task.pk),
                        action=action,
                        note=note,
                        expected_version=task.version,
                    )
                    results.append("ok")
                    return
                except ConflictError as exc:
                    results.append(f"conflict: {exc}")
                    return
                except OperationalError as exc:
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.01)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(svc.engineer1, "reply", "")),
        threading.Thread(target=act, args=(svc.acceptor, "void", "重复登记")),
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(r[:8] for r in results) == ["conflict", "ok"]
    final = Task.objects.get(pk=task.pk)
    assert final.version == task.version + 1
    assert final.events.exclude(action__in=("create", "assign")).count() == 1


def test_transition_with_attachment(svc, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    task = new_task(svc)
    photo = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100, content_type="image/jpeg")
    r = api(svc.engineer1).post(
        f"/api/v1/service/tasks/{task.pk}/transitions/",
        {"action": "reply", "note": "已到现场", "attachments": [photo]},
        format="multipart",
    )
    assert r.status_code == 200, r.content
    event = task.events.get(action="reply")
    assert event.attachments.get().content_type == "image/jpeg"
    bad = SimpleUploadedFile("x.jpg", b"not really", content_type="image/jpeg")
    r = api(svc.engineer1).post(
        f"/api/v1/service/tasks/{task.pk}/transitions/",
        {"action": "answer", "attachments": [bad]},
        format="multipart",
    )
    assert r.status_code == 400 and "attachments" in r.json()
    task.refresh_from_db()
    assert task.status == "discussing"  # nothing half-written


def test_task_timeline_names_system_events_and_reads_actors_in_one_query(svc, api):
    from django.test.utils import CaptureQueriesContext

    from anju.tasks.models import TaskEvent

    task = new_task(svc)
    TaskEvent.objects.create(task=task, action="escalate", actor=None, note="SLA")
    client = api(svc.acceptor)
    names = [e["actor_name"] for e in client.get(f"/api/v1/service/tasks/{task.pk}/").json()["events"]]
    assert all(isinstance(n, str) and n for n in names) and "系统自动" in names
    with CaptureQueriesContext(connection) as few:
        client.get(f"/api/v1/service/tasks/{task.pk}/")
    TaskEvent.objects.bulk_create(
        [TaskEvent(task=task, action="note", actor=svc.engineer1, note=str(i)) for i in range(5)]
    )
    with CaptureQueriesContext(connection) as more:
        client.get(f"/api/v1/service/tasks/{task.pk}/")
    assert len(more.captured_queries) == len(few.captured_queries)


def test_created_task_keeps_its_code_without_a_second_update_or_read_back(svc, api):
    """task_create writes the id-derived code with the automatic assignment's UPDATE and assigns the
    row it has just inserted without locking and reading it again; without an assignment the code
    gets its own UPDATE. Either way the stored code is RW + the zero-padded id."""
    from django.test.utils import CaptureQueriesContext

    client = api(svc.acceptor)
    body = {
        "room": svc.room.pk,
        "task_type": "complaint",
        "problem": svc.problem.pk,
        "accepting_company": svc.world.company_a.pk,
        "acceptor": svc.acceptor.pk,
        "description": "墙面空鼓",
    }
    assert client.post("/api/v1/service/tasks/", body, format="json").status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/api/v1/service/tasks/", body, format="json")
    assert response.status_code == 201, response.content
    task = Task.objects.get(pk=response.json()["id"])
    assert task.code == f"RW{task.pk:08d}" == response.json()["code"]
    assert task.status == "pending_reply" and task.responsible_user in (svc.engineer1, svc.engineer2)
    statements = [q["sql"] for q in ctx.captured_queries]
    assert sum(s.startswith('UPDATE "service_task"') for s in statements) == 1
    assert not any(s.startswith("SELECT") and "FOR UPDATE" in s and '"service_task"' in s for s in statements)

    unassigned = new_task(svc, auto_assign=False)
    unassigned.refresh_from_db()
    assert unassigned.code == f"RW{unassigned.pk:08d}" and unassigned.status == "pending_assignment"

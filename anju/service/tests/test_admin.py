import re

import pytest

from anju.service.tests.conftest import new_task

pytestmark = pytest.mark.django_db


def test_task_page_timeline_siblings_and_buttons(svc, client):
    task = new_task(svc, responsible_kind="person", responsible_user=svc.acceptor)
    client.force_login(svc.acceptor)
    html = client.get(f"/admin/tasks/task/{task.pk}/change/").content.decode()
    assert "task-timeline" in html and "task-siblings" in html
    assert re.findall(r'data-action="(\w+)"', html) == ["reassign", "reply", "void", "invalidate"]
    assert "剩余时间（工作小时）" in html
    r = client.post(f"/admin/tasks/task/{task.pk}/act/", {"action": "reply", "version": task.version})
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.status == "discussing"
    # A stale form: refused with a message, nothing changed.
    r = client.post(
        f"/admin/tasks/task/{task.pk}/act/",
        {"action": "void", "note": "x", "version": task.version - 1},
        follow=True,
    )
    assert "已被他人修改" in r.content.decode()
    task.refresh_from_db()
    assert task.status == "discussing"


def test_reception_screens_and_workbench(svc, client):
    client.force_login(svc.world.user_a)
    assert client.get("/admin/service/reception/add/").status_code == 200
    task = new_task(svc)
    assert client.get(f"/admin/service/reception/{task.reception_id}/decompose/").status_code == 200
    assert client.get(f"/admin/service/reception/{task.reception_id}/change/").status_code == 200
    html = client.get("/admin/").content.decode()
    assert "日常投诉任务处理进度" in html and "投诉任务响应度" in html and "我的任务" in html
    for url in (
        "/admin/tasks/task/",
        "/admin/service/problem/",
        "/admin/tasks/calendarday/",
        "/admin/service/callback/",
    ):
        assert client.get(url).status_code == 200, url
    # Another company's user cannot open the reception (404).
    client.force_login(svc.world.user_b)
    assert client.get(f"/admin/service/reception/{task.reception_id}/decompose/").status_code == 404


def test_callback_and_compensation_pages_show_their_status_history(svc, client):
    from anju.service import services
    from anju.service.models import Callback

    task = new_task(svc)
    for action in ("reply", "answer", "complete"):
        task = services.task_transition(actor=svc.engineer1, task=task, action=action)
    callback = Callback.objects.get(task=task)
    services.callback_waive(actor=svc.acceptor, callback=callback, note="业主出国")
    row = services.compensation_create(
        actor=svc.world.user_a, task=task, kind="cash", amount="80", payer="developer"
    )
    services.compensation_decide(actor=svc.world.user_a, compensation=row, approve=False)
    client.force_login(svc.world.user_a)
    html = client.get(f"/admin/service/callback/{callback.pk}/change/").content.decode()
    assert "状态记录" in html and "业主出国" in html and "免回访" in html
    html = client.get(f"/admin/service/compensation/{row.pk}/change/").content.decode()
    assert "状态记录" in html and "已驳回" in html


def test_task_timeline_shows_translated_actions_statuses_and_people(svc, client, api):
    """处理过程 reads 分派 → 待回复 by 陈静, never `assign → pending_reply` by sz_agent (issue 12 §2)."""
    from anju.org.models import User

    User.objects.filter(pk=svc.acceptor.pk).update(last_name="陈", first_name="静")
    svc.acceptor.refresh_from_db()
    task = new_task(svc, responsible_kind="person", responsible_user=svc.engineer1)
    client.force_login(svc.acceptor)
    html = client.get(f"/admin/tasks/task/{task.pk}/change/").content.decode()
    timeline = html[html.index('data-event="create"') :]
    timeline = timeline[: timeline.index("</ul>")]
    assert "待回复" in timeline and "陈静" in timeline
    for code in ("pending_reply", "pending_assignment", ">assign<", ">create<", svc.acceptor.username):
        assert code not in timeline, code
    data = api(svc.acceptor).get(f"/api/v1/service/tasks/{task.pk}/").data
    event = next(e for e in data["events"] if e["action"] == "assign")
    assert event["to_status_label"] == "待回复" and event["actor_name"] == "陈静"
    assert event["action_label"] != "assign"

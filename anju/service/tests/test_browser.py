import pytest

from anju.core.testing import PASSWORD
from anju.service.models import Reception
from anju.tasks.models import Task
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _act(page, action, note=""):
    if note:
        page.fill("#task-actions textarea[name=note]", note)
    page.click(f"#task-actions button[data-action={action}]")
    page.wait_for_load_state()


def test_phone_complaint_to_closed_reception(page, svc):
    user = svc.acceptor
    browser_login(page, user.username, PASSWORD)
    page.wait_for_url("**/admin/")
    # 1. Register a phone complaint.
    page.goto(page.anju_url("/admin/service/reception/add/"))
    page.select_option("select[name=channel]", "phone")
    page.fill("input[name=caller_name]", "周先生")
    page.fill("input[name=caller_phone]", "13611112222")
    page.select_option("select[name=room]", str(svc.room.pk))
    page.fill("textarea[name=content]", "客厅地砖空鼓；物业人员态度差")
    page.click("button[name=_save]")
    page.wait_for_url("**/decompose/")
    reception = Reception.objects.get()
    assert reception.channel == "phone" and reception.customer.name == "周先生"
    # 2. Decompose into two tasks.
    page.select_option("select[name=task_type]", "complaint")
    page.select_option("select[name=problem]", str(svc.problem.pk))
    page.select_option("select[name=responsible_kind]", "person")
    page.select_option("select[name=responsible_user]", str(user.pk))
    page.click("button[name=_another]")
    page.wait_for_url("**/decompose/")
    page.select_option("select[name=task_type]", "complaint")
    page.select_option("select[name=problem]", str(svc.service_problem.pk))
    page.select_option("select[name=responsible_kind]", "person")
    page.select_option("select[name=responsible_user]", str(user.pk))
    page.click("button[name=_done]")
    page.wait_for_url(f"**/admin/service/reception/{reception.pk}/change/")
    assert page.locator("#reception-tasks tbody tr").count() == 2
    first, second = Task.objects.filter(reception=reception).order_by("pk")
    # 3. Drive the first task to 已完成, then record the callback: it closes.
    page.goto(page.anju_url(f"/admin/tasks/task/{first.pk}/change/"))
    _act(page, "reply", "明天上门查看")
    _act(page, "answer", "更换空鼓地砖")
    _act(page, "complete", "已更换")
    first.refresh_from_db()
    assert first.status == "completed"
    timeline = page.locator("#task-timeline").inner_text()
    assert "完成 → 已完成" in timeline and "complete" not in timeline
    page.click("#task-callbacks a[data-callback]")
    page.select_option("select[name=method]", "phone")
    page.fill("input[name=person_reached]", "周先生")
    page.select_option("select[name=satisfaction]", "4")
    page.fill("input[name=nps]", "9")
    page.click("#callback-form button[type=submit]")
    page.wait_for_url(f"**/admin/tasks/task/{first.pk}/change/")
    first.refresh_from_db()
    assert first.status == "closed"
    page.goto(page.anju_url(f"/admin/service/reception/{reception.pk}/change/"))
    assert page.inner_text("#reception-status") == "分解完毕"
    # 4. The second task is voided (a duplicate): the reception closes.
    page.goto(page.anju_url(f"/admin/tasks/task/{second.pk}/change/"))
    _act(page, "void", "与其他投诉重复")
    page.goto(page.anju_url(f"/admin/service/reception/{reception.pk}/change/"))
    assert page.inner_text("#reception-status") == "已关闭"
    reception.refresh_from_db()
    assert reception.status == "closed"
    page.screenshot(path="/tmp/anju-service-reception.png", full_page=True)

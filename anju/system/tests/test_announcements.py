from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from anju.core.testing import api_client
from anju.system import services
from anju.system.workbench import announcements_widget

pytestmark = pytest.mark.django_db


def _widget(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return str(announcements_widget(request))


def test_create_defaults_to_current_company_and_validates_window(world):
    client = api_client(world.user_a)
    response = client.post(
        "/api/v1/system/announcements/", {"title": "停水通知", "body": "周三停水"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["company"] == world.company_a.pk
    assert response.json()["author"] == world.user_a.pk
    now = timezone.now()
    response = client.post(
        "/api/v1/system/announcements/",
        {
            "title": "x",
            "body": "y",
            "publish_from": now.isoformat(),
            "publish_until": (now - timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400 and "publish_until" in response.json()
    response = client.post(
        "/api/v1/system/announcements/",
        {"title": "x", "body": "y", "company": world.company_b.pk},
        format="json",
    )
    assert response.status_code == 400 and "company" in response.json()


def test_isolation_between_companies(world):
    a = services.announcement_create(
        actor=world.user_a, company=world.company_a, title="甲公司公告", body="甲"
    )
    b = services.announcement_create(
        actor=world.user_b, company=world.company_b, title="乙物业公告", body="乙"
    )
    group = services.announcement_create(
        actor=world.superuser, company=world.group, title="集团公告", body="全体"
    )
    client = api_client(world.user_b)
    assert client.get(f"/api/v1/system/announcements/{a.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/system/announcements/{a.pk}/", {"title": "!"}, format="json").status_code
        == 404
    )
    assert client.delete(f"/api/v1/system/announcements/{a.pk}/").status_code == 404
    ids = [row["id"] for row in client.get("/api/v1/system/announcements/").json()["results"]]
    assert ids == [b.pk]
    widget_b = _widget(world.user_b)
    assert "乙物业公告" in widget_b and "集团公告" in widget_b and "甲公司公告" not in widget_b
    widget_a = _widget(world.user_a)
    assert "甲公司公告" in widget_a and "乙物业公告" not in widget_a
    published = api_client(world.user_a).get("/api/v1/system/workbench/announcements/").json()
    assert {row["id"] for row in published} == {a.pk, group.pk}


def test_widget_escapes_text_and_honours_the_window(world):
    now = timezone.now()
    services.announcement_create(
        actor=world.user_a,
        company=world.company_a,
        title="<script>alert(1)</script>",
        body="<b>粗体</b>\n第二行",
        is_pinned=True,
    )
    services.announcement_create(
        actor=world.user_a,
        company=world.company_a,
        title="明天的公告",
        body="-",
        publish_from=now + timedelta(days=1),
    )
    services.announcement_create(
        actor=world.user_a,
        company=world.company_a,
        title="过期公告",
        body="-",
        publish_from=now - timedelta(days=3),
        publish_until=now - timedelta(days=1),
    )
    html = _widget(world.user_a)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;粗体&lt;/b&gt;<br>第二行" in html
    assert "明天的公告" not in html and "过期公告" not in html


def test_update_conflict_and_delete(world):
    a = services.announcement_create(actor=world.user_a, company=world.company_a, title="t", body="b")
    client = api_client(world.user_a)
    url = f"/api/v1/system/announcements/{a.pk}/"
    assert client.patch(url, {"title": "t2", "version": 1}, format="json").status_code == 200
    assert client.patch(url, {"title": "t3", "version": 1}, format="json").status_code == 409
    assert client.get(url).json()["title"] == "t2"
    assert client.delete(url).status_code == 204


def test_admin_add_list_and_export(world):
    from django.test import Client

    from anju.system.models import Announcement

    client = Client()
    client.force_login(world.user_a)
    assert client.get("/admin/system/announcement/add/").status_code == 200
    response = client.post(
        "/admin/system/announcement/add/",
        {
            "company": world.company_a.pk,
            "title": "后台公告",
            "body": "内容",
            "publish_from_0": "2026-01-01",
            "publish_from_1": "08:00:00",
            "publish_until_0": "",
            "publish_until_1": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    announcement = Announcement.objects.get(title="后台公告")
    assert announcement.author == world.user_a and announcement.company == world.company_a
    other = client.post(
        "/admin/system/announcement/add/",
        {
            "company": world.company_b.pk,
            "title": "越权",
            "body": "x",
            "publish_from_0": "2026-01-01",
            "publish_from_1": "08:00:00",
        },
    )
    assert other.status_code == 200 and not Announcement.objects.filter(title="越权").exists()
    assert "后台公告" in client.get("/admin/system/announcement/").content.decode()
    assert client.get("/admin/system/announcement/export/").status_code == 200
    b = services.announcement_create(actor=world.user_b, company=world.company_b, title="乙", body="乙")
    response = client.get(f"/admin/system/announcement/{b.pk}/change/")
    assert response.status_code in (302, 404) and "乙" not in response.content.decode()

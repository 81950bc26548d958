import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.models import OperationLog
from anju.core.testing import api_client, make_role, make_user
from anju.system import services, tasks
from anju.system.models import LoginLog

pytestmark = pytest.mark.django_db


def _log(company, *, days_ago=0, action=LogAction.UPDATE, ip="10.0.0.1", repr_="对象"):
    row = audit.log_action(actor=None, action=action, company_id=company.pk, object_repr=repr_)
    OperationLog.objects.filter(pk=row.pk).update(at=timezone.now() - timedelta(days=days_ago), ip=ip)
    return row


def test_list_filters_and_isolation(world):
    a1 = _log(world.company_a, days_ago=10, action=LogAction.DELETE, ip="10.1.1.1", repr_="甲一")
    a2 = _log(world.company_a, days_ago=1, repr_="甲二")
    b1 = _log(world.company_b, repr_="乙一")
    client = api_client(world.user_a)
    ids = {r["id"] for r in client.get("/api/v1/system/operation-logs/?page_size=500").json()["results"]}
    assert {a1.pk, a2.pk} <= ids and b1.pk not in ids
    assert client.get(f"/api/v1/system/operation-logs/{b1.pk}/").status_code == 404
    assert client.delete(f"/api/v1/system/operation-logs/{b1.pk}/").status_code == 404

    def only(query):
        return {r["id"] for r in client.get(f"/api/v1/system/operation-logs/?{query}").json()["results"]}

    assert only("action=delete") == {a1.pk}
    assert only("ip=10.1.1.1") == {a1.pk}
    assert only("q=甲二") == {a2.pk}
    start = (timezone.localdate() - timedelta(days=11)).isoformat()
    end = (timezone.localdate() - timedelta(days=5)).isoformat()
    assert only(f"date_from={start}&date_to={end}") == {a1.pk}
    assert client.get("/api/v1/system/operation-logs/?ip=not-an-ip").status_code == 400
    assert client.get("/api/v1/system/operation-logs/?date_from=yesterday").status_code == 400
    org_rows = only("object_type=org.orgunit")
    assert org_rows and all(
        OperationLog.objects.get(pk=pk).content_type.model == "orgunit" for pk in org_rows
    )
    # A super user also sees rows bound to no company (system jobs).
    system_row = audit.log_action(actor=None, action=LogAction.OTHER, object_repr="system job")
    su = api_client(world.superuser)
    assert su.get(f"/api/v1/system/operation-logs/{system_row.pk}/").status_code == 200
    assert client.get(f"/api/v1/system/operation-logs/{system_row.pk}/").status_code == 404


def test_delete_and_clear_need_their_own_points_and_are_logged(world):
    row = _log(world.company_a, days_ago=1200)  # past the default retention of 1095 days
    viewer = make_user(world.dept_a, [make_role(world.company_a, points=["system.operationlog.view"])])
    client = api_client(viewer)
    assert client.delete(f"/api/v1/system/operation-logs/{row.pk}/").status_code == 403
    assert client.post("/api/v1/system/operation-logs/clear/", {}, format="json").status_code == 403
    deleter = make_user(
        world.dept_a,
        [make_role(world.company_a, points=["system.operationlog.view", "system.operationlog.delete"])],
    )
    assert api_client(deleter).delete(f"/api/v1/system/operation-logs/{row.pk}/").status_code == 204
    assert not OperationLog.objects.filter(pk=row.pk).exists()
    record = OperationLog.objects.filter(action=LogAction.DELETE, content_type__model="operationlog").latest(
        "id"
    )
    assert record.actor == deleter and str(row.pk) in record.note


def test_clear_by_date_range_keeps_other_companies(world):
    old = _log(world.company_a, days_ago=1200)
    recent = _log(world.company_a, days_ago=2)
    other = _log(world.company_b, days_ago=1200)
    until = (timezone.localdate() - timedelta(days=100)).isoformat()
    response = api_client(world.user_a).post(
        "/api/v1/system/operation-logs/clear/", {"date_to": until}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["deleted"] >= 1
    assert not OperationLog.objects.filter(pk=old.pk).exists()
    assert OperationLog.objects.filter(pk__in=[recent.pk, other.pk]).count() == 2
    assert OperationLog.objects.filter(action=LogAction.LOG_CLEAR, actor=world.user_a).exists()
    bad = api_client(world.user_a).post(
        "/api/v1/system/operation-logs/clear/",
        {"date_from": "2026-05-01", "date_to": "2026-01-01"},
        format="json",
    )
    assert bad.status_code == 400 and "date_to" in bad.json()


def test_export_is_an_excel_file_and_is_logged(world):
    _log(world.company_a, repr_="导出对象")
    response = api_client(world.user_a).get("/api/v1/system/operation-logs/export/?q=导出对象")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "导出对象" in values
    assert OperationLog.objects.filter(action=LogAction.EXPORT, actor=world.user_a).exists()
    login_export = api_client(world.user_a).get("/api/v1/system/login-logs/export/")
    assert login_export.status_code == 200


def test_login_log_api_and_isolation(world):
    client = Client()
    client.post("/admin/login/", {"username": world.user_a.username, "password": "wrong-password"})
    row = LoginLog.objects.filter(username=world.user_a.username).latest("id")
    assert row.success is False
    LoginLog.objects.filter(pk=row.pk).update(company=world.company_a)
    other = LoginLog.objects.create(username="x", company=world.company_b, success=True, ip="10.0.0.9")
    api = api_client(world.user_a)
    ids = {r["id"] for r in api.get("/api/v1/system/login-logs/?success=false").json()["results"]}
    assert row.pk in ids and other.pk not in ids
    assert api.get(f"/api/v1/system/login-logs/{other.pk}/").status_code == 404
    assert api.delete(f"/api/v1/system/login-logs/{row.pk}/").status_code == 400  # today's: kept
    LoginLog.objects.filter(pk=row.pk).update(at=timezone.now() - timedelta(days=1200))
    assert api.delete(f"/api/v1/system/login-logs/{row.pk}/").status_code == 204
    assert OperationLog.objects.filter(content_type__model="loginlog", action=LogAction.DELETE).exists()


def test_retention_purge_per_company_never_below_six_months(world):
    services.parameter_set(
        actor=world.superuser, company=world.company_a, key="logs.retention_days", value=200
    )
    a_old = _log(world.company_a, days_ago=250)
    a_kept = _log(world.company_a, days_ago=150)
    b_mid = _log(world.company_b, days_ago=250)  # company B keeps the default 1095 days
    b_old = _log(world.company_b, days_ago=1200)
    login_old = LoginLog.objects.create(username="u", company=world.company_a, success=True)
    LoginLog.objects.filter(pk=login_old.pk).update(at=timezone.now() - timedelta(days=300))
    result = tasks.purge_expired_logs.call_local()
    assert result["core.operationlog"] >= 2 and result["system.loginlog"] == 1
    remaining = set(OperationLog.objects.values_list("pk", flat=True))
    assert a_old.pk not in remaining and b_old.pk not in remaining
    assert {a_kept.pk, b_mid.pk} <= remaining
    assert OperationLog.objects.filter(
        action=LogAction.LOG_CLEAR, actor=None, after__has_key="system.loginlog"
    ).exists()
    # A value under 183 days stored by other means still keeps six months.
    from anju.system.models import Parameter
    from anju.system.parameters import forget_parameters

    Parameter.objects.filter(company=world.company_a, key="logs.retention_days").update(value=30)
    forget_parameters()
    young = _log(world.company_a, days_ago=100)
    services.logs_purge(actor=None)
    assert OperationLog.objects.filter(pk=young.pk).exists()


def test_admin_lists_detail_and_clear_page(world):
    row = _log(world.company_a, repr_="详情对象")
    OperationLog.objects.filter(pk=row.pk).update(before={"name": "旧名"}, after={"name": "新名"})
    client = Client()
    client.force_login(world.user_a)
    listing = client.get("/admin/core/operationlog/?q=详情对象")
    assert listing.status_code == 200 and "详情对象" in listing.content.decode()
    detail = client.get(f"/admin/core/operationlog/{row.pk}/change/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "旧名" in html and "新名" in html and "anju-log-diff" in html
    filtered = client.get("/admin/core/operationlog/?action__exact=update&ip__icontains=10.0")
    assert filtered.status_code == 200
    assert client.get("/admin/system/loginlog/").status_code == 200
    assert client.get("/admin/core/operationlog/add/").status_code == 403
    assert client.get("/admin/core/operationlog/clear/").status_code == 200
    old = _log(world.company_a, days_ago=1200)
    response = client.post("/admin/core/operationlog/clear/", {"confirm": "on"})
    assert response.status_code == 302
    assert not OperationLog.objects.filter(pk=old.pk).exists()
    assert OperationLog.objects.filter(pk=row.pk).exists()  # today's row is kept
    viewer = make_user(world.dept_a, [make_role(world.company_a, points=["system.operationlog.view"])])
    client.force_login(viewer)
    assert client.get("/admin/core/operationlog/clear/").status_code == 403


def test_out_of_range_ids_in_filters_are_400(world):
    client = api_client(world.user_a)
    huge = "9" * 40
    for url in (
        f"/api/v1/system/operation-logs/?company={huge}",
        f"/api/v1/system/operation-logs/?user=-{huge}",
        f"/api/v1/system/login-logs/?user={huge}",
        f"/api/v1/system/announcements/?company={huge}",
    ):
        assert client.get(url).status_code == 400, url

"""Logs cannot be erased: a retention floor, records of erasure that stay, clearing logged as its own
action (网络安全法: network logs kept at least six months)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.models import OperationLog
from anju.core.testing import api_client
from anju.system import services
from anju.system.models import LoginLog
from anju.system.parameters import DEFINITIONS, MIN_LOG_RETENTION_DAYS

pytestmark = pytest.mark.django_db

CLEAR_URL = "/api/v1/system/operation-logs/clear/"


def _log(company, *, days_ago=0, action=LogAction.UPDATE):
    row = audit.log_action(actor=None, action=action, company_id=company.pk, object_repr="对象")
    OperationLog.objects.filter(pk=row.pk).update(at=timezone.now() - timedelta(days=days_ago))
    return row


def _exists(*rows):
    return [OperationLog.objects.filter(pk=row.pk).exists() for row in rows]


def test_clearing_everything_keeps_rows_within_the_retention_period(world):
    services.parameter_set(
        actor=world.superuser, company=world.company_a, key="logs.retention_days", value=200
    )
    today = _log(world.company_a)
    young = _log(world.company_a, days_ago=150)
    old = _log(world.company_a, days_ago=250)
    response = api_client(world.user_a).post(CLEAR_URL, {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["deleted"] == 1
    assert _exists(today, young, old) == [True, True, False]


def test_the_record_of_a_clearing_or_deletion_cannot_be_removed(world):
    old = _log(world.company_a, days_ago=1200)
    old_deletion = _log(world.company_a, days_ago=1200, action=LogAction.DELETE)
    client = api_client(world.user_a)
    assert client.post(CLEAR_URL, {}, format="json").status_code == 200
    record = OperationLog.objects.filter(action=LogAction.LOG_CLEAR, actor=world.user_a).get()
    assert record.after["deleted"] == 1 and record.after["kept"] >= 1
    assert _exists(old, old_deletion) == [False, True]
    # The record of the clearing: refused with a message, still there.
    response = client.delete(f"/api/v1/system/operation-logs/{record.pk}/")
    assert response.status_code == 400
    assert "清空" in str(response.json()) or "删除" in str(response.json())
    assert _exists(record) == [True]
    # Even once past the retention period, and even by the daily purge.
    OperationLog.objects.filter(pk=record.pk).update(at=timezone.now() - timedelta(days=4000))
    assert client.delete(f"/api/v1/system/operation-logs/{record.pk}/").status_code == 400
    services.logs_purge(actor=None)
    assert client.post(CLEAR_URL, {}, format="json").status_code == 200
    assert _exists(record, old_deletion) == [True, True]


def test_deleting_a_young_row_is_refused_naming_the_retention_period(world):
    row = _log(world.company_a, days_ago=30)
    response = api_client(world.user_a).delete(f"/api/v1/system/operation-logs/{row.pk}/")
    assert response.status_code == 400
    assert "1095" in str(response.json())
    assert _exists(row) == [True]


def test_login_log_clearing_keeps_young_rows(world):
    young = LoginLog.objects.create(username="u", company=world.company_a, success=True)
    old = LoginLog.objects.create(username="u", company=world.company_a, success=True)
    LoginLog.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=1200))
    response = api_client(world.user_a).post("/api/v1/system/login-logs/clear/", {}, format="json")
    assert response.status_code == 200 and response.json()["deleted"] == 1
    assert LoginLog.objects.filter(pk=young.pk).exists() and not LoginLog.objects.filter(pk=old.pk).exists()


def test_data_clearing_of_the_log_category_keeps_the_floor(world, settings):
    settings.DEBUG = True  # no second confirmation
    young = _log(world.company_a, days_ago=10)
    old = _log(world.company_a, days_ago=1200)
    services.data_clear(
        actor=world.superuser,
        company=world.company_a,
        categories=["logs"],
        confirm_name=world.company_a.name,
    )
    assert _exists(young, old) == [True, False]


def test_the_floor_is_never_under_six_months_even_if_a_smaller_value_was_stored(world):
    from anju.system.models import Parameter
    from anju.system.parameters import forget_parameters

    assert DEFINITIONS["logs.retention_days"].min_value == MIN_LOG_RETENTION_DAYS >= 183
    Parameter.objects.create(company=world.company_a, key="logs.retention_days", value=30)
    forget_parameters()
    young = _log(world.company_a, days_ago=100)
    old = _log(world.company_a, days_ago=190)
    assert api_client(world.user_a).post(CLEAR_URL, {}, format="json").status_code == 200
    assert _exists(young, old) == [True, False]

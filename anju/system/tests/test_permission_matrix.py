"""Every endpoint of the system module × superuser / role with the points / view-only role / role
without points / user of another company: allowed, 403, or 404 for rows out of scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.models import OperationLog
from anju.core.testing import api_client
from anju.system import services
from anju.system.models import Dictionary, LoginLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(world):
    ann = services.announcement_create(actor=world.user_a, company=world.company_a, title="甲", body="甲")
    log = audit.log_action(actor=None, action=LogAction.OTHER, company_id=world.company_a.pk, object_repr="x")
    login = LoginLog.objects.create(username="u", company=world.company_a, success=True)
    # Past the retention period: younger log rows cannot be deleted at all.
    long_ago = timezone.now() - timedelta(days=4000)
    OperationLog.objects.filter(pk=log.pk).update(at=long_ago)
    LoginLog.objects.filter(pk=login.pk).update(at=long_ago)
    dictionary = services.dictionary_create(actor=world.superuser, code="matrix", name="矩阵")
    return {"ann": ann, "log": log, "login": login, "dict": dictionary}


def _calls(world, rows):
    """(label, point, method, url, body, success statuses, company-bound row?)."""
    relationship = Dictionary.objects.get(code="relationship").pk
    a = world.company_a.pk
    return [
        ("dict list", "system.dictionary.view", "get", "/api/v1/system/dictionaries/", None, (200,), False),
        (
            "dict detail",
            "system.dictionary.view",
            "get",
            f"/api/v1/system/dictionaries/{relationship}/",
            None,
            (200,),
            False,
        ),
        (
            "dict add",
            "system.dictionary.add",
            "post",
            "/api/v1/system/dictionaries/",
            {"code": "m2", "name": "m2"},
            (201,),
            False,
        ),
        (
            "dict change",
            "system.dictionary.change",
            "patch",
            f"/api/v1/system/dictionaries/{rows['dict'].pk}/",
            {"name": "n"},
            (200,),
            False,
        ),
        (
            "item list",
            "system.dictionary.view",
            "get",
            "/api/v1/system/dictionary-items/",
            None,
            (200,),
            False,
        ),
        (
            "item add",
            "system.dictionary.add",
            "post",
            "/api/v1/system/dictionary-items/",
            {"dictionary": rows["dict"].pk, "code": "i", "label": "i"},
            (201,),
            False,
        ),
        ("choices", None, "get", "/api/v1/system/dictionary-choices/relationship/", None, (200,), False),
        (
            "param list",
            "system.parameter.view",
            "get",
            f"/api/v1/system/parameters/?company={a}",
            None,
            (200,),
            True,
        ),
        (
            "param detail",
            "system.parameter.view",
            "get",
            f"/api/v1/system/parameters/logs.retention_days/?company={a}",
            None,
            (200,),
            True,
        ),
        (
            "param set",
            "system.parameter.change",
            "put",
            f"/api/v1/system/parameters/security.idle_timeout_minutes/?company={a}",
            {"value": 40},
            (200,),
            True,
        ),
        ("ann list", "system.announcement.view", "get", "/api/v1/system/announcements/", None, (200,), False),
        (
            "ann detail",
            "system.announcement.view",
            "get",
            f"/api/v1/system/announcements/{rows['ann'].pk}/",
            None,
            (200,),
            True,
        ),
        (
            "ann change",
            "system.announcement.change",
            "patch",
            f"/api/v1/system/announcements/{rows['ann'].pk}/",
            {"title": "t"},
            (200,),
            True,
        ),
        ("published", None, "get", "/api/v1/system/workbench/announcements/", None, (200,), False),
        (
            "oplog list",
            "system.operationlog.view",
            "get",
            "/api/v1/system/operation-logs/",
            None,
            (200,),
            False,
        ),
        (
            "oplog detail",
            "system.operationlog.view",
            "get",
            f"/api/v1/system/operation-logs/{rows['log'].pk}/",
            None,
            (200,),
            True,
        ),
        (
            "oplog export",
            "system.operationlog.export",
            "get",
            "/api/v1/system/operation-logs/export/",
            None,
            (200,),
            False,
        ),
        ("loginlog list", "system.loginlog.view", "get", "/api/v1/system/login-logs/", None, (200,), False),
        (
            "loginlog detail",
            "system.loginlog.view",
            "get",
            f"/api/v1/system/login-logs/{rows['login'].pk}/",
            None,
            (200,),
            True,
        ),
        (
            "clearing preview",
            "system.dataclearing.view",
            "get",
            f"/api/v1/system/data-clearing/?company={a}",
            None,
            (200,),
            True,
        ),
        ("backups", "system.backup.view", "get", "/api/v1/system/backups/", None, (200,), False),
        ("saved views", None, "get", "/api/v1/system/saved-views/", None, (200,), False),
        # Destructive calls last.
        (
            "loginlog delete",
            "system.loginlog.delete",
            "delete",
            f"/api/v1/system/login-logs/{rows['login'].pk}/",
            None,
            (204,),
            True,
        ),
        (
            "oplog delete",
            "system.operationlog.delete",
            "delete",
            f"/api/v1/system/operation-logs/{rows['log'].pk}/",
            None,
            (204,),
            True,
        ),
        (
            "ann delete",
            "system.announcement.delete",
            "delete",
            f"/api/v1/system/announcements/{rows['ann'].pk}/",
            None,
            (204,),
            True,
        ),
        (
            "dict delete",
            "system.dictionary.delete",
            "delete",
            f"/api/v1/system/dictionaries/{rows['dict'].pk}/",
            None,
            (204,),
            False,
        ),
    ]


@pytest.mark.parametrize("who", ["superuser", "full", "viewer", "nobody", "other_company"])
def test_matrix(world, system_roles, rows, who):
    user = {"superuser": world.superuser, "other_company": world.user_b, **system_roles}[who]
    from anju.org.access import has_point

    client = api_client(user)
    failures = []
    for label, point, method, url, body, ok, company_bound in _calls(world, rows):
        response = (
            getattr(client, method)(url, body, format="json")
            if body is not None
            else getattr(client, method)(url)
        )
        allowed = point is None or has_point(user, point)
        if not allowed:
            expected = (403,)
        elif who == "other_company" and company_bound:
            expected = (404,)
        else:
            expected = ok
        if response.status_code not in expected:
            failures.append(f"{who} {label}: expected {expected}, got {response.status_code}")
    assert not failures, "\n".join(failures)


def test_matrix_expectations_are_not_vacuous(world, system_roles):
    from anju.org.access import has_point

    assert has_point(system_roles["full"], "system.operationlog.clear")
    assert has_point(system_roles["viewer"], "system.operationlog.view")
    assert not has_point(system_roles["viewer"], "system.operationlog.delete")
    assert not has_point(system_roles["nobody"], "system.dictionary.view")
    assert has_point(world.user_b, "system.announcement.view")  # other company: points yes, rows no


def test_anonymous_is_refused(db):
    for url in (
        "/api/v1/system/dictionaries/",
        "/api/v1/system/parameters/",
        "/api/v1/system/operation-logs/",
    ):
        assert api_client().get(url).status_code in (401, 403)


def test_admin_screens_follow_points(world, system_roles):
    from django.test import Client

    pages = [
        ("/admin/system/dictionary/", "system.dictionary.view"),
        ("/admin/system/announcement/", "system.announcement.view"),
        ("/admin/system/announcement/add/", "system.announcement.add"),
        ("/admin/core/operationlog/", "system.operationlog.view"),
        ("/admin/system/loginlog/", "system.loginlog.view"),
        ("/admin/system/-/parameters/", "system.parameter.view"),
        ("/admin/system/-/data-clearing/", "system.dataclearing.view"),
    ]
    from anju.org.access import has_point

    failures = []
    for who, user in [("superuser", world.superuser), *system_roles.items()]:
        client = Client()
        client.force_login(user)
        for url, point in pages:
            status = client.get(url).status_code
            expected = 200 if has_point(user, point) else 403
            if status != expected:
                failures.append(f"{who} {url}: expected {expected}, got {status}")
    assert not failures, "\n".join(failures)

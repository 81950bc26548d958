"""The staff shell: workbench, left menu, header workspace, translations; demo, health, deploy checks."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from anju.core import registry
from anju.core.testing import make_role, make_user

BASE_DIR = Path(__file__).resolve().parents[3]


def staff(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_workbench_renders_registered_widgets_and_shortcuts(world):
    widget = registry.WorkbenchWidget(
        key="test", order=1, render=lambda request: f"<section id='w-test'>{request.user.username}</section>"
    )
    hidden = registry.WorkbenchWidget(key="none", order=2, render=lambda request: None)
    registry.workbench_widgets.extend([widget, hidden])
    try:
        page = staff(world.user_a).get("/admin/").content.decode()
    finally:
        registry.workbench_widgets.remove(widget)
        registry.workbench_widgets.remove(hidden)
    assert f"<section id='w-test'>{world.user_a.username}</section>" in page
    assert "我的快捷方式" in page and "/admin/org/orgunit/" in page
    assert re.search(r"<title>\s*工作台", page)


@pytest.mark.django_db
def test_menu_shows_translated_sections_and_hides_empty_ones(world):
    page = staff(world.user_a).get("/admin/").content.decode()
    assert "系统设置" in page and "组织架构" in page
    nobody = make_user(world.dept_a, [make_role(world.company_a, points=[])])
    page = staff(nobody).get("/admin/").content.decode()
    assert "工作台" in page
    assert "系统设置" not in page and "/admin/org/orgunit/" not in page
    assert "您暂无可用的功能" in page


@pytest.mark.django_db
def test_every_menu_item_of_every_module_resolves(world):
    from django.test import RequestFactory

    from anju.core.menu import visible_sections

    request = RequestFactory().get("/admin/")
    request.user = world.superuser
    for section in registry.menu_sections.values():
        for item in section.items(request):
            assert str(item["link"]).startswith("/"), (section.key, item)
    assert visible_sections(request)


@pytest.mark.django_db
def test_english_is_available(world):
    client = staff(world.user_a)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My shortcuts" in page and "Current company" in page


@pytest.mark.django_db
def test_header_workspace_is_on_every_staff_page(world):
    client = staff(world.user_a)
    for path in (
        "/admin/",
        "/admin/org/orgunit/",
        f"/admin/org/role/{world.role_a.pk}/change/",
        "/admin/password_change/",
    ):
        page = client.get(path).content.decode()
        assert 'id="anju-workspace"' in page, path
        assert 'id="anju-company"' in page and 'id="anju-project-filter"' in page, path


def _catalogue_entries(path: Path):
    text = path.read_text()
    for block in text.split("\n\n"):
        if "msgid" not in block or block.lstrip().startswith("#~"):
            continue
        yield block


@pytest.mark.parametrize("app", ["core", "org"])
def test_catalogues_are_complete(app):
    po = BASE_DIR / "anju" / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1
    untranslated = []
    for block in _catalogue_entries(po):
        if 'msgid ""\nmsgstr ""\n"Project-Id' in block:
            continue
        if "#, fuzzy" in block or block.rstrip().endswith(('msgstr ""', 'msgstr[0] ""')):
            untranslated.append(block)
    assert not untranslated, untranslated


@pytest.mark.django_db
def test_demo_refuses_with_debug_off_unless_forced(settings):
    from anju.org.models import User

    settings.DEBUG = False
    settings.TESTING = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("demo")
    assert not User.objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_demo_runs_with_force(settings, capsys):
    from anju.org.models import OrgUnit, Role, User

    settings.DEBUG = False
    settings.TESTING = False
    call_command("demo", "--force")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("Anju@2026")
    assert OrgUnit.objects.filter(kind="company").count() == 3
    assert set(Role.objects.values_list("name", flat=True)) >= {
        "客服专员",
        "客服主管",
        "工程师",
        "系统管理员",
    }
    assert "Anju@2026" in capsys.readouterr().out


@pytest.mark.django_db
def test_healthz_reports_database_and_queue():
    response = Client().get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"]["ok"] is True and data["database"]["vendor"]
    assert data["queue"]["ok"] is True and "pending" in data["queue"]
    assert response["Cache-Control"].startswith("max-age=0")
    assert Client().post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_answers_503_when_the_queue_is_down(monkeypatch):
    from huey.contrib.djhuey import HUEY

    def broken():
        raise ConnectionError("queue down")

    monkeypatch.setattr(HUEY, "pending_count", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["queue"] == {"ok": False, "error": "ConnectionError"}


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "ANJU_TESTING",
            "DEBUG",
            "DJANGO_SETTINGS_MODULE",
            "PYTEST_CURRENT_TEST",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="x" * 20 + "-production-secret-key-" + "y" * 30,
        ALLOWED_HOSTS="anju.example.com",
        ANJU_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    # Only the deployment checks are this test's business; API-schema naming warnings of the
    # modules are caught by `spectacular --validate --fail-on-warn` in CI.
    issues = [
        line
        for line in output.splitlines()
        if re.match(r"^\?: \(|^[\w.]+: \(", line) and "drf_spectacular" not in line
    ]
    assert not issues, output
    assert "ERRORS" not in output, output


def test_production_settings_refuse_a_missing_secret_key(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in {"ANJU_TESTING", "SECRET_KEY", "PYTEST_CURRENT_TEST"}
    }
    env.update(DEBUG="0", ALLOWED_HOSTS="anju.example.com", ANJU_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_build_commands_run_without_a_secret_key_in_production(tmp_path):
    """makemigrations --check (CI, image builds) signs nothing and must not need the real key."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"ANJU_TESTING", "SECRET_KEY", "PYTEST_CURRENT_TEST"}
    }
    env.update(DEBUG="0", ANJU_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

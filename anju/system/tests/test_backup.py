import gzip
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from anju.core.choices import LogAction
from anju.core.models import OperationLog, SavedView
from anju.core.testing import make_project
from anju.customers.models import Customer
from anju.estates.models import Building, Room
from anju.org.demo import build_organisation
from anju.org.models import Role, User
from anju.system import backup, services
from anju.system.demo import build_system
from anju.system.models import Announcement

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(db):
    ctx = {"passwords": []}
    build_organisation(ctx)
    build_system(ctx)
    sz = ctx["companies"]["SZ"]
    project = make_project(sz, users=[ctx["admin"]])
    building = Building.objects.create(project=project, code="B1", name="1栋", floors=18, units=2)
    Room.objects.create(
        project=project,
        building=building,
        code="B1-0101",
        building_area=Decimal("89.57"),
        delivery_date=timezone.localdate(),
    )
    Customer.objects.create(
        company=sz, code="C1", name="张三", mobile="13900000000", id_number="11010519491231002X"
    )
    SavedView.objects.create(
        owner=ctx["admin"], list_key="org.orgunit", name="我的视图", query="kind=company"
    )
    # Microseconds and JSON survive the round trip.
    Announcement.objects.filter(pk=Announcement.objects.first().pk).update(
        publish_from=timezone.now() - timedelta(microseconds=123457)
    )
    return ctx


def test_backup_wipe_restore_reproduces_every_row(populated, tmp_path):
    path = tmp_path / "full.jsonl.gz"
    counts = backup.write_backup(path)
    original = backup.database_fingerprint()
    assert counts["org.user"] == User.objects.count() > 10
    assert counts["org.user_roles"] > 0 and counts["estates.project_assigned_users"] == 1
    assert {label: n for label, (n, _hash) in original.items()} == counts

    backup._wipe(backup.backup_models(), "default")
    assert all(n == 0 for n, _hash in backup.database_fingerprint().values())

    restored = backup.restore_backup(path)
    assert restored == counts
    assert backup.database_fingerprint() == original
    # The restored database works: relations, many-to-many links and sequences.
    admin = User.objects.get(username="admin")
    assert admin.roles.filter(code="sysadmin").exists()
    role = Role.objects.create(company=admin.roles.first().company, code="after-restore", name="新角色")
    assert role.pk > max(pk for pk in Role.objects.exclude(pk=role.pk).values_list("pk", flat=True))


def test_restore_replaces_changed_rows(populated, tmp_path):
    path = tmp_path / "b.jsonl.gz"
    backup.write_backup(path)
    original = backup.database_fingerprint()
    Customer.objects.update(name="改过")
    Customer.objects.create(company=populated["companies"]["SH"], code="NEW", name="新客户")
    User.objects.filter(username="sz_agent").delete()
    backup.restore_backup(path)
    assert backup.database_fingerprint() == original


def test_commands_log_backup_and_restore(populated, tmp_path):
    path = tmp_path / "cmd.jsonl.gz"
    call_command("backup", output=str(path))
    assert OperationLog.objects.filter(action=LogAction.BACKUP).count() == 1
    call_command("restore", str(path), interactive=False)
    # The backup row was written after the dump, so only the restore row is new.
    assert OperationLog.objects.filter(action=LogAction.RESTORE).count() == 1
    assert OperationLog.objects.filter(action=LogAction.BACKUP).count() == 0
    with pytest.raises(CommandError):
        call_command("restore", str(tmp_path / "missing.jsonl.gz"), interactive=False)


def test_refuses_foreign_or_incompatible_files(populated, tmp_path):
    junk = tmp_path / "junk.gz"
    with gzip.open(junk, "wt") as stream:
        stream.write('{"hello": 1}\n')
    with pytest.raises(backup.BackupError):
        backup.restore_backup(junk)
    path = tmp_path / "ok.jsonl.gz"
    backup.write_backup(path)
    with gzip.open(path, "rt") as stream:
        lines = stream.readlines()
    header = json.loads(lines[0])
    header["migrations"] = header["migrations"][:-1]
    old = tmp_path / "old.jsonl.gz"
    with gzip.open(old, "wt") as stream:
        stream.write(json.dumps(header) + "\n")
        stream.writelines(lines[1:])
    users = User.objects.count()
    with pytest.raises(CommandError):
        call_command("restore", str(old), interactive=False)
    assert User.objects.count() == users


def test_api_backup_list_and_create(populated, settings):
    from anju.core.testing import api_client

    admin = User.objects.get(username="admin")
    client = api_client(admin)
    response = client.post("/api/v1/system/backups/")
    assert response.status_code == 201
    assert response.json()["total"] > 0
    files = client.get("/api/v1/system/backups/").json()
    assert len(files) == 1 and files[0]["name"].endswith(".jsonl.gz")
    agent = User.objects.get(username="sz_agent")
    assert api_client(agent).post("/api/v1/system/backups/").status_code == 403


def test_backup_service_is_logged(populated, tmp_path):
    result = services.backup_create(actor=None, path=tmp_path / "s.jsonl.gz")
    assert result.total == sum(result.counts.values())
    row = OperationLog.objects.get(action=LogAction.BACKUP)
    assert str(tmp_path) in row.note

"""清空数据 on real data: every table belongs to exactly one clearing category, every category clears on
the demo data, a refused clearing leaves no backup file, and a restore never reuses an id."""

import io
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction

from anju.core.services import ServiceValidationError
from anju.customers.models import Customer, RoomCustomer
from anju.estates.models import Room
from anju.org.models import OrgUnit, User
from anju.system import backup, clearing, services
from anju.system.models import Announcement

pytestmark = pytest.mark.django_db


def _product_models():
    for model in apps.get_models():
        opts = model._meta
        if opts.app_config.name.startswith("anju.") and opts.managed and not opts.proxy:
            yield opts.label_lower


def test_every_table_belongs_to_exactly_one_clearing_category():
    wrong = {label: clearing.category_of(label) for label in _product_models()}
    wrong = {label: keys for label, keys in wrong.items() if len(keys) != 1}
    assert wrong == {}, "give each table exactly one category in a register_category(...) call"
    listed = {label for c in clearing.categories() for label in c.labels()}
    assert listed <= set(_product_models()), "categories name tables that do not exist"


def _backup_files():
    return (
        sorted(p.name for p in Path(settings.BACKUP_DIR).glob("*"))
        if Path(settings.BACKUP_DIR).exists()
        else []
    )


def _clear(company, keys, actor):
    return services.data_clear(
        actor=actor, company=company, categories=keys, confirm_name=company.name, confirm_production=True
    )


@pytest.fixture
def demo(db):
    call_command("demo", stdout=io.StringIO())
    return User.objects.get(username="admin"), OrgUnit.objects.get(code="AJ-SZ")


def test_each_category_clears_on_the_demo_data(demo, django_capture_on_commit_callbacks):
    admin, company = demo
    assert RoomCustomer.objects.filter(customer__company=company).exists()  # the case that failed
    for key, _label in clearing.category_choices():
        keys = clearing.with_requirements([key])  # with the categories whose rows refer to it
        before = set(_backup_files())
        with transaction.atomic():
            with django_capture_on_commit_callbacks(execute=True):
                result = _clear(company, keys, admin)
            assert Path(result.backup_path).exists() and Path(result.backup_path).name not in before
            ids = list(OrgUnit.objects.filter(path__startswith=company.path).values_list("pk", flat=True))
            for category in (clearing.CATEGORIES[k] for k in keys):
                for model, path in category.resolved():
                    left = category.rows(model, path, ids)
                    assert not left.exists(), f"{key}: {model._meta.label} rows left"
            transaction.set_rollback(True)
    assert Customer.objects.filter(company=company).exists()  # every attempt was rolled back


def test_clearing_rooms_needs_their_tasks_and_relations_chosen_too(demo):
    admin, company = demo
    with pytest.raises(ServiceValidationError) as exc:
        _clear(company, ["basedata"], admin)
    assert "房间客户关系" in str(exc.value.errors["categories"])
    assert _backup_files() == []
    result = _clear(company, ["basedata", "service", "room_customers"], admin)
    assert result.deleted.get("tasks.task", 0) > 0 and result.deleted.get("customers.roomcustomer", 0) > 0
    assert not Room.objects.filter(project__company=company).exists()
    assert Customer.objects.filter(company=company).exists()  # customers themselves stay


def test_a_refused_clearing_leaves_no_backup_file(world, monkeypatch):
    def refuse(*args, **kwargs):
        raise ServiceValidationError({"categories": "refused"})

    monkeypatch.setattr(services, "_clear_categories", refuse)
    before = _backup_files()
    with pytest.raises(ServiceValidationError):
        _clear(world.company_a, ["announcements"], world.superuser)
    assert _backup_files() == before


def test_a_clearing_that_fails_at_commit_leaves_no_backup_file(world):
    services.announcement_create(actor=world.superuser, company=world.company_a, title="a", body="a")
    before = _backup_files()
    with pytest.raises(RuntimeError), transaction.atomic():
        _clear(world.company_a, ["announcements"], world.superuser)
        raise RuntimeError("the transaction fails after the clearing")
    assert _backup_files() == before
    assert Announcement.objects.filter(company=world.company_a).exists()


def test_settings_are_never_cleared(world):
    with pytest.raises(ServiceValidationError) as exc:
        _clear(world.company_a, ["settings"], world.superuser)
    assert "categories" in exc.value.errors


def test_a_restore_never_reuses_an_id_and_forgets_the_cache(world, tmp_path):
    first = services.announcement_create(actor=world.superuser, company=world.company_a, title="a", body="a")
    path = tmp_path / "b.jsonl.gz"
    backup.write_backup(path)
    assert backup.read_header(path)["sequences"]["system.announcement"] >= first.pk
    later = [
        services.announcement_create(actor=world.superuser, company=world.company_a, title="b", body="b")
        for _i in range(3)
    ]
    cache.set("anju:test:stale", 1)
    backup.restore_backup(path)
    assert not Announcement.objects.filter(pk__in=[a.pk for a in later]).exists()
    fresh = services.announcement_create(actor=world.superuser, company=world.company_a, title="c", body="c")
    assert fresh.pk > max(a.pk for a in later)  # the ids issued after the backup are not reused
    assert cache.get("anju:test:stale") is None

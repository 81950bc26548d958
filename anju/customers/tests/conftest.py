import datetime

import pytest

from anju.core.testing import make_project


@pytest.fixture
def dictionaries(db):
    """The built-in dictionaries the ledger uses (created here if the system seed has not)."""
    from anju.system.models import Dictionary, DictionaryItem

    seeds = {
        "relationship": ["spouse", "child", "parent"],
        "customer_tag": ["vip", "elderly"],
        "marriage": ["married", "single"],
        "income_level": ["high", "middle"],
        "family_structure": ["three", "couple"],
        "id_type": ["id_card", "passport"],
        "vehicle_type": ["car", "suv"],
        "customer_kind": ["owner", "prospect"],
    }
    for code, items in seeds.items():
        dictionary, _ = Dictionary.objects.get_or_create(
            code=code, defaults={"name": code, "is_system": True}
        )
        for i, item in enumerate(items):
            DictionaryItem.objects.get_or_create(
                dictionary=dictionary, code=item, defaults={"label": item, "sort_order": i}
            )


def make_room(project, code, **fields):
    from anju.estates.models import Room

    return Room.objects.create(project=project, code=code, **fields)


@pytest.fixture
def estate(world):
    project = make_project(world.company_a, code="JL", name="君林天下")
    rooms = [make_room(project, f"JL-C3-{n:04d}") for n in (301, 302, 303)]
    return project, rooms


TODAY = datetime.date(2026, 11, 1)

import pytest

from anju.core.testing import make_project
from anju.estates import services


@pytest.fixture
def project(world):
    return make_project(world.company_a, code="JL", name="君林天下", short_name="君林")


@pytest.fixture
def building(world, project):
    return services.building_create(actor=world.user_a, project=project, code="C3", name="C3栋")


@pytest.fixture
def grid_building(world, building):
    """Three floors, one unit of three households: rows 0..2 are floors 3..1."""
    services.building_generate(actor=world.user_a, building=building, floors=3, households=[3])
    building.refresh_from_db()
    return building


@pytest.fixture
def english():
    """Service-level tests match the English source messages; API tests check the Chinese ones."""
    from django.utils import translation

    with translation.override("en"):
        yield

import pytest

from tests.security.demo_data import demo_world_loaded


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo dataset of every context (company A = 深圳, B = 上海), loaded once per module."""
    with demo_world_loaded(django_db_blocker) as world:
        yield world

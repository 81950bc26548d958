import pytest

from tests.security.demo_data import demo_world_loaded


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo dataset of every context (company A = 深圳, B = 上海) plus the small scale profile
    (`seed_scale --profile small`: 1,000 rooms, 2,000 customers, 10,000 tasks), loaded once per
    module, so the fuzzer's lists and filters run over realistic volumes (issue 6)."""
    import io

    from django.core.management import call_command

    with demo_world_loaded(django_db_blocker) as world:
        call_command("seed_scale", "--profile", "small", stdout=io.StringIO(), stderr=io.StringIO())
        yield world

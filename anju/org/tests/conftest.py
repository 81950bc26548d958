import pytest


@pytest.fixture
def demo_org(db):
    """The organisation of `manage.py demo`: companies SZ, SH, PM with the four standard roles."""
    from anju.org.demo import build_organisation

    ctx: dict = {"passwords": []}
    build_organisation(ctx)
    return ctx

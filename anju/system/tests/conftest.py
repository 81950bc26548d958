import pytest


@pytest.fixture(autouse=True)
def _backups_in_tmp(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"


@pytest.fixture
def system_roles(world):
    """Roles of company A: all system points, view-only system points, and no points at all."""
    from anju.core.registry import permissions
    from anju.core.testing import make_role, make_user

    system_points = [p for p in permissions.points if p.startswith("system.")]
    view_points = [p for p in system_points if p.endswith(".view")]
    full = make_user(world.dept_a, [make_role(world.company_a, points=system_points)])
    viewer = make_user(world.dept_a, [make_role(world.company_a, points=view_points)])
    nobody = make_user(world.dept_a, [make_role(world.company_a, points=[])])
    return {"full": full, "viewer": viewer, "nobody": nobody}

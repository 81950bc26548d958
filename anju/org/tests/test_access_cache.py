"""The per-user access snapshot kept between requests (roles, companies, data ranges, projects), and its
invalidation: every service that changes roles, the organisation, shares, project membership, the
current company or the project filter bumps `User.access_version`, so the next request recomputes."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from anju.core.testing import make_project, make_role, make_user
from anju.estates import services as estates_services
from anju.estates.choices import ShareAccess
from anju.org import access
from anju.org import services as org_services
from anju.org.choices import UnitKind
from anju.org.models import User

pytestmark = pytest.mark.django_db

POINT = "estates.building.view"


@pytest.fixture(autouse=True)
def snapshots():
    cache.clear()
    with override_settings(ANJU_ACCESS_CACHE=True):
        yield
    cache.clear()


def fresh(user) -> User:
    """The user as the next request loads it (no per-request memo)."""
    return User.objects.get(pk=user.pk)


def test_the_next_request_reads_the_snapshot_without_a_query(world):
    project = make_project(world.company_a)
    first = fresh(world.user_a)
    assert access.has_point(first, POINT) and project.pk in access.visible_project_ids(first)
    again = fresh(world.user_a)
    with CaptureQueriesContext(connection) as queries:
        assert access.has_point(again, POINT)
        assert project.pk in access.visible_project_ids(again)
        assert access.visible_company_ids(again) == access.visible_company_ids(first)
    assert len(queries) == 0


def test_a_change_behind_the_services_back_is_not_seen_until_access_changed(world):
    """The snapshot is what answers (so the invalidation below is what keeps it right)."""
    assert access.has_point(fresh(world.user_a), POINT)
    world.user_a.roles.clear()  # no service: no bump
    assert access.has_point(fresh(world.user_a), POINT)
    access.access_changed([world.user_a])
    assert not access.has_point(fresh(world.user_a), POINT)


def test_role_update_invalidates(world):
    role = make_role(world.company_a, points=[POINT])
    user = make_user(world.dept_a, [role])
    assert access.has_point(fresh(user), POINT)
    org_services.role_update(actor=None, role=role, data={"permissions": []})
    assert not access.has_point(fresh(user), POINT)
    org_services.role_update(actor=None, role=role, data={"permissions": [POINT]})
    assert access.has_point(fresh(user), POINT)


def test_user_update_of_roles_invalidates(world):
    role = make_role(world.company_a, points=[POINT])
    user = make_user(world.dept_a, [role])
    assert access.has_point(fresh(user), POINT)
    org_services.user_update(actor=world.superuser, user=fresh(user), data={"roles": []})
    assert not access.has_point(fresh(user), POINT)


def test_organisation_changes_invalidate(world):
    before = access.visible_company_ids(fresh(world.user_a))
    sub = org_services.orgunit_create(
        actor=None, kind=UnitKind.COMPANY, code="SUB1", name="甲子公司", parent=world.company_a
    )
    assert access.visible_company_ids(fresh(world.user_a)) == before | {sub.pk}
    org_services.orgunit_move(actor=None, unit=sub, new_parent=world.company_b)
    assert sub.pk not in access.visible_company_ids(fresh(world.user_a))


def test_project_creation_share_and_unshare_invalidate(world):
    assert access.visible_project_ids(fresh(world.user_b)) == set()
    project = estates_services.project_create(actor=None, company=world.company_a, code="P1", name="甲项目")
    assert project.pk in access.visible_project_ids(fresh(world.user_a))
    assert project.pk not in access.visible_project_ids(fresh(world.user_b))
    share = estates_services.project_share(
        actor=world.superuser, project=project, company=world.company_b, access=ShareAccess.READ
    )
    assert project.pk in access.visible_project_ids(fresh(world.user_b))
    assert project.pk not in access.writable_project_ids(fresh(world.user_b))
    estates_services.project_unshare(actor=world.superuser, share=share)
    assert project.pk not in access.visible_project_ids(fresh(world.user_b))


def test_team_membership_invalidates(world):
    member = make_user(world.dept_a, [world.role_a], all_projects=False)
    project = make_project(world.company_a)
    assert project.pk not in access.visible_project_ids(fresh(member))
    team = estates_services.team_create(actor=world.superuser, project=project, name="客服组")
    added = estates_services.team_member_add(actor=world.superuser, team=team, user=member)
    assert project.pk in access.visible_project_ids(fresh(member))
    estates_services.team_member_remove(actor=world.superuser, member=added)
    assert project.pk not in access.visible_project_ids(fresh(member))


def test_company_switch_and_project_filter_invalidate(world):
    one, two = make_project(world.company_a), make_project(world.company_a)
    user = fresh(world.user_a)
    assert {one.pk, two.pk} <= access.visible_project_ids(user)
    org_services.user_set_project_filter(actor=fresh(world.user_a), project_ids=[one.pk])
    assert access.visible_project_ids(fresh(world.user_a)) == {one.pk}
    org_services.user_set_project_filter(actor=fresh(world.user_a), project_ids=[])
    assert {one.pk, two.pk} <= access.visible_project_ids(fresh(world.user_a))
    role = make_role(world.company_b, points=[POINT])
    org_services.user_update(
        actor=world.superuser, user=fresh(world.user_a), data={"roles": [world.role_a, role]}
    )
    org_services.user_switch_company(actor=fresh(world.user_a), company=world.company_b)
    assert access.current_company_id(fresh(world.user_a)) == world.company_b.pk
    assert one.pk not in access.visible_project_ids(fresh(world.user_a))

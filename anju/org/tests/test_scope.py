import pytest

from anju.core.testing import api_client, make_project, make_role, make_unit, make_user
from anju.org import access, services
from anju.org.choices import DataRange, UnitKind

pytestmark = pytest.mark.django_db


def test_company_b_cannot_see_company_a_units_through_api(world):
    response = api_client(world.user_b).get(f"/api/v1/org/units/{world.dept_a.pk}/")
    assert response.status_code == 404
    response = api_client(world.user_a).get(f"/api/v1/org/units/{world.dept_a.pk}/")
    assert response.status_code == 200


def test_projects_visible_by_company_share_assignment_and_filter(world):
    from anju.estates.models import ProjectShare

    own = make_project(world.company_a)
    shared = make_project(world.company_b)
    other = make_project(world.company_b)
    ProjectShare.objects.create(project=shared, company=world.company_a)
    assert access.visible_project_ids(world.user_a) == {own.pk, shared.pk}
    assert other.pk not in access.visible_project_ids(world.user_a)

    world.user_a.all_projects = False
    access.forget(world.user_a)
    assert access.visible_project_ids(world.user_a) == set()
    own.assigned_users.add(world.user_a)
    access.forget(world.user_a)
    assert access.visible_project_ids(world.user_a) == {own.pk}

    world.user_a.all_projects = True
    access.forget(world.user_a)
    services.user_set_project_filter(actor=world.user_a, project_ids=[shared.pk])
    assert access.visible_project_ids(world.user_a) == {shared.pk}


def test_roles_combine_to_the_widest_data_range(world):
    sub = make_unit(world.dept_a, UnitKind.DEPARTMENT, "子部门")
    self_role = make_role(world.company_a, data_range=DataRange.SELF)
    user = make_user(sub, [self_role])
    spec = access.ScopeSpec(company="company", department="department", users=("created_by",))
    assert access._data_range_q(user, spec) is not None
    dept_role = make_role(world.company_a, data_range=DataRange.ALL)
    user.roles.add(dept_role)
    access.forget(user)
    assert access._data_range_q(user, spec) is None


def test_superuser_has_every_point_and_role_points_are_per_company(world):
    assert access.has_point(world.superuser, "org.role.delete")
    limited = make_role(world.company_b, points=["org.orgunit.view"])
    user = make_user(world.dept_b, [limited])
    assert access.has_point(user, "org.orgunit.view")
    assert not access.has_point(user, "org.orgunit.add")


def test_a_department_range_covers_what_the_departments_members_own(world):
    """A 客服主管 (本部门及以下) sees customers their agents created; an agent (仅本人) only their own;
    nobody sees a colleague's from a department outside the range."""
    from anju.customers.models import Customer
    from anju.customers.services import customer_create

    team = make_unit(world.dept_a, UnitKind.DEPARTMENT, "客服一组")
    elsewhere = make_unit(world.company_a, UnitKind.DEPARTMENT, "销售部")
    supervisor = make_user(world.dept_a, [make_role(world.company_a, data_range=DataRange.DEPT_AND_BELOW)])
    agent_role = make_role(world.company_a, data_range=DataRange.SELF)
    agent, colleague = make_user(team, [agent_role]), make_user(team, [agent_role])
    outsider = make_user(elsewhere, [agent_role])
    by = {
        user: customer_create(actor=user, company=world.company_a, name=name)
        for user, name in ((agent, "张三"), (colleague, "李四"), (outsider, "王五"))
    }

    def seen(user):
        return set(access.scoped(user, Customer.objects.all()).values_list("name", flat=True))

    assert seen(supervisor) == {"张三", "李四"}
    assert seen(agent) == {"张三"}
    assert seen(outsider) == {"王五"}
    assert by[agent].created_by == agent

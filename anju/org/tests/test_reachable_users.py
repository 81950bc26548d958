"""Nothing that can be created may become unreachable: a user needs a department (issue 12 §9)."""

import pytest

from anju.core.services import ServiceValidationError
from anju.core.testing import PASSWORD
from anju.org import services
from anju.org.models import User


def test_api_refuses_a_user_without_department_naming_the_field(world, api):
    # The group's super user: the one who met the unreachable user before.
    r = api(world.superuser).post(
        "/api/v1/org/users/", {"username": "ghost", "password": "Ghost@2026x"}, format="json"
    )
    assert r.status_code == 400 and "department" in r.data
    assert not User.objects.filter(username="ghost").exists()


def test_service_refuses_creating_or_moving_a_user_out_of_every_department(world):
    with pytest.raises(ServiceValidationError) as exc:
        services.user_create(actor=None, username="ghost", password=PASSWORD)
    assert "department" in exc.value.message_dict
    with pytest.raises(ServiceValidationError) as exc:
        services.user_update(actor=None, user=world.user_a, data={"department": None})
    assert "department" in exc.value.message_dict
    world.user_a.refresh_from_db()
    assert world.user_a.department_id is not None


def test_a_created_user_stays_reachable_for_its_creator(world, api):
    from anju.core.testing import make_role, make_user

    manager = make_user(
        world.dept_a,
        [make_role(world.company_a, points=["org.user.view", "org.user.add", "org.user.change"])],
    )
    client = api(manager)
    r = client.post(
        "/api/v1/org/users/",
        {"username": "newbie", "password": "Newbie@2026x", "department": world.dept_a.pk},
        format="json",
    )
    assert r.status_code == 201, r.data
    assert client.get(f"/api/v1/org/users/{r.data['id']}/").status_code == 200

"""Role grants are logged with the roles before and after, not only as a version bump."""

import pytest
from django.contrib.contenttypes.models import ContentType

from anju.core.models import OperationLog
from anju.core.testing import make_role, make_user
from anju.org.models import User

pytestmark = pytest.mark.django_db


def test_granting_a_role_logs_the_roles_before_and_after(world, api):
    clerk = make_user(world.dept_a, [world.role_a])
    extra = make_role(world.company_a)
    r = api(world.user_a).patch(
        f"/api/v1/org/users/{clerk.pk}/", {"roles": [world.role_a.pk, extra.pk]}, format="json"
    )
    assert r.status_code == 200, r.content
    row = OperationLog.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(clerk.pk), action="update"
    ).latest("id")
    assert row.before["roles"] == [world.role_a.pk]
    assert row.after["roles"] == sorted([world.role_a.pk, extra.pk])


def test_a_new_user_is_logged_with_its_roles(world):
    clerk = make_user(world.dept_a, [world.role_a])
    row = OperationLog.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(clerk.pk), action="create"
    ).get()
    assert row.after["roles"] == [world.role_a.pk]

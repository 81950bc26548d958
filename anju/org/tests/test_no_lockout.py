"""Nobody locks themselves out and the last active super user stays: the user and password operations
refuse with a message (so the API fuzzer, running as a super user, can call all of them safely)."""

import pytest

from anju.core.testing import PASSWORD, api_client, make_user
from anju.org import services
from anju.org.models import User

pytestmark = pytest.mark.django_db

USERS = "/api/v1/org/users/"


def _fresh(user):
    return User.objects.get(pk=user.pk)


def _still_works(user):
    assert api_client(user).get(USERS).status_code == 200


def test_a_user_cannot_deactivate_themselves(world):
    client = api_client(world.user_a)
    r = client.patch(f"{USERS}{world.user_a.pk}/", {"is_active": False}, format="json")
    assert r.status_code == 400 and "is_active" in r.json()
    assert "不能停用自己" in str(r.json())
    assert client.delete(f"{USERS}{world.user_a.pk}/").status_code == 400
    assert _fresh(world.user_a).is_active
    _still_works(world.user_a)


def test_the_last_active_super_user_cannot_be_deactivated_or_demoted(world):
    assert list(User.objects.filter(is_superuser=True, is_active=True)) == [world.superuser]
    client = api_client(world.superuser)
    for body in ({"is_active": False}, {"is_superuser": False}):
        r = client.patch(f"{USERS}{world.superuser.pk}/", body, format="json")
        assert r.status_code == 400, r.content
        assert next(iter(body)) in r.json()
    # With a second super user the first may go; then the second is the last one, also for another
    # administrator of its company.
    second = make_user(world.dept_a, [], is_superuser=True, all_projects=True)
    services.user_update(actor=second, user=world.superuser, data={"is_active": False})
    assert not _fresh(world.superuser).is_active
    for body in ({"is_active": False}, {"is_superuser": False}):
        r = api_client(world.user_a).patch(f"{USERS}{second.pk}/", body, format="json")
        assert r.status_code == 400, r.content
        assert "最后一个" in str(r.json())
    assert api_client(world.user_a).delete(f"{USERS}{second.pk}/").status_code == 400
    fresh = _fresh(second)
    assert fresh.is_superuser and fresh.is_active
    _still_works(second)


def test_a_super_user_cannot_revoke_their_own_flag_even_if_others_remain(world):
    make_user(world.dept_a, [], is_superuser=True)
    r = api_client(world.superuser).patch(
        f"{USERS}{world.superuser.pk}/", {"is_superuser": False}, format="json"
    )
    assert r.status_code == 400 and "is_superuser" in r.json()
    assert _fresh(world.superuser).is_superuser


def test_password_operations_on_oneself_cannot_lock_the_api_out(world):
    client = api_client(world.superuser)
    r = client.post(
        f"{USERS}{world.superuser.pk}/reset-password/", {"password": "N3w@Pass!x9"}, format="json"
    )
    assert r.status_code == 400 and "password" in r.json()
    r = client.patch(f"{USERS}{world.superuser.pk}/", {"must_change_password": True}, format="json")
    assert r.status_code == 400 and "must_change_password" in r.json()
    fresh = _fresh(world.superuser)
    assert not fresh.must_change_password and fresh.check_password(PASSWORD)
    _still_works(world.superuser)
    # The own password is changed through /me/password/ (knowing the old one).
    r = client.post(
        "/api/v1/me/password/", {"old_password": PASSWORD, "new_password": "N3w@Pass!x9"}, format="json"
    )
    assert r.status_code == 204, r.content
    _still_works(world.superuser)
    # Resetting someone else's password still works.
    r = client.post(f"{USERS}{world.user_a.pk}/reset-password/", {"password": "N3w@Pass!x9"}, format="json")
    assert r.status_code == 204

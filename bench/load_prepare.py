"""Prepare a seed_scale database for a load run: give each scale agent (scale_agent_0..2) an all-points
role of their company with the data range "all", and the password in ANJU_LOAD_PASSWORD.

    DATABASE_URL=... ANJU_LOAD_PASSWORD=... .venv/bin/python bench/load_prepare.py

For throw-away load databases only (seed_scale's users have no password and no role).
`prepare_scale_user` is also used by bench/scale_bench.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

LOAD_ROLE_CODE = "LOAD-ALL"


def prepare_scale_user(user):
    """Give a scale user an all-points role of their company (data range "all") and staff access to the
    admin site (seed_scale creates them with neither). Idempotent: writes only what is missing, so a
    benchmark can call it on every run without changing a prepared database. Returns the role."""
    from anju.core.registry import permissions
    from anju.org import services
    from anju.org.access import forget
    from anju.org.choices import DataRange
    from anju.org.models import Role

    company = user.current_company
    role = Role.objects.filter(company=company, code=LOAD_ROLE_CODE).first() or services.role_create(
        actor=None,
        company=company,
        code=LOAD_ROLE_CODE,
        name="压测：全部权限",
        permissions=list(permissions.points),
        data_range=DataRange.ALL,
    )
    if list(user.roles.values_list("pk", flat=True)) != [role.pk]:
        user.roles.set([role])
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    forget(user)
    return role


def main() -> int:
    import django

    django.setup()
    from anju.org import services
    from anju.org.models import User

    password = os.environ["ANJU_LOAD_PASSWORD"]
    agents = list(User.objects.filter(username__startswith="scale_agent_").order_by("username"))
    if not agents:
        print("no scale_agent_* users: run `manage.py seed_scale` first")
        return 1
    for user in agents:
        role = prepare_scale_user(user)
        services.user_set_password(actor=None, user=user, password=password, must_change=False)
        print(f"{user.username}: role {role.name} of {user.current_company}, password set")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Prepare a seed_scale database for a load run: give each scale agent (scale_agent_0..2) an all-points
role of their company with the data range "all", and the password in ANJU_LOAD_PASSWORD.

    DATABASE_URL=... ANJU_LOAD_PASSWORD=... .venv/bin/python bench/load_prepare.py

For throw-away load databases only (seed_scale's users have no password and no role).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> int:
    import django

    django.setup()
    from anju.core.registry import permissions
    from anju.org import services
    from anju.org.choices import DataRange
    from anju.org.models import Role, User

    password = os.environ["ANJU_LOAD_PASSWORD"]
    agents = list(User.objects.filter(username__startswith="scale_agent_").order_by("username"))
    if not agents:
        print("no scale_agent_* users: run `manage.py seed_scale` first")
        return 1
    for user in agents:
        company = user.current_company
        role = Role.objects.filter(company=company, code="LOAD-ALL").first() or services.role_create(
            actor=None,
            company=company,
            code="LOAD-ALL",
            name="压测：全部权限",
            permissions=list(permissions.points),
            data_range=DataRange.ALL,
        )
        user.roles.set([role])
        services.user_set_password(actor=None, user=user, password=password, must_change=False)
        print(f"{user.username}: role {role.name} of {user.current_company}, password set")
    return 0


if __name__ == "__main__":
    sys.exit(main())

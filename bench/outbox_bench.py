"""Worker-side cost of sending notification deliveries (issue 11: the outbox).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anju_outbox_bench .venv/bin/python bench/outbox_bench.py [--notes 5000]

Builds a throw-away test database, writes N notifications for one user (an e-mail and an SMS
delivery each, the SLA sweep's path: notifications.save_batch) with the job queue captured, then
times the huey job's work, `deliver_batch` over the queued ids in chunks of 500, with Django's
in-memory e-mail backend and the SMS outbox table. Prints deliveries per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ANJU_TESTING", "1")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=5000)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from anju.core.testing import build_org_world, make_role, make_user
        from anju.org.choices import DataRange
        from anju.service import notifications
        from anju.service.models import Delivery

        world = build_org_world()
        role = make_role(world.company_a, data_range=DataRange.ALL)
        user = make_user(world.dept_a, [role], email="bench@example.com", mobile="13900000009")
        jobs: list = []  # (delivery ids, the token they are handed to)
        enqueue = notifications._enqueue
        notifications._enqueue = lambda ids, token=None: jobs.append((ids, token))
        try:
            with transaction.atomic():
                memo: dict = {}
                items = [
                    notifications.prepare(
                        recipient=user, template="task_completed", context={"task": f"RW{i}"}, memo=memo
                    )
                    for i in range(args.notes)
                ]
                notifications.save_batch(items)
        finally:
            notifications._enqueue = enqueue
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            started = time.perf_counter()
            for ids, token in jobs:
                for i in range(0, len(ids), 500):
                    notifications.deliver_batch(ids[i : i + 500], token)
            elapsed = time.perf_counter() - started
        queued = [pk for ids, _token in jobs for pk in ids]
        sent = Delivery.objects.filter(status="sent").count()
        assert sent == len(queued), (sent, len(queued))
        print(
            f"outbox ({connection.vendor}): sending {len(queued):,} deliveries (worker side) {elapsed:.2f} s, "
            f"{len(queued) / elapsed:,.0f}/s"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Child-process side of tests/multiworker/test_multiworker.py, run with the environment the huey
consumers get (DATABASE_URL of a database of its own, REDIS_URL, HUEY_NAME, HUEY_IMMEDIATE=0).

    python -m tests.multiworker.driver setup N    migrate, then N overdue tasks (printed as JSON)
    python -m tests.multiworker.driver enqueue K  put the SLA sweep K times on the Redis queue
    python -m tests.multiworker.driver outbox_setup N  migrate, then N notifications (2N deliveries)
                                                       in 4 batches, their send jobs on the Redis queue
    python -m tests.multiworker.driver outbox_settle T  run the outbox sweep each second (its jobs go
                                                        to Redis) until no delivery is pending, ≤ T s
"""

from __future__ import annotations

import datetime
import json
import os
import sys


def setup(n_tasks: int) -> dict:
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from anju.core.testing import build_org_world, make_project, make_role, make_unit, make_user
    from anju.estates.models import Building, Room
    from anju.org.choices import DataRange, UnitKind
    from anju.service import services
    from anju.service.models import Problem
    from anju.service.seed import seed

    world = build_org_world()
    company = world.company_a
    project = make_project(company)
    building = Building.objects.create(project=project, code="B1", name="1栋")
    rooms = [
        Room.objects.create(project=project, building=building, code=f"1-{101 + i}") for i in range(n_tasks)
    ]
    role = make_role(company, data_range=DataRange.ALL)
    cs = world.dept_a
    # Every rung of the default ladder reaches someone with an e-mail address and a mobile:
    # responsible/acceptor (level 1–2), the acceptor's department manager (3), the company manager (4).
    acceptor = make_user(cs, [role], all_projects=True, email="acceptor@example.com", mobile="13900000001")
    boss = make_user(cs, [role], all_projects=True, email="boss@example.com", mobile="13900000002")
    head = make_user(
        make_unit(company, UnitKind.DEPARTMENT, "总经办"),
        [role],
        all_projects=True,
        email="head@example.com",
        mobile="13900000003",
    )
    cs.manager = boss
    cs.save(update_fields=["manager"])
    company.manager = head
    company.save(update_fields=["manager"])
    seed()
    problem = Problem.objects.get(name="空鼓")
    # Created two months ago: every deadline and every escalation step is long overdue.
    created = timezone.now() - datetime.timedelta(days=60)
    task_ids = []
    for room in rooms:
        reception = services.reception_create(
            actor=acceptor, company=company, channel="phone", content="客厅地砖空鼓", room=room
        )
        task = services.task_create(
            actor=acceptor,
            reception=reception,
            room=room,
            task_type="complaint",
            problem=problem,
            accepting_company=company,
            acceptor=acceptor,
            auto_assign=False,
            now=created,
        )
        task_ids.append(task.pk)
    return {"tasks": task_ids}


def enqueue(times: int) -> dict:
    from django.conf import settings

    from anju.service.tasks import sla_sweep

    assert not settings.HUEY_IMMEDIATE and settings.REDIS_URL, "the sweep must go to the Redis queue"
    results = [sla_sweep() for _ in range(times)]
    return {"enqueued": [r.id for r in results]}


def outbox_setup(n_notes: int) -> dict:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    assert not settings.HUEY_IMMEDIATE and settings.REDIS_URL, "the send jobs must go to the Redis queue"
    call_command("migrate", verbosity=0)

    from anju.core.testing import build_org_world, make_role, make_user
    from anju.org.choices import DataRange
    from anju.service import notifications

    world = build_org_world()
    role = make_role(world.company_a, data_range=DataRange.ALL)
    user = make_user(world.dept_a, [role], email="crash@example.com", mobile="13900000009")
    pending = []
    per_batch = -(-n_notes // 4)
    for start in range(0, n_notes, per_batch):
        with transaction.atomic():  # one job per batch, queued after commit
            pending += notifications.save_batch(
                [
                    notifications.prepare(
                        recipient=user, template="task_completed", context={"task": f"RW{i}"}
                    )
                    for i in range(start, min(n_notes, start + per_batch))
                ]
            )
    return {"deliveries": len(pending)}


def outbox_settle(seconds: int) -> dict:
    import time

    from anju.service import notifications
    from anju.service.models import Delivery

    deadline, sweeps = time.monotonic() + seconds, []
    while time.monotonic() < deadline:
        if not Delivery.objects.filter(status="pending").exists():
            break
        sweeps.append(notifications.sweep())  # the periodic task's work (every minute in production)
        time.sleep(1)
    return {"sweeps": sweeps, "pending": Delivery.objects.filter(status="pending").count()}


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    command, count = argv[1], int(argv[2])
    commands = {
        "setup": setup,
        "enqueue": enqueue,
        "outbox_setup": outbox_setup,
        "outbox_settle": outbox_settle,
    }
    result = commands[command](count)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)

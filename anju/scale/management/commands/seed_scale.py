"""`manage.py seed_scale --profile small|large`: a believable, synthetic company group at scale.

large: 3 companies, 40 projects, 100,000 rooms, 200,000 customers (room relations, family members,
vehicles), 1,000,000 tasks over three years with their receptions and callbacks; small is 1 % of that.

This is a seeding tool: it writes with `bulk_create` in batches and deliberately bypasses the per-row
services (no operation-log rows, no SLA computation per row, no notifications); states, deadlines and
timeout flags are drawn from realistic mixes instead. Never run it on a production database.
Names, mobiles and resident ID numbers are synthetic but valid (ID check characters per GB 11643,
mobile prefixes known to the phone metadata); they are generated, never taken from real people.
"""

from __future__ import annotations

import datetime
import random
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

PROFILES = {
    "large": {"companies": 3, "projects": 40, "rooms": 100_000, "customers": 200_000, "tasks": 1_000_000},
    "small": {"companies": 3, "projects": 4, "rooms": 1_000, "customers": 2_000, "tasks": 10_000},
}
BATCH = 5_000
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强文博浩然思远雨欣梓涵子轩"
PREFIXES = ("138", "139", "136", "137", "135", "150", "151", "152", "158", "159", "186", "187", "188", "189")
AREAS = ("440300", "440305", "310115", "310104", "110105", "320102", "330106", "510104")


BIRTH_DAYS = 365 * 55  # 20,075 = 5² · 11 · 73, coprime with 7,919


def synthetic_id_number(rng: random.Random, serial: int | None = None) -> str:
    """A valid resident ID number. With `serial` (< 20 million) the numbers are unique by construction:
    birth day and sequence number are a bijection of the serial (random draws collide ~125 times in
    200,000 numbers, which the ledger's unique index refuses)."""
    from anju.customers.validators import check_char

    if serial is None:
        day, seq = rng.randrange(0, BIRTH_DAYS), rng.randrange(0, 1000)
    else:
        day, seq = (serial * 7919) % BIRTH_DAYS, (serial // BIRTH_DAYS) % 1000
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=day)
    first17 = f"{rng.choice(AREAS)}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def synthetic_mobile(rng: random.Random, serial: int) -> str:
    return f"{rng.choice(PREFIXES)}{serial % 100_000_000:08d}"


def synthetic_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


class Progress:
    """A plain progress bar on stderr."""

    def __init__(self, label: str, total: int, stream=None):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr

    def add(self, n: int) -> None:
        self.done += n
        filled = int(30 * self.done / self.total)
        self.stream.write(
            f"\r{self.label:<12} [{'#' * filled}{'.' * (30 - filled)}] {self.done:>9,}/{self.total:,}"
        )
        if self.done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


def _batched(model, rows_iter, total, label, stream):
    bar = Progress(label, total, stream)
    batch, created = [], []
    for row in rows_iter:
        batch.append(row)
        if len(batch) >= BATCH:
            created += model.objects.bulk_create(batch)
            bar.add(len(batch))
            batch = []
    if batch:
        created += model.objects.bulk_create(batch)
        bar.add(len(batch))
    return created


class Command(BaseCommand):
    help = "Builds a large synthetic dataset (bulk inserts, bypassing services) for load and benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--profile", choices=sorted(PROFILES), default="small")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, profile="small", seed=2026, **options):
        from anju.org.models import OrgUnit

        if OrgUnit.objects.filter(code="SCALE").exists():
            raise CommandError("Scale data is already loaded (unit SCALE exists).")
        self.build(PROFILES[profile], random.Random(seed), self.stderr._out)
        # The bulk inserts bypass the services: recount the workbench counters they maintain.
        from anju.service import counters

        counters.rebuild()
        self.stdout.write(self.style.SUCCESS(f"seed_scale {profile}: done"))

    def build(self, p: dict, rng: random.Random, stream):
        from anju.customers.choices import RelationRole
        from anju.customers.models import Customer, FamilyMember, RoomCustomer, Vehicle
        from anju.estates.choices import ProjectStatus, RoomStatus
        from anju.estates.models import Building, Project, Room
        from anju.org import services as org
        from anju.org.choices import CompanyBusiness, UnitKind
        from anju.org.models import User
        from anju.service import choices as sc
        from anju.service.models import Callback, Problem, Reception
        from anju.service.seed import seed as seed_reference
        from anju.tasks.models import Task

        seed_reference()
        now = timezone.now()
        with transaction.atomic():
            group = org.orgunit_create(
                actor=None, parent=None, kind=UnitKind.GROUP, code="SCALE", name="规模测试集团"
            )
            companies, users = [], []
            for i in range(p["companies"]):
                business = CompanyBusiness.PROPERTY if i == p["companies"] - 1 else CompanyBusiness.DEVELOPER
                company = org.orgunit_create(
                    actor=None,
                    parent=group,
                    kind=UnitKind.COMPANY,
                    code=f"SCALE-C{i}",
                    name=f"规模测试第{i + 1}公司",
                    business=business,
                )
                dept = org.orgunit_create(
                    actor=None,
                    parent=company,
                    kind=UnitKind.DEPARTMENT,
                    code=f"SCALE-C{i}-CS",
                    name="客户服务部",
                )
                user = User.objects.create(
                    username=f"scale_agent_{i}", department=dept, current_company=company, all_projects=True
                )
                companies.append(company)
                users.append(user)
            projects = Project.objects.bulk_create(
                Project(
                    company=companies[j % len(companies)],
                    code=f"SP{j:03d}",
                    name=f"规模花园{j + 1}期",
                    status=ProjectStatus.DELIVERED,
                    delivery_date=(now - datetime.timedelta(days=900)).date(),
                )
                for j in range(p["projects"])
            )
            rooms_per_project = p["rooms"] // len(projects)
            floors, per_floor = 25, 4
            per_building = floors * per_floor
            buildings = Building.objects.bulk_create(
                Building(project=project, code=f"B{b:02d}", name=f"{b + 1}栋", floors=floors, units=1)
                for project in projects
                for b in range(-(-rooms_per_project // per_building))
            )
            by_project: dict[int, list] = {}
            for building in buildings:
                by_project.setdefault(building.project_id, []).append(building)

            def room_rows():
                for project in projects:
                    for n in range(rooms_per_project):
                        building = by_project[project.pk][n // per_building]
                        floor, col = divmod(n % per_building, per_floor)
                        yield Room(
                            project=project,
                            building=building,
                            code=f"{building.code}-{floor + 1:02d}{col + 1:02d}",
                            number=f"{floor + 1:02d}{col + 1:02d}",
                            unit_no=1,
                            floor_no=floor + 1,
                            grid_row=floors - floor - 1,
                            grid_col=col,
                            status=RoomStatus.values[0],
                            building_area=rng.choice((89, 95, 110, 128, 143)),
                        )

            rooms = _batched(Room, room_rows(), rooms_per_project * len(projects), "rooms", stream)

            def customer_rows():
                for n in range(p["customers"]):
                    company = companies[n % len(companies)]
                    yield Customer(
                        company=company,
                        code=f"SC{n:07d}",
                        name=synthetic_name(rng),
                        mobile=synthetic_mobile(rng, n),
                        id_number=synthetic_id_number(rng, n),
                        project=projects[n % len(projects)],
                    )

            customers = _batched(Customer, customer_rows(), p["customers"], "customers", stream)
            start = (now - datetime.timedelta(days=1000)).date()
            relations = ((rooms[i % len(rooms)], c) for i, c in enumerate(customers))
            _batched(
                RoomCustomer,
                (
                    RoomCustomer(room=r, customer=c, role=RelationRole.values[0], start_date=start)
                    for r, c in relations
                ),
                len(customers),
                "relations",
                stream,
            )
            _batched(
                FamilyMember,
                (
                    FamilyMember(customer=c, relationship="配偶", name=synthetic_name(rng))
                    for c in customers[::3]
                ),
                len(customers[::3]),
                "family",
                stream,
            )
            _batched(
                Vehicle,
                (
                    Vehicle(customer=c, plate_number=f"粤B{i % 100000:05d}")
                    for i, c in enumerate(customers[::5])
                ),
                len(customers[::5]),
                "vehicles",
                stream,
            )
            problems = list(Problem.objects.all()[:50])
            if not problems:
                raise CommandError("No standard problems: the service reference data is missing.")
            company_user = {c.pk: u for c, u in zip(companies, users, strict=True)}
            n_receptions = p["tasks"] * 2 // 3
            span = 3 * 365 * 24 * 3600

            room_company = {pp.pk: pp.company_id for pp in projects}

            def reception_rows():
                for n in range(n_receptions):
                    room = rooms[rng.randrange(len(rooms))]
                    company_id = room_company[room.project_id]
                    received = now - datetime.timedelta(seconds=rng.randrange(span))
                    recent = received > now - datetime.timedelta(days=30)
                    yield Reception(
                        company_id=company_id,
                        code=f"SJ{n:09d}",
                        room=room,
                        project_id=room.project_id,
                        content="规模测试接待：报修",
                        received_at=received,
                        created_by=company_user[company_id],
                        status=sc.ReceptionStatus.DECOMPOSED if recent else sc.ReceptionStatus.CLOSED,
                    )

            receptions = _batched(Reception, reception_rows(), n_receptions, "receptions", stream)
            statuses = sc.TaskStatus.values
            closed = [s for s in statuses if s not in sc.OPEN_STATUSES]
            open_ = [s for s in statuses if s in sc.OPEN_STATUSES]

            def task_rows():
                for n in range(p["tasks"]):
                    reception = receptions[n % len(receptions)]
                    created = reception.received_at + datetime.timedelta(minutes=rng.randrange(5, 120))
                    old = created < now - datetime.timedelta(days=60)
                    status = (
                        rng.choice(closed) if (old or rng.random() < 0.7) and closed else rng.choice(open_)
                    )
                    process_due = created + datetime.timedelta(hours=rng.choice((24, 48, 72, 120)))
                    company_id = reception.company_id
                    yield Task(
                        code=f"SR{n:09d}",
                        source="daily",
                        reception=reception,
                        task_type=sc.TaskType.values[n % len(sc.TaskType.values)],
                        problem=problems[n % len(problems)],
                        description="规模测试任务",
                        room_id=reception.room_id,
                        project_id=reception.project_id,
                        customer_id=None,
                        accepting_company_id=company_id,
                        acceptor=company_user[company_id],
                        status=status,
                        created_at=created,
                        reply_due=created + datetime.timedelta(hours=8),
                        answer_due=created + datetime.timedelta(hours=16),
                        process_due=process_due,
                        process_timeout=rng.random() < 0.08,
                        completed_at=process_due - datetime.timedelta(hours=2) if status in closed else None,
                        closed_at=process_due if status in closed else None,
                    )

            tasks = _batched(Task, task_rows(), p["tasks"], "tasks", stream)
            callback_statuses = sc.CallbackStatus.values
            _batched(
                Callback,
                (
                    Callback(
                        task=t,
                        project_id=t.project_id,
                        due_at=(t.closed_at or t.created_at) + datetime.timedelta(days=3),
                        status=callback_statuses[i % len(callback_statuses)],
                    )
                    for i, t in enumerate(tasks)
                    if t.closed_at and i % 2 == 0
                ),
                sum(1 for i, t in enumerate(tasks) if t.closed_at and i % 2 == 0),
                "callbacks",
                stream,
            )

"""The workbench counters (anju.service.counters) equal a recount from the task and reception tables
after any mix of creations, transitions, reassignments, reception edits and SLA sweeps, and the
counter-based widgets equal the table scans of 000 §2.8 for every kind of data range."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.core.services import ConflictError, ServiceValidationError
from anju.org.access import forget
from anju.service import counters, selectors, services
from anju.service.models import Reception
from anju.service.tests.conftest import aware, new_reception
from anju.tasks import sla
from anju.tasks.models import Task, TaskCounter
from anju.tasks.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db

ACTIONS = sorted(TRANSITIONS)
MONTHS = [aware(2025, 1, 15), aware(2025, 12, 31, 23, 30), aware(2026, 1, 1, 0, 30), aware(2026, 11, 2)]

ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("create"),
            st.integers(0, 3),  # reception
            st.sampled_from(["daily", "daily", "delivery"]),
            st.integers(0, 4),  # responsible: none, person x3, department
            st.integers(0, len(MONTHS) - 1),
            st.integers(0, 2),  # acceptor
        ),
        st.tuples(
            st.just("act"),
            st.integers(0, 50),  # task
            st.sampled_from(ACTIONS),
            st.integers(0, 4),
            st.integers(0, 2),  # actor
        ),
        st.tuples(st.just("sweep"), st.integers(0, 400)),  # hours ahead
        st.tuples(
            st.just("reception"), st.integers(0, 3), st.sampled_from(["phone", "warranty_form", "both"])
        ),
    ),
    min_size=1,
    max_size=25,
)


@pytest.fixture
def cw(svc):
    from anju.estates.models import Room
    from anju.service.models import AcceptanceShare

    a, b = svc.world.company_a, svc.world.company_b
    AcceptanceShare.objects.create(project=svc.project, company=b)
    other_room = Room.objects.create(project=svc.project_b, code="P2-9")
    me = svc.world.user_a
    receptions = [
        new_reception(svc, actor=me),
        new_reception(svc, actor=svc.acceptor, accepting_companies=[a, b]),
        new_reception(svc, actor=svc.engineer1, room=other_room),
        new_reception(svc, actor=me, channel="warranty_form"),
    ]
    people = [me, svc.acceptor, svc.engineer1]
    return svc, receptions, people


def _assignment(svc, people, who):
    if who == 0:
        return None
    if who == 4:
        return {"kind": "department", "department": svc.eng}
    return {"kind": "person", "user": people[who - 1]}


def _check(svc, people):
    assert counters.current_task_rows() == counters.expected_task_rows()
    assert counters.current_reception_rows() == counters.expected_reception_rows()
    now = aware(2026, 11, 24, 12)
    for user in (*people, svc.supervisor, svc.engineer2):
        forget(user)
        for mine in (False, True):
            assert selectors.task_progress(user, mine=mine) == selectors.task_progress_scan(user, mine=mine)
            assert selectors.reception_progress(user, mine=mine) == selectors.reception_progress_scan(
                user, mine=mine
            )
            for period in ("month", "year", "all"):
                assert selectors.responsiveness(
                    user, mine=mine, period=period, now=now
                ) == selectors.responsiveness_scan(user, mine=mine, period=period, now=now)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=ops)
def test_counters_equal_a_recount(cw, steps):
    svc, receptions, people = cw
    a, b = svc.world.company_a, svc.world.company_b
    for step in steps:
        kind = step[0]
        try:
            if kind == "create":
                _k, r, source, who, month, acceptor = step
                reception = Reception.objects.get(pk=receptions[r].pk)
                assignment = _assignment(svc, people, who) or {}
                services.task_create(
                    actor=people[acceptor],
                    reception=reception,
                    room=reception.room,
                    task_type="complaint",
                    problem=svc.problem,
                    accepting_company=a,
                    acceptor=people[acceptor],
                    source=source,
                    responsible_kind=assignment.get("kind", ""),
                    responsible_user=assignment.get("user"),
                    responsible_department=assignment.get("department"),
                    auto_assign=False,
                    now=MONTHS[month],
                )
            elif kind == "act":
                _k, t, action, who, actor = step
                ids = list(Task.objects.order_by("pk").values_list("pk", flat=True))
                if not ids:
                    continue
                task = Task.objects.get(pk=ids[t % len(ids)])
                assignment = _assignment(svc, people, who) or {"kind": "person", "user": people[0]}
                services.task_transition(
                    actor=people[actor] if actor else svc.world.user_a,
                    task=task,
                    action=action,
                    note="测试",
                    assignment=assignment,
                    now=task.created_at + datetime.timedelta(days=3),
                )
            elif kind == "sweep":
                sla.sweep(now=aware(2026, 11, 24, 12) + datetime.timedelta(hours=step[1]))
            else:
                _k, r, channel = step
                reception = Reception.objects.get(pk=receptions[r].pk)
                data = {"accepting_companies": [a, b] if channel == "both" else [a]}
                if channel != "both":
                    data["channel"] = channel
                services.reception_update(actor=people[0], reception=reception, data=data)
        except (ServiceValidationError, ConflictError, PermissionDenied):
            pass
    _check(svc, people)


def test_rebuild_repairs_and_is_exact(cw):
    svc, receptions, people = cw
    services.task_create(
        actor=people[0],
        reception=receptions[0],
        room=receptions[0].room,
        task_type="complaint",
        problem=svc.problem,
        accepting_company=svc.world.company_a,
        acceptor=people[0],
        auto_assign=False,
    )
    expected = counters.expected_task_rows()
    assert expected and counters.current_task_rows() == expected
    TaskCounter.objects.update(n=99)
    assert services.counter_rebuild(actor=people[0]) == {
        "task_rows": len(expected),
        "reception_rows": len(counters.expected_reception_rows()),
    }
    assert counters.current_task_rows() == expected
    _check(svc, people)


def test_month_bucket_is_local_time():
    # 2025-12-31 16:30 UTC is 2026-01-01 00:30 in Asia/Shanghai.
    moment = datetime.datetime(2025, 12, 31, 16, 30, tzinfo=datetime.UTC)
    assert counters.month_of(moment) == datetime.date(2026, 1, 1)


def test_my_tasks_branches(svc):
    from anju.service.tests.conftest import new_task

    me = svc.world.user_a
    mine_as_acceptor = new_task(svc, actor=me, acceptor=me, auto_assign=False)
    mine_as_both = new_task(
        svc, actor=me, acceptor=me, responsible_kind="person", responsible_user=me, auto_assign=False
    )
    mine_as_responsible = new_task(svc, actor=me, responsible_kind="person", responsible_user=me)
    new_task(svc, actor=me, auto_assign=False)  # not mine
    stats, rows = selectors.my_tasks(me, now=aware(2030, 1, 1))
    assert stats == {"open": 3, "overdue": 3, "soon": 0}
    assert {t.pk for t in rows} == {mine_as_acceptor.pk, mine_as_both.pk, mine_as_responsible.pk}
    _stats, rows = selectors.my_tasks(me, limit=2)
    assert len(rows) == 2

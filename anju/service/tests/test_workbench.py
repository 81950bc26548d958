"""000 §2.8 统计口径: every clause is exercised by a row that only that clause excludes."""

import pytest

from anju.service import selectors, services
from anju.service.models import AcceptanceShare
from anju.service.tests.conftest import aware, new_reception, new_task
from anju.tasks.models import Task

pytestmark = pytest.mark.django_db

NOW = aware(2026, 11, 24, 12)


@pytest.fixture
def wb(svc):
    from anju.core.testing import make_project
    from anju.estates.models import Room

    me = svc.world.user_a  # company A, data range "all"
    a, b = svc.world.company_a, svc.world.company_b
    foreign = make_project(b)  # company B's project, not shared to A
    foreign_room = Room.objects.create(project=foreign, code="F-1")
    AcceptanceShare.objects.create(project=foreign, company=a)  # A may accept for it, but cannot see it
    AcceptanceShare.objects.create(project=svc.project, company=b)
    other_room = Room.objects.create(project=svc.project_b, code="P2-1")

    counted = new_reception(svc, actor=me)  # counted in all + mine (pending)
    by_other = new_reception(svc, actor=svc.acceptor)  # all only
    new_reception(svc, actor=me, channel="warranty_form")  # 保修意见表: never
    only_b = new_reception(svc, actor=me, accepting_companies=[b])  # not accepted by A: never
    services.reception_create(
        actor=me, company=b, room=foreign_room, content="x", channel="phone", accepting_companies=[a]
    )  # invisible project
    in_p2 = new_reception(svc, actor=me, room=other_room)  # dropped by the project filter only

    # Tasks (acceptor = me unless said otherwise).
    def t(reception, **kw):
        kw.setdefault("acceptor", me)
        return new_task(svc, actor=me, reception=reception, **kw)

    t1 = t(counted, now=aware(2026, 11, 3, 10))  # this month
    t2 = t(counted, now=aware(2026, 3, 9, 10))  # this year
    t3 = t(
        by_other, now=aware(2025, 6, 2, 10), acceptor=svc.acceptor
    )  # earlier; not mine (responsible engineer)
    t4 = t(
        by_other,
        now=aware(2026, 11, 5, 10),
        acceptor=svc.acceptor,
        responsible_kind="person",
        responsible_user=me,
    )  # mine as 责任人
    t5 = t(by_other, now=aware(2026, 11, 6, 10), acceptor=svc.acceptor, consultant=me)  # 顾问 only: not mine
    shared = new_reception(svc, actor=me, accepting_companies=[a, b])
    t(shared, accepting_company=b, now=aware(2026, 11, 7, 10))  # accepted by B: never
    services.task_create(
        actor=me,
        reception=shared,
        room=svc.room,
        task_type="complaint",
        problem=svc.problem,
        accepting_company=a,
        acceptor=me,
        source="delivery",
        now=aware(2026, 11, 8, 10),
    )  # not 日常投诉
    t(in_p2, now=aware(2026, 11, 9, 10))  # project filter
    Task.objects.filter(pk=t1.pk).update(reply_timeout=True, answer_timeout=True)
    Task.objects.filter(pk=t2.pk).update(process_timeout=True)
    Task.objects.filter(pk=t3.pk).update(reply_timeout=True, process_timeout=True)
    Task.objects.filter(pk=t4.pk).update(answer_timeout=True)
    # The flags above are set behind the services' back (the sweep sets them in real life), so the
    # workbench counters are recounted, as after any bulk load.
    from anju.service import counters

    counters.rebuild()
    services.task_transition(actor=me, task=t5, action="void", note="重复")
    me.project_filter = [svc.project.pk]
    me.save(update_fields=["project_filter"])
    from anju.org.access import forget

    forget(me)
    return me, (t1, t2, t3, t4, t5), (counted, by_other, only_b, in_p2)


def test_reception_progress(wb):
    me, _tasks, _receptions = wb
    all_ = selectors.reception_progress(me, mine=False)
    mine = selectors.reception_progress(me, mine=True)
    # counted and by_other are decomposed; shared (accepting A and B) too.
    assert all_ == {"pending": 0, "decomposed": 3, "confirming": 0, "closed": 0}
    assert mine == {"pending": 0, "decomposed": 2, "confirming": 0, "closed": 0}
    me.project_filter = []
    me.save(update_fields=["project_filter"])
    from anju.org.access import forget

    forget(me)
    assert selectors.reception_progress(me, mine=True)["decomposed"] == 3  # in_p2 comes back


def test_task_progress(wb):
    me, _tasks, _r = wb
    all_ = selectors.task_progress(me, mine=False)
    assert all_["pending_reply"] == 4 and all_["voided"] == 1 and sum(all_.values()) == 5
    mine = selectors.task_progress(me, mine=True)
    assert mine["pending_reply"] == 3 and sum(mine.values()) == 3  # t1, t2 (受理人), t4 (责任人)


def test_responsiveness_by_period(wb):
    me, *_rest = wb
    r = selectors.responsiveness
    assert r(me, mine=False, period="month", now=NOW) == {"total": 3, "reply": 1, "answer": 2, "process": 0}
    assert r(me, mine=False, period="year", now=NOW) == {"total": 4, "reply": 1, "answer": 2, "process": 1}
    assert r(me, mine=False, period="all", now=NOW) == {"total": 5, "reply": 2, "answer": 2, "process": 2}
    assert r(me, mine=True, period="month", now=NOW) == {"total": 2, "reply": 1, "answer": 2, "process": 0}
    assert r(me, mine=True, period="year", now=NOW) == {"total": 3, "reply": 1, "answer": 2, "process": 1}
    assert r(me, mine=True, period="all", now=NOW) == {"total": 3, "reply": 1, "answer": 2, "process": 1}


def test_data_range_narrows_all(svc, wb):
    me, (_t1, _t2, _t3, t4, _t5), _r = wb
    # The engineer (仅本人) sees only the tasks where they are 责任人 or 受理人, even under "all".
    engineer = svc.engineer1
    expected = Task.objects.filter(
        responsible_user=engineer,
        source="daily",
        accepting_company=svc.world.company_a,
        reception__project=svc.project,
    ).count()
    assert sum(selectors.task_progress(engineer, mine=False).values()) == expected
    assert t4.responsible_user == me


def test_widgets_render(wb, rf):
    from anju.service import workbench

    me, *_rest = wb
    request = rf.get("/admin/")
    request.user = me
    html = (
        workbench.responsiveness(request)
        + workbench.task_progress(request)
        + workbench.reception_progress(request)
        + workbench.my_tasks(request)
    )
    assert "chart-responsiveness" in html and "chart-task-all" in html and "service-my-tasks" in html


def test_workbench_api(wb, api):
    me, *_rest = wb
    data = api(me).get("/api/v1/service/workbench/").json()
    assert data["tasks"]["all"]["voided"] == 1
    assert data["responsiveness"]["all_all"]["total"] == 5

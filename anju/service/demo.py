"""Demo customer service: a contractor, receptions decomposed into tasks in every state, a
callback, a compensation and a complaint topic. Needs the estates demo's projects and rooms; without
them only the reference data is created."""

import datetime

from django.utils import timezone

from anju.core.registry import demo_builder
from anju.service import services
from anju.service.models import Callback, Problem, ProblemCategory
from anju.service.seed import seed
from anju.tasks import sla


@demo_builder(order=40)
def build_service(ctx):
    from anju.org.models import User

    seed()
    out = ctx.get("stdout")
    admin = ctx["admin"]
    sz = ctx["companies"]["SZ"]
    projects = ctx.get("projects") or {}
    project = next((p for p in projects.values() if p.company_id == sz.pk), None)
    contractor = services.contractor_create(
        actor=admin, company=sz, code="CBS-01", name="深圳建工集团", phone="0755-83280000"
    )
    services.contractorcontact_create(
        actor=admin, contractor=contractor, name="刘工", mobile="13912340000", is_primary=True
    )
    if project is None:
        if out:
            out.write("service demo: no project from the estates demo; reference data only\n")
        return
    services.contractorscope_create(
        actor=admin,
        contractor=contractor,
        project=project,
        category=ProblemCategory.objects.get(name="防水工程"),
    )
    from anju.estates.models import Room

    rooms = [r for r in ctx.get("rooms") or [] if r.project_id == project.pk] or list(
        Room.objects.filter(project=project, is_virtual=False)[:8]
    )
    public = Room.objects.filter(project=project, is_virtual=True).first()
    agent = User.objects.get(username="sz_agent")
    supervisor = User.objects.get(username="sz_supervisor")
    engineer = User.objects.get(username="sz_engineer")
    if agent.department and agent.department.manager_id is None:
        from anju.org.services import orgunit_update

        orgunit_update(actor=admin, unit=agent.department, data={"manager": supervisor})
    p = {
        name: Problem.objects.get(name=name)
        for name in ("空鼓", "屋面渗漏", "灯具不亮", "服务态度差", "水管爆裂", "开关插座损坏")
    }
    now = timezone.now()
    scenarios = [
        ("周先生", "13600000001", "客厅地砖空鼓，踩上去有响声", [("complaint", "空鼓", None)], 10),
        (
            "吴女士",
            "13600000002",
            "顶层屋面下雨渗水；物业前台态度差",
            [("repair", "屋面渗漏", None), ("complaint", "服务态度差", None)],
            6,
        ),
        (
            "郑先生",
            "13600000003",
            "卧室灯具不亮，开关面板松动",
            [("repair", "灯具不亮", "complete"), ("repair", "开关插座损坏", "close")],
            20,
        ),
        ("王女士", "13600000004", "厨房水管爆裂，急修", [("repair", "水管爆裂", "complete")], 2),
        ("冯先生", "13600000005", "咨询交房时间", [("consultation", None, "void")], 1),
    ]
    tasks = []
    for i, (name, phone, content, specs, days_ago) in enumerate(scenarios):
        room = rooms[i % len(rooms)] if rooms else public
        when = now - datetime.timedelta(days=days_ago)
        reception = services.reception_create(
            actor=agent,
            company=sz,
            room=room,
            content=content,
            channel="phone",
            caller_name=name,
            caller_phone=phone,
            received_at=when,
        )
        for task_type, problem, goal in specs:
            task = services.task_create(
                actor=agent,
                reception=reception,
                room=room,
                task_type=task_type,
                problem=p.get(problem),
                accepting_company=sz,
                acceptor=agent,
                now=when,
                **({} if problem else {"responsible_kind": "person", "responsible_user": engineer}),
            )
            tasks.append(task)
            steps = {
                "complete": ["reply", "answer", "complete"],
                "close": ["reply", "answer", "complete", "close"],
                "void": [],
            }.get(goal, [])
            for action in steps:
                actor = (
                    agent
                    if task.responsible_kind == "contractor" or action == "close"
                    else (task.responsible_user or agent)
                )
                if action == "close":
                    for cb in Callback.objects.filter(task=task, status="pending"):
                        services.callback_record(
                            actor=agent,
                            callback=cb,
                            method="phone",
                            person_reached=name,
                            satisfaction=4,
                            nps=9,
                            comments="维修及时",
                        )
                    task.refresh_from_db()
                    if task.status == "closed":
                        continue
                task = services.task_transition(
                    actor=actor, task=task, action=action, now=when + datetime.timedelta(hours=3)
                )
            if goal == "void":
                services.task_transition(actor=agent, task=task, action="void", note="重复登记")
    topic = services.complainttopic_create(
        actor=admin,
        company=sz,
        project=project,
        title="地面空鼓群诉",
        description="多户反映客厅地砖空鼓",
        standard_solution="统一排查，空鼓面积超过 5% 的整块返修",
        script="您好，关于地砖空鼓问题，公司已统一安排排查返修……",
    )
    services.task_link_topic(actor=admin, task=tasks[0], topic=topic)
    services.compensation_create(
        actor=agent,
        task=tasks[1],
        kind="fee_deduction",
        amount="300.00",
        payer="contractor",
        description="屋面渗漏损坏吊顶，抵扣物业费",
    )
    sla.sweep()
    if out:
        out.write(f"service demo: {len(tasks)} tasks on {project}\n")

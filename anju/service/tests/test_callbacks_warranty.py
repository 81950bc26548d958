import datetime
import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from anju.core.services import ServiceValidationError
from anju.service import services, warranty
from anju.service.choices import TaskStatus, WarrantyStatus
from anju.service.models import Callback, CompensationEvent, Notification, Problem, ReceptionAttachment
from anju.service.tests.conftest import aware, new_reception, new_task
from anju.tasks import workflow

pytestmark = pytest.mark.django_db


def _complete(svc, task):
    for action in ("reply", "answer", "complete"):
        task = services.task_transition(actor=svc.engineer1, task=task, action=action)
    return task


def test_repair_sampling_is_deterministic_and_about_30_percent():
    tasks = [SimpleNamespace(pk=i) for i in range(1, 2001)]
    picked = [t.pk for t in tasks if services.callback_sampled(t, 30, "anju")]
    assert picked == [t.pk for t in tasks if services.callback_sampled(t, 30, "anju")]
    assert 540 <= len(picked) <= 660
    assert all(services.callback_sampled(t, 100, "x") for t in tasks[:50])
    assert not any(services.callback_sampled(t, 0, "x") for t in tasks[:50])
    other = [t.pk for t in tasks if services.callback_sampled(t, 30, "other-seed")]
    assert other != picked


def test_callback_rules_per_type(svc):
    complaint = _complete(svc, new_task(svc))
    cb = Callback.objects.get(task=complaint)
    assert cb.due_at == complaint.completed_at + datetime.timedelta(days=3)
    consultation = new_task(
        svc, task_type="consultation", problem=None, responsible_kind="person", responsible_user=svc.engineer1
    )
    consultation = _complete(svc, consultation)
    assert not Callback.objects.filter(task=consultation).exists()
    repairs = [
        _complete(
            svc, new_task(svc, task_type="repair", responsible_kind="person", responsible_user=svc.engineer1)
        )
        for _i in range(10)
    ]
    sampled = {t.pk for t in repairs if services.callback_sampled(t, 30, "anju")}
    assert set(Callback.objects.filter(task__in=repairs).values_list("task_id", flat=True)) == sampled
    # A pending callback blocks closing (and the task page does not offer it); waiving it allows it.
    assert "close" not in [t.action for t in workflow.allowed_actions(svc.acceptor, complaint)]
    with pytest.raises(ServiceValidationError):
        services.task_transition(actor=svc.acceptor, task=complaint, action="close")
    services.callback_waive(actor=svc.acceptor, callback=cb, note="业主拒绝回访")
    assert list(cb.events.values_list("action", "from_status", "to_status", "actor", "note")) == [
        ("waive", "pending", "waived", svc.acceptor.pk, "业主拒绝回访")
    ]
    assert "close" in [t.action for t in workflow.allowed_actions(svc.acceptor, complaint)]
    assert (
        services.task_transition(actor=svc.acceptor, task=complaint, action="close").status
        == TaskStatus.CLOSED
    )


def test_bad_rating_reopens_and_tells_the_supervisor(svc):
    task = _complete(svc, new_task(svc))
    cb = Callback.objects.get(task=task)
    with pytest.raises(ServiceValidationError) as exc:
        services.callback_record(
            actor=svc.acceptor, callback=cb, method="phone", person_reached="张先生", satisfaction=9, nps=11
        )
    assert {"satisfaction", "nps"} <= set(exc.value.errors)
    services.callback_record(
        actor=svc.acceptor,
        callback=cb,
        method="phone",
        person_reached="张先生",
        satisfaction=1,
        nps=2,
        comments="仍然空鼓",
    )
    assert list(cb.events.values_list("action", "from_status", "to_status", "actor", "note")) == [
        ("record", "pending", "done", svc.acceptor.pk, "仍然空鼓")
    ]
    task.refresh_from_db()
    assert task.status == TaskStatus.DISCUSSING
    assert task.events.filter(action="reopen").exists()
    assert Notification.objects.filter(template="callback_bad", recipient=svc.supervisor).exists()
    assert Notification.objects.filter(template="task_reopened", recipient=svc.engineer1).exists()
    with pytest.raises(ServiceValidationError):
        services.callback_record(
            actor=svc.acceptor, callback=cb, method="phone", person_reached="", satisfaction=5
        )
    # Completed again: a new callback is queued.
    task = services.task_transition(actor=svc.engineer1, task=task, action="answer")
    task = services.task_transition(actor=svc.engineer1, task=task, action="complete")
    assert Callback.objects.filter(task=task, status="pending").count() == 1


def test_warranty_rule(svc):
    floor = svc.problem  # 地面空鼓: contractor 2 years from 竣工 2024-01-10, buyer 1 year from 交付
    assert warranty.check(floor, svc.room, on=datetime.date(2026, 1, 10)) == (
        WarrantyStatus.IN,
        datetime.date(2026, 1, 10),
    )
    assert warranty.check(floor, svc.room, on=datetime.date(2026, 1, 11))[0] == WarrantyStatus.OUT
    svc.room.delivery_date = datetime.date(2025, 9, 1)  # late delivery: the buyer minimum wins
    assert warranty.check(floor, svc.room, on=datetime.date(2026, 3, 1)) == (
        WarrantyStatus.IN,
        datetime.date(2026, 9, 1),
    )
    roof = Problem.objects.get(name="屋面渗漏")
    assert warranty.check(roof, svc.room, on=datetime.date(2028, 1, 1)) == (
        WarrantyStatus.IN,
        datetime.date(2029, 1, 10),
    )
    assert warranty.check(Problem.objects.get(name="结构裂缝"), svc.room)[0] == WarrantyStatus.IN
    assert warranty.check(svc.service_problem, svc.room)[0] == WarrantyStatus.NOT_APPLICABLE
    svc.room.delivery_date = datetime.date(2024, 6, 1)
    heating = Problem.objects.get(name="暖气不热")  # 2 seasons ≈ 2 years
    assert warranty.check(heating, svc.room, on=datetime.date(2026, 2, 1))[0] == WarrantyStatus.OUT
    from anju.estates.models import Room

    undated = Room.objects.create(project=svc.project_b, code="X-1")
    assert warranty.check(floor, undated)[0] == WarrantyStatus.UNKNOWN
    assert warranty.add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)


def test_out_of_warranty_repair_is_paid(svc):
    task = new_task(svc, task_type="repair", now=aware(2026, 3, 2, 10))
    assert task.warranty_status == WarrantyStatus.OUT and task.is_paid
    task = new_task(svc, task_type="complaint", now=aware(2026, 3, 2, 10))
    assert task.warranty_status == WarrantyStatus.OUT and not task.is_paid
    task = new_task(svc, task_type="repair", now=aware(2025, 12, 1, 10))
    assert (
        task.warranty_status == WarrantyStatus.IN
        and not task.is_paid
        and task.warranty_end == datetime.date(2026, 1, 10)
    )


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_attachments_checked_by_content(svc):
    good = SimpleUploadedFile("photo.txt", PNG)  # the name lies, the content is a PNG
    reception = new_reception(svc, attachments=[good])
    att = ReceptionAttachment.objects.get(reception=reception)
    assert att.content_type == "image/png"
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image")
    with pytest.raises(ServiceValidationError) as exc:
        new_reception(svc, attachments=[fake])
    assert "attachments" in exc.value.errors
    big = SimpleUploadedFile("big.png", PNG)
    big.size = 50 * 1024 * 1024 + 1
    with pytest.raises(ServiceValidationError):
        new_reception(svc, attachments=[big])
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w/>")
    docx = SimpleUploadedFile("说明.bin", buf.getvalue())
    new_reception(svc, attachments=[docx])
    assert ReceptionAttachment.objects.filter(content_type__contains="wordprocessingml").exists()


def test_quick_registration_and_accepting_companies(svc):
    from anju.customers.models import Customer
    from anju.service.models import AcceptanceShare

    reception = new_reception(svc, caller_name="王先生", caller_phone="13812345678")
    assert reception.customer.name == "王先生" and reception.customer.mobile == "13812345678"
    again = new_reception(svc, caller_name="王先生", caller_phone="13812345678")
    assert again.customer == reception.customer
    assert Customer.objects.filter(name="王先生").count() == 1
    with pytest.raises(ServiceValidationError) as exc:
        new_reception(svc, accepting_companies=[svc.world.company_b])
    assert "accepting_companies" in exc.value.errors
    AcceptanceShare.objects.create(project=svc.project, company=svc.world.company_b)
    shared = new_reception(svc, accepting_companies=[svc.world.company_a, svc.world.company_b])
    assert shared.accepting_companies.count() == 2
    public = new_reception(svc, room=svc.public_room, content="小区道路破损")
    assert public.room.is_virtual


def test_compensation_totals(svc, api):
    from anju.service.models import Contractor

    contractor = Contractor.objects.create(company=svc.world.company_a, code="C9", name="承建商甲")
    task = new_task(svc)
    client = api(svc.world.user_a)  # data range: all
    r = client.post(
        "/api/v1/service/compensations/",
        {
            "task": task.pk,
            "kind": "cash",
            "amount": "500.00",
            "payer": "contractor",
            "contractor": contractor.pk,
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    r2 = client.post(
        "/api/v1/service/compensations/",
        {"task": task.pk, "kind": "fee_deduction", "amount": "200.00", "payer": "developer"},
        format="json",
    )
    assert r2.status_code == 201
    bad = client.post(
        "/api/v1/service/compensations/",
        {"task": task.pk, "kind": "goods", "amount": "1", "payer": "contractor"},
        format="json",
    )
    assert bad.status_code == 400 and "contractor" in bad.json()
    for row in (r.json(), r2.json()):
        decided = client.post(
            f"/api/v1/service/compensations/{row['id']}/decide/", {"approve": True}, format="json"
        )
        assert decided.status_code == 200
        assert [
            (e["action"], e["from_status"], e["to_status"], e["actor"]) for e in decided.json()["events"]
        ] == [("approve", "pending", "approved", svc.world.user_a.pk)]
    again = client.post(
        f"/api/v1/service/compensations/{r.json()['id']}/decide/", {"approve": False}, format="json"
    )
    assert again.status_code == 400
    assert CompensationEvent.objects.filter(compensation_id=r.json()["id"]).count() == 1
    rejected = services.compensation_create(
        actor=svc.world.user_a, task=task, kind="goods", amount="50", payer="developer"
    )
    services.compensation_decide(actor=svc.acceptor, compensation=rejected, approve=False)
    assert list(rejected.events.values_list("action", "from_status", "to_status", "actor")) == [
        ("reject", "pending", "rejected", svc.acceptor.pk)
    ]
    totals = client.get("/api/v1/service/compensations/totals/").json()
    assert totals["by_project"][0]["total"] == "700.00"
    assert totals["by_contractor"] == [
        {"contractor": contractor.pk, "contractor__name": "承建商甲", "total": "500.00", "count": 1}
    ]

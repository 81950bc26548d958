"""Every write of the customer-service context (`<entity>_<verb>(*, actor, ...)`, audited)."""

from __future__ import annotations

import datetime
import hashlib

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.crud import create_instance, delete_instance, update_instance
from anju.core.services import ConflictError, ServiceValidationError, service
from anju.service import aftercare, counters, daily, notifications, warranty
from anju.service.choices import (
    OPEN_STATUSES,
    ApprovalStatus,
    CallbackStatus,
    DeliveryStatus,
    Payer,
    ResponsibleKind,
    Satisfaction,
    TaskStatus,
    TaskType,
    WarrantyStatus,
)
from anju.service.daily import DailySource
from anju.service.models import (
    AcceptanceShare,
    Callback,
    Compensation,
    ComplaintTopic,
    Contractor,
    ContractorContact,
    ContractorScope,
    MessageTemplate,
    Notification,
    Problem,
    ProblemCategory,
    Reception,
    ReceptionAttachment,
    TaskAttachment,
    WarrantyElement,
)
from anju.service.uploads import check_upload
from anju.tasks import calendar, sources, workflow
from anju.tasks.models import CalendarDay, CalendarYear, EscalationStep, Task, WorkingHours


# --- reference data: plain create / update / delete ------------------------------------------------
def _check_bindings(actor, model, data: dict) -> None:
    """A staff member binds reference rows only to companies they see, projects they may change and
    contractors of their companies (the rows they could not read back otherwise)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return  # seeds and system jobs
    from anju.org.access import scoped, visible_company_ids, writable_project_ids

    def pk(name):
        value = data.get(name)
        return getattr(value, "pk", value)

    errors = {}
    # An acceptance share names another company on purpose (it accepts for this project).
    company = pk("company")
    if model is not AcceptanceShare and company is not None and company not in visible_company_ids(actor):
        errors["company"] = _("Choose one of your companies.")
    if pk("project") is not None and pk("project") not in writable_project_ids(actor):
        errors["project"] = _("You may not change this project's settings.")
    if pk("contractor") is not None and not scoped(actor, Contractor).filter(pk=pk("contractor")).exists():
        errors["contractor"] = _("Choose a contractor of your companies.")
    if errors:
        raise ServiceValidationError(errors)


def _crud(model, prefix, after_write=None):
    def create(*, actor, **data):
        _check_bindings(actor, model, data)
        m2m = {k: data.pop(k) for k in list(data) if k in {f.name for f in model._meta.many_to_many}}
        obj = create_instance(actor=actor, instance=model(**data), m2m=m2m)
        if after_write:
            after_write(obj)
        return obj

    def update(*, actor, instance, data, expected_version=None):
        _check_bindings(actor, model, data)
        obj = update_instance(actor=actor, instance=instance, data=data, expected_version=expected_version)
        if after_write:
            after_write(obj)
        return obj

    def delete(*, actor, instance):
        delete_instance(actor=actor, instance=instance)
        if after_write:
            after_write(instance)

    out = {}
    for verb, fn in (("create", create), ("update", update), ("delete", delete)):
        fn.__name__ = fn.__qualname__ = f"{prefix}_{verb}"
        fn.__module__ = __name__
        out[verb] = service(fn)
        globals()[f"{prefix}_{verb}"] = out[verb]
    return out


def _forget_day(obj):
    calendar.forget(obj.date.year if hasattr(obj, "date") else obj.year)


def _forget_hours(obj):
    calendar.forget_hours(obj.company_id)


CRUD = {
    CalendarDay: _crud(CalendarDay, "calendarday", _forget_day),
    CalendarYear: _crud(CalendarYear, "calendaryear", _forget_day),
    WorkingHours: _crud(WorkingHours, "workinghours", _forget_hours),
    WarrantyElement: _crud(WarrantyElement, "warrantyelement"),
    ProblemCategory: _crud(ProblemCategory, "problemcategory"),
    Problem: _crud(Problem, "problem"),
    Contractor: _crud(Contractor, "contractor"),
    ContractorContact: _crud(ContractorContact, "contractorcontact"),
    ContractorScope: _crud(ContractorScope, "contractorscope"),
    AcceptanceShare: _crud(AcceptanceShare, "acceptanceshare"),
    EscalationStep: _crud(EscalationStep, "escalationstep"),
    ComplaintTopic: _crud(ComplaintTopic, "complainttopic"),
    MessageTemplate: _crud(MessageTemplate, "messagetemplate"),
}


# --- customers ---------------------------------------------------------------------------------------
@service
def customer_quick_register(*, actor, company, name: str, mobile: str):
    """快速登记: a caller not yet in the ledger. Uses the customers context's service when present."""
    name, mobile = (name or "").strip(), (mobile or "").strip()
    errors = {}
    if not name:
        errors["caller_name"] = _("Enter the caller's name.")
    if not mobile or not mobile.replace("-", "").isdigit() or len(mobile.replace("-", "")) < 7:
        errors["caller_phone"] = _("Enter a valid phone number.")
    if errors:
        raise ServiceValidationError(errors)
    from anju.customers.models import Customer

    try:
        from anju.customers.services import customer_create
    except ImportError:  # the ledger's service is the normal path; the model is the contract
        customer_create = None
    if customer_create is not None:
        return customer_create(actor=actor, company=company, name=name, phones=[{"number": mobile}])
    code = f"KF{timezone.now():%y%m%d%H%M%S%f}"[:20]
    return create_instance(
        actor=actor,
        instance=Customer(
            company=company,
            code=code,
            name=name,
            mobile=mobile,
            created_by=actor if getattr(actor, "pk", None) else None,
        ),
        note=_("Quick registration at reception"),
    )


# --- receptions ----------------------------------------------------------------------------------------
def allowed_accepting_company_ids(project) -> set[int]:
    return {project.company_id} | set(
        AcceptanceShare.objects.filter(project=project).values_list("company_id", flat=True)
    )


def _next_code(prefix: str) -> str:
    """A provisional unique code; replaced by prefix + zero-padded id right after the insert."""
    import secrets

    return f"{prefix}{timezone.localtime():%y%m%d}-{secrets.token_hex(6).upper()}"


def _final_reception_code(reception) -> None:
    reception.code = f"JD{reception.pk:08d}"
    Reception.objects.filter(pk=reception.pk).update(code=reception.code)


@service
def reception_create(
    *,
    actor,
    company,
    room,
    content: str,
    channel: str,
    customer=None,
    caller_name: str = "",
    caller_phone: str = "",
    accepting_companies=None,
    received_at=None,
    attachments=(),
):
    content = (content or "").strip()
    if not content:
        raise ServiceValidationError({"content": _("Describe what the customer said.")})
    if customer is None and (caller_name or caller_phone):
        from anju.customers.models import Customer

        customer = Customer.objects.filter(
            company=company, name=caller_name.strip(), mobile=caller_phone.strip()
        ).first()
    if customer is None and (caller_name or caller_phone):
        customer = customer_quick_register(
            actor=actor, company=company, name=caller_name, mobile=caller_phone
        )
    allowed = allowed_accepting_company_ids(room.project)
    accepting = list(accepting_companies or []) or [c for c in [room.project.company] if c]
    bad = [c for c in accepting if c.pk not in allowed]
    if bad:
        raise ServiceValidationError(
            {
                "accepting_companies": _(
                    "%(company)s does not accept receptions for this project (受理职责共享)."
                )
                % {"company": bad[0]}
            }
        )
    files = list(attachments or [])
    kinds = [check_upload(f) for f in files]
    reception = Reception(
        company=company,
        code=_next_code("JD"),
        channel=channel,
        customer=customer,
        caller_name=caller_name or (customer.name if customer else ""),
        caller_phone=caller_phone or (getattr(customer, "mobile", "") if customer else ""),
        room=room,
        project=room.project,
        content=content,
        received_at=received_at or timezone.now(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    reception = create_instance(
        actor=actor,
        instance=reception,
        m2m={"accepting_companies": accepting},
        after_save=_final_reception_code,
    )
    counters.reception_changed(
        None,
        counters.reception_state(
            project_id=reception.project_id,
            status=reception.status,
            channel=reception.channel,
            created_by_id=reception.created_by_id,
            company_ids=[c.pk for c in accepting],
        ),
    )
    for f, kind in zip(files, kinds, strict=True):
        ReceptionAttachment.objects.create(
            reception=reception,
            file=f,
            name=f.name[:200],
            content_type=kind,
            size=f.size,
            uploaded_by=reception.created_by,
        )
    return reception


@service
def reception_update(*, actor, reception, data: dict, expected_version=None, attachments=()):
    """Change a reception and add `attachments` to it, all or nothing."""
    files = list(attachments or [])
    kinds = [check_upload(f) for f in files]
    allowed = {"channel", "content", "customer", "caller_name", "caller_phone", "received_at"}
    unknown = set(data) - allowed - {"accepting_companies"}
    if unknown:
        raise ServiceValidationError({k: _("This field cannot be changed.") for k in unknown})
    accepting = data.get("accepting_companies")
    if accepting is not None:
        allowed_ids = allowed_accepting_company_ids(reception.project)
        if any(c.pk not in allowed_ids for c in accepting) or not accepting:
            raise ServiceValidationError(
                {"accepting_companies": _("Choose companies that accept receptions for this project.")}
            )
    elif "accepting_companies" in data:
        del data["accepting_companies"]
    counted_before = counters.reception_state_of(reception.pk, lock=True)
    # update_instance logs the accepting companies before and after with the other fields.
    reception = update_instance(actor=actor, instance=reception, data=data, expected_version=expected_version)
    counters.reception_changed(counted_before, counters.reception_state_of(reception.pk))
    if files:
        _attach(actor=actor, reception=reception, files=files, kinds=kinds)
    return reception


def _attach(*, actor, reception, files, kinds) -> list:
    """Store uploaded files on a reception; the log row lists its attachments before and after."""

    def listing():
        return [
            f"{name} ({size} B)"
            for name, size in ReceptionAttachment.objects.filter(reception=reception)
            .order_by("pk")
            .values_list("name", "size")
        ]

    before = listing()
    rows = [
        ReceptionAttachment.objects.create(
            reception=reception,
            file=f,
            name=f.name[:200],
            content_type=kind,
            size=f.size,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        for f, kind in zip(files, kinds, strict=True)
    ]
    audit.log_action(
        actor=actor,
        action=LogAction.UPDATE,
        instance=reception,
        before={"attachments": before},
        after={"attachments": listing()},
        note=_("Attachment %(name)s added") % {"name": "、".join(row.name for row in rows)},
        company_id=reception.company_id,
    )
    return rows


@service
def reception_attach(*, actor, reception, file):
    kind = check_upload(file)
    return _attach(actor=actor, reception=reception, files=[file], kinds=[kind])[0]


# --- tasks ---------------------------------------------------------------------------------------------
def propose_responsible(*, problem, room, accepting_company) -> dict | None:
    """Duty first (contractor scope of the problem's category, then the problem's default
    department in the accepting company), then workload (the member with fewest open tasks)."""
    from anju.org.models import OrgUnit, User

    if problem is None:
        return None
    category = problem.part.category
    # One query (a project has a handful of scopes per category): the scope of the room's building
    # wins over a project-wide one, the oldest first.
    scopes = list(
        ContractorScope.objects.filter(
            project_id=room.project_id, category=category, contractor__is_active=True
        )
        .filter(Q(building__isnull=True) | Q(building_id=room.building_id))
        .select_related("contractor")
        .order_by("pk")
    )
    scope = next((s for s in scopes if room.building_id and s.building_id == room.building_id), None)
    scope = scope or next((s for s in scopes if s.building_id is None), None)
    if scope:
        return {"kind": ResponsibleKind.CONTRACTOR, "contractor": scope.contractor}
    if not problem.default_department_name:
        return None
    dept = (
        OrgUnit.objects.filter(
            company=accepting_company, kind="department", is_active=True, name=problem.default_department_name
        )
        .order_by("path")
        .first()
    )
    if dept is None:
        return None
    # Ids only (a department may have hundreds of members), then the one row of the chosen person.
    members = list(User.objects.filter(department=dept, is_active=True).values_list("pk", flat=True))
    if not members:
        return {"kind": ResponsibleKind.DEPARTMENT, "department": dept}
    load = dict(
        Task.objects.filter(responsible_user_id__in=members, status__in=OPEN_STATUSES)
        .values_list("responsible_user_id")
        .annotate(n=Count("pk"))
        .values_list("responsible_user_id", "n")
    )
    chosen = User.objects.get(pk=min(members, key=lambda pk: (load.get(pk, 0), pk)))
    chosen.department = dept  # the same row: spares the assignment check a query
    return {"kind": ResponsibleKind.PERSON, "user": chosen, "department": dept}


def _assignment_from(data: dict) -> dict | None:
    kind = data.get("responsible_kind")
    if not kind:
        return None
    return {
        "kind": kind,
        "user": data.get("responsible_user"),
        "department": data.get("responsible_department"),
        "contractor": data.get("responsible_contractor"),
    }


@service
def task_create(
    *,
    actor,
    room,
    task_type: str,
    accepting_company,
    acceptor,
    source: str = "daily",
    reception=None,
    problem=None,
    description: str = "",
    customer=None,
    consultant=None,
    topic=None,
    responsible_kind: str = "",
    responsible_user=None,
    responsible_department=None,
    responsible_contractor=None,
    auto_assign: bool | None = None,
    now=None,
):
    """The one way a task is born, whatever its source (daily complaint, mock inspection, delivery,
    repair order). Computes warranty and the answer/processing deadlines; assigns the responsible
    party by hand, by duty and workload, or leaves the task 待分配."""
    now = now or timezone.now()
    errors = {}
    if task_type not in TaskType.values:
        errors["task_type"] = _("Choose a task type.")
    if sources.find_source(source) is None:
        errors["source"] = _("Unknown task source.")
    if reception is not None and reception.status == "closed":
        errors["reception"] = _("This reception is closed.")
    if reception is not None and not reception.accepting_companies.filter(pk=accepting_company.pk).exists():
        errors["accepting_company"] = _(
            "The accepting company must be one of the reception's accepting companies."
        )
    if reception is not None and room.project_id != reception.project_id:
        errors["room"] = _("A task of a reception is in the reception's project.")
    if (
        reception is None
        and accepting_company.pk != room.project.company_id
        and accepting_company.pk not in allowed_accepting_company_ids(room.project)
    ):
        errors["accepting_company"] = _("This company does not accept tasks for this project.")
    if task_type in (TaskType.COMPLAINT, TaskType.REPAIR) and problem is None:
        errors["problem"] = _("Choose the problem from the standard library.")
    if errors:
        raise ServiceValidationError(errors)
    status, end = warranty.check(problem, room, on=timezone.localtime(now).date())
    task = Task(
        code=_next_code("RW"),
        source=source,
        reception=reception,
        task_type=task_type,
        problem=problem,
        description=(description or "").strip() or (reception.content if reception else ""),
        room=room,
        project=room.project,
        customer=customer or (reception.customer if reception else None),
        accepting_company=accepting_company,
        acceptor=acceptor,
        consultant=consultant,
        topic=topic,
        severity=problem.severity if problem else "normal",
        warranty_status=status,
        warranty_end=end,
        is_paid=task_type == TaskType.REPAIR and status == WarrantyStatus.OUT,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    with calendar.memoized():  # one read of the calendar and working hours for every deadline
        return _task_open(
            task,
            actor=actor,
            now=now,
            reception=reception,
            status=status,
            assignment=_assignment_from(
                {
                    "responsible_kind": responsible_kind,
                    "responsible_user": responsible_user,
                    "responsible_department": responsible_department,
                    "responsible_contractor": responsible_contractor,
                }
            ),
            auto_assign=auto_assign,
        )


def _task_open(task, *, actor, reception, status, now, assignment, auto_assign):
    from anju.system.parameters import get_parameter

    if assignment is None:
        if auto_assign is None:
            auto_assign = bool(get_parameter(task.accepting_company_id, "service.auto_assign"))
        if auto_assign:
            assignment = propose_responsible(
                problem=task.problem, room=task.room, accepting_company=task.accepting_company
            )
    with counters.collect():
        task = workflow.open_task(
            task, actor=actor, now=now, assignment=assignment, data={"warranty": status}
        )
        if assignment is None and reception is not None:
            daily.refresh_reception(reception.pk, actor=actor)
    return task


@service
def reception_decompose(*, actor, reception, tasks: list[dict]):
    """分解: one reception into one or more tasks (each a dict of task_create's arguments)."""
    if not tasks:
        raise ServiceValidationError({"tasks": _("Add at least one task.")})
    with counters.collect():
        return _decompose(actor=actor, reception=reception, tasks=tasks)


def _decompose(*, actor, reception, tasks):
    created = []
    for i, spec in enumerate(tasks):
        spec = dict(spec)
        try:
            created.append(
                task_create(
                    actor=actor,
                    reception=reception,
                    room=spec.pop("room", None) or reception.room,
                    source=DailySource.key,
                    **spec,
                )
            )
        except ServiceValidationError as exc:
            raise ServiceValidationError({f"tasks[{i}].{k}": v for k, v in exc.errors.items()}) from exc
    daily.refresh_reception(reception.pk, actor=actor)
    return created


def _supervisor_of(task):
    dept = task.acceptor.department if task.acceptor_id else None
    manager = getattr(dept, "manager", None) if dept else None
    if manager is None and task.responsible_department_id:
        manager = task.responsible_department.manager
    return manager


def notify_assigned(task):
    if task.responsible_user_id:
        notifications.notify(
            recipient=task.responsible_user, template="task_assigned", context={"task": task}, task=task
        )


@service
def task_transition(
    *,
    actor,
    task,
    action: str,
    note: str = "",
    expected_version=None,
    assignment=None,
    attachments=(),
    now=None,
):
    """Any action of the task's transition table; its source's `on_event` does the side effects
    (notifications, callback queue)."""
    files = list(attachments or [])
    kinds = [check_upload(f) for f in files]
    task, event = workflow.transition(
        actor=actor,
        task=task,
        action=action,
        note=note,
        expected_version=expected_version,
        assignment=assignment,
        now=now,
    )
    for f, kind in zip(files, kinds, strict=True):
        TaskAttachment.objects.create(
            task=task,
            event=event,
            file=f,
            name=f.name[:200],
            content_type=kind,
            size=f.size,
            uploaded_by=actor,
        )
    return task


def callback_sampled(task, percent: int, seed: str) -> bool:
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"{seed}:{task.pk}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def schedule_callback(task):
    """The task source's callback policy (daily complaints: complaints 100 %, repairs a 30 % sample,
    by parameters)."""
    from anju.system.parameters import get_parameter

    company = task.accepting_company_id
    if Callback.objects.filter(task=task, status=CallbackStatus.PENDING).exists():
        return None
    percent = sources.get_source(task.source).callback_percent(task)
    if not callback_sampled(task, percent, str(get_parameter(company, "service.callback.sample_seed"))):
        return None
    days = int(get_parameter(company, "service.callback.days"))
    callback = Callback.objects.create(
        task=task,
        project_id=task.project_id,
        due_at=(task.completed_at or timezone.now()) + datetime.timedelta(days=days),
    )
    workflow.add_event(
        task,
        "callback_queued",
        actor=None,
        data={"callback": callback.pk, "due": callback.due_at.isoformat()},
    )
    return callback


BAD_SATISFACTION = (Satisfaction.DISSATISFIED, Satisfaction.VERY_DISSATISFIED)


@service
def callback_record(
    *,
    actor,
    callback,
    method: str,
    person_reached: str,
    satisfaction: int,
    nps=None,
    comments: str = "",
    expected_version=None,
):
    """回访登记. A bad result (不满意/非常不满意) reopens the task and tells the supervisor; a good one
    closes a completed task."""
    errors = {}
    if satisfaction not in Satisfaction.values:
        errors["satisfaction"] = _("Choose a satisfaction level.")
    if nps is not None and not (0 <= int(nps) <= 10):
        errors["nps"] = _("NPS is a whole number from 0 to 10.")
    if not method:
        errors["method"] = _("Choose how the customer was reached.")
    if errors:
        raise ServiceValidationError(errors)
    current = aftercare.CALLBACKS.lock(callback)
    if expected_version is not None and current.version != expected_version:
        from anju.core.services import ConflictError

        raise ConflictError(_("This callback was recorded by someone else. Reload."))
    if current.status != CallbackStatus.PENDING:
        raise ServiceValidationError({"__all__": _("This callback is already done.")})
    before = audit.snapshot(current)
    current = aftercare.CALLBACKS.apply(
        current,
        "record",
        actor=actor,
        note=comments,
        changes={
            "method": method,
            "person_reached": person_reached,
            "satisfaction": satisfaction,
            "nps": nps,
            "comments": comments,
            "done_by": actor,
            "done_at": timezone.now(),
        },
    )
    audit.log_action(
        actor=actor,
        action=LogAction.UPDATE,
        instance=current,
        before=before,
        after=audit.snapshot(current),
        company_id=current.task.accepting_company_id,
    )
    task = current.task
    label = Satisfaction(satisfaction).label
    workflow.add_event(
        task,
        "callback",
        actor=actor,
        note=comments,
        data={"satisfaction": satisfaction, "nps": nps, "method": method},
    )
    if satisfaction in BAD_SATISFACTION:
        if task.status in (TaskStatus.COMPLETED, TaskStatus.CLOSED):
            task, _e = workflow.transition(
                actor=actor,
                task=task,
                action="reopen",
                note=_("Callback: %(level)s. %(comments)s") % {"level": label, "comments": comments},
                as_system=True,
            )  # the source's on_event tells the responsible person
        supervisor = _supervisor_of(task)
        notifications.notify(
            recipient=supervisor,
            template="callback_bad",
            context={"task": task, "satisfaction": label, "comments": comments},
            task=task,
        )
    elif task.status == TaskStatus.COMPLETED:
        workflow.transition(
            actor=actor,
            task=task,
            action="close",
            note=_("Callback: %(level)s") % {"level": label},
            as_system=True,
        )
    return current


@service
def callback_waive(*, actor, callback, note: str):
    if not (note or "").strip():
        raise ServiceValidationError({"note": _("Give a reason for this action.")})
    current = aftercare.CALLBACKS.lock(callback)
    if current.status != CallbackStatus.PENDING:
        raise ServiceValidationError({"__all__": _("This callback is already done.")})
    current = aftercare.CALLBACKS.apply(
        current,
        "waive",
        actor=actor,
        note=note,
        changes={"comments": note, "done_by": actor, "done_at": timezone.now()},
    )
    audit.log_action(
        actor=actor,
        action=LogAction.UPDATE,
        instance=current,
        note=note,
        company_id=current.task.accepting_company_id,
    )
    workflow.add_event(current.task, "callback_waived", actor=actor, note=note)
    return current


# --- compensation and topics ---------------------------------------------------------------------------
@service
def compensation_create(
    *, actor, task, kind: str, amount, payer: str, contractor=None, description: str = ""
):
    if payer == Payer.CONTRACTOR and contractor is None:
        contractor = task.responsible_contractor
        if contractor is None:
            raise ServiceValidationError({"contractor": _("Choose the contractor who pays.")})
    if payer == Payer.DEVELOPER:
        contractor = None
    elif contractor is not None and contractor != task.responsible_contractor:
        _check_bindings(actor, Compensation, {"contractor": contractor})
    row = Compensation(
        task=task,
        project_id=task.project_id,
        kind=kind,
        amount=amount,
        payer=payer,
        contractor=contractor,
        description=description,
        created_by=actor,
    )
    row = create_instance(actor=actor, instance=row)
    workflow.add_event(
        task,
        "compensation",
        actor=actor,
        note=description,
        data={"amount": str(amount), "kind": kind, "payer": payer},
    )
    return row


@service
def compensation_decide(*, actor, compensation, approve: bool, expected_version=None):
    current = aftercare.COMPENSATIONS.lock(compensation)
    if expected_version is not None and current.version != expected_version:
        from anju.core.services import ConflictError

        raise ConflictError(_("This compensation was changed by someone else. Reload."))
    if current.status != ApprovalStatus.PENDING:
        raise ServiceValidationError({"__all__": _("This compensation is already decided.")})
    current = aftercare.COMPENSATIONS.apply(
        current,
        "approve" if approve else "reject",
        actor=actor,
        changes={"approved_by": actor, "approved_at": timezone.now()},
    )
    audit.log_action(
        actor=actor,
        action=LogAction.APPROVE,
        instance=current,
        note=current.get_status_display(),
        company_id=current.task.accepting_company_id,
    )
    return current


@service
def task_link_topic(*, actor, task, topic):
    before = task.topic_id
    Task.objects.filter(pk=task.pk).update(topic=topic)
    task.topic = topic
    audit.log_action(
        actor=actor,
        action=LogAction.UPDATE,
        instance=task,
        before={"topic": before},
        after={"topic": getattr(topic, "pk", None)},
    )
    workflow.add_event(task, "topic", actor=actor, note=str(topic or ""))
    return task


@service
def delivery_retry(*, actor, delivery):
    """Send a failed e-mail/SMS delivery again (fresh attempts, after commit)."""
    if delivery.status != DeliveryStatus.FAILED:
        raise ServiceValidationError({"status": _("Only a failed delivery can be retried.")})
    if not notifications.retry([delivery.pk]):
        raise ConflictError(_("The delivery changed in the meantime; reload it."))
    audit.log_action(
        actor=actor,
        action=LogAction.OTHER,
        instance=delivery,
        before={"status": delivery.status, "attempts": delivery.attempts, "error": delivery.error},
        after={"status": DeliveryStatus.PENDING, "attempts": 0},
        note=_("Retry"),
    )
    delivery.refresh_from_db()
    return delivery


@service(audited=False)
def notification_mark_read(*, actor, notification):
    Notification.objects.filter(pk=notification.pk, recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@service
def attachment_rename_stored(*, actor=None) -> dict:
    """Give files stored under the uploader's name (before product-chosen names) a random name with the
    extension of the type their content says. A file whose content is not an accepted passive type
    keeps its name (the download view answers it as opaque bytes). Idempotent; returns the counts."""
    import re

    from anju.core.files import extension_for
    from anju.service.uploads import detect

    product_named = re.compile(r".*/\d{4}/\d{2}/[0-9a-f]{32}\.[a-z0-9]+")
    result = {"renamed": 0, "kept": 0}
    old_names = []
    for model in (ReceptionAttachment, TaskAttachment):
        field = model._meta.get_field("file")
        for row in model.objects.select_for_update().order_by("pk"):
            if not row.file or product_named.fullmatch(row.file.name):
                continue
            try:
                with row.file.open("rb") as fh:
                    kind, active = detect(fh)
                    if kind is None or active:
                        result["kept"] += 1
                        continue
                    row.content_type = kind
                    new_name = field.storage.save(field.upload_to(row, row.file.name), fh)
            except FileNotFoundError:
                result["kept"] += 1
                continue
            assert new_name.endswith("." + extension_for(kind))
            old_names.append((field.storage, row.file.name))
            model.objects.filter(pk=row.pk).update(file=new_name, content_type=kind)
            result["renamed"] += 1
    audit.log_action(
        actor=actor,
        action=LogAction.OTHER,
        model=ReceptionAttachment,
        object_repr=_("Stored attachment names"),
        note=_("Stored attachment files renamed: %(renamed)s renamed, %(kept)s kept") % result,
    )

    def remove_old():
        for storage, name in old_names:
            storage.delete(name)

    transaction.on_commit(remove_old)
    return result


@service
def counter_rebuild(*, actor=None):
    """Recount the workbench counters from the task and reception tables (after a bulk load or a
    repair). Returns the number of counter rows written."""
    result = counters.rebuild()
    audit.log_action(
        actor=actor,
        action=LogAction.OTHER,
        model=Task,
        object_repr=_("Workbench counters"),
        note=_("Workbench counters rebuilt: %(task_rows)s task rows, %(reception_rows)s reception rows")
        % result,
    )
    return result

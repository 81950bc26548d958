import datetime

import pytest

from anju.core.models import OperationLog
from anju.core.services import ConflictError, ServiceValidationError
from anju.core.testing import make_role, make_user
from anju.customers import selectors, services
from anju.customers.choices import CustomerState, RelationRole
from anju.customers.models import BankAccount, Customer, DuplicateLog, RoomCustomer, TransferLog
from anju.system.parameters import forget_parameters

D = datetime.date


def new(world, name="张三", **kw):
    kw.setdefault("phones", [{"number": "13800138000"}])
    return services.customer_create(actor=world.user_a, company=world.company_a, name=name, **kw)


def test_create_derives_gender_birthday_pinyin_and_primary_mobile(world, dictionaries):
    c = new(
        world, id_number="11010519491231002x", phones=[{"number": "0755-83283496"}, {"number": "13800138000"}]
    )
    assert c.id_number == "11010519491231002X"
    assert (c.gender, c.birthday) == ("female", D(1949, 12, 31))
    assert (c.name_initials, c.name_pinyin) == ("zs", "zhangsan")
    assert c.mobile == "13800138000"
    assert c.phones.get(is_primary=True).number == "13800138000"
    assert c.salesperson == world.user_a and c.code.startswith("KH")
    assert OperationLog.objects.filter(object_id=str(c.pk), action="create").exists()


def test_bad_id_is_refused_and_nothing_is_written(world, dictionaries):
    with pytest.raises(ServiceValidationError) as exc:
        new(world, id_number="110105194912310021")
    assert "id_number" in exc.value.errors
    assert not Customer.objects.exists()


def test_warnings_do_not_block(world, dictionaries):
    c = new(world, phones=[{"number": "17412345678"}])
    assert c.pk and c.warnings


def test_id_number_unique_within_company_only(world, dictionaries):
    new(world, id_number="440524188001010014")
    with pytest.raises(ServiceValidationError):
        new(world, name="李四", id_number="440524188001010014")
    other = services.customer_create(
        actor=world.user_b, company=world.company_b, name="李四", id_number="440524188001010014"
    )
    assert other.pk


def test_code_suffix_for_later_owner(world, dictionaries):
    new(world, code="JL-C3-0301")
    assert services.next_code(world.company_a.pk, "JL-C3-0301") == "JL-C3-0301-01"


def test_dictionary_values_are_checked(world, dictionaries):
    with pytest.raises(ServiceValidationError) as exc:
        new(world, marriage="complicated")
    assert "marriage" in exc.value.errors
    assert new(world, marriage="married", tags=["vip", "爱打球", "vip"]).tags == ["vip", "爱打球"]


def test_name_changes_only_by_rename(world, dictionaries):
    c = new(world)
    with pytest.raises(ServiceValidationError):
        services.customer_update(actor=world.user_a, customer=c, data={"name": "张叁"})


def test_optimistic_version(world, dictionaries):
    c = new(world)
    services.customer_update(actor=world.user_a, customer=c, data={"address": "深圳"}, expected_version=1)
    with pytest.raises(ConflictError):
        services.customer_update(actor=world.user_a, customer=c, data={"address": "上海"}, expected_version=1)


def test_exactly_one_primary_bank_account(world, dictionaries):
    c = new(world)
    a = services.child_save(
        actor=world.user_a,
        model=BankAccount,
        customer=c,
        data={"account_name": "张三", "bank_name": "招商银行", "account_number": "6225880112345678"},
    )
    b = services.child_save(
        actor=world.user_a,
        model=BankAccount,
        customer=c,
        data={
            "account_name": "张三",
            "bank_name": "工商银行",
            "account_number": "6222020212345678",
            "is_primary": True,
        },
    )
    assert a.is_primary and b.is_primary
    assert list(c.bank_accounts.filter(is_primary=True)) == [b]
    services.child_delete(actor=world.user_a, instance=b)
    assert list(c.bank_accounts.filter(is_primary=True).values_list("pk", flat=True)) == [a.pk]


def test_billing_party_is_resident_then_tenant_then_owner(world, dictionaries, estate):
    _p, (room, *_rest) = estate
    owner, tenant, resident = (
        new(world, "业主甲"),
        new(world, "租户乙", phones=[]),
        new(world, "住户丙", phones=[]),
    )
    assert selectors.billing_party(room) is None
    services.room_move_in(actor=world.user_a, room=room, customer=owner, date=D(2026, 1, 1), share=100)
    assert selectors.billing_party(room).customer == owner
    t = services.room_move_in(
        actor=world.user_a, room=room, customer=tenant, role=RelationRole.TENANT, date=D(2026, 2, 1)
    )
    assert selectors.billing_party(room).customer == tenant
    r = services.room_move_in(
        actor=world.user_a, room=room, customer=resident, role=RelationRole.RESIDENT, date=D(2026, 3, 1)
    )
    assert selectors.billing_party(room).customer == resident
    services.relation_end(actor=world.user_a, relation=r, date=D(2026, 4, 1))
    assert selectors.billing_party(room).customer == tenant
    services.relation_end(actor=world.user_a, relation=t, date=D(2026, 5, 1))
    assert selectors.billing_party(room).customer == owner
    # move-out keeps history
    assert RoomCustomer.objects.filter(room=room).count() == 3
    assert RoomCustomer.objects.get(pk=t.pk).end_reason == "move_out"
    with pytest.raises(ConflictError):
        services.relation_end(
            actor=world.user_a, relation=RoomCustomer.objects.get(pk=t.pk), date=D(2026, 6, 1)
        )


def test_owner_shares_cannot_exceed_100(world, dictionaries, estate):
    _p, (room, *_r) = estate
    services.room_move_in(
        actor=world.user_a, room=room, customer=new(world, "甲"), date=D(2026, 1, 1), share=60
    )
    with pytest.raises(ServiceValidationError):
        services.room_move_in(
            actor=world.user_a, room=room, customer=new(world, "乙", phones=[]), date=D(2026, 1, 1), share=50
        )


def test_ownership_transfer_ends_old_relations_and_keeps_history(world, dictionaries, estate):
    _p, (room, *_r) = estate
    old = new(world, "老业主")
    services.room_move_in(actor=world.user_a, room=room, customer=old, date=D(2025, 1, 1), share=100)
    buyer = new(world, "新业主", phones=[{"number": "13900139000"}])
    services.room_transfer_ownership(
        actor=world.user_a, room=room, new_owners=[(buyer, 100)], date=D(2026, 6, 30)
    )
    rels = RoomCustomer.objects.filter(room=room, role="owner").order_by("start_date")
    assert [(r.customer, r.end_date, r.end_reason) for r in rels] == [
        (old, D(2026, 6, 30), "transfer"),
        (buyer, None, ""),
    ]
    assert selectors.billing_party(room).customer == buyer
    with pytest.raises(ServiceValidationError):
        services.room_transfer_ownership(
            actor=world.user_a, room=room, new_owners=[(buyer, 100)], date=D(2026, 7, 1)
        )


def test_rename_request_needs_reason_and_approval(world, dictionaries):
    c = new(world)
    with pytest.raises(ServiceValidationError) as exc:
        services.rename_request_create(actor=world.user_a, customer=c, new_name="张叁", reason="")
    assert "reason" in exc.value.errors
    req = services.rename_request_create(actor=world.user_a, customer=c, new_name="张叁", reason="录入错误")
    c.refresh_from_db()
    assert c.name == "张三"
    clerk = make_user(world.dept_a, [make_role(world.company_a, points=["customers.customer.view"])])
    with pytest.raises(ServiceValidationError):
        services.rename_request_decide(actor=clerk, request=req, approve=True)
    services.rename_request_decide(actor=world.user_a, request=req, approve=True)
    c.refresh_from_db()
    assert c.name == "张叁" and c.name_initials == "zs"
    with pytest.raises(ConflictError):
        services.rename_request_decide(actor=world.user_a, request=req, approve=False)
    # One event row per status change, none for the refused attempts.
    assert [(e.action, e.from_status, e.to_status, e.actor) for e in req.events.all()] == [
        ("approve", "pending", "approved", world.user_a)
    ]
    other = services.rename_request_create(actor=world.user_a, customer=c, new_name="张三丰", reason="笔误")
    rejected = services.rename_request_decide(
        actor=world.user_a, request=other, approve=False, note="证件不符"
    )
    assert (rejected.status, rejected.decision_note, rejected.decided_by) == (
        "rejected",
        "证件不符",
        world.user_a,
    )
    event = other.events.get()
    assert (event.action, event.from_status, event.to_status, event.note) == (
        "reject",
        "pending",
        "rejected",
        "证件不符",
    )
    c.refresh_from_db()
    assert c.name == "张叁"


def test_direct_rename_needs_its_own_point(world, dictionaries):
    c = new(world)
    clerk = make_user(world.dept_a, [make_role(world.company_a, points=["customers.customer.change"])])
    with pytest.raises(ServiceValidationError):
        services.customer_rename(actor=clerk, customer=c, new_name="王五")
    services.customer_rename(actor=world.user_a, customer=c, new_name="王五")
    c.refresh_from_db()
    assert c.name == "王五"


@pytest.mark.parametrize("mode", ["name_phone", "name_id"])
def test_matching_wizard_in_both_modes(world, dictionaries, mode):
    from anju.system.models import Parameter

    Parameter.objects.create(company=world.company_a, key="customer.matching_mode", value=mode)
    a = new(world, phones=[{"number": "13800138000"}], id_number="11010519491231002X")
    new(world, phones=[{"number": "13900139000"}], id_number="440524188001010014")
    new(world, name="李四")
    key_a = "13800138000" if mode == "name_phone" else "11010519491231002X"
    entries = selectors.match_candidates(world.user_a, mode, "张三;王五", f"{key_a};13700137000")
    assert [e.name for e in entries] == ["张三", "王五"]
    assert len(entries[0].candidates) == 2 and entries[0].best == a.pk
    assert entries[1].candidates == [] and entries[1].best is None
    # registering a same-name customer that is not the match writes the duplicate log
    key = "13600136000"
    created = services.customer_register(
        actor=world.user_a,
        company=world.company_a,
        name="张三",
        mode="name_phone",
        key=key,
        candidates=[c["id"] for c in entries[0].candidates],
        chosen=None,
    )
    log = DuplicateLog.objects.get()
    assert log.created == created and log.chosen is None and len(log.candidates) == 2
    reused = services.customer_register(
        actor=world.user_a,
        company=world.company_a,
        name="张三",
        mode=mode,
        key=key_a,
        candidates=[a.pk],
        chosen=a,
    )
    assert reused == a and DuplicateLog.objects.count() == 2


def test_sharing_scope_company_hides_other_companies(world, dictionaries):
    from anju.system.models import Parameter

    services.customer_create(
        actor=world.user_b, company=world.company_b, name="张三", phones=[{"number": "13800138000"}]
    )
    assert (
        len(selectors.match_candidates(world.user_a, "name_phone", "张三", "13800138000")[0].candidates) == 1
    )
    Parameter.objects.create(company=world.company_a, key="customer.sharing_scope", value="company")
    forget_parameters()
    assert selectors.match_candidates(world.user_a, "name_phone", "张三", "13800138000")[0].candidates == []


def test_merge_moves_records_and_is_reversible(world, dictionaries, estate):
    _p, (room, *_r) = estate
    kept = new(world)
    dup = new(world, phones=[{"number": "13900139000"}], address="深圳南山")
    services.child_save(
        actor=world.user_a,
        model=BankAccount,
        customer=dup,
        data={"account_name": "张三", "bank_name": "招商银行", "account_number": "6225880112345678"},
    )
    rel = services.room_move_in(actor=world.user_a, room=room, customer=dup, date=D(2026, 1, 1))
    preview = services.merge_preview(kept, dup)
    assert preview["moves"]["room_relations"]["count"] == 1 and "address" in preview["fills"]
    log = services.customer_merge(actor=world.user_a, kept=kept, merged=dup)
    dup.refresh_from_db()
    assert dup.state == CustomerState.MERGED and dup.merged_into == kept
    assert RoomCustomer.objects.get(pk=rel.pk).customer == kept
    assert kept.phones.count() == 2 and kept.bank_accounts.get().is_primary
    services.merge_revert(actor=world.user_a, log=log)
    dup.refresh_from_db()
    assert dup.state == CustomerState.ACTIVE
    assert RoomCustomer.objects.get(pk=rel.pk).customer == dup
    assert kept.phones.count() == 1 and dup.bank_accounts.get().is_primary
    with pytest.raises(ConflictError):
        services.merge_revert(actor=world.user_a, log=log)


def test_transfer_writes_a_transfer_log(world, dictionaries):
    c = new(world)
    other = make_user(world.dept_a, [world.role_a])
    services.customer_transfer(actor=world.user_a, customers=[c], to_salesperson=other, reason="离职交接")
    c.refresh_from_db()
    assert c.salesperson == other
    log = TransferLog.objects.get()
    assert (log.from_salesperson, log.to_salesperson, log.reason) == (world.user_a, other, "离职交接")


def test_batch_edit_of_state_and_tags(world, dictionaries):
    a, b = new(world), new(world, "李四", tags=["vip"])
    n = services.customers_batch_update(
        actor=world.user_a, customers=[a, b], state="disabled", add_tags=["elderly"], remove_tags=["vip"]
    )
    assert n == 2
    b.refresh_from_db()
    assert b.state == "disabled" and b.tags == ["elderly"]


def test_rooms_with_customers_hook(world, dictionaries, estate):
    _p, rooms = estate
    services.room_move_in(actor=world.user_a, room=rooms[0], customer=new(world), date=D(2026, 1, 1))
    from anju.estates.hooks import rooms_with_customers

    assert rooms_with_customers([r.pk for r in rooms]) == {rooms[0].pk}


def test_relations_follow_a_room_merge_as_the_user_decides(world, dictionaries, estate):
    _p, (a, _b, c) = estate
    owner = new(world)
    rel = services.room_move_in(actor=world.user_a, room=a, customer=owner, date=D(2026, 1, 1), share=100)
    moved = services.relations_move_to_room(actor=world.user_a, relations=[rel], room=c, date=D(2026, 5, 1))
    assert [(m.room, m.customer, m.share) for m in moved] == [(c, owner, 100)]
    old = RoomCustomer.objects.get(pk=rel.pk)
    assert (old.end_date, old.end_reason) == (D(2026, 5, 1), "correction")


def test_operation_log_never_holds_full_personal_data(world, dictionaries):
    c = new(world, id_number="11010519491231002X")
    services.child_save(
        actor=world.user_a,
        model=BankAccount,
        customer=c,
        data={"account_name": "张三", "bank_name": "招商银行", "account_number": "6225880112345678"},
    )
    services.customer_update(
        actor=world.user_a,
        customer=c,
        data={"id_number": "440524188001010014"},
        phones=[{"number": "13900139000"}],
    )
    text = str(list(OperationLog.objects.values_list("before", "after", "note")))
    for secret in (
        "11010519491231002X",
        "X20013219491050110",
        "6225880112345678",
        "13800138000",
        "13900139000",
        "440524188001010014",
    ):
        assert secret not in text

"""Writes of the customer ledger: customers and their child records, rooms, renames, merges, transfers.

Every function is a `@service`: one transaction, one or more operation-log rows. Validation findings
that must not block (unknown ID address code, unknown mobile prefix) are returned on the saved object
as `warnings` (a list of translated strings) for the API and the admin to show.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.choices import LogAction
from anju.core.crud import create_instance, delete_instance, lock, update_instance
from anju.core.masking import mask_phone
from anju.core.services import ConflictError, ServiceValidationError, service
from anju.customers import importer, keys, workflow
from anju.customers.choices import CustomerState, EndReason, PhoneKind, RelationRole
from anju.customers.models import (
    BankAccount,
    Contact,
    Customer,
    CustomerLink,
    CustomerPhone,
    DuplicateLog,
    FamilyMember,
    MergeLog,
    RenameRequest,
    RoomCustomer,
    TransferLog,
    Vehicle,
)
from anju.customers.selectors import current_relations
from anju.customers.validators import parse_id_number, parse_phone, validate_plate
from anju.estates.choices import ShareAccess
from anju.estates.models import ProjectShare, Room
from anju.estates.services import room_set_status
from anju.org.access import has_point, subtree_ids
from anju.org.models import OrgUnit
from anju.system.models import Dictionary, DictionaryItem

RESIDENT_ID = "id_card"  # the built-in dictionary id_type's resident ID card
RESIDENT_ID_TYPES = {"id_card", "resident_id", "identity_card", "sfz", "01"}
DICTIONARY_FIELDS = {
    "id_type": "id_type",
    "marriage": "marriage",
    "income_level": "income_level",
    "family_structure": "family_structure",
    "customer_kind": "customer_kind",
}
PROTECTED_FIELDS = {
    "company",
    "name",
    "state",
    "merged_into",
    "name_initials",
    "name_pinyin",
    "id_number_rev",
}


# --- validation helpers ---------------------------------------------------------------------
def dictionary_codes(dictionary: str) -> set[str] | None:
    """Enabled item codes of a dictionary; None when the dictionary does not exist (not validated)."""

    if not Dictionary.objects.filter(code=dictionary).exists():
        return None
    return set(
        DictionaryItem.objects.filter(dictionary__code=dictionary, is_enabled=True).values_list(
            "code", flat=True
        )
    )


def _check_dictionary(errors: dict, field: str, dictionary: str, value: str) -> None:
    if not value:
        return
    codes = dictionary_codes(dictionary)
    if codes is not None and value not in codes:
        errors[field] = _("“%(value)s” is not an item of the list “%(dictionary)s”.") % {
            "value": value,
            "dictionary": dictionary,
        }


def is_resident_id(id_type: str) -> bool:
    return (id_type or RESIDENT_ID) in RESIDENT_ID_TYPES


def clean_id(id_type: str, id_number: str, errors: dict, warnings: list, field="id_number"):
    """Normalised ID number (and the parsed resident ID, if it is one)."""
    id_number = (id_number or "").strip().upper()
    if not id_number:
        return "", None
    if not is_resident_id(id_type):
        return id_number, None
    try:
        parsed = parse_id_number(id_number)
    except ValidationError as exc:
        errors[field] = exc.messages
        return id_number, None
    warnings.extend(str(w) for w in parsed.warnings)
    return parsed.number, parsed


def clean_phone(number: str, errors: dict, warnings: list, field: str):
    try:
        phone = parse_phone(number)
    except ValidationError as exc:
        errors[field] = exc.messages
        return None
    warnings.extend(str(w) for w in phone.warnings)
    return phone


def clean_tags(tags) -> list[str]:
    result = []
    for tag in tags or []:
        tag = str(tag).strip()
        if not tag:
            continue
        if len(tag) > 30:
            raise ServiceValidationError({"tags": _("A tag has at most 30 characters.")})
        if tag not in result:
            result.append(tag)
    return result


def _raise(errors: dict) -> None:
    if errors:
        raise ServiceValidationError(errors)


def _check_id_unique(company_id, id_type, id_number, exclude_pk=None) -> None:
    if not id_number:
        return
    qs = Customer.objects.filter(company_id=company_id, id_type=id_type, id_number=id_number).exclude(
        state=CustomerState.MERGED
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    other = qs.first()
    if other is not None:
        raise ServiceValidationError(
            {
                "id_number": _("This ID number is already registered for customer %(code)s %(name)s.")
                % {"code": other.code, "name": other.name}
            }
        )


def next_code(company_id: int, base: str) -> str:
    """`base` if free, else base-01, base-02… (002 §1.1.1: a later owner of a room gets -01)."""
    base = (base or "").strip()
    if not base:
        base = "KH" + timezone.localdate().strftime("%Y%m%d")
        taken = set(
            Customer.objects.filter(company_id=company_id, code__startswith=base).values_list(
                "code", flat=True
            )
        )
        n = len(taken) + 1
        while f"{base}{n:04d}" in taken:
            n += 1
        return f"{base}{n:04d}"
    taken = set(
        Customer.objects.filter(company_id=company_id, code__startswith=base).values_list("code", flat=True)
    )
    if base not in taken:
        return base
    n = 1
    while f"{base}-{n:02d}" in taken:
        n += 1
    return f"{base}-{n:02d}"


def _search_keys(name: str, id_number: str) -> dict:
    initials, full = keys.pinyin_keys(name)
    return {"name_initials": initials, "name_pinyin": full, "id_number_rev": keys.reverse(id_number)}


def _clean_customer_fields(company_id, data: dict, errors: dict, warnings: list, exclude_pk=None) -> dict:
    data = dict(data)
    for field, dictionary in DICTIONARY_FIELDS.items():
        if field in data and field != "id_type":
            _check_dictionary(errors, field, dictionary, data[field])
    if "id_type" in data and data["id_type"] and not is_resident_id(data["id_type"]):
        _check_dictionary(errors, "id_type", "id_type", data["id_type"])
    if "tags" in data:
        data["tags"] = clean_tags(data["tags"])
    if "id_number" in data:
        number, parsed = clean_id(data.get("id_type", RESIDENT_ID), data["id_number"], errors, warnings)
        data["id_number"] = number
        if parsed is not None:
            if not data.get("gender"):
                data["gender"] = parsed.gender
            if not data.get("birthday"):
                data["birthday"] = parsed.birth_date
            elif data["birthday"] != parsed.birth_date:
                warnings.append(_("The birthday differs from the birth date in the ID number."))
    if data.get("mobile"):
        phone = clean_phone(data["mobile"], errors, warnings, "mobile")
        if phone is not None:
            data["mobile"] = phone.number
            if phone.kind != "mobile":
                errors["mobile"] = _("This is not a mobile number; enter it as a phone.")
    return data


def _set_phones(customer: Customer, phones, errors: dict, warnings: list) -> list[CustomerPhone]:
    """Validate a list of {kind, number} and return unsaved rows (the first mobile becomes primary)."""
    rows: list[CustomerPhone] = []
    seen = set()
    for i, entry in enumerate(phones or []):
        if isinstance(entry, str):
            entry = {"number": entry}
        number = (entry.get("number") or "").strip()
        if not number:
            continue
        phone = clean_phone(number, errors, warnings, f"phones.{i}")
        if phone is None or phone.digits in seen:
            continue
        seen.add(phone.digits)
        kind = entry.get("kind") or (PhoneKind.MOBILE if phone.kind == "mobile" else PhoneKind.HOME)
        if kind not in PhoneKind.values:
            errors[f"phones.{i}"] = _("Unknown phone type.")
            continue
        rows.append(
            CustomerPhone(
                customer=customer,
                kind=kind,
                number=phone.number,
                digits=phone.digits,
                digits_rev=keys.reverse(phone.digits),
                remarks=(entry.get("remarks") or "")[:100],
            )
        )
    mobiles = [r for r in rows if r.kind == PhoneKind.MOBILE]
    if mobiles:
        mobiles[0].is_primary = True
    elif rows:
        rows[0].is_primary = True
    return rows


def _sync_primary_mobile(customer: Customer) -> None:
    first = customer.phones.filter(kind=PhoneKind.MOBILE).order_by("-is_primary", "id").first()
    mobile = first.number if first else ""
    if customer.mobile != mobile:
        Customer.objects.filter(pk=customer.pk).update(mobile=mobile)
        customer.mobile = mobile


# --- customers ------------------------------------------------------------------------------
@service
def customer_create(*, actor, company, name: str, code: str = "", phones=(), **fields) -> Customer:
    """Register a customer. `phones` is a list of {kind, number}; `mobile` may be given alone too."""
    errors: dict = {}
    warnings: list = []
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Enter the customer's name.")
    fields.setdefault("id_type", RESIDENT_ID)
    fields = _clean_customer_fields(company.pk, fields, errors, warnings)
    mobile = fields.pop("mobile", "")
    phones = list(phones or [])
    if mobile and not any((p.get("number") if isinstance(p, dict) else p) == mobile for p in phones):
        phones.insert(0, {"kind": PhoneKind.MOBILE, "number": mobile})
    customer = Customer(company=company, name=name, code=(code or "").strip(), **fields)
    phone_rows = _set_phones(customer, phones, errors, warnings)
    _raise(errors)
    if not customer.code:
        customer.code = next_code(company.pk, "")
    elif Customer.objects.filter(company=company, code=customer.code).exists():
        raise ServiceValidationError(
            {
                "code": _("The customer code %(code)s is already used in this company.")
                % {"code": customer.code}
            }
        )
    _check_id_unique(company.pk, customer.id_type, customer.id_number)
    for attr, value in _search_keys(name, customer.id_number).items():
        setattr(customer, attr, value)
    customer.mobile = next((p.number for p in phone_rows if p.kind == PhoneKind.MOBILE), "")
    if actor is not None and getattr(actor, "is_authenticated", False):
        customer.created_by = actor
        customer.updated_by = actor
        if customer.salesperson_id is None and "salesperson" not in fields:
            customer.salesperson = actor
    create_instance(actor=actor, instance=customer)
    for row in phone_rows:
        row.customer = customer
    CustomerPhone.objects.bulk_create(phone_rows)
    customer.warnings = warnings
    return customer


@service
def customer_update(
    *, actor, customer: Customer, data: dict, phones=None, expected_version: int | None = None
) -> Customer:
    """Change a customer's data. The name changes only by rename (request or direct rename)."""
    data = dict(data)
    data.pop("version", None)
    blocked = PROTECTED_FIELDS & set(data)
    if "name" in blocked and data["name"] == customer.name:
        data.pop("name")
        blocked.discard("name")
    if blocked:
        field = sorted(blocked)[0]
        message = (
            _("The name is changed with a rename request.")
            if field == "name"
            else _("This field cannot be changed here.")
        )
        raise ServiceValidationError({field: message})
    errors: dict = {}
    warnings: list = []
    id_type = data.get("id_type", customer.id_type)
    if "id_type" in data and "id_number" not in data:
        data["id_number"] = customer.id_number
    if "id_number" in data:
        data["id_type"] = id_type
        if "gender" not in data:
            data["gender"] = customer.gender
        if "birthday" not in data:
            data["birthday"] = customer.birthday
    data = _clean_customer_fields(customer.company_id, data, errors, warnings, exclude_pk=customer.pk)
    phone_rows = None
    if phones is not None:
        phone_rows = _set_phones(customer, phones, errors, warnings)
    _raise(errors)
    if (
        "code" in data
        and data["code"] != customer.code
        and (
            Customer.objects.filter(company_id=customer.company_id, code=data["code"])
            .exclude(pk=customer.pk)
            .exists()
        )
    ):
        raise ServiceValidationError(
            {
                "code": _("The customer code %(code)s is already used in this company.")
                % {"code": data["code"]}
            }
        )
    if "id_number" in data:
        _check_id_unique(customer.company_id, id_type, data["id_number"], exclude_pk=customer.pk)
        data["id_number_rev"] = keys.reverse(data["id_number"])
    if actor is not None and getattr(actor, "is_authenticated", False):
        data["updated_by"] = actor
    result = update_instance(actor=actor, instance=customer, data=data, expected_version=expected_version)
    if phone_rows is not None:
        before = list(result.phones.values_list("number", flat=True))
        result.phones.all().delete()
        CustomerPhone.objects.bulk_create(phone_rows)
        _sync_primary_mobile(result)
        after = [p.number for p in phone_rows]
        if before != after:
            audit.log_action(
                actor=actor,
                action=LogAction.UPDATE,
                instance=result,
                before={"phones": [keys_mask(n) for n in before]},
                after={"phones": [keys_mask(n) for n in after]},
                note=_("phone numbers"),
            )
    result.warnings = warnings
    return result


def keys_mask(number: str) -> str:
    return mask_phone(number)


@service
def customer_delete(*, actor, customer: Customer) -> None:
    if customer.room_relations.exists():
        raise ServiceValidationError(
            _("%(name)s is bound to rooms; end the room relations or disable the customer instead.")
            % {"name": customer.name}
        )
    delete_instance(actor=actor, instance=customer)


@service
def customer_set_state(*, actor, customer: Customer, state: str) -> Customer:
    if state not in (CustomerState.ACTIVE, CustomerState.DISABLED):
        raise ServiceValidationError({"state": _("Choose active or disabled.")})
    if customer.state == CustomerState.MERGED:
        raise ServiceValidationError({"state": _("A merged customer cannot be changed; revert the merge.")})
    return update_instance(actor=actor, instance=customer, data={"state": state})


@service
def customer_rename(*, actor, customer: Customer, new_name: str, reason: str = "") -> Customer:
    """Direct rename (needs "customers.customer.rename"); the usual way is a rename request."""
    if actor is not None and not has_point(actor, "customers.customer.rename"):
        raise ServiceValidationError(
            {"name": _("You may not rename customers directly; file a rename request.")}
        )
    return _apply_rename(actor=actor, customer=customer, new_name=new_name, note=reason)


def _apply_rename(*, actor, customer: Customer, new_name: str, note: str) -> Customer:
    new_name = (new_name or "").strip()
    if not new_name:
        raise ServiceValidationError({"new_name": _("Enter the new name.")})
    initials, full = keys.pinyin_keys(new_name)
    return update_instance(
        actor=actor,
        instance=customer,
        data={"name": new_name, "name_initials": initials, "name_pinyin": full},
        note=_("renamed: %(note)s") % {"note": note} if note else _("renamed"),
    )


@service
def customer_reveal(*, actor, customer: Customer, reason: str) -> dict:
    """Unmasked sensitive data of one customer, for a user holding view_sensitive; logged (PIPL)."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceValidationError({"reason": _("Give the reason for viewing the unmasked data.")})
    if not has_point(actor, "customers.customer.view_sensitive"):
        raise ServiceValidationError(_("You may not view unmasked personal data."))
    data = {
        "id_number": customer.id_number,
        "mobile": customer.mobile,
        "phones": [{"id": p.pk, "kind": p.kind, "number": p.number} for p in customer.phones.all()],
        "bank_accounts": [
            {"id": b.pk, "account_number": b.account_number} for b in customer.bank_accounts.all()
        ],
        "family": [{"id": f.pk, "mobile": f.mobile, "id_number": f.id_number} for f in customer.family.all()],
    }
    audit.log_action(actor=actor, action=LogAction.VIEW_SENSITIVE, instance=customer, note=reason[:1000])
    return data


@service
def customer_log_export(*, actor, count: int, note: str = "") -> None:
    """Record an export of customer rows (PIPL Art. 55)."""
    audit.log_action(
        actor=actor,
        action=LogAction.EXPORT,
        model=Customer,
        object_repr=str(Customer._meta.verbose_name_plural),
        note=(_("%(count)s rows exported") % {"count": count}) + (f"; {note}" if note else ""),
    )


@service
def customers_batch_update(*, actor, customers, state: str | None = None, add_tags=(), remove_tags=()) -> int:
    """批量修改: state and tags of many customers at once (each change logged)."""
    add_tags, remove_tags = clean_tags(add_tags), set(clean_tags(remove_tags))
    if state is not None and state not in (CustomerState.ACTIVE, CustomerState.DISABLED):
        raise ServiceValidationError({"state": _("Choose active or disabled.")})
    count = 0
    for customer in customers:
        if customer.state == CustomerState.MERGED:
            continue
        data = {}
        if state is not None and customer.state != state:
            data["state"] = state
        tags = [t for t in customer.tags if t not in remove_tags]
        tags += [t for t in add_tags if t not in tags]
        if tags != customer.tags:
            data["tags"] = tags
        if data:
            update_instance(actor=actor, instance=customer, data=data, note=_("batch edit"))
            count += 1
    if not count:
        audit.log_action(
            actor=actor, action=LogAction.OTHER, model=Customer, note=_("batch edit: nothing changed")
        )
    return count


# --- child records ----------------------------------------------------------------------------
def _validate_child(
    model, customer: Customer, data: dict, errors: dict, warnings: list, instance=None
) -> dict:
    data = dict(data)
    if model is FamilyMember:
        if "relationship" in data:
            _check_dictionary(errors, "relationship", "relationship", data["relationship"])
        if data.get("mobile"):
            phone = clean_phone(data["mobile"], errors, warnings, "mobile")
            if phone:
                data["mobile"] = phone.number
        if data.get("id_number"):
            number, parsed = clean_id(RESIDENT_ID, data["id_number"], errors, warnings)
            data["id_number"] = number
            if parsed is not None:
                data.setdefault("gender", parsed.gender)
                if not data.get("gender"):
                    data["gender"] = parsed.gender
                if not data.get("birthday"):
                    data["birthday"] = parsed.birth_date
    elif model is Contact:
        if data.get("phone"):
            phone = clean_phone(data["phone"], errors, warnings, "phone")
            if phone:
                data["phone"] = phone.number
    elif model is BankAccount:
        if "account_number" in data:
            number = "".join(str(data["account_number"]).split())
            if not number.isdigit() or not 8 <= len(number) <= 30:
                errors["account_number"] = _("A bank account number has 8 to 30 digits.")
            data["account_number"] = number
    elif model is Vehicle:
        if "plate_number" in data:
            try:
                data["plate_number"] = validate_plate(data["plate_number"])
            except ValidationError as exc:
                errors["plate_number"] = exc.messages
        if "vehicle_type" in data:
            _check_dictionary(errors, "vehicle_type", "vehicle_type", data["vehicle_type"])
        room = data.get("room")
        if (
            room is not None
            and room.project.company_id != customer.company_id
            and not RoomCustomer.objects.filter(room=room, customer=customer).exists()
        ):
            errors["room"] = _("Choose a room of this customer's company.")
    elif model is CustomerPhone:
        phone = clean_phone(
            data.get("number", instance.number if instance else ""), errors, warnings, "number"
        )
        if phone:
            data["number"] = phone.number
            data["digits"] = phone.digits
            data["digits_rev"] = keys.reverse(phone.digits)
    return data


CHILD_MODELS = {m.__name__.lower(): m for m in (CustomerPhone, Contact, FamilyMember, BankAccount, Vehicle)}


@service
def child_save(*, actor, model, customer: Customer, data: dict, instance=None, expected_version=None):
    """Create or change a contact, family member, bank account, vehicle or phone of `customer`."""
    if model not in CHILD_MODELS.values():
        raise TypeError(model)
    if customer.state == CustomerState.MERGED:
        raise ServiceValidationError(_("This customer was merged into another one."))
    errors: dict = {}
    warnings: list = []
    data = {k: v for k, v in data.items() if k not in ("customer", "id", "version")}
    data = _validate_child(model, customer, data, errors, warnings, instance)
    _raise(errors)
    primary_model = model in (BankAccount, CustomerPhone)
    if primary_model and data.get("is_primary"):
        model.objects.filter(customer=customer, is_primary=True).exclude(
            pk=getattr(instance, "pk", None)
        ).update(is_primary=False)
    if instance is None:
        obj = model(customer=customer, **data)
        if primary_model and not model.objects.filter(customer=customer, is_primary=True).exists():
            obj.is_primary = True
        create_instance(actor=actor, instance=obj)
    else:
        obj = update_instance(actor=actor, instance=instance, data=data, expected_version=expected_version)
        if primary_model and not model.objects.filter(customer=customer, is_primary=True).exists():
            model.objects.filter(pk=obj.pk).update(is_primary=True)
            obj.is_primary = True
    if model is CustomerPhone:
        _sync_primary_mobile(customer)
    Customer.objects.filter(pk=customer.pk).update(updated_at=timezone.now())
    obj.warnings = warnings
    return obj


@service
def child_delete(*, actor, instance) -> None:
    model = type(instance)
    customer = instance.customer
    was_primary = getattr(instance, "is_primary", False)
    delete_instance(actor=actor, instance=instance)
    if was_primary:
        nxt = model.objects.filter(customer=customer).order_by("id").first()
        if nxt is not None:
            model.objects.filter(pk=nxt.pk).update(is_primary=True)
    if model is CustomerPhone:
        _sync_primary_mobile(customer)


@service
def customer_link(*, actor, customer: Customer, other: Customer, note: str = "") -> CustomerLink:
    if customer.pk == other.pk:
        raise ServiceValidationError({"other": _("A customer cannot be related to itself.")})
    link, _created = CustomerLink.objects.get_or_create(
        customer=customer, other=other, defaults={"note": note}
    )
    CustomerLink.objects.get_or_create(customer=other, other=customer, defaults={"note": note})
    audit.log_action(
        actor=actor,
        action=LogAction.UPDATE,
        instance=customer,
        note=_("related to %(other)s") % {"other": other},
    )
    return link


# --- rooms ----------------------------------------------------------------------------------------
def _room_status(actor, room, status: str, note: str) -> None:
    """Set the room's occupancy state through the estates context (no-op when it is already so)."""

    room.refresh_from_db(fields=["status"])
    if room.status == status:
        return
    try:
        room_set_status(actor=actor, room=room, status=status, note=note)
    except ServiceValidationError as exc:
        raise ServiceValidationError({"room": list(exc.errors.get("status", [])) or [str(exc)]}) from exc


def _occupancy_status(room) -> str:
    """The occupancy state the room's relations of today imply (never a sales state): a tenant → rented,
    a resident → occupied, else an owner who moved in → occupied, else vacant."""

    current = list(current_relations(room).values_list("role", "is_move_in"))
    roles = {role for role, _moved in current}
    if RelationRole.TENANT in roles:
        return "rented"
    if RelationRole.RESIDENT in roles:
        return "occupied"
    if any(role == RelationRole.OWNER and moved for role, moved in current):
        return "occupied"
    return "vacant"


def _lock_room(room):
    """Serialise the relation writes of one room (share sums, duplicate current relations)."""

    Room.objects.select_for_update().only("pk").get(pk=room.pk)


def _check_dates(start, end=None) -> None:
    if start is None:
        raise ServiceValidationError({"start_date": _("Enter the date.")})
    if end is not None and end < start:
        raise ServiceValidationError({"end_date": _("The end date cannot be before the start date.")})


def _check_owner_share(room, share, exclude_ids=()) -> Decimal | None:
    if share is None:
        return None
    share = Decimal(share)
    if not Decimal(0) < share <= Decimal(100):
        raise ServiceValidationError({"share": _("A share is between 0 and 100.")})
    taken = (
        RoomCustomer.objects.filter(room=room, role=RelationRole.OWNER, end_date__isnull=True)
        .exclude(pk__in=exclude_ids)
        .aggregate(total=Sum("share"))["total"]
        or 0
    )
    if taken + share > 100:
        raise ServiceValidationError(
            {
                "share": _(
                    "The owners' shares of this room would add up to more than 100%% (%(taken)s%% taken)."
                )
                % {"taken": taken}
            }
        )
    return share


def _relation_snapshot(rel: RoomCustomer) -> dict:
    return audit.snapshot(rel)


@service
def room_move_in(
    *,
    actor,
    room,
    customer: Customer,
    role: str = RelationRole.OWNER,
    date: datetime.date,
    share=None,
    keys_handed_over: str = "",
    documents_handed_over: str = "",
    remarks: str = "",
    set_status: bool = True,
) -> RoomCustomer:
    """入伙登记 (owners) / 迁入 (tenants, residents): bind a customer to a room from `date`."""
    if role not in RelationRole.values:
        raise ServiceValidationError({"role": _("Choose owner, tenant or resident.")})
    if customer.state != CustomerState.ACTIVE:
        raise ServiceValidationError({"customer": _("Only active customers can be bound to rooms.")})
    if not _companies_related(room.project.company_id, customer.company_id) and not _shared_for_write(
        room.project_id, customer.company_id
    ):
        raise ServiceValidationError(
            {"customer": _("The customer belongs to another company than the room.")}
        )
    _check_dates(date)
    _lock_room(room)
    if RoomCustomer.objects.filter(room=room, customer=customer, role=role, end_date__isnull=True).exists():
        raise ServiceValidationError(
            {
                "customer": _("%(name)s is already a current %(role)s of room %(room)s.")
                % {"name": customer.name, "role": RelationRole(role).label, "room": room.code}
            }
        )
    if role == RelationRole.OWNER:
        share = _check_owner_share(room, share)
    elif share is not None:
        raise ServiceValidationError({"share": _("Only owners hold a share.")})
    relation = RoomCustomer(
        room=room,
        customer=customer,
        role=role,
        share=share,
        start_date=date,
        is_move_in=True,
        keys_handed_over=keys_handed_over,
        documents_handed_over=documents_handed_over,
        remarks=remarks,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    relation.full_clean()
    relation.save()
    audit.log_action(
        actor=actor,
        action=LogAction.CREATE,
        instance=relation,
        after=_relation_snapshot(relation),
        company_id=customer.company_id,
        note=_("move-in"),
    )
    if set_status and date <= timezone.localdate():  # a future move-in leaves the room as it is today
        target = {
            RelationRole.OWNER: "occupied",
            RelationRole.TENANT: "rented",
            RelationRole.RESIDENT: "occupied",
        }[role]
        _room_status(actor, room, target, _("move-in of %(name)s") % {"name": customer.name})
    return relation


def _company_tree(company_id) -> frozenset[int]:
    return subtree_ids(company_id)


def _companies_related(company_id, other_id) -> bool:
    """One company is the other or lies in its subtree (either way round)."""
    return company_id in _company_tree(other_id) or other_id in _company_tree(company_id)


def _shared_for_write(project_id, company_id) -> bool:
    """The project is shared read/write with `company_id` or a company related to it (see
    `_companies_related`): the property firm registering move-ins in a developer's project."""

    shared = ProjectShare.objects.filter(project_id=project_id, access=ShareAccess.WRITE).values_list(
        "company_id", flat=True
    )
    return any(_companies_related(shared_id, company_id) for shared_id in shared)


def _check_salesperson(customer: Customer, user) -> None:
    """The salesperson works in the customer's company tree (their department's company is the
    customer's company, above or below it)."""

    company_id = (
        OrgUnit.objects.filter(pk=user.department_id).values_list("company_id", flat=True).first()
        if user.department_id
        else None
    )
    if company_id is None or not _companies_related(company_id, customer.company_id):
        raise ServiceValidationError(
            {
                "to_salesperson": _("%(user)s is not a member of the company of customer %(name)s.")
                % {"user": user, "name": customer.name}
            }
        )


@service
def relation_end(
    *, actor, relation: RoomCustomer, date: datetime.date, reason: str = EndReason.MOVE_OUT, remarks: str = ""
) -> RoomCustomer:
    """迁出: end a relation on `date`; the row stays as history."""
    current = lock(RoomCustomer, relation.pk)
    if current.end_date is not None:
        raise ConflictError(_("This relation already ended on %(date)s.") % {"date": current.end_date})
    _check_dates(current.start_date, date)
    before = _relation_snapshot(current)
    current.end_date = date
    current.end_reason = reason
    if remarks:
        current.remarks = (f"{current.remarks}; {remarks}" if current.remarks else remarks)[:300]
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    audit.log_action(
        actor=actor,
        action=LogAction.UPDATE,
        instance=current,
        before=before,
        after=_relation_snapshot(current),
        company_id=current.customer.company_id,
        note=EndReason(reason).label,
    )
    if reason == EndReason.MOVE_OUT:
        _room_status(
            actor,
            current.room,
            _occupancy_status(current.room),
            _("move-out of %(name)s") % {"name": current.customer.name},
        )
    relation.__dict__.update(current.__dict__)
    return current


@service
def room_transfer_ownership(
    *, actor, room, new_owners, date: datetime.date, remarks: str = ""
) -> list[RoomCustomer]:
    """过户: the new owners replace the current ones from `date`; old relations end, history stays.

    `new_owners` is a list of (customer, share or None)."""
    new_owners = list(new_owners)
    if not new_owners:
        raise ServiceValidationError({"new_owners": _("Choose the new owner.")})
    shares = [s for _c, s in new_owners if s is not None]
    if shares and sum(Decimal(s) for s in shares) > 100:
        raise ServiceValidationError({"share": _("The new owners' shares add up to more than 100 %.")})
    _lock_room(room)
    old = list(
        RoomCustomer.objects.select_for_update().filter(
            room=room, role=RelationRole.OWNER, end_date__isnull=True
        )
    )
    new_ids = {c.pk for c, _s in new_owners}
    if old and {r.customer_id for r in old} == new_ids:
        raise ServiceValidationError({"new_owners": _("The new owners are the current owners.")})
    for rel in old:
        if rel.start_date > date:
            raise ServiceValidationError(
                {
                    "date": _("The transfer date is before the current owner's start date %(date)s.")
                    % {"date": rel.start_date}
                }
            )
        relation_end(actor=actor, relation=rel, date=date, reason=EndReason.TRANSFER, remarks=remarks)
    created = [
        room_move_in(
            actor=actor,
            room=room,
            customer=customer,
            role=RelationRole.OWNER,
            date=date,
            share=share,
            remarks=remarks,
            set_status=False,
        )
        for customer, share in new_owners
    ]
    audit.log_action(
        actor=actor,
        action=LogAction.OTHER,
        instance=room,
        company_id=new_owners[0][0].company_id,
        before={"owners": [r.customer.name for r in old]},
        after={"owners": [c.name for c, _s in new_owners]},
        note=_("ownership transfer") + (f": {remarks}" if remarks else ""),
    )
    return created


# --- rename requests ---------------------------------------------------------------------------
@service
def rename_request_create(*, actor, customer: Customer, new_name: str, reason: str) -> RenameRequest:
    errors = {}
    new_name = (new_name or "").strip()
    reason = (reason or "").strip()
    if not new_name:
        errors["new_name"] = _("Enter the new name.")
    elif new_name == customer.name:
        errors["new_name"] = _("The new name is the current name.")
    if not reason:
        errors["reason"] = _("A rename request needs a reason.")
    _raise(errors)
    if RenameRequest.objects.filter(customer=customer, status="pending").exists():
        raise ServiceValidationError(_("This customer already has a rename request awaiting approval."))
    request = RenameRequest(
        customer=customer,
        old_name=customer.name,
        new_name=new_name,
        reason=reason,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return create_instance(actor=actor, instance=request)


@service
def rename_request_decide(*, actor, request: RenameRequest, approve: bool, note: str = "") -> RenameRequest:
    """A manager (customers.customer.approve) approves or rejects; approval renames the customer."""

    if actor is not None and not has_point(actor, "customers.customer.approve"):
        raise ServiceValidationError(_("Only a manager may approve rename requests."))
    request = workflow.decide_rename(actor=actor, request=request, approve=approve, note=note)
    if approve:
        customer = Customer.objects.get(pk=request.customer_id)
        _apply_rename(actor=actor, customer=customer, new_name=request.new_name, note=request.reason)
    return request


# --- wizard, duplicates, merge -------------------------------------------------------------------
@service
def customer_register(
    *,
    actor,
    company,
    name: str,
    mode: str,
    key: str = "",
    candidates=(),
    chosen: Customer | None = None,
    data: dict | None = None,
) -> Customer:
    """Step 3 of the new-customer wizard. `candidates` are the same-name customers shown in step 2
    (ids); any makes this a same-name registration, recorded in the duplicate log. Choosing a customer
    of the same company reuses it; one of another company is copied into this company."""
    data = dict(data or {})
    reused = chosen is not None and chosen.company_id == company.pk
    if reused:
        customer = chosen
        customer.warnings = []
    else:
        if chosen is not None:
            for field in (
                "kind",
                "gender",
                "birthday",
                "address",
                "id_type",
                "id_number",
                "email",
                "workplace",
            ):
                if not data.get(field) and getattr(chosen, field):
                    data[field] = getattr(chosen, field)
            if not data.get("phones"):
                data["phones"] = [{"kind": p.kind, "number": p.number} for p in chosen.phones.all()]
        if key and mode == "name_phone" and not data.get("phones") and not data.get("mobile"):
            data["phones"] = [{"number": key}]
        if key and mode == "name_id" and not data.get("id_number"):
            data["id_number"] = key
        phones = data.pop("phones", ())
        code = data.pop("code", "")
        if not phones and not data.get("mobile"):
            raise ServiceValidationError(
                {"phones": _("Enter at least one phone number (mobile, home, office or fax).")}
            )
        customer = customer_create(actor=actor, company=company, name=name, code=code, phones=phones, **data)
    if candidates:
        DuplicateLog.objects.create(
            company=company,
            name=name,
            mode=mode,
            entered_key=key[:60],
            candidates=[int(c) for c in candidates],
            chosen=chosen,
            created=None if reused else customer,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.log_action(
            actor=actor,
            action=LogAction.OTHER,
            instance=customer,
            note=_("same-name registration (%(count)s existing)") % {"count": len(candidates)},
        )
    elif reused:
        audit.log_action(
            actor=actor, action=LogAction.OTHER, instance=customer, note=_("existing customer chosen")
        )
    return customer


MERGE_RELATED = (
    ("phones", CustomerPhone),
    ("contacts", Contact),
    ("family", FamilyMember),
    ("bank_accounts", BankAccount),
    ("vehicles", Vehicle),
    ("room_relations", RoomCustomer),
    ("rename_requests", RenameRequest),
    ("transfers", TransferLog),
)


def merge_preview(kept: Customer, merged: Customer) -> dict:
    """What moves from `merged` to `kept` (counts and labels) and which fields are filled in."""
    moves = {}
    for name, model in MERGE_RELATED:
        rows = model.objects.filter(customer=merged)
        moves[name] = {
            "label": str(model._meta.verbose_name_plural),
            "count": rows.count(),
            "items": [str(r) for r in rows[:20]],
        }
    fills = {
        f: getattr(merged, f)
        for f in ("gender", "birthday", "address", "email", "workplace", "id_number")
        if not getattr(kept, f) and getattr(merged, f)
    }
    return {"moves": moves, "fills": sorted(fills)}


@service
def customer_merge(*, actor, kept: Customer, merged: Customer) -> MergeLog:
    if kept.pk == merged.pk:
        raise ServiceValidationError({"merged": _("Choose two different customers.")})
    if kept.company_id != merged.company_id:
        raise ServiceValidationError({"merged": _("Only customers of the same company can be merged.")})
    kept, merged = lock(Customer, kept.pk), lock(Customer, merged.pk)
    if CustomerState.MERGED in (kept.state, merged.state):
        raise ServiceValidationError({"merged": _("One of the customers was already merged.")})
    moved: dict = {}
    for name, model in MERGE_RELATED:
        ids = list(model.objects.filter(customer=merged).values_list("pk", flat=True))
        moved[name] = ids
    primaries = list(
        BankAccount.objects.filter(customer=merged, is_primary=True).values_list("pk", flat=True)
    )
    phone_primaries = list(
        CustomerPhone.objects.filter(customer=merged, is_primary=True).values_list("pk", flat=True)
    )
    moved["bank_primary"] = primaries
    moved["phone_primary"] = phone_primaries
    fills = {}
    for field in ("gender", "birthday", "address", "email", "workplace"):
        if not getattr(kept, field) and getattr(merged, field):
            fills[field] = getattr(merged, field)
    moved["filled"] = sorted(fills)
    snapshot = audit.snapshot(merged)
    snapshot["_raw"] = {"id_number": merged.id_number, "mobile": merged.mobile, "state": merged.state}
    BankAccount.objects.filter(customer=merged).update(is_primary=False)
    CustomerPhone.objects.filter(customer=merged).update(is_primary=False)
    for name, model in MERGE_RELATED:
        model.objects.filter(pk__in=moved[name]).update(customer=kept)
    if fills:
        Customer.objects.filter(pk=kept.pk).update(**fills)
    if not BankAccount.objects.filter(customer=kept, is_primary=True).exists() and primaries:
        BankAccount.objects.filter(pk=primaries[0]).update(is_primary=True)
    if not CustomerPhone.objects.filter(customer=kept, is_primary=True).exists() and phone_primaries:
        CustomerPhone.objects.filter(pk=phone_primaries[0]).update(is_primary=True)
    _sync_primary_mobile(kept)
    Customer.objects.filter(pk=merged.pk).update(
        state=CustomerState.MERGED, merged_into=kept, version=F("version") + 1
    )
    log = MergeLog.objects.create(
        company_id=kept.company_id,
        kept=kept,
        merged=merged,
        moved=dict(moved.items()),
        merged_snapshot={"fills": list(fills), "state": merged.state},
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.log_action(
        actor=actor,
        action=LogAction.OTHER,
        instance=kept,
        before={"merged": snapshot.get("code")},
        after={"moved": {k: len(v) for k, v in moved.items() if isinstance(v, list)}},
        note=_("merged %(other)s into this customer") % {"other": f"{merged.code} {merged.name}"},
    )
    return log


@service
def merge_revert(*, actor, log: MergeLog) -> MergeLog:
    """Undo a merge from its log: the moved records return, the merged customer is active again."""
    log = MergeLog.objects.select_for_update().get(pk=log.pk)
    if log.reverted_at is not None:
        raise ConflictError(_("This merge was already reverted."))
    merged = lock(Customer, log.merged_id)
    kept = lock(Customer, log.kept_id)
    moved = log.moved
    for name, model in MERGE_RELATED:
        model.objects.filter(pk__in=moved.get(name, []), customer=kept).update(customer=merged)
    BankAccount.objects.filter(pk__in=moved.get("bank_primary", [])).update(is_primary=True)
    CustomerPhone.objects.filter(pk__in=moved.get("phone_primary", [])).update(is_primary=True)
    for model in (BankAccount, CustomerPhone):
        if not model.objects.filter(customer=kept, is_primary=True).exists():
            first = model.objects.filter(customer=kept).order_by("id").first()
            if first:
                model.objects.filter(pk=first.pk).update(is_primary=True)
    Customer.objects.filter(pk=merged.pk).update(
        state=log.merged_snapshot.get("state", CustomerState.ACTIVE),
        merged_into=None,
        version=F("version") + 1,
    )
    _sync_primary_mobile(kept)
    _sync_primary_mobile(merged)
    log.reverted_at = timezone.now()
    log.reverted_by = actor if getattr(actor, "is_authenticated", False) else None
    log.save(update_fields=["reverted_at", "reverted_by"])
    audit.log_action(
        actor=actor,
        action=LogAction.OTHER,
        instance=kept,
        note=_("merge with %(other)s reverted") % {"other": f"{merged.code} {merged.name}"},
    )
    return log


# --- transfer ---------------------------------------------------------------------------------
@service
def customer_transfer(
    *, actor, customers, to_salesperson=None, to_project=None, reason: str = ""
) -> list[TransferLog]:
    """客户转移: hand customers to another salesperson and/or project; a transfer log row each."""
    if to_salesperson is None and to_project is None:
        raise ServiceValidationError({"to_salesperson": _("Choose the new salesperson or project.")})
    logs = []
    for customer in customers:
        data = {}
        if to_salesperson is not None and customer.salesperson_id != to_salesperson.pk:
            _check_salesperson(customer, to_salesperson)
            data["salesperson"] = to_salesperson
        if to_project is not None and customer.project_id != to_project.pk:
            if to_project.company_id not in _company_tree(customer.company_id):
                raise ServiceValidationError({"to_project": _("The project belongs to another company.")})
            data["project"] = to_project
        if not data:
            continue
        log = TransferLog(
            customer=customer,
            from_salesperson_id=customer.salesperson_id,
            to_salesperson=data.get("salesperson", customer.salesperson),
            from_project_id=customer.project_id,
            to_project=data.get("project", customer.project),
            reason=reason[:300],
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
        update_instance(
            actor=actor, instance=customer, data=data, note=_("transfer: %(reason)s") % {"reason": reason}
        )
        log.save()
        logs.append(log)
    if not logs:
        raise ServiceValidationError({"to_salesperson": _("The chosen customers already belong there.")})
    return logs


# --- import ----------------------------------------------------------------------------------------
@service
def customers_import(
    *, actor, company, rows, valid_only: bool = False, dry_run: bool = True, max_results: int = 1000
) -> dict:
    """Import customers (and phones and room relations) from parsed rows. Every row is checked first;
    nothing is written on a preview, nor when a row fails unless `valid_only` is chosen."""

    ctx = importer.build_context(actor, company)
    clean_rows: list[tuple] = []
    results: list[dict] = []
    total = failed = 0
    for number, row in enumerate(rows, start=2):  # row 1 is the heading
        total += 1
        clean, errors, warnings = importer.validate_row(ctx, row)
        if clean is None:
            failed += 1
        else:
            clean_rows.append(clean)
        if (errors or warnings) and len(results) < max_results:
            results.append(
                {
                    "row": number,
                    "status": "error" if errors else "warning",
                    "errors": [str(e) for e in errors],
                    "warnings": [str(w) for w in warnings],
                }
            )
    written = 0
    if not dry_run and clean_rows and (valid_only or not failed):
        written = importer.write_rows(actor, company, clean_rows)
    audit.log_action(
        actor=actor,
        action=LogAction.IMPORT,
        model=Customer,
        company_id=company.pk,
        object_repr=str(Customer._meta.verbose_name_plural),
        note=_("%(total)s rows read, %(valid)s valid, %(written)s written%(preview)s")
        % {
            "total": total,
            "valid": len(clean_rows),
            "written": written,
            "preview": _(" (preview)") if dry_run else "",
        },
    )
    return {"total": total, "valid": len(clean_rows), "written": written, "rows": results}


@service
def customer_log_sensitive_view(*, actor, customers, note: str = "") -> None:
    """A holder of view_sensitive received unmasked data (API list or detail): log who saw whom."""
    customers = list(customers)
    if not customers:
        audit.log_action(actor=actor, action=LogAction.VIEW_SENSITIVE, model=Customer, note=note or "-")
        return
    if len(customers) == 1:
        audit.log_action(actor=actor, action=LogAction.VIEW_SENSITIVE, instance=customers[0], note=note)
        return
    audit.log_action(
        actor=actor,
        action=LogAction.VIEW_SENSITIVE,
        model=Customer,
        object_repr=str(Customer._meta.verbose_name_plural),
        company_id=customers[0].company_id,
        note=(note + " " if note else "") + ",".join(str(c.pk) for c in customers)[:900],
    )


@service
def relations_move_to_room(
    *, actor, relations, room, date: datetime.date, note: str = ""
) -> list[RoomCustomer]:
    """Room split or merge on the grid: the chosen current relations end on `date` (reason
    "corrected") and start again on `room` with the same role and share; history stays on both."""
    moved = []
    _lock_room(room)
    for relation in relations:
        current = RoomCustomer.objects.get(pk=relation.pk)
        if current.end_date is not None:
            raise ServiceValidationError({"relations": _("Only current relations can be moved.")})
        if current.room_id == room.pk:
            continue
        relation_end(actor=actor, relation=current, date=date, reason=EndReason.CORRECTION, remarks=note)
        new = RoomCustomer(
            room=room,
            customer=current.customer,
            role=current.role,
            share=current.share,
            start_date=date,
            is_move_in=current.is_move_in,
            keys_handed_over=current.keys_handed_over,
            documents_handed_over=current.documents_handed_over,
            remarks=(note or _("moved from room %(room)s") % {"room": current.room.code})[:300],
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        new.full_clean()
        new.save()
        audit.log_action(
            actor=actor,
            action=LogAction.CREATE,
            instance=new,
            after=_relation_snapshot(new),
            company_id=current.customer.company_id,
            note=_("moved from room %(room)s") % {"room": current.room.code},
        )
        moved.append(new)
    if not moved:
        audit.log_action(actor=actor, action=LogAction.OTHER, instance=room, note=_("no relations moved"))
    return moved

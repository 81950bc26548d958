"""Reads of the customer ledger beyond `scoped(user, Model)`: billing party, duplicate matching,
omni search, the 360° timeline."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from anju.core import registry
from anju.core.masking import mask_id_number, mask_phone
from anju.core.models import OperationLog
from anju.customers import keys
from anju.customers.choices import CustomerState, RelationRole
from anju.customers.models import (
    BankAccount,
    Contact,
    Customer,
    CustomerPhone,
    FamilyMember,
    RenameRequest,
    RoomCustomer,
    Vehicle,
)
from anju.estates.models import Room
from anju.org.access import ancestor_ids, current_company_id, has_point, scoped, subtree_ids
from anju.org.models import OrgUnit
from anju.system.parameters import get_parameter

BILLING_ORDER = (RelationRole.RESIDENT, RelationRole.TENANT, RelationRole.OWNER)


def rooms_with_customers(room_ids: list[int]) -> set[int]:
    """Estates hook: rooms with a current customer relation may not be merged, split or deleted."""
    return set(
        RoomCustomer.objects.filter(room_id__in=room_ids, end_date__isnull=True).values_list(
            "room_id", flat=True
        )
    )


def current_q(day: datetime.date | None = None) -> Q:
    """Relations in force on `day` (today): started on or before it and not yet ended (a relation ended
    on D is no longer in force on D: the successor of an ownership transfer starts that day)."""
    day = day or timezone.localdate()
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gt=day))


def current_relations(room) -> QuerySet[RoomCustomer]:
    return RoomCustomer.objects.filter(current_q(), room=room).select_related("customer")


def billing_party(room) -> RoomCustomer | None:
    """002 §1.4: the fee bill goes to the resident, else the tenant, else the owner."""
    return _pick_billing_party(list(current_relations(room).order_by("start_date", "id")))


def billing_parties(room_ids) -> dict[int, RoomCustomer]:
    """`billing_party` of many rooms in one query: room id → relation (rooms without one are absent)."""
    by_room: dict[int, list[RoomCustomer]] = {}
    relations = (
        RoomCustomer.objects.filter(current_q(), room_id__in=list(room_ids))
        .select_related("customer")
        .order_by("start_date", "id")
    )
    for rel in relations:
        by_room.setdefault(rel.room_id, []).append(rel)
    return {room_id: party for room_id, rels in by_room.items() if (party := _pick_billing_party(rels))}


def _pick_billing_party(relations: list[RoomCustomer]) -> RoomCustomer | None:
    for role in BILLING_ORDER:
        for rel in relations:
            if rel.role == role:
                return rel
    return None


def tag_q(tag: str) -> Q:
    """Customers carrying `tag` (JSON list; matches both plain and \\u-escaped storage)."""
    import json

    return Q(tags__icontains=json.dumps(tag, ensure_ascii=False)) | Q(tags__icontains=json.dumps(tag))


def can_see_sensitive(user) -> bool:
    return has_point(user, "customers.customer.view_sensitive")


def visible_customers(user) -> QuerySet[Customer]:
    return scoped(user, Customer).exclude(state=CustomerState.MERGED)


# --- duplicate matching (new-customer wizard, 000 §3.4.1) ---------------------------------------
def sharing_company_ids(company_id: int) -> frozenset[int]:
    """The companies whose customers are offered for reuse: the whole group, or the own company."""

    if get_parameter(company_id, "customer.sharing_scope") == "company":
        return subtree_ids(company_id)
    chain = ancestor_ids(company_id)
    groups = list(OrgUnit.objects.filter(pk__in=chain, kind="group").values_list("pk", flat=True))
    root = groups[0] if groups else (chain[0] if chain else company_id)
    return subtree_ids(root)


@dataclass
class MatchEntry:
    name: str
    key: str
    candidates: list[dict] = field(default_factory=list)
    best: int | None = None  # preselected candidate id; None = "none of these"


def split_entries(names: str, keys_text: str) -> list[tuple[str, str]]:
    """'张三;李四' + '138…;139…' → [(张三, 138…), (李四, 139…)]; full-width ； accepted too."""
    name_list = [n.strip() for n in re.split(r"[;；]", names or "")]
    key_list = [k.strip() for k in re.split(r"[;；]", keys_text or "")]
    result = []
    for i, name in enumerate(name_list):
        if name:
            result.append((name, key_list[i] if i < len(key_list) else ""))
    return result


def _similarity(entered: str, stored: str) -> int:
    """How well two numbers match: 100 equal, else the length of the common tail (×10, max 90)."""
    if not entered or not stored:
        return 0
    a, b = entered.upper(), stored.upper()
    if a == b:
        return 100
    common = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        common += 1
    return min(common * 10, 90) if common >= 4 else 0


def match_candidates(user, mode: str, names: str, keys_text: str) -> list[MatchEntry]:
    """Step 2 of the wizard: same-name customers within the sharing scope, best match preselected."""
    company_id = current_company_id(user)
    company_ids = sharing_company_ids(company_id) if company_id else frozenset()
    entries = []
    for name, key in split_entries(names, keys_text):
        entry = MatchEntry(name=name, key=key)
        digits = keys.digits_of(key) if mode == "name_phone" else key.strip().upper()
        same = (
            Customer.objects.filter(company_id__in=company_ids, name=name)
            .exclude(state=CustomerState.MERGED)
            .select_related("company")
            .prefetch_related("phones")[:50]
        )
        best_score = 0
        for c in same:
            phones = [p.number for p in c.phones.all()]
            if mode == "name_phone":
                score = max((_similarity(digits, keys.digits_of(p)) for p in phones), default=0)
                shown = " ".join(mask_phone(p) for p in phones)
            else:
                score = _similarity(digits, c.id_number)
                shown = mask_id_number(c.id_number)
            entry.candidates.append(
                {
                    "id": c.pk,
                    "code": c.code,
                    "name": c.name,
                    "company": c.company.name,
                    "same_company": c.company_id == company_id,
                    "contact": shown,
                    "score": score,
                }
            )
            if score > best_score:
                best_score, entry.best = score, c.pk
        entry.candidates.sort(key=lambda d: -d["score"])
        entries.append(entry)
    return entries


# --- omni search (全能搜索) ----------------------------------------------------------------------
_ID_TAIL = re.compile(r"^\d{3,17}[\dXx]$")
_ASCII_LETTERS = re.compile(r"^[A-Za-z]+$")


def _add(scores: dict, pk: int, score: int, why: str) -> None:
    if pk not in scores or scores[pk][0] < score:
        scores[pk] = (score, why)


def omni_search(user, query: str, limit: int = 20, kind: str | None = None) -> list[dict]:
    """One box: customers by name, pinyin initials, full pinyin, phone (prefix or tail), ID number tail,
    code; rooms by full code, code tail (C8-1-0801), number (0801) or building (C8); vehicles by plate;
    and every kind another context registers (`anju.core.registry.search_provider`: receptions, tasks).
    Data scope applied; best matches first; every result carries the link the user may follow."""
    results = [r for _kind, (_count, found) in _search(user, query, limit, only=kind) for r in found]
    results.sort(key=lambda r: (-r["score"], r["type"], r["id"]))
    return results[:limit]


@dataclass
class SearchGroup:
    kind: str
    label: str
    count: int
    results: list[dict]

    @property
    def more(self) -> bool:
        return self.count > len(self.results)


def omni_search_groups(user, query: str, per_group: int = 5, kind: str | None = None) -> list[SearchGroup]:
    """The search page: results grouped by kind, groups with the best match first, each with its count
    (a "more" link lists up to 200 of one kind)."""
    labels = kind_labels()
    groups = [
        SearchGroup(
            kind=k,
            label=str(labels.get(k, k)),
            count=count,
            results=sorted(found, key=lambda r: (-r["score"], r["label"]))[:per_group],
        )
        for k, (count, found) in _search(user, query, per_group if kind is None else 200, only=kind)
        if found
    ]
    groups.sort(key=lambda g: -g.results[0]["score"])
    return groups


def kind_labels() -> dict:
    from django.utils.translation import gettext as _

    labels = {"customer": _("customers"), "room": _("rooms"), "vehicle": _("vehicles")}
    labels.update({p.kind: p.label for p in registry.search_providers})
    return labels


def _search(user, query: str, limit: int, only: str | None = None) -> list[tuple[str, tuple[int, list]]]:
    q = (query or "").strip()
    if not q:
        return []
    found: list[tuple[str, tuple[int, list]]] = []
    if only in (None, "customer", "vehicle"):
        customers, vehicles = _customer_results(user, q, limit)
        found += [("customer", customers), ("vehicle", vehicles)]
    if only in (None, "room"):
        found.append(("room", _room_results(user, q, limit)))
    for provider in registry.search_providers:
        if only in (None, provider.kind):
            found.append((provider.kind, provider.find(user, q, limit)))
    labels = why_labels()
    for _kind, (_count, results) in found:
        for r in results:
            r.setdefault("why_label", str(labels.get(r["why"], r["why"])))  # providers may name their own
    return [(k, v) for k, v in found if only is None or k == only]


def _customer_results(user, q: str, limit: int) -> tuple[tuple[int, list], tuple[int, list]]:
    customers = visible_customers(user)
    scores: dict[int, tuple[int, str]] = {}
    vehicle_results: list[dict] = []
    lower = q.lower()
    digits = keys.digits_of(q)
    is_digits = digits == q.replace("-", "").replace(" ", "") and len(digits) >= 3

    if keys.has_cjk(q):
        for pk in customers.filter(name=q).values_list("pk", flat=True)[:limit]:
            _add(scores, pk, 100, "name")
        for pk in customers.filter(name__startswith=q).values_list("pk", flat=True)[:limit]:
            _add(scores, pk, 85, "name")
        if len(scores) < limit:
            for pk in customers.filter(name__contains=q).values_list("pk", flat=True)[:limit]:
                _add(scores, pk, 60, "name")
    if _ASCII_LETTERS.match(q):
        for pk in customers.filter(name_initials=lower).values_list("pk", flat=True)[:limit]:
            _add(scores, pk, 95, "initials")
        for pk in customers.filter(name_initials__startswith=lower).values_list("pk", flat=True)[:limit]:
            _add(scores, pk, 75, "initials")
        if len(lower) >= 2:
            for pk in customers.filter(name_pinyin__startswith=lower).values_list("pk", flat=True)[:limit]:
                _add(scores, pk, 70 if len(lower) > 2 else 65, "pinyin")
    if is_digits:
        phones = scoped(user, CustomerPhone).exclude(customer__state=CustomerState.MERGED)
        for pk in phones.filter(digits=digits).values_list("customer_id", flat=True)[:limit]:
            _add(scores, pk, 98, "phone")
        if len(digits) >= 4:
            for pk in phones.filter(digits_rev__startswith=keys.reverse(digits)).values_list(
                "customer_id", flat=True
            )[:limit]:
                _add(scores, pk, 80, "phone")
            for pk in phones.filter(digits__startswith=digits).values_list("customer_id", flat=True)[:limit]:
                _add(scores, pk, 70, "phone")
    if _ID_TAIL.match(q) and len(q) >= 4:
        for pk in customers.filter(id_number_rev__startswith=keys.reverse(q.upper())).values_list(
            "pk", flat=True
        )[:limit]:
            _add(scores, pk, 90 if len(q) >= 15 else 78, "id_number")
    for pk in customers.filter(code__startswith=q).values_list("pk", flat=True)[:limit]:
        _add(scores, pk, 88 if not is_digits else 72, "code")
    plate = re.sub(r"[\s·\-.]", "", q).upper()
    if 2 <= len(plate) <= 10 and re.match(r"^[\u4e00-\u9fa5A-Z0-9]+$", plate) and not keys.has_cjk(plate[1:]):
        vehicles = scoped(user, Vehicle).exclude(customer__state=CustomerState.MERGED)
        for v in vehicles.filter(
            Q(plate_number__startswith=plate) | Q(plate_number__endswith=plate)
        ).select_related("customer")[:limit]:
            vehicle_results.append(
                {
                    "type": "vehicle",
                    "id": v.pk,
                    "label": v.plate_number,
                    "detail": v.customer.name,
                    "customer": v.customer_id,
                    "url": _customer_url(v.customer_id),
                    "score": 92 if v.plate_number == plate else 76,
                    "why": "plate",
                }
            )
            _add(scores, v.customer_id, 74, "plate")
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    by_id = {c.pk: c for c in Customer.objects.filter(pk__in=[pk for pk, _s in ranked])}
    results = []
    for pk, (score, why) in ranked:
        c = by_id.get(pk)
        if c is None:
            continue
        results.append(
            {
                "type": "customer",
                "id": c.pk,
                "label": c.name,
                "detail": f"{c.code} {mask_phone(c.mobile)}".strip(),  # unmasked only via reveal (logged)
                "customer": c.pk,
                "url": _customer_url(c.pk),
                "score": score,
                "why": why,
            }
        )
    return (len(scores), results), (len(vehicle_results), vehicle_results)


def _customer_url(pk: int) -> str:
    return reverse("customers:customer", args=[pk])


def why_labels() -> dict:
    from django.utils.translation import gettext as _

    return {
        "name": _("name"),
        "initials": _("pinyin initials"),
        "pinyin": _("pinyin"),
        "phone": _("phone"),
        "id_number": _("ID number"),
        "code": _("customer code"),
        "plate": _("plate number"),
        "room": _("room"),
        "room_tail": _("room code"),
        "room_number": _("room number"),
        "building": _("building"),
    }


def _room_results(user, q: str, limit: int) -> tuple[int, list[dict]]:
    """Rooms by what agents say: the full code (君林-C8-1-0801), its tail without the project prefix
    (C8-1-0801), the room number (0801) or the building code (C8). Exact first, then tails and
    numbers, then prefixes, then the building's rooms."""

    if len(q) < 2:
        return 0, []
    match = (
        Q(code__iexact=q)
        | Q(code__istartswith=q)
        | Q(code__iendswith=f"-{q}")
        | Q(number__iexact=q)
        | Q(building__code__iexact=q)
    )
    rooms = scoped(user, Room).filter(match)
    score = Case(
        When(code__iexact=q, then=Value(100)),
        When(code__iendswith=f"-{q}", then=Value(95)),
        When(number__iexact=q, then=Value(90)),
        When(code__istartswith=q, then=Value(82)),
        default=Value(70),  # a room of the building named
        output_field=IntegerField(),
    )
    count = rooms.count()
    found = list(
        rooms.annotate(match_score=score).select_related("project").order_by("-match_score", "code")[:limit]
    )
    parties = billing_parties(room.pk for room in found)
    may_view_rooms = has_point(user, "estates.room.view")
    out = []
    for room in found:
        party = parties.get(room.pk)
        if party:
            url = _customer_url(party.customer_id)
        elif may_view_rooms:
            url = reverse("admin:estates_room_change", args=[room.pk])
        else:
            url = None
        why = {100: "room", 95: "room_tail", 90: "room_number", 82: "room", 70: "building"}[room.match_score]
        out.append(
            {
                "type": "room",
                "id": room.pk,
                "label": room.code,
                "detail": f"{room.project.name} {party.customer.name if party else ''}".strip(),
                "customer": party.customer_id if party else None,
                "url": url,
                "score": room.match_score,
                "why": why,
            }
        )
    return count, out


# --- 360° page ----------------------------------------------------------------------------------
def timeline(customer: Customer, limit: int = 200) -> list:
    """交互明细: operation-log rows of the customer and of its records, newest first."""

    q = Q(content_type=ContentType.objects.get_for_model(Customer), object_id=str(customer.pk))
    for model, rel in (
        (CustomerPhone, "phones"),
        (Contact, "contacts"),
        (FamilyMember, "family"),
        (BankAccount, "bank_accounts"),
        (Vehicle, "vehicles"),
        (RoomCustomer, "room_relations"),
        (RenameRequest, "rename_requests"),
    ):
        ids = [str(pk) for pk in getattr(customer, rel).values_list("pk", flat=True)]
        if ids:
            q |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    return list(OperationLog.objects.filter(q).order_by("-at", "-id")[:limit])


def related_customers(customer: Customer) -> list[dict]:
    """Manual links, plus customers sharing a room (co-owners, tenants, residents), current or past."""
    result = {}
    for link in customer.links.select_related("other"):
        result[link.other_id] = {"customer": link.other, "why": link.note}
    room_ids = customer.room_relations.values_list("room_id", flat=True)
    for rel in (
        RoomCustomer.objects.filter(room_id__in=room_ids)
        .exclude(customer=customer)
        .select_related("customer", "room")
    ):
        result.setdefault(
            rel.customer_id, {"customer": rel.customer, "why": f"{rel.room.code} {rel.get_role_display()}"}
        )
    return list(result.values())

"""Masking of personal information (PIPL; GB/T 35273-2020): 110105********002X, 138****8000."""

import re

from anju.core.scoping import has_point


def mask_id_number(value: str) -> str:
    if not value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return value
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return value[: max(len(value) - 8, 2)] + "****" + value[-4:]


def mask_bank_account(value: str) -> str:
    if not value:
        return value
    return "*" * max(len(value) - 4, 0) + value[-4:]


def mask_value(kind: str, value: str) -> str:
    kind = kind.lower()
    if "mobile" in kind or "phone" in kind:
        return mask_phone(value)
    if "bank" in kind or "account" in kind:
        return mask_bank_account(value)
    return mask_id_number(value)


def mask_hidden(value: str) -> str:
    """A search helper column (reversed digits, a typed key): nothing of it is shown."""
    return "******" if value else value


# --- masking as a property of the field -------------------------------------------------------------
# A model declares its personal-data columns once, with how each is masked and which permission point
# reveals them:
#
#     sensitive_fields = {"caller_phone": "phone"}
#     sensitive_point = "customers.customer.view_sensitive"
#
# Every door that shows a row applies it: the API (every ModelSerializer, anju.core.api.fields), the
# staff lists and forms (AnjuModelAdmin), the Excel export (anju.core.admin.export_resource), the
# operation log's snapshots (anju.core.audit) and templates ({% sensitive obj "field" %}).

MASKS = {
    "phone": mask_phone,
    "id_number": mask_id_number,
    "bank_account": mask_bank_account,
    "hidden": mask_hidden,
}


def sensitive_fields(model) -> dict[str, str]:
    """Field name → mask kind of a model (or instance); {} when it declares none."""
    declared = getattr(model, "sensitive_fields", None) or {}
    if isinstance(declared, dict):
        return declared
    return {name: _guess_kind(name) for name in declared}


def _guess_kind(name: str) -> str:
    name = name.lower()
    if "mobile" in name or "phone" in name:
        return "phone"
    if "bank" in name or "account" in name:
        return "bank_account"
    return "id_number"


def reveal_point(model) -> str:
    """The permission point whose holders see `model`'s sensitive fields in clear."""
    point = getattr(model, "sensitive_point", None)
    if point:
        return point
    opts = model._meta
    return f"{opts.app_label}.{opts.model_name}.view_sensitive"


def can_reveal(user, model) -> bool:
    return bool(user) and has_point(user, reveal_point(model))


def mask_field(model, name: str, value):
    """`value` of `model.name` masked by the field's declared kind (unchanged if not sensitive)."""
    kind = sensitive_fields(model).get(name)
    if kind is None or not value:
        return value
    return MASKS[kind](str(value))


def shown(user, obj, name: str):
    """The value of `obj.name` as `user` may see it."""
    value = getattr(obj, name)
    return value if can_reveal(user, type(obj)) else mask_field(type(obj), name, value)

"""Masking of personal information (PIPL; GB/T 35273-2020): 110105********002X, 138****8000."""

import re


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

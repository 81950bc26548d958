"""Safe cell values for the Excel exports.

openpyxl refuses control characters (IllegalCharacterError) and writes any string that starts with
"=" as a formula; Excel also evaluates cells starting with "+", "-" or "@" typed by a user. Exports
carry customer-entered text, so every string goes through `safe_cell` (OWASP "CSV injection").
"""

from __future__ import annotations

import re

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if not isinstance(value, str):
        return value
    value = _ILLEGAL.sub("", value)
    if value.startswith(_FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def safe_row(values) -> list:
    return [safe_cell(v) for v in values]

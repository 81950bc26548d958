"""Parsing of ids and numbers typed into URLs and forms.

`str.isdigit()` is true for "²" or "١", which `int()` then refuses: a crafted query string would be a
500. These accept ASCII digits only."""

from __future__ import annotations


def is_digits(value) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit()


def int_or_none(value) -> int | None:
    return int(value) if is_digits(value) else None


# --- text typed into requests -----------------------------------------------------------------------
# A NUL character is never part of a name, a remark or a search: PostgreSQL cannot store it in text
# ("A string literal cannot contain NUL (0x00) characters": a 500), and it is how truncation attacks
# start. Every text input (query string, form and JSON bodies) refuses it with a 400 naming the field.

NUL = "\x00"
# JSON bodies: deeper nesting than any document of the API needs is refused before it can exhaust the
# recursion of the parser or of the code that walks the data.
MAX_JSON_DEPTH = 32


def nul_message():
    from django.utils.translation import gettext as _

    return _("Remove the NUL character (\\0) from this text.")


def querydict_field_with_nul(data) -> str | None:
    """The first key of a QueryDict (or any mapping of lists) whose name or a value holds a NUL."""
    for key in data:
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        if NUL in key or any(isinstance(v, str) and NUL in v for v in values):
            return key.replace(NUL, "")
    return None


def json_problem(data, max_depth: int = MAX_JSON_DEPTH) -> tuple[str, str] | None:
    """("nul", path) or ("depth", path) for the first string holding a NUL or container nested deeper
    than `max_depth`; None when the document is acceptable. Iterative: no recursion to exhaust."""
    stack = [(data, "", 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, str):
            if NUL in node:
                return "nul", path
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > max_depth:
            return "depth", path
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(key, str) and NUL in key:
                return "nul", path
            child = f"{path}.{key}" if path else str(key)
            stack.append((value, child, depth + 1))
    return None

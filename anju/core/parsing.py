"""Parsing of ids and numbers typed into URLs and forms.

`str.isdigit()` is true for "²" or "١", which `int()` then refuses: a crafted query string would be a
500. These accept ASCII digits only."""

from __future__ import annotations


def is_digits(value) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit()


def int_or_none(value) -> int | None:
    return int(value) if is_digits(value) else None

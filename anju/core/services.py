"""The service-layer contract.

Every write is a function `<entity>_<verb>(*, actor, ...)` decorated with `@service`: it runs in one
transaction and must leave an operation-log row (checked in tests, see `AUDIT_ENFORCED`). The
registry lets the test suite enumerate every write the product can do.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from anju.core import audit

SERVICES: dict[str, Callable] = {}
_audit_depth_counter: list[int] = [0]


def service(func: Callable | None = None, *, audited: bool = True):
    """Mark a function as a write service: atomic, registered, audited."""

    def wrap(f: Callable) -> Callable:
        name = f"{f.__module__}.{f.__name__}"

        @functools.wraps(f)
        def inner(*args, **kwargs):
            with transaction.atomic():
                before = audit.rows_written()
                result = f(*args, **kwargs)
                if audited and settings.TESTING and audit.rows_written() == before:
                    raise AssertionError(f"service {name} wrote no operation-log row")
                return result

        inner.service_name = name
        inner.audited = audited
        SERVICES[name] = inner
        return inner

    if func is not None:
        return wrap(func)
    return wrap


class ConflictError(Exception):
    """Raised when a row changed under the caller (optimistic lock or state already moved)."""


class ServiceValidationError(Exception):
    """Business-rule refusal; `errors` maps field names (or '__all__') to translated messages."""

    def __init__(self, errors: dict | str):
        if not isinstance(errors, dict):  # a message, also a lazy translation (gettext_lazy)
            errors = {"__all__": [errors]}
        self.errors = {k: v if isinstance(v, list) else [v] for k, v in errors.items()}
        super().__init__("; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in self.errors.items()))

    @property
    def message_dict(self):
        return self.errors

"""The service-layer contract, checked over every context: each public write function in a
`services.py` is a registered @service, and a service that writes no operation-log row fails."""

import importlib
import inspect

import pytest
from django.apps import apps

from anju.core import audit
from anju.core.services import SERVICES, service


def _service_modules():
    for config in apps.get_app_configs():
        if config.name.startswith("anju."):
            try:
                yield importlib.import_module(f"{config.name}.services")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.services":
                    raise


def test_every_public_write_function_is_a_registered_service():
    unregistered = []
    for module in _service_modules():
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if func.__module__ != module.__name__ or name.startswith("_"):
                continue
            params = inspect.signature(func).parameters
            takes_actor = "actor" in params and params["actor"].kind is inspect.Parameter.KEYWORD_ONLY
            if takes_actor and getattr(func, "service_name", None) not in SERVICES:
                unregistered.append(f"{module.__name__}.{name}")
    assert unregistered == []


# Services that write no operation-log row, each with the reason. Any other unaudited service fails.
UNAUDITED = {
    "anju.service.services.notification_mark_read": "a read receipt on the user's own inbox, not a business change",
}


def test_registry_lists_services_of_every_context_written_so_far():
    modules = {name.rsplit(".", 2)[0] for name in SERVICES}
    assert {"anju.org", "anju.system", "anju.estates", "anju.customers", "anju.service"} <= modules


def test_only_the_listed_services_skip_the_operation_log():
    unaudited = {name for name, func in SERVICES.items() if func.audited is not True}
    assert unaudited == set(UNAUDITED)


@pytest.mark.django_db
def test_a_service_that_writes_no_log_row_is_refused():
    @service
    def silent_write(*, actor):
        return "done"

    try:
        with pytest.raises(AssertionError, match="wrote no operation-log row"):
            silent_write(actor=None)
    finally:
        SERVICES.pop(silent_write.service_name, None)


@pytest.mark.django_db
def test_a_service_that_logs_passes_and_counts_rows():
    @service
    def logged_write(*, actor):
        audit.log_action(actor=actor, action="other", note="x", module="core")
        return "done"

    try:
        before = audit.rows_written()
        assert logged_write(actor=None) == "done"
        assert audit.rows_written() == before + 1
    finally:
        SERVICES.pop(logged_write.service_name, None)


def test_a_refusal_with_a_lazy_message_names_the_whole_form():
    """`ServiceValidationError(gettext_lazy(...))` is a refusal like a plain string (it was a 500:
    the lazy proxy was taken for a field dict)."""
    from django.utils.translation import gettext_lazy

    from anju.core.services import ServiceValidationError

    message = gettext_lazy("A registered compensation cannot be deleted; reject it instead.")
    exc = ServiceValidationError(message)
    assert exc.errors == {"__all__": [message]}
    assert str(exc) == f"__all__: {message}"

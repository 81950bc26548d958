import pytest
from django.test import Client

from anju.core.parsing import int_or_none, is_digits

pytestmark = pytest.mark.django_db


def test_only_ascii_digits_count_as_numbers():
    assert is_digits("42") and int_or_none("42") == 42
    for text in ("²", "١٢", "", " 4", "-1", None, 4):
        assert not is_digits(text) and int_or_none(text) is None


def test_superscript_digits_in_forms_and_urls_are_refused_not_500(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.user_a)
    assert client.post("/admin/org/-/workspace/company/", {"company": "²"}).status_code < 500
    response = client.post(
        "/admin/system/-/parameters/customer.matching_mode/", {"reset": "1", "version": "x"}
    )
    assert response.status_code < 500
    assert client.get("/api/v1/system/data-clearing/", {"company": "²"}).status_code < 500

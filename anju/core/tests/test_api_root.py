"""GET /api/v1/ is the API's front door (issue 10 item 8): public, lists each context's sections,
the schema and the docs, and is described in the OpenAPI schema."""

import pytest
import yaml
from django.urls import Resolver404, resolve
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_api_root_lists_each_contexts_sections_and_the_docs():
    response = APIClient().get("/api/v1/")
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert body["schema"] == "http://testserver/api/schema/"
    assert body["docs"] == "http://testserver/api/docs/"
    assert body["token"] == "http://testserver/api/v1/auth/token/"
    sections = {s["key"]: s for s in body["sections"]}
    assert {"org", "estates", "customers", "service", "system"} <= set(sections)
    assert sections["customers"]["endpoints"]["customers/customers"] == (
        "http://testserver/api/v1/customers/customers/"
    )
    assert sections["service"]["endpoints"]["service/tasks"] == "http://testserver/api/v1/service/tasks/"
    assert sections["org"]["endpoints"]["org/users"] == "http://testserver/api/v1/org/users/"
    for section in sections.values():
        assert section["title"]
        for route, url in section["endpoints"].items():
            path = url.removeprefix("http://testserver")
            assert path == f"/api/v1/{route}/" and "{" not in path
            try:
                resolve(path)
            except Resolver404:  # pragma: no cover - the assertion message names the route
                pytest.fail(f"{route} is listed but does not resolve")


def test_the_api_root_is_in_the_openapi_schema():
    response = APIClient().get("/api/schema/")
    schema = yaml.safe_load(response.content)
    operation = schema["paths"]["/api/v1/"]["get"]
    assert operation["operationId"] == "api_root"
    assert "200" in operation["responses"]

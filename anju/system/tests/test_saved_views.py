import pytest

from anju.core.models import OperationLog, SavedView
from anju.core.testing import api_client

pytestmark = pytest.mark.django_db


def test_owner_only_save_overwrite_delete(world):
    client = api_client(world.user_a)
    body = {"list_key": "org.orgunit", "name": "公司列表", "query": "?kind__exact=company"}
    response = client.post("/api/v1/system/saved-views/", body, format="json")
    assert response.status_code == 201, response.content
    view_id = response.json()["id"]
    assert response.json()["query"] == "kind__exact=company"
    again = client.post(
        "/api/v1/system/saved-views/", {**body, "query": "kind__exact=department"}, format="json"
    )
    assert again.status_code == 201 and again.json()["id"] == view_id
    assert SavedView.objects.get(pk=view_id).query == "kind__exact=department"
    listed = client.get("/api/v1/system/saved-views/?list_key=org.orgunit").json()
    assert [row["name"] for row in listed] == ["公司列表"]
    other = api_client(world.user_b)
    assert other.get("/api/v1/system/saved-views/").json() == []
    assert other.get(f"/api/v1/system/saved-views/{view_id}/").status_code == 404
    assert other.delete(f"/api/v1/system/saved-views/{view_id}/").status_code == 404
    bad = client.post(
        "/api/v1/system/saved-views/", {"list_key": "bad key", "name": "", "query": ""}, format="json"
    )
    assert bad.status_code == 400 and {"list_key", "name"} <= set(bad.json())
    assert client.delete(f"/api/v1/system/saved-views/{view_id}/").status_code == 204
    assert not SavedView.objects.exists()
    assert OperationLog.objects.filter(content_type__model="savedview").count() == 3

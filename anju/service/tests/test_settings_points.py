import pytest

from anju.core.registry import permissions
from anju.core.testing import make_role, make_user
from anju.tasks.models import CalendarDay, EscalationStep

pytestmark = pytest.mark.django_db


def test_a_role_with_every_point_adds_and_removes_settings(svc, api, client):
    world = svc.world
    admin_user = make_user(world.dept_a, [make_role(world.company_a, points=list(permissions.points))])
    assert not admin_user.is_superuser
    r = api(admin_user).post(
        "/api/v1/service/calendar-days/",
        {"date": "2031-10-01", "kind": "holiday", "name": "国庆"},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert api(admin_user).delete(f"/api/v1/service/calendar-days/{r.json()['id']}/").status_code == 204
    client.force_login(admin_user)
    r = client.post(
        "/admin/tasks/calendarday/add/", {"date": "2031-10-02", "kind": "holiday", "name": "国庆"}
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    day = CalendarDay.objects.get(date="2031-10-02")
    r = client.post(f"/admin/tasks/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302 and not CalendarDay.objects.filter(pk=day.pk).exists()
    r = client.post(
        "/admin/tasks/escalationstep/add/",
        {"company": world.company_a.pk, "level": 9, "target": "supervisor", "after_hours": 4},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert EscalationStep.objects.filter(company=world.company_a, level=9).exists()
    # Without the add point: refused.
    viewer = make_user(
        world.dept_a,
        [make_role(world.company_a, points=["service.settings.view", "service.settings.change"])],
    )
    r = api(viewer).post(
        "/api/v1/service/calendar-days/", {"date": "2031-10-03", "kind": "holiday"}, format="json"
    )
    assert r.status_code == 403

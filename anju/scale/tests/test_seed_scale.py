import io
import time

import pytest
from django.core.management import call_command

from anju.customers.validators import parse_id_number, parse_phone

pytestmark = pytest.mark.django_db


def test_small_profile_builds_the_counts_quickly_with_valid_synthetic_people():
    from anju.customers.models import Customer, FamilyMember, RoomCustomer, Vehicle
    from anju.estates.models import Project, Room
    from anju.org.models import OrgUnit
    from anju.service.models import Callback, Reception
    from anju.tasks.models import Task

    err = io.StringIO()
    started = time.monotonic()
    call_command("seed_scale", "--profile", "small", stdout=io.StringIO(), stderr=err)
    assert time.monotonic() - started < 60
    assert "tasks" in err.getvalue() and "#" in err.getvalue()  # the progress bar
    assert OrgUnit.objects.filter(code__startswith="SCALE-C", kind="company").count() == 3
    assert Project.objects.filter(code__startswith="SP").count() == 4
    assert Room.objects.filter(project__code__startswith="SP").count() == 1_000
    assert Customer.objects.filter(code__startswith="SC").count() == 2_000
    assert RoomCustomer.objects.count() >= 2_000
    assert FamilyMember.objects.count() >= 600 and Vehicle.objects.count() >= 400
    assert Task.objects.filter(code__startswith="SR").count() == 10_000
    assert Reception.objects.filter(code__startswith="SJ").count() >= 6_000
    assert Callback.objects.exists()
    # Every task belongs to its reception's project and company; the mix has open and finished tasks.
    sample = list(Task.objects.select_related("reception")[:200])
    assert all(t.project_id == t.reception.project_id for t in sample)
    assert len({t.status for t in Task.objects.only("status")[:2000]}) >= 3
    # The workbench counters were recounted after the bulk load.
    from anju.service import counters

    assert counters.current_task_rows() == counters.expected_task_rows() != {}
    assert counters.current_reception_rows() == counters.expected_reception_rows()
    for customer in Customer.objects.filter(code__startswith="SC")[:300]:
        assert parse_id_number(customer.id_number).number == customer.id_number
        assert parse_phone(customer.mobile).kind == "mobile"

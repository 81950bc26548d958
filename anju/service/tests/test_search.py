"""Receptions and tasks are found in the omni search by their codes and short forms, in scope."""

from anju.customers import selectors
from anju.service.tests.conftest import new_reception, new_task


def test_task_and_reception_codes_and_their_short_forms(svc):
    task = new_task(svc)
    reception = task.reception
    user = svc.acceptor
    found = selectors.omni_search(user, reception.code)
    assert found[0]["type"] == "reception" and found[0]["id"] == reception.pk and found[0]["score"] == 100
    assert found[0]["url"] == f"/admin/service/reception/{reception.pk}/change/"
    letters, number = task.code[:2], int(task.code[2:])
    short = selectors.omni_search(user, f"{letters.lower()}{number}", kind="task")
    assert [r["id"] for r in short] == [task.pk] and short[0]["score"] == 98
    prefix = selectors.omni_search(user, task.code[:4], kind="task")
    assert task.pk in [r["id"] for r in prefix]


def test_codes_of_another_company_or_without_the_point_are_not_found(svc):
    from anju.core.testing import make_role, make_user

    task = new_task(svc)
    assert selectors.omni_search(svc.world.user_b, task.code) == []
    clerk = make_user(
        svc.world.dept_a,
        [make_role(svc.world.company_a, points=["customers.customer.view"])],
        all_projects=True,
    )
    assert selectors.omni_search(clerk, task.code) == []


def test_grouped_page_shows_tasks_and_receptions_apart(svc):
    reception = new_reception(svc)
    groups = selectors.omni_search_groups(svc.acceptor, reception.code)
    assert groups[0].kind == "reception" and groups[0].count == 1
    assert str(groups[0].label) == "接待记录"


def test_the_operation_log_records_a_reception_under_its_final_code(svc):
    """Searching the log by the code agents see (JD00000006) finds the creation."""
    from anju.core.models import OperationLog

    reception = new_reception(svc)
    row = OperationLog.objects.filter(object_id=str(reception.pk), action="create").latest("pk")
    assert reception.code == f"JD{reception.pk:08d}"
    assert row.object_repr == reception.code and row.after["code"] == reception.code

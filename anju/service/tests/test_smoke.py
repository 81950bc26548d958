from anju.service.tests.conftest import new_task


def test_create_and_drive(svc):
    from anju.service import services

    task = new_task(svc)
    assert task.status == "pending_reply"
    assert task.responsible_user == svc.engineer1
    task = services.task_transition(actor=svc.engineer1, task=task, action="reply", note="ok")
    assert task.status == "discussing"

from anju.core.services import service
from anju.tasks import workflow
from anju.tasks.models import Task
from anju.tasks.tests.toyapp.models import Finding


@service
def finding_create(*, actor, title: str, room, accepting_company, acceptor, assignment=None, now=None):
    """The toy source opens its task through the engine, then keeps a real foreign key to it."""
    task = Task(
        source="toy",
        task_type="repair",
        description=title,
        room=room,
        project=room.project,
        accepting_company=accepting_company,
        acceptor=acceptor,
        created_by=actor,
    )
    task = workflow.open_task(task, actor=actor, now=now)
    finding = Finding.objects.create(title=title, task=task, events=["create"])
    if assignment is not None:
        workflow.transition(
            actor=actor, task=task, action="assign", assignment=assignment, now=now, as_system=True
        )
    return Finding.objects.get(pk=finding.pk)

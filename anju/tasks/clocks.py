"""Which SLA clock runs in which task status: the one table the workflow, the escalation sweep, the
timeout marking and the workbench read (anju.core.statemachine.ClockTable).

- reply (责任人回复): runs while the task awaits its responsible person's reply; stops on the reply.
- answer (答复客户): runs from creation until a solution is agreed and answered; stops on the answer.
- process (处理): runs while the task is open; stops on completion.
A clock stopped after its deadline is marked timed out; a clock still running past it is marked by
the sweep.
"""

from __future__ import annotations

from anju.core.statemachine import Clock, ClockTable
from anju.tasks.choices import OPEN_STATUSES
from anju.tasks.choices import Clock as C
from anju.tasks.choices import TaskStatus as S

CLOCKS = ClockTable(
    (
        Clock(
            C.REPLY.value,
            (S.PENDING_REPLY,),
            due="reply_due",
            timeout="reply_timeout",
            stops_at=S.DISCUSSING,
            stamp="replied_at",
        ),
        Clock(
            C.ANSWER.value,
            (S.PENDING_ASSIGNMENT, S.PENDING_REPLY, S.DISCUSSING),
            due="answer_due",
            timeout="answer_timeout",
            stops_at=S.IMPLEMENTING,
            stamp="answered_at",
        ),
        Clock(
            C.PROCESS.value,
            OPEN_STATUSES,
            due="process_due",
            timeout="process_timeout",
            stops_at=S.COMPLETED,
            stamp="completed_at",
        ),
    )
)

from django.utils.translation import gettext_lazy as _

from anju.core import files
from anju.core.registry import ACTION_LABELS, CRUD, permissions
from anju.system.clearing import register_category

permissions.module("service", _("Customer service"))
permissions.resource("service", "reception", _("Reception records"), (*CRUD, "export"))
permissions.resource("service", "task", _("Tasks"), ("view", "add", "change", "export", "manage"))
permissions.resource("service", "callback", _("Callbacks"), ("view", "change", "export"))
permissions.resource("service", "compensation", _("Compensation"), (*CRUD, "approve", "export"))
permissions.resource("service", "topic", _("Complaint topics"), CRUD)
permissions.resource("service", "problem", _("Problem standard library"), (*CRUD, "export"))
permissions.resource("service", "contractor", _("Contractors"), (*CRUD, "export", "view_sensitive"))
permissions.resource("service", "settings", _("Customer-service settings"), CRUD)
# Deliveries are listed like the inbox (each user their own); sending a failed one again is a point.
ACTION_LABELS.setdefault("retry", _("Retry"))
permissions.resource("service", "delivery", _("Notification deliveries"), ("retry",))


def _recount_workbench_counters():
    from anju.service import counters

    counters.rebuild()


# 清空数据: service rows refer to rooms, customers and projects, so they are cleared before those (order 5).
# Deleting a task cascades to its events, attachments, escalations and notifications.
register_category(
    "service",
    _("Customer-service tables (receptions, tasks, callbacks, compensation)"),
    [
        ("service.CompensationEvent", None),
        ("service.Compensation", "project__company"),
        ("service.CallbackEvent", None),
        ("service.Callback", "project__company"),
        ("service.Delivery", None),
        ("service.Notification", None),
        ("service.SmsOutbox", None),
        ("service.TaskAttachment", None),
        ("tasks.EscalationLog", None),
        ("tasks.TaskEvent", None),
        ("tasks.Task", "project__company"),
        ("service.ReceptionAttachment", None),
        ("service.Reception", "project__company"),
        ("service.ComplaintTopic", "company"),
        ("tasks.TaskCounter", None),
        ("service.ReceptionCounter", None),
    ],
    order=5,
    after=_recount_workbench_counters,
)

# Attachments are downloaded through /api/v1/files/…, checked against these points and the data scope.
files.register("service.ReceptionAttachment", point="service.reception.view")
files.register("service.TaskAttachment", point="service.task.view")

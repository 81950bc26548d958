from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from anju.core.registry import menu_section
from anju.org.access import has_point


def _item(title, icon, url_name, point):
    return {
        "title": title,
        "icon": icon,
        "link": reverse_lazy(url_name),
        "permission": lambda request: has_point(request.user, point),
    }


@menu_section("tasks")
def task_menu(request):
    return [
        _item(
            _("Reception records"),
            "support_agent",
            "admin:service_reception_changelist",
            "service.reception.view",
        ),
        _item(_("Tasks"), "assignment", "admin:tasks_task_changelist", "service.task.view"),
        _item(
            _("Complaint topics"), "topic", "admin:service_complainttopic_changelist", "service.topic.view"
        ),
        _item(
            _("Compensation"),
            "payments",
            "admin:service_compensation_changelist",
            "service.compensation.view",
        ),
        _item(_("Callbacks"), "phone_callback", "admin:service_callback_changelist", "service.callback.view"),
        _item(
            _("Notifications"), "notifications", "admin:service_notification_changelist", "service.task.view"
        ),
        _item(
            _("Notification deliveries"),
            "outgoing_mail",
            "admin:service_delivery_changelist",
            "service.task.view",
        ),
    ]


@menu_section("basedata")
def basedata_menu(request):
    return [
        _item(
            _("Problem standard library"),
            "library_books",
            "admin:service_problem_changelist",
            "service.problem.view",
        ),
        _item(
            _("Problem categories and parts"),
            "category",
            "admin:service_problemcategory_changelist",
            "service.problem.view",
        ),
        _item(
            _("Warranty elements"),
            "verified",
            "admin:service_warrantyelement_changelist",
            "service.problem.view",
        ),
        _item(
            _("Contractors"), "engineering", "admin:service_contractor_changelist", "service.contractor.view"
        ),
        _item(
            _("Construction scopes"),
            "domain",
            "admin:service_contractorscope_changelist",
            "service.contractor.view",
        ),
        _item(
            _("Acceptance duty sharing"),
            "share",
            "admin:service_acceptanceshare_changelist",
            "service.settings.view",
        ),
        _item(
            _("Business calendar"),
            "calendar_month",
            "admin:tasks_calendarday_changelist",
            "service.settings.view",
        ),
        _item(
            _("Calendar years"),
            "event_available",
            "admin:tasks_calendaryear_changelist",
            "service.settings.view",
        ),
        _item(_("Working hours"), "schedule", "admin:tasks_workinghours_changelist", "service.settings.view"),
        _item(
            _("Escalation ladder"),
            "trending_up",
            "admin:tasks_escalationstep_changelist",
            "service.settings.view",
        ),
    ]

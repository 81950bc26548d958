from django.urls import path
from rest_framework.routers import SimpleRouter

from anju.service.api import views

router = SimpleRouter()
for prefix, viewset, basename in (
    ("service/receptions", views.ReceptionViewSet, "service-reception"),
    ("service/tasks", views.TaskViewSet, "service-task"),
    ("service/callbacks", views.CallbackViewSet, "service-callback"),
    ("service/compensations", views.CompensationViewSet, "service-compensation"),
    ("service/topics", views.TopicViewSet, "service-topic"),
    ("service/notifications", views.NotificationViewSet, "service-notification"),
    ("service/deliveries", views.DeliveryViewSet, "service-delivery"),
    ("service/problems", views.ProblemViewSet, "service-problem"),
    ("service/problem-categories", views.ProblemCategoryViewSet, "service-problem-category"),
    ("service/warranty-elements", views.WarrantyElementViewSet, "service-warranty-element"),
    ("service/contractors", views.ContractorViewSet, "service-contractor"),
    ("service/contractor-contacts", views.ContractorContactViewSet, "service-contractor-contact"),
    ("service/contractor-scopes", views.ContractorScopeViewSet, "service-contractor-scope"),
    ("service/acceptance-shares", views.AcceptanceShareViewSet, "service-acceptance-share"),
    ("service/calendar-days", views.CalendarDayViewSet, "service-calendar-day"),
    ("service/calendar-years", views.CalendarYearViewSet, "service-calendar-year"),
    ("service/working-hours", views.WorkingHoursViewSet, "service-working-hours"),
    ("service/escalation-steps", views.EscalationStepViewSet, "service-escalation-step"),
    ("service/message-templates", views.MessageTemplateViewSet, "service-message-template"),
):
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("service/calendar/status/", views.CalendarStatusView.as_view(), name="service-calendar-status"),
    path("service/warranty-check/", views.WarrantyCheckView.as_view(), name="service-warranty-check"),
    path("service/workbench/", views.WorkbenchView.as_view(), name="service-workbench"),
    *router.urls,
]

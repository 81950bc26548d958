"""The customer-service context's task sources (autodiscovered by the task engine)."""

from django.utils.translation import gettext_lazy as _

from anju.service.daily import DailySource
from anju.tasks.sources import register_source

register_source(DailySource())
# Sources that still live in the service context until their own contexts register them: they follow
# the daily-complaint lifecycle, and the workbench does not count them.
register_source(DailySource("mock_inspection", _("Mock inspection"), counted=False))
register_source(DailySource("delivery", _("Delivery complaint"), counted=False))
register_source(DailySource("repair", _("Repair order"), counted=False))

from django.utils.translation import gettext_lazy as _

from anju.system.choices import ParameterType
from anju.system.parameters import define

GROUP = _("Customer service")

define(
    key="service.auto_assign",
    label=_("Assign new tasks automatically (duty, then workload)"),
    type=ParameterType.BOOLEAN,
    default=True,
    group=GROUP,
)
define(
    key="service.callback.complaint_percent",
    label=_("Complaint callbacks (percentage of completed complaints)"),
    type=ParameterType.INTEGER,
    default=100,
    min_value=0,
    max_value=100,
    group=GROUP,
)
define(
    key="service.callback.repair_percent",
    label=_("Repair callbacks (sampled percentage of completed repairs)"),
    type=ParameterType.INTEGER,
    default=30,
    min_value=0,
    max_value=100,
    group=GROUP,
)
define(
    key="service.callback.other_percent",
    label=_("Callbacks for other task types (percentage)"),
    type=ParameterType.INTEGER,
    default=0,
    min_value=0,
    max_value=100,
    group=GROUP,
)
define(
    key="service.callback.days",
    label=_("Callback within (days after completion)"),
    type=ParameterType.INTEGER,
    default=3,
    min_value=1,
    max_value=60,
    group=GROUP,
)
define(
    key="service.callback.sample_seed",
    label=_("Callback sampling seed"),
    type=ParameterType.STRING,
    default="anju",
    group=GROUP,
)
define(
    key="service.due_soon_hours",
    label=_("“Due soon” means within (working hours)"),
    type=ParameterType.INTEGER,
    default=4,
    min_value=1,
    max_value=72,
    group=GROUP,
)

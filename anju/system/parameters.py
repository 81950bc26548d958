"""Business parameters (业务参数设置): typed, validated, per company, with defaults.

Other contexts declare their own with `define(...)` in their `permissions.py`/`apps` import path.
A company without a stored value inherits from its parent company, then the default.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from anju.org.access import ancestor_ids
from anju.system.choices import ParameterType
from anju.system.models import Parameter

# 《网络安全法》第二十一条: network operators keep network logs for at least six months. No log row
# younger than its company's retention period (never under this floor) can be deleted or cleared.
MIN_LOG_RETENTION_DAYS = 183


@dataclass(frozen=True)
class ParameterDef:
    key: str
    label: object
    type: str
    default: object
    choices: tuple[tuple[str, object], ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    help_text: object = ""
    group: object = field(default=_("General"))

    def clean(self, value):
        from django.core.exceptions import ValidationError

        if self.type == ParameterType.INTEGER:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValidationError(_("Enter a whole number."), code="invalid")
            try:
                value = int(value)
            except (TypeError, ValueError, OverflowError) as exc:
                raise ValidationError(_("Enter a whole number."), code="invalid") from exc
            if self.min_value is not None and value < self.min_value:
                raise ValidationError(_("The value must be at least %(min)s.") % {"min": self.min_value})
            if self.max_value is not None and value > self.max_value:
                raise ValidationError(_("The value must be at most %(max)s.") % {"max": self.max_value})
        elif self.type == ParameterType.BOOLEAN:
            if isinstance(value, str):
                value = value.strip().lower() in {"1", "true", "yes", "on"}
            elif not isinstance(value, bool | int) or value not in (0, 1):
                raise ValidationError(_("Choose yes or no."), code="invalid")
            value = bool(value)
        elif self.type == ParameterType.CHOICE:
            if not isinstance(value, str) or value not in {c for c, _label in self.choices}:
                raise ValidationError(_("Choose one of the offered values."))
        else:
            if not isinstance(value, str | int | float) and value is not None:
                raise ValidationError(_("Enter text."), code="invalid")
            value = str(value if value is not None else "").strip()
            if len(value) > 500:
                raise ValidationError(_("At most 500 characters."))
        return value


DEFINITIONS: dict[str, ParameterDef] = {}


def define(**kwargs) -> ParameterDef:
    definition = ParameterDef(**kwargs)
    DEFINITIONS[definition.key] = definition
    return definition


define(
    key="customer.matching_mode",
    label=_("Customer matching mode"),
    type=ParameterType.CHOICE,
    default="name_phone",
    choices=(("name_phone", _("Name + phone")), ("name_id", _("Name + ID number"))),
    group=_("Customers"),
)
define(
    key="customer.sharing_scope",
    label=_("Customer sharing scope"),
    type=ParameterType.CHOICE,
    default="group",
    choices=(("group", _("Whole group")), ("company", _("Own company"))),
    group=_("Customers"),
)
define(
    key="security.idle_timeout_minutes",
    label=_("Idle session timeout (minutes)"),
    type=ParameterType.INTEGER,
    default=30,
    min_value=5,
    max_value=1440,
    group=_("Security"),
)
define(
    key="logs.retention_days",
    label=_("Operation-log retention (days)"),
    type=ParameterType.INTEGER,
    default=1095,
    min_value=MIN_LOG_RETENTION_DAYS,
    max_value=3650,
    help_text=_(
        "Operation and login logs younger than this cannot be deleted or cleared; older ones are "
        "purged daily. Rows recording a deletion or a clearing are always kept. At least 183 days "
        "(Cybersecurity Law: six months)."
    ),
    group=_("Security"),
)

_CACHE_PREFIX = "anju:param:"


def cache_key(company_id, key) -> str:
    generation = cache.get(f"{_CACHE_PREFIX}generation", 0)
    return f"{_CACHE_PREFIX}{generation}:{company_id}:{key}"


def get_parameter(company_id: int | None, key: str):
    """The effective value for a company: its own, else its nearest ancestor's, else the default."""
    definition = DEFINITIONS[key]
    if company_id is None:
        return definition.default
    ck = cache_key(company_id, key)
    value = cache.get(ck)
    if value is not None:
        return value

    chain = ancestor_ids(company_id)
    stored = dict(Parameter.objects.filter(company_id__in=chain, key=key).values_list("company_id", "value"))
    value = definition.default
    for unit_id in reversed(chain):
        if unit_id in stored:
            value = stored[unit_id]
            break
    cache.set(ck, value, 300)
    return value


def forget_parameters() -> None:
    """A change at a parent company affects every descendant: start a new cache generation."""
    try:
        cache.incr(f"{_CACHE_PREFIX}generation")
    except ValueError:
        cache.set(f"{_CACHE_PREFIX}generation", 1, None)

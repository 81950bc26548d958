"""How long log rows are kept: a company's retention period and the rows that may be erased now
(read by the clearing categories and by the log services)."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from anju.core.choices import PROTECTED_LOG_ACTIONS
from anju.core.models import OperationLog
from anju.system.parameters import MIN_LOG_RETENTION_DAYS, get_parameter


def retention_days(company_id: int | None) -> int:
    return max(MIN_LOG_RETENTION_DAYS, int(get_parameter(company_id, "logs.retention_days")))


def erasable_logs(queryset, now=None):
    """The rows of a log queryset that may be deleted now: past their company's retention period
    and not the record of a deletion or a clearing."""
    now = now or timezone.now()
    if queryset.model is OperationLog:
        queryset = queryset.exclude(action__in=PROTECTED_LOG_ACTIONS)
    company_ids = set(queryset.order_by().values_list("company_id", flat=True).distinct())
    allowed = models.Q(pk__in=[])
    for company_id in company_ids:
        cutoff = now - timedelta(days=retention_days(company_id))
        allowed |= models.Q(company_id=company_id, at__lt=cutoff)
    return queryset.filter(allowed)

"""Warranty check (../shared/domain): buyer end = max(contractor end from 竣工, 交付 + buyer minimum)."""

from __future__ import annotations

import calendar as _cal
import datetime

from anju.service.choices import PeriodUnit, WarrantyStatus


def add_months(day: datetime.date, months: int) -> datetime.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return datetime.date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def _end(start: datetime.date | None, unit: str, period: int | None) -> datetime.date | None:
    if start is None or period is None:
        return None
    if unit == PeriodUnit.MONTH:
        return add_months(start, period)
    if unit == PeriodUnit.SEASON:
        # One heating (or cooling) season a year: the N-th season ends N years on.
        return add_months(start, 12 * period)
    return None


def check(problem, room, on: datetime.date | None = None) -> tuple[str, datetime.date | None]:
    """(status, end date) of the buyer's warranty for this problem in this room on a date."""
    element = getattr(problem, "warranty_element", None) if problem is not None else None
    if element is None or room is None:
        return WarrantyStatus.NOT_APPLICABLE, None
    if PeriodUnit.DESIGN_LIFE in (element.contractor_unit, element.buyer_unit):
        return WarrantyStatus.IN, None
    project = room.project
    completion = project.completion_date
    delivery = room.delivery_date or project.delivery_date
    ends = [
        e
        for e in (
            _end(completion, element.contractor_unit, element.contractor_period),
            _end(delivery, element.buyer_unit, element.buyer_period),
        )
        if e is not None
    ]
    if not ends:
        return WarrantyStatus.UNKNOWN, None
    end = max(ends)
    on = on or datetime.date.today()
    return (WarrantyStatus.IN if on <= end else WarrantyStatus.OUT), end

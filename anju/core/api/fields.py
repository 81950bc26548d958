"""Serializer fields shared by every API."""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# Before 1901 the zoneinfo database gives Asia/Shanghai its local mean time (+08:05:43), which is not
# a valid RFC 3339 offset; no business date of a property firm lies outside these years anyway.
EARLIEST_YEAR = 1901
LATEST_YEAR = 2199


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class PlainTextField(serializers.CharField):
    """Text without control characters (tab and line breaks allowed): they are invisible on screen,
    break Excel exports and are how pasted binary garbage shows up."""

    default_error_messages = {"control": _("Remove the control characters from this text.")}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if _CONTROL_CHARACTERS.search(value):
            self.fail("control")
        return value


class BoundedDateTimeField(serializers.DateTimeField):
    default_error_messages = {
        "year_range": _("Enter a date and time between the years %(low)s and %(high)s."),
    }

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        if not EARLIEST_YEAR <= result.year <= LATEST_YEAR:
            self.fail("year_range", low=EARLIEST_YEAR, high=LATEST_YEAR)
        return result


def install() -> None:
    """Make every ModelSerializer map model fields to the stricter serializer fields above."""
    mapping = serializers.ModelSerializer.serializer_field_mapping
    mapping[models.DateTimeField] = BoundedDateTimeField
    mapping[models.CharField] = PlainTextField
    mapping[models.TextField] = PlainTextField

"""Serializer fields shared by every API."""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields
from django_filters import filters
from rest_framework import serializers

from anju.core.masking import can_reveal, mask_field, sensitive_fields

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


# UTC−12:00 to UTC+14:00 are the offsets in use on Earth. Python parses anything under 24 hours, but
# PostgreSQL refuses a timestamp whose offset is beyond ±15:59 ("time zone displacement out of range").
MAX_UTC_OFFSET = timedelta(hours=14)


class BoundedDateTimeFormMixin:
    """A filter's date and time: an offset of a real time zone and a year in the business range,
    else a 400 naming the filter; the value is converted to the server's time zone."""

    default_error_messages = {
        "offset": _("Enter a time-zone offset between -14:00 and +14:00."),
        "year_range": _("Enter a date and time between the years %(low)s and %(high)s."),
    }

    def to_python(self, value):
        result = super().to_python(value)
        if result is None:
            return result
        offset = result.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise ValidationError(self.error_messages["offset"], code="offset")
        if not EARLIEST_YEAR <= result.year <= LATEST_YEAR:
            raise ValidationError(
                self.error_messages["year_range"],
                code="year_range",
                params={"low": EARLIEST_YEAR, "high": LATEST_YEAR},
            )
        return timezone.localtime(result) if timezone.is_aware(result) else result


class BoundedDateTimeFormField(BoundedDateTimeFormMixin, forms.DateTimeField):
    pass


class BoundedIsoDateTimeFormField(BoundedDateTimeFormMixin, filter_fields.IsoDateTimeField):
    pass


class BoundedDateTimeRangeField(filter_fields.RangeField):
    widget = filter_fields.DateRangeWidget

    def __init__(self, *args, **kwargs):
        super().__init__((BoundedDateTimeFormField(), BoundedDateTimeFormField()), *args, **kwargs)


class BoundedIsoDateTimeRangeField(filter_fields.RangeField):
    widget = filter_fields.DateRangeWidget

    def __init__(self, *args, **kwargs):
        super().__init__((BoundedIsoDateTimeFormField(), BoundedIsoDateTimeFormField()), *args, **kwargs)


def _sensitive_source(model, source: str):
    """(model, field name) of a serializer field's source when it is a declared sensitive field,
    following relations ("customer.mobile"); None otherwise."""
    parts = source.split(".")
    for part in parts[:-1]:
        try:
            model = model._meta.get_field(part).related_model
        except FieldDoesNotExist:  # a property or method: not a column
            return None
        if model is None:
            return None
    return (model, parts[-1]) if parts[-1] in sensitive_fields(model) else None


def sensitive_outputs(serializer) -> list[tuple[str, type, str, str]]:
    """(output key, model, field, source) of every serializer field showing a declared sensitive
    field, the serializer's own or a related row's ("customer.mobile")."""
    cls = type(serializer)
    cached = cls.__dict__.get("_anju_sensitive_outputs")
    if cached is None:
        model = getattr(getattr(cls, "Meta", None), "model", None)
        cached = []
        if model is not None:
            for name, field in serializer.fields.items():
                if field.write_only or not field.source or field.source == "*":
                    continue
                found = _sensitive_source(model, field.source)
                if found:
                    cached.append((name, *found, field.source))
        cls._anju_sensitive_outputs = cached
    return cached


_model_to_representation = serializers.ModelSerializer.to_representation


def masked_to_representation(self, instance):
    """Every ModelSerializer masks the model's declared sensitive fields (anju.core.masking) unless
    the request's user holds the model's reveal point; without a request, masked."""
    data = _model_to_representation(self, instance)
    outputs = sensitive_outputs(self)
    if not outputs:
        return data
    request = self.context.get("request")
    user = getattr(request, "user", None)
    cache = self.context.setdefault("_anju_reveal", {}) if isinstance(self.context, dict) else {}
    for key, model, name, _source in outputs:
        if model not in cache:
            cache[model] = can_reveal(user, model)
        if not cache[model] and data.get(key):
            data[key] = mask_field(model, name, data[key])
    return data


def install() -> None:
    """Make every ModelSerializer map model fields to the stricter serializer fields above, and every
    date-and-time filter (declared, or generated from a model's DateTimeField) use the bounded fields."""
    mapping = serializers.ModelSerializer.serializer_field_mapping
    mapping[models.DateTimeField] = BoundedDateTimeField
    mapping[models.CharField] = PlainTextField
    mapping[models.TextField] = PlainTextField
    serializers.ModelSerializer.to_representation = masked_to_representation
    filters.DateTimeFilter.field_class = BoundedDateTimeFormField
    filters.IsoDateTimeFilter.field_class = BoundedIsoDateTimeFormField
    filters.DateTimeFromToRangeFilter.field_class = BoundedDateTimeRangeField
    filters.IsoDateTimeFromToRangeFilter.field_class = BoundedIsoDateTimeRangeField

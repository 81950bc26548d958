"""Form and serializer fields whose choices come from a dictionary (辅助资料).

    relationship = DictionaryChoiceField("relationship", label=_("relationship to customer"))
    tags = DictionaryMultipleChoiceField("customer_tag", required=False)
    # DRF
    relationship = DictionaryCodeField("relationship")
    tags = serializers.ListField(child=DictionaryCodeField("customer_tag"), required=False)
    relationship_label = DictionaryLabelField("relationship", source="relationship")

Models store the item `code` (a CharField); choices are read when the form is built, so a change
to the dictionary shows up without a restart. Only enabled items are offered and accepted.
"""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from anju.system import selectors
from anju.system.models import DictionaryItem


class _DictionaryChoices:
    """A callable so that Django evaluates the choices every time the field renders/validates."""

    def __init__(self, code: str, blank: bool):
        self.code = code
        self.blank = blank

    def __call__(self):
        choices = selectors.dictionary_choices(self.code)
        return [("", "---------"), *choices] if self.blank else choices


class DictionaryChoiceField(forms.ChoiceField):
    def __init__(self, dictionary: str, *, required: bool = True, **kwargs):
        self.dictionary = dictionary
        super().__init__(
            choices=_DictionaryChoices(dictionary, blank=not required), required=required, **kwargs
        )


class DictionaryMultipleChoiceField(forms.MultipleChoiceField):
    def __init__(self, dictionary: str, **kwargs):
        self.dictionary = dictionary
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(choices=_DictionaryChoices(dictionary, blank=False), **kwargs)


class DictionaryCodeField(serializers.CharField):
    """A stored item code, validated against the enabled items of the dictionary."""

    default_error_messages = {
        "invalid_choice": _("“%(value)s” is not an enabled item of the list “%(dictionary)s”."),
    }

    def __init__(self, dictionary: str, **kwargs):
        self.dictionary = dictionary
        kwargs.setdefault("max_length", 50)
        kwargs.setdefault(
            "help_text", format_lazy(_("A code from the dictionary “{code}”."), code=dictionary)
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value == "" and self.allow_blank:
            return value
        if not selectors.dictionary_items(self.dictionary).filter(code=value).exists():
            self.fail("invalid_choice", value=value, dictionary=self.dictionary)
        return value


@extend_schema_field(OpenApiTypes.STR)
class DictionaryLabelField(serializers.Field):
    """Read-only label of a stored item code, e.g.
    `relationship_label = DictionaryLabelField("relationship", source="relationship")`.
    Labels are read once per serializer (not once per row)."""

    def __init__(self, dictionary: str, **kwargs):
        self.dictionary = dictionary
        self._labels: dict[str, str] | None = None
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        if self._labels is None:
            self._labels = {
                item.code: selectors.item_label(item)
                for item in DictionaryItem.objects.filter(dictionary__code=self.dictionary)
            }
        return self._labels.get(value, value or "")

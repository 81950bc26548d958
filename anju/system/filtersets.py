"""FilterSets of the log lists, shared by the API lists and their Excel export."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from anju.core.choices import LogAction
from anju.core.models import OperationLog
from anju.system.models import Announcement, LoginLog


class IPAddressFilter(filters.Filter):
    """Exact IP address; anything that is not an address is a 400, never a database error."""

    field_class = forms.GenericIPAddressField


class IdFilter(filters.Filter):
    """A row id: a positive whole number in the database's range, else a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class _DateRangeMixin(filters.FilterSet):
    date_from = filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("from date"))
    date_to = filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("to date"))
    ip = IPAddressFilter(field_name="ip", label=_("IP address"))
    company = IdFilter(field_name="company", label=_("company"))


class OperationLogFilterSet(_DateRangeMixin):
    user = IdFilter(field_name="actor", label=_("user"))
    user_name = filters.CharFilter(field_name="actor_name", lookup_expr="icontains", label=_("user name"))
    action = filters.MultipleChoiceFilter(choices=LogAction.choices, label=_("action"))
    module = filters.CharFilter(field_name="module", label=_("module"))
    object_type = filters.CharFilter(method="filter_object_type", label=_("object type (app.model)"))
    object_id = filters.CharFilter(field_name="object_id", label=_("object id"))
    q = filters.CharFilter(method="filter_text", label=_("search"))

    class Meta:
        model = OperationLog
        fields = ["user", "user_name", "action", "module", "object_type", "object_id", "company", "ip"]

    def filter_object_type(self, queryset, name, value):
        app_label, _dot, model = value.lower().partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)

    def filter_text(self, queryset, name, value):
        return queryset.filter(
            Q(actor_name__icontains=value)
            | Q(object_repr__icontains=value)
            | Q(note__icontains=value)
            | Q(object_id=value)
        )


class LoginLogFilterSet(_DateRangeMixin):
    user = IdFilter(field_name="user", label=_("user"))
    username = filters.CharFilter(
        field_name="username", lookup_expr="icontains", label=_("user name entered")
    )
    success = filters.BooleanFilter(field_name="success", label=_("success"))
    channel = filters.CharFilter(field_name="channel", label=_("channel"))

    class Meta:
        model = LoginLog
        fields = ["user", "username", "success", "channel", "company", "ip"]


class AnnouncementFilterSet(filters.FilterSet):
    company = IdFilter(field_name="company", label=_("company"))
    is_pinned = filters.BooleanFilter(field_name="is_pinned", label=_("pinned"))
    published_on = filters.DateTimeFilter(method="filter_published_on", label=_("published at this time"))

    class Meta:
        model = Announcement
        fields = ["company", "is_pinned"]

    def filter_published_on(self, queryset, name, value):
        return queryset.filter(publish_from__lte=value).filter(
            Q(publish_until__isnull=True) | Q(publish_until__gt=value)
        )

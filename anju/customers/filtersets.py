"""Filters of the customer list, shared by the API and the Excel export."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anju.customers.choices import CustomerKind, CustomerState, RelationRole
from anju.customers.models import Customer, RoomCustomer
from anju.customers.selectors import tag_q


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("name, code or pinyin initials"))
    tag = django_filters.CharFilter(method="filter_tag", label=_("tag"))
    state = django_filters.ChoiceFilter(choices=CustomerState.choices)
    kind = django_filters.ChoiceFilter(choices=CustomerKind.choices)
    room = django_filters.NumberFilter(field_name="room_relations__room", label=_("room"), distinct=True)
    role = django_filters.ChoiceFilter(
        field_name="room_relations__role", choices=RelationRole.choices, label=_("relation"), distinct=True
    )

    class Meta:
        model = Customer
        fields = ["q", "tag", "state", "kind", "salesperson", "project", "gender", "marriage", "income_level"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__contains=value) | Q(code__startswith=value) | Q(name_initials__startswith=value.lower())
        )

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tag_q(value.strip())) if value.strip() else queryset


class RoomCustomerFilter(django_filters.FilterSet):
    current = django_filters.BooleanFilter(field_name="end_date", lookup_expr="isnull", label=_("current"))

    class Meta:
        model = RoomCustomer
        fields = ["room", "customer", "role", "current"]

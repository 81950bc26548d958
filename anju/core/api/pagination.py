from django.core.paginator import InvalidPage
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination
from rest_framework.response import Response

from anju.core.paging import COUNT_CAP, CappedCountPaginator


class PageNumberPagination(BasePageNumberPagination):
    """Page-number pagination whose ``count`` is exact up to ``count_cap`` rows (or the end of the
    requested page) and a lower bound beyond, flagged by ``count_is_estimate`` (see anju.core.paging).
    ``?page=last`` still counts every row: it has to know where the end is."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 500
    count_cap = COUNT_CAP

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        requested = request.query_params.get(self.page_query_param) or 1
        exact = requested in self.last_page_strings
        paginator = CappedCountPaginator(
            queryset, page_size, cap=None if exact else self.count_cap, page_hint=1 if exact else requested
        )
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            raise NotFound(
                self.invalid_page_message.format(page_number=page_number, message=str(exc))
            ) from exc
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return list(self.page)

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.display_count,
                "count_is_estimate": paginator.count_is_estimate,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        result = super().get_paginated_response_schema(schema)
        result["required"] = ["count", "count_is_estimate", "results"]
        properties = result["properties"]
        properties["count"] = {
            "type": "integer",
            "example": 123,
            "description": str(
                _(
                    "Number of rows; when count_is_estimate is true, a lower bound "
                    "(there are more rows than this)."
                )
            ),
        }
        properties["count_is_estimate"] = {
            "type": "boolean",
            "example": False,
            "description": str(
                _("True when the list has more rows than were counted: count is then a lower bound.")
            ),
        }
        result["properties"] = {
            "count": properties.pop("count"),
            "count_is_estimate": properties.pop("count_is_estimate"),
            **properties,
        }
        return result

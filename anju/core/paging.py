"""Page counts that stay cheap on big tables (API lists and staff lists).

An exact ``COUNT(*)`` visits every row the filters admit: 180–300 ms of PostgreSQL time for the task
list over 1,000,000 tasks, on every page. Like most large products, the lists count at most a few
rows past what the user can reach: ``COUNT(*)`` over a ``LIMIT``ed subquery that covers the requested
page plus one row and at least ``cap`` + 1 rows. Below that the count is exact; above it the list
reports ``cap`` (or the end of the requested page) as a lower bound and says so
(``count_is_estimate``), e.g. "1000+ tasks". Every page stays reachable: the next page is offered
whenever a row exists after the current one, and counting further costs what fetching that page's
``OFFSET`` costs anyway.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Paginator
from django.utils.functional import cached_property

COUNT_CAP = 1000
# No list holds this many rows; a page starting beyond it is empty without asking the database, whose
# LIMIT/OFFSET are 64-bit integers ("bigint out of range" for ?page=461168601842738791 on PostgreSQL,
# an overflow on SQLite).
MAX_ROWS = 10**15


class AtLeast(int):
    """A count that is only a lower bound: compares and computes as the number, reads as "1000+".

    Staff lists hand it to every template that shows the count (the foot, "N results", the actions
    bar's "Select all N"), so none of them states a capped count as the total."""

    def __str__(self) -> str:
        return f"{int(self)}+"

    __repr__ = __str__


class CappedCountPaginator(Paginator):
    """A Django paginator whose ``count`` is exact up to ``max(cap, end of page_hint)`` rows.

    ``count`` (used for the page arithmetic) is one more than the reported bound when there are more
    rows, so that the requested page has a "next"; ``display_count`` and ``count_is_estimate`` are what
    a list shows: the exact number, or the bound with a "+".
    """

    template_name = "anju/pagination_capped.html"  # unfold's changelist footer ("1000+ tasks")

    def __init__(self, object_list, per_page, *args, cap: int | None = COUNT_CAP, page_hint=1, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.cap = cap
        try:
            self.page_hint = max(1, int(page_hint))
        except (TypeError, ValueError, OverflowError):
            self.page_hint = 1
        # A page beyond the last possible row counts like the last possible page (validate_number
        # then refuses it): the count's LIMIT stays a number the database accepts.
        self.page_hint = min(self.page_hint, MAX_ROWS // max(int(self.per_page), 1))
        self.count_is_estimate = False

    def validate_number(self, number):
        number = super().validate_number(number)
        if (number - 1) * int(self.per_page) > MAX_ROWS:
            raise EmptyPage(self.error_messages["no_results"])
        return number

    @cached_property
    def count(self):
        queryset = self.object_list
        if not hasattr(queryset, "query") or self.cap is None:
            return super().count
        bound = max(self.cap, self.page_hint * int(self.per_page))
        # The order does not change how many rows there are; dropping it lets PostgreSQL stop early.
        counted = queryset.order_by()[: bound + 1].count()
        if counted > bound:
            self.count_is_estimate = True
        return counted

    @property
    def display_count(self) -> int:
        count = self.count
        return count - 1 if self.count_is_estimate else count

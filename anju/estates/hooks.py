"""Extension points other contexts register into (estates never imports them).

`room_customer_checkers`: functions `(room_ids: list[int]) -> set[int]` returning the rooms that have
a bound customer (customers context). A room with a bound customer may not be merged, split or
deleted (000 §3.2.2 注意).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

room_customer_checkers: list[Callable[[list[int]], set[int]]] = []


def register_room_customer_checker(func: Callable[[list[int]], set[int]]):
    """Register (usable as a decorator) a function telling which of the given rooms have customers."""
    if func not in room_customer_checkers:
        room_customer_checkers.append(func)
    return func


def rooms_with_customers(room_ids: Iterable[int]) -> set[int]:
    ids = [int(i) for i in room_ids]
    bound: set[int] = set()
    if not ids:
        return bound
    for checker in room_customer_checkers:
        bound |= set(checker(ids))
    return bound

"""Structured results of the benchmarks, read by bench/run_all.py.

After its human-readable report a benchmark prints one line per measured operation:

    BENCH_RESULT {"operation": "…", "p50_ms": 12.3, "p95_ms": 20.1, "rows": 200000, "queries": 3, …}

Keys: operation, p50_ms, p95_ms, rows (size of the data the operation ran over), queries (SQL queries
per operation), sql_ms (the best hand-written SQL for the same answer, where there is one), ratio
(p50_ms / sql_ms), budget (text), ok (budget met). Missing values are null.
"""

from __future__ import annotations

import json

PREFIX = "BENCH_RESULT "


def emit(
    operation: str,
    *,
    p50_ms: float | None = None,
    p95_ms: float | None = None,
    rows: int | None = None,
    queries: float | None = None,
    sql_ms: float | None = None,
    budget: str = "",
    ok: bool | None = None,
) -> None:
    ratio = round(p50_ms / sql_ms, 2) if p50_ms is not None and sql_ms else None
    record = {
        "operation": operation,
        "p50_ms": None if p50_ms is None else round(p50_ms, 1),
        "p95_ms": None if p95_ms is None else round(p95_ms, 1),
        "rows": rows,
        "queries": queries,
        "sql_ms": None if sql_ms is None else round(sql_ms, 1),
        "ratio": ratio,
        "budget": budget,
        "ok": ok,
    }
    print(PREFIX + json.dumps(record, ensure_ascii=False), flush=True)


def percentile(values, p: float) -> float:
    """Nearest-rank percentile of a non-empty list (the same rule the benchmarks print)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class QueryCounter:
    """Counts SQL statements run on a connection (an executemany counts once), without keeping them."""

    def __init__(self, connection):
        self.connection = connection
        self.count = 0

    def _wrapper(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._cm = self.connection.execute_wrapper(self._wrapper)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)

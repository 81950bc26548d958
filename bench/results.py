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


def record(
    operation: str,
    *,
    p50_ms: float | None = None,
    p95_ms: float | None = None,
    rows: int | None = None,
    queries: float | None = None,
    sql_ms: float | None = None,
    budget: str = "",
    ok: bool | None = None,
) -> dict:
    """One result row (the keys above), rounded as printed."""
    ratio = round(p50_ms / sql_ms, 2) if p50_ms is not None and sql_ms else None
    return {
        "operation": operation,
        "p50_ms": _round(p50_ms),
        "p95_ms": _round(p95_ms),
        "rows": rows,
        "queries": queries,
        "sql_ms": _round(sql_ms),
        "ratio": ratio,
        "budget": budget,
        "ok": ok,
    }


def _round(ms: float | None) -> float | None:
    # Two decimals below 10 ms: the counter-based widgets take a fraction of a millisecond.
    if ms is None:
        return None
    return round(ms, 2) if abs(ms) < 10 else round(ms, 1)


def emit(operation: str, **values) -> None:
    """Print one result row as a `BENCH_RESULT` line (keyword arguments as for `record`)."""
    emit_record(record(operation, **values))


def emit_record(row: dict) -> None:
    print(PREFIX + json.dumps(row, ensure_ascii=False), flush=True)


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

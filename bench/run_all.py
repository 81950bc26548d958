"""Run every module's benchmark and print one table (issue 6).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anju_bench .venv/bin/python bench/run_all.py
    DATABASE_URL=... .venv/bin/python bench/run_all.py --quick          # small sizes, a few minutes
    DATABASE_URL=... .venv/bin/python bench/run_all.py --only estates,service --tasks 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anju_scale_bench .venv/bin/python bench/run_all.py --profile-db
    DATABASE_URL=... .venv/bin/python bench/run_all.py --profile-db --seed small   # seeds an empty database first

Default mode: each benchmark runs in its own process with the same DATABASE_URL (each builds and drops
its own `test_` database), one after the other.

`--profile-db`: the reads (room grid, omni search, workbench widgets, my tasks, task API) are measured by
bench/scale_bench.py on the database DATABASE_URL names, which `manage.py seed_scale` has filled (with
`--seed large|small`, run_all migrates and seeds it first when it holds no scale data); the writes,
which would change that data, are measured as in the default mode on each benchmark's own `test_`
database: the room wizard (estates_bench), the .xlsx import (customers_import_bench), the SLA sweep,
the sending of its deliveries and task creation through the API (service_bench, 100,000 tasks by
default: enough for its 10,000 due tasks). Their reads over their own data stay in the logs, except
estates_bench's grid page of 2,000 rooms (seed_scale's buildings have 100), which stays in the table.

The estates, customers and scale benchmarks print `BENCH_RESULT` JSON lines (bench/results.py);
bench/service_bench.py's text report is parsed. The table shows per operation p50 and p95 (ms), the
rows it ran over, SQL queries per operation, and the ratio to the best hand-written SQL where the
benchmark has one. The exit status is non-zero when a benchmark failed or missed a budget; `--json
FILE` also writes the rows.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.results import PREFIX  # noqa: E402


def _postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


CREATE_HTTP_DB = "anju_create_http_bench"


def create_http_benchmark(args) -> dict:
    """Task creation through gunicorn under concurrency. It drops and re-creates its own scratch
    database on the server DATABASE_URL names (never that database itself)."""
    parts = urllib.parse.urlsplit(os.environ.get("DATABASE_URL", ""))
    scratch = urllib.parse.urlunsplit(parts._replace(path=f"/{CREATE_HTTP_DB}"))
    return {
        "key": "create_http",
        "script": "service_create_http.py",
        "argv": ["--requests", str(500 if args.quick else 3000)],
        "env": {"DATABASE_URL": scratch},
        "needs_postgres": True,
    }


def benchmarks(args) -> list[dict]:
    quick = args.quick
    if args.profile_db:
        return [*profile_benchmarks(args), create_http_benchmark(args)]
    return [
        {"key": "estates", "script": "estates_bench.py", "argv": [], "env": {}},
        {
            "key": "search",
            "script": "customers_search_bench.py",
            "argv": [],
            "env": {"BENCH_CUSTOMERS": str(args.customers or (20_000 if quick else 200_000))},
        },
        {
            "key": "import",
            "script": "customers_import_bench.py",
            "argv": [],
            "env": {"BENCH_ROWS": str(args.import_rows or (10_000 if quick else 100_000))},
        },
        {
            "key": "service",
            "script": "service_bench.py",
            "argv": ["--tasks", str(args.tasks or (20_000 if quick else 1_000_000))],
            "env": {},
            "needs_postgres": True,
        },
        create_http_benchmark(args),
    ]


def profile_benchmarks(args) -> list[dict]:
    """--profile-db: the reads on the seeded database, the writes on their own (see the docstring).
    `drop`: operations whose names contain these words are reads over the benchmark's own data,
    measured on the seeded profile by scale_bench instead; `own`: label of the rows kept."""
    quick = args.quick
    own = " [own test db]"
    return [
        {
            "key": "scale",
            "script": "scale_bench.py",
            "argv": [
                "--runs",
                str(args.runs or (7 if quick else 15)),
                "--samples",
                str(args.samples or (50 if quick else 300)),
            ],
            "env": {},
        },
        {
            # Its grid page stays in the table: seed_scale's buildings hold 100 rooms, the 2,000-room
            # building of the grid budget exists only in estates_bench's own data.
            "key": "estates",
            "script": "estates_bench.py",
            "argv": [],
            "env": {},
            "own": own,
        },
        {
            "key": "import",
            "script": "customers_import_bench.py",
            "argv": [],
            "env": {"BENCH_ROWS": str(args.import_rows or (10_000 if quick else 100_000))},
            "own": own,
        },
        {
            "key": "service",
            "script": "service_bench.py",
            "argv": ["--tasks", str(args.tasks or (20_000 if quick else 100_000))],
            "env": {},
            "needs_postgres": True,
            "drop": ("widget", "my tasks"),
            "own": own,
        },
    ]


def seed_if_empty(profile: str, log_dir: Path) -> bool:
    """`manage.py migrate`, then `seed_scale --profile PROFILE` unless the database holds scale data.
    Returns False when a step failed (its output is in LOG_DIR/seed.log)."""
    log = log_dir / "seed.log"
    env = {
        "ANJU_TESTING": "1",
        **os.environ,
    }  # manage.py needs it (or DEBUG/SECRET_KEY), as the benchmarks set
    with log.open("a") as handle:

        def step(*argv: str) -> int:
            handle.write(f"$ {' '.join(argv)}\n")
            handle.flush()
            return subprocess.run(
                [sys.executable, *argv], cwd=ROOT, env=env, stdout=handle, stderr=handle, check=False
            ).returncode

        if step("manage.py", "migrate", "--no-input") != 0:
            print(f"- migrate failed (see {log})", flush=True)
            return False
        if step(str(HERE / "scale_bench.py"), "--check-seeded") == 0:
            print("- seed_scale data present: not seeding", flush=True)
            return True
        print(f"- seed_scale --profile {profile} … (large: ~13 min on 2 CPUs)", end=" ", flush=True)
        started = time.perf_counter()
        code = step("manage.py", "seed_scale", "--profile", profile)
        print(f"{'ok' if code == 0 else f'exit {code}'} in {time.perf_counter() - started:.0f} s", flush=True)
        return code == 0


# --- bench/service_bench.py's text report --------------------------------------------------------
_GENERATED = re.compile(r"generated ([\d,]+) tasks")
_SWEEP = re.compile(r"SLA sweep: ([\d,]+) due tasks .*? in ([\d.]+) s")
_SENDING = re.compile(r"sending ([\d,]+) e-mail/SMS deliveries \(worker side\) ([\d.]+) s")
_CREATE = re.compile(r"API task creation: ([\d.]+) tasks/s over (\d+)")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _num(text: str) -> float | None:
    return float(text) if _NUMBER.match(text) else None


def parse_service(output: str) -> list[dict]:
    """Rows from service_bench's report: the widget table (label padded to 28 characters, then
    "ORM ms", "SQL ms", "ratio", …), the sweep line and the API creation line."""
    rows = []
    generated = _GENERATED.search(output)
    tasks = int(generated.group(1).replace(",", "")) if generated else None
    in_table = False
    for line in output.splitlines():
        if line.startswith("widget") and "ORM ms" in line:
            in_table = True
            continue
        if not in_table:
            continue
        label, rest = line[:28].strip(), line[28:].split()
        orm = _num(rest[0]) if rest else None
        if not label or orm is None:
            in_table = False
            continue
        best = _num(rest[1]) if len(rest) > 1 else None
        printed = _num(rest[2]) if len(rest) > 2 else None  # the benchmark's own (unrounded) ratio
        rows.append(
            {
                "operation": f"service: widget {label} (median of 7)",
                "p50_ms": orm,
                "p95_ms": None,
                "rows": tasks,
                "queries": None,
                "sql_ms": best,
                "ratio": printed if printed is not None else (round(orm / best, 2) if best else None),
                "budget": "< 200 ms, < 2× SQL" if best else "< 200 ms",
                "ok": "OVER BUDGET" not in line,
            }
        )
    sweep = _SWEEP.search(output)
    if sweep:
        seconds = float(sweep.group(2))
        rows.append(
            {
                "operation": "service: SLA sweep (one run)",
                "p50_ms": seconds * 1000,
                "rows": int(sweep.group(1).replace(",", "")),
                "budget": "< 10 s",
                "ok": seconds <= 10,
            }
        )
    sending = _SENDING.search(output)
    if sending:
        rows.append(
            {
                "operation": "service: sending deliveries (worker side)",
                "p50_ms": float(sending.group(2)) * 1000,
                "rows": int(sending.group(1).replace(",", "")),
            }
        )
    create = _CREATE.search(output)
    if create:
        rate, n = float(create.group(1)), int(create.group(2))
        rows.append(
            {
                "operation": f"service: API task creation ({rate:.0f}/s, mean)",
                "p50_ms": 1000 / rate if rate else None,
                "rows": n,
                "budget": "≥ 200/s",
                "ok": rate >= 200,
            }
        )
    return rows


def parse_structured(output: str) -> list[dict]:
    return [json.loads(line[len(PREFIX) :]) for line in output.splitlines() if line.startswith(PREFIX)]


def run_one(bench: dict, log_dir: Path) -> tuple[list[dict], int, float]:
    env = {**os.environ, **bench["env"]}
    started = time.perf_counter()
    log = log_dir / f"{bench['key']}.log"
    with log.open("w") as handle:
        process = subprocess.run(
            [sys.executable, str(HERE / bench["script"]), *bench["argv"]],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=handle,
            text=True,
            check=False,
        )
        handle.write(process.stdout)
    elapsed = time.perf_counter() - started
    rows = parse_structured(process.stdout)
    if bench["key"] == "service" and not rows:
        rows = parse_service(process.stdout)
    dropped = bench.get("drop", ())
    rows = [r for r in rows if not any(word in r["operation"] for word in dropped)]
    for r in rows:
        r["operation"] += bench.get("own", "")
    return rows, process.returncode, elapsed


def _cell(value, fmt="{:.1f}") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if fmt == "{:.1f}" and abs(value) < 10:
            fmt = "{:.2f}"  # sub-millisecond widgets
        return fmt.format(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(rows: list[dict]) -> str:
    header = ["operation", "p50 ms", "p95 ms", "rows", "queries", "SQL ms", "ratio", "budget", "ok"]
    body = []
    for r in rows:
        ok = r.get("ok")
        body.append(
            [
                r["operation"],
                _cell(r.get("p50_ms")),
                _cell(r.get("p95_ms")),
                _cell(r.get("rows")),
                _cell(r.get("queries"), "{:g}"),
                _cell(r.get("sql_ms")),
                _cell(r.get("ratio"), "{:.2f}"),
                r.get("budget") or "",
                "" if ok is None else ("yes" if ok else "NO"),
            ]
        )
    widths = [max(len(str(x)) for x in col) for col in zip(header, *body, strict=False)]
    right = {1, 2, 3, 4, 5, 6}

    def line(cells):
        return "  ".join(
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(b) for b in body)])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes (20k customers, 10k imports, 20k tasks)"
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated: estates,search,import,service,create_http (--profile-db: scale, not search)",
    )
    parser.add_argument(
        "--profile-db",
        action="store_true",
        help="reads on the seed_scale database DATABASE_URL names (bench/scale_bench.py), writes on their own",
    )
    parser.add_argument(
        "--seed",
        choices=("large", "small"),
        help="with --profile-db: migrate and seed_scale this profile first when the database holds no scale data",
    )
    parser.add_argument("--runs", type=int, help="scale_bench --runs (default 15)")
    parser.add_argument("--samples", type=int, help="scale_bench --samples (default 300 customers)")
    parser.add_argument(
        "--tasks", type=int, help="service_bench --tasks (default 1,000,000; 100,000 with --profile-db)"
    )
    parser.add_argument("--customers", type=int, help="customers for the search benchmark (default 200,000)")
    parser.add_argument("--import-rows", type=int, help="rows for the import benchmark (default 100,000)")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    parser.add_argument(
        "--logs", type=Path, default=ROOT / "var" / "bench", help="each benchmark's full output"
    )
    args = parser.parse_args()
    only = {k.strip() for k in args.only.split(",") if k.strip()}
    args.logs.mkdir(parents=True, exist_ok=True)
    if args.seed and not args.profile_db:
        parser.error("--seed goes with --profile-db")
    database = os.environ.get("DATABASE_URL", "sqlite (default)").split("@")[-1]
    print(f"database: {database}; logs in {args.logs}", flush=True)

    all_rows, failures = [], []
    if args.seed and not seed_if_empty(args.seed, args.logs):
        failures.append(f"seeding failed (see {args.logs / 'seed.log'})")
        print("\n".join(failures))
        return 1
    for bench in benchmarks(args):
        if only and bench["key"] not in only:
            continue
        if bench.get("needs_postgres") and not _postgres():
            print(f"- {bench['script']}: skipped (needs PostgreSQL)", flush=True)
            continue
        print(f"- {bench['script']} …", end=" ", flush=True)
        rows, code, elapsed = run_one(bench, args.logs)
        status = "ok" if code == 0 else f"exit {code}"
        print(f"{status} in {elapsed:.0f} s, {len(rows)} rows", flush=True)
        if code != 0:
            failures.append(f"{bench['script']}: {status} (see {args.logs / (bench['key'] + '.log')})")
        if not rows:
            failures.append(f"{bench['script']}: no results parsed")
        all_rows.extend(rows)

    print()
    print(table(all_rows))
    if args.json:
        args.json.write_text(json.dumps(all_rows, ensure_ascii=False, indent=2))
    if failures:
        print("\n" + "\n".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

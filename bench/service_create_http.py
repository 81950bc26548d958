"""Task creation through the HTTP API under concurrency (issue 5: "creating a task through the API
sustains 200 per second"). Prints its figures; exits non-zero below the budget.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anju_create_http .venv/bin/python bench/service_create_http.py \
        [--requests 3000] [--concurrency 8] [--workers 3] [--threads 4]

What it does, on a scratch PostgreSQL database named by DATABASE_URL (dropped and re-created: never
point it at data you keep):
  1. migrates, builds one company with a customer-service department of five people named by the
     problem's default department (so every task is auto-assigned by duty and workload, notified
     in the inbox and, after commit, by huey — the path a real creation takes), a project and 200 rooms,
     and an API token;
  2. starts gunicorn as in production (DEBUG off, `-k gthread`, keep-alive; huey on Redis when
     REDIS_URL is set) and, with ApacheBench (`ab`, Debian package apache2-utils) when installed or a
     threaded keep-alive Python client otherwise, sends
       a. the ceiling: the same authenticated POST with an empty body, which DRF rejects (400) after
          authentication, permissions and parsing, before any business logic or write;
       b. task creations (201), the body varying by room;
  3. prints requests per second, p50/p95, errors, the ratio creation/ceiling, and the CPU the
     gunicorn workers and the database's backends spent per created task (from /proc), which says
     what the machine can reach: tasks/s ≤ cores × 1000 / (CPU ms per task);
  4. counts the rows afterwards: one task, one creation event and one operation-log row per 201,
     no duplicate task code (no lost or duplicated write).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results import emit  # noqa: E402

CREATE_BUDGET_PER_S = 200.0
PORT = 8019
TASKS_URL = "/api/v1/service/tasks/"


def _db_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("service_create_http needs a scratch PostgreSQL database: DATABASE_URL=postgres://...")
    return url


def recreate_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name and "create_http" not in name:
        # It drops the database: only one whose name says it is a throw-away benchmark database.
        sys.exit(f"refusing to drop {name!r}: name a scratch database with 'bench' or 'create_http' in it")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def prepare(rooms: int) -> dict:
    """Migrate and build the world in this process; return what the load needs."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ANJU_TESTING", "1")
    import django

    django.setup()
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from anju.core.testing import build_org_world, make_project, make_unit, make_user
    from anju.estates.models import Room
    from anju.org.choices import UnitKind
    from anju.service.models import Problem

    call_command("migrate", verbosity=0)
    world = build_org_world()
    problem = (
        Problem.objects.filter(is_active=True).exclude(default_department_name="").order_by("pk").first()
    )
    duty = make_unit(world.company_a, UnitKind.DEPARTMENT, problem.default_department_name)
    for i in range(5):
        make_user(duty, [world.role_a], all_projects=True, email=f"duty{i}@example.com")
    project = make_project(world.company_a, code="HTTP1")
    Room.objects.bulk_create(Room(project=project, code=f"H{i:04d}") for i in range(rooms))
    room_ids = list(Room.objects.filter(project=project).order_by("pk").values_list("pk", flat=True))
    token = Token.objects.create(user=world.user_a).key
    from django.db import connections

    connections.close_all()
    return {
        "token": token,
        "rooms": room_ids,
        "problem": problem.pk,
        "company": world.company_a.pk,
        "acceptor": world.user_a.pk,
    }


def body_for(world: dict, i: int) -> bytes:
    rooms = world["rooms"]
    return json.dumps(
        {
            "room": rooms[i % len(rooms)],
            "task_type": "complaint",
            "problem": world["problem"],
            "accepting_company": world["company"],
            "acceptor": world["acceptor"],
            "source": "daily",
            "description": f"HTTP 基准 {i}",
        },
        ensure_ascii=False,
    ).encode()


# --- CPU accounting from /proc ------------------------------------------------------------------------
_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _children(ppid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == ppid:
                    pids.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
    return pids


def _backends(db_name: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
            if cmdline.startswith("postgres:") and f" {db_name} " in cmdline:
                pids.append(int(entry.name))
    return pids


class CpuMeter:
    """CPU seconds of the gunicorn workers and of the database's backends between start() and stop().
    Connections are persistent (DB_CONN_MAX_AGE), so the backends live through the run."""

    def __init__(self, master_pid: int, db_name: str):
        self.master_pid, self.db_name = master_pid, db_name

    def _read(self) -> tuple[dict, dict]:
        workers = {pid: _cpu_seconds(pid) for pid in _children(self.master_pid)}
        backends = {pid: _cpu_seconds(pid) for pid in _backends(self.db_name)}
        return workers, backends

    def start(self):
        self.before = self._read()

    def stop(self) -> tuple[float, float]:
        after = self._read()
        spent = []
        for now, then in zip(after, self.before, strict=True):
            spent.append(sum(v - then.get(pid, 0.0) for pid, v in now.items()))
        return spent[0], spent[1]


# --- load generators -------------------------------------------------------------------------------------
def run_ab(path_body: Path | None, token: str, requests: int, concurrency: int, url: str = TASKS_URL) -> dict:
    post = ["-p", str(path_body), "-T", "application/json"] if path_body else []
    out = subprocess.run(
        [
            "ab", "-k", "-q", "-c", str(concurrency), "-n", str(requests), *post,
            "-H", f"Authorization: Token {token}", "-H", "Accept-Language: zh-hans",
            f"http://127.0.0.1:{PORT}{url}",
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    def grab(pattern, default="0"):
        found = re.search(pattern, out)
        return found.group(1) if found else default

    return {
        "rate": float(grab(r"Requests per second:\s+([\d.]+)")),
        "complete": int(grab(r"Complete requests:\s+(\d+)")),
        # ab counts a body whose length differs from the first one's as failed: not an error here.
        "failed": sum(int(grab(rf"{kind}: (\d+)")) for kind in ("Connect", "Receive", "Exceptions")),
        "non2xx": int(grab(r"Non-2xx responses:\s+(\d+)")),
        "p50": float(grab(r"\n\s+50%\s+(\d+)")),  # ab prints whole milliseconds
        "p95": float(grab(r"\n\s+95%\s+(\d+)")),
        "tool": "ab",
    }


def run_python_client(bodies: list[bytes], token: str, concurrency: int, expect: int) -> dict:
    """Threaded keep-alive client (when `ab` is missing; it costs the server some CPU)."""
    lock = threading.Lock()
    queue = list(reversed(bodies))
    latencies, statuses = [], []

    def worker():
        conn = HTTPConnection("127.0.0.1", PORT, timeout=60)
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            started = time.perf_counter()
            conn.request("POST", TASKS_URL, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                statuses.append(response.status)
        conn.close()

    threads = [threading.Thread(target=worker) for _i in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "rate": len(statuses) / wall,
        "complete": len(statuses),
        "failed": 0,
        "non2xx": sum(1 for s in statuses if s != expect),
        "p50": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "tool": "python threads",
    }


def load(world: dict, *, create: bool, requests: int, concurrency: int, workdir: Path) -> dict:
    if shutil.which("ab"):
        # ab posts one body: creations then differ only in code, all on the first room.
        path = workdir / ("create.json" if create else "empty.json")
        path.write_bytes(body_for(world, 0) if create else b"{}")
        return run_ab(path, world["token"], requests, concurrency)
    bodies = [body_for(world, i) if create else b"{}" for i in range(requests)]
    return run_python_client(bodies, world["token"], concurrency, 201 if create else 400)


def count_writes(db_url: str) -> dict:
    import psycopg

    with psycopg.connect(db_url) as conn:
        tasks, codes = conn.execute("SELECT count(*), count(DISTINCT code) FROM service_task").fetchone()
        events = conn.execute("SELECT count(*) FROM service_taskevent WHERE action = 'create'").fetchone()[0]
        logs = conn.execute(
            "SELECT count(*) FROM system_operationlog l JOIN django_content_type c ON c.id = l.content_type_id "
            "WHERE c.app_label = 'tasks' AND c.model = 'task' AND l.action = 'create'"
        ).fetchone()[0]
        assigned = conn.execute(
            "SELECT count(*) FROM service_task WHERE responsible_user_id IS NOT NULL"
        ).fetchone()[0]
    return {"tasks": tasks, "codes": codes, "events": events, "logs": logs, "assigned": assigned}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    db_url = _db_url()
    db_name = urllib.parse.urlsplit(db_url).path.lstrip("/")
    recreate_database(db_url)
    world = prepare(rooms=200)
    workdir = Path(tempfile.mkdtemp(prefix="anju-create-http-"))
    env = {
        **{k: v for k, v in os.environ.items() if k != "ANJU_TESTING"},
        "DATABASE_URL": db_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "ANJU_SECURE": "0",
        "ANJU_DATA_DIR": str(workdir),
        "HUEY_NAME": f"anju-bench-{os.getpid()}",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-w", str(args.workers), "-k", "gthread",
            "--threads", str(args.threads), "--keep-alive", "10", "-b", f"127.0.0.1:{PORT}",
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(workdir / "gunicorn.log").open("w"),
    )  # fmt: skip
    try:
        for _i in range(100):
            try:
                conn = HTTPConnection("127.0.0.1", PORT, timeout=2)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        meter = CpuMeter(server.pid, db_name)
        warm = max(args.concurrency * 10, 50)
        load(world, create=False, requests=warm, concurrency=args.concurrency, workdir=workdir)
        load(world, create=True, requests=warm, concurrency=args.concurrency, workdir=workdir)

        health = None
        if shutil.which("ab"):  # the bare framework: an unauthenticated GET (SELECT 1 and a queue ping)
            run_ab(None, "-", warm, args.concurrency, url="/healthz")
            meter.start()
            health = run_ab(None, "-", args.requests, args.concurrency, url="/healthz")
            health_cpu = meter.stop()
        meter.start()
        ceiling = load(
            world, create=False, requests=args.requests, concurrency=args.concurrency, workdir=workdir
        )
        ceiling_cpu = meter.stop()
        meter.start()
        created = load(
            world, create=True, requests=args.requests, concurrency=args.concurrency, workdir=workdir
        )
        create_cpu = meter.stop()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    writes = count_writes(db_url)
    expected = warm + args.requests
    cores = os.cpu_count() or 1
    per_task = [1000 * c / args.requests for c in create_cpu]
    per_reject = [1000 * c / args.requests for c in ceiling_cpu]
    print(
        f"machine: {cores} CPUs, load average {os.getloadavg()[0]:.1f}; gunicorn -w {args.workers} -k gthread "
        f"--threads {args.threads}; client {created['tool']}, concurrency {args.concurrency}"
    )
    if health:
        per_health = [1000 * c / args.requests for c in health_cpu]
        print(
            f"bare framework (GET /healthz: no authentication, SELECT 1, queue ping): {health['rate']:.0f}/s, p95 {health['p95']:.0f} ms; "
            f"CPU per request: gunicorn {per_health[0]:.1f} ms + PostgreSQL {per_health[1]:.1f} ms"
        )
    print(
        f"ceiling (authenticated POST rejected by DRF, no write): {ceiling['rate']:.0f}/s, p50 {ceiling['p50']:.0f} ms, "
        f"p95 {ceiling['p95']:.0f} ms; CPU per request: gunicorn {per_reject[0]:.1f} ms + PostgreSQL {per_reject[1]:.1f} ms"
    )
    print(
        f"API task creation: {created['rate']:.0f} tasks/s over {args.requests} requests at concurrency "
        f"{args.concurrency}, p50 {created['p50']:.0f} ms, p95 {created['p95']:.0f} ms, "
        f"errors {created['failed'] + created['non2xx']} (budget {CREATE_BUDGET_PER_S:.0f}/s)"
    )
    print(
        f"creation / ceiling: {created['rate'] / ceiling['rate']:.2f}; CPU per created task: gunicorn "
        f"{per_task[0]:.1f} ms + PostgreSQL {per_task[1]:.1f} ms → at most "
        f"{cores * 1000 / (per_task[0] + per_task[1]):.0f} tasks/s on {cores} CPUs with nothing else running"
    )
    print(
        f"writes counted afterwards: {writes['tasks']} tasks ({writes['codes']} distinct codes), "
        f"{writes['events']} creation events, {writes['logs']} operation-log rows, {writes['assigned']} "
        f"auto-assigned to a person; expected {expected} of each"
    )
    exact = writes["tasks"] == writes["codes"] == writes["events"] == writes["logs"] == expected
    errors = created["failed"] + created["non2xx"]
    ok = exact and errors == 0 and created["rate"] >= CREATE_BUDGET_PER_S
    print("no lost or duplicated writes" if exact else "WRITES DO NOT ADD UP")
    print("OK" if ok else "SOME BUDGETS MISSED")
    # One row per request kind for bench/run_all.py (rows: requests sent; no per-request SQL count).
    if health:
        emit(
            f"framework: GET /healthz over HTTP ({health['rate']:.0f}/s)",
            p50_ms=health["p50"],
            p95_ms=health["p95"],
            rows=args.requests,
        )
    emit(
        f"service: authenticated POST rejected over HTTP, the ceiling ({ceiling['rate']:.0f}/s)",
        p50_ms=ceiling["p50"],
        p95_ms=ceiling["p95"],
        rows=args.requests,
    )
    emit(
        f"service: API task creation over HTTP, {args.concurrency} clients ({created['rate']:.0f}/s, "
        f"{per_task[0] + per_task[1]:.0f} ms CPU a task)",
        p50_ms=created["p50"],
        p95_ms=created["p95"],
        rows=args.requests,
        budget=f"≥ {CREATE_BUDGET_PER_S:.0f}/s, no lost write",
        ok=ok,
    )
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

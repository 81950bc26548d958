"""Two huey consumers on Redis run the SLA sweep at the same time and send no notification twice
(issue 6, docs/deploy.md "several huey workers on more than one machine").

Real processes, as in production: a database of the test's own (a SQLite file, or a fresh PostgreSQL
database next to the test database when DATABASE_URL is PostgreSQL — pytest-django's in-memory SQLite
is invisible to other processes), `manage.py run_huey` twice with REDIS_URL and a queue name of its own,
a local SMTP server that counts what it receives and the SMS outbox table. Tasks overdue by two months
climb the whole escalation ladder (4 steps), so the sweep is enqueued many times from two processes.

Redis at ANJU_TEST_REDIS_URL (default redis://127.0.0.1:6379/14) is required: no Redis is a failure.
"""

from __future__ import annotations

import email
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from email.header import decode_header, make_header
from pathlib import Path

import dj_database_url
import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
REDIS_URL = os.environ.get("ANJU_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
N_TASKS = 20
LEVELS = 4  # the default escalation ladder: responsible, acceptor, supervisor, project head
SWEEPS_PER_ENQUEUER = 6
TIMEOUT = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except Exception as exc:
        pytest.fail(
            f"Redis is not reachable at {REDIS_URL} ({exc}). This test proves the multi-worker path and "
            "needs a Redis server (CI provides one); set ANJU_TEST_REDIS_URL to use another.",
            pytrace=False,
        )
    return client


class Database:
    """A database of this test's own, of the same engine as the test run's DATABASE_URL."""

    def __init__(self, tmp_path: Path):
        base = dj_database_url.parse(os.environ.get("DATABASE_URL", "sqlite:///unused.sqlite3"))
        self.vendor = "postgresql" if "postgresql" in base["ENGINE"] else "sqlite"
        if self.vendor == "sqlite":
            self.path = tmp_path / "multiworker.sqlite3"
            self.url = f"sqlite:///{self.path}"
            return
        self.server = {
            "host": base["HOST"] or "127.0.0.1",
            "port": base["PORT"] or 5432,
            "user": base["USER"] or "postgres",
            "password": base["PASSWORD"] or None,
        }
        self.name = f"{base['NAME']}_mw_{os.getpid()}"[:60]
        with self._connect("postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
            conn.execute(f'CREATE DATABASE "{self.name}"')
        auth = self.server["user"] + (f":{self.server['password']}" if self.server["password"] else "")
        self.url = f"postgres://{auth}@{self.server['host']}:{self.server['port']}/{self.name}"

    def _connect(self, dbname, autocommit=False):
        import psycopg

        return psycopg.connect(dbname=dbname, autocommit=autocommit, **self.server)

    def rows(self, sql: str) -> list[tuple]:
        if self.vendor == "sqlite":
            conn = sqlite3.connect(self.path, timeout=20)
            try:
                return conn.execute(sql).fetchall()
            finally:
                conn.close()
        with self._connect(self.name) as conn:
            return conn.execute(sql).fetchall()

    def value(self, sql: str):
        return self.rows(sql)[0][0]

    def drop(self) -> None:
        if self.vendor == "postgresql":
            with self._connect("postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Smtp:
    """A local SMTP server recording (recipient, subject) of every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.received: list[tuple[str, str]] = []
        received = self.received

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = email.message_from_bytes(envelope.content)
                subject = str(make_header(decode_header(message["Subject"])))
                received.extend((rcpt, subject) for rcpt in envelope.rcpt_tos)
                return "250 OK"

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()


def _run(args, env, timeout=TIMEOUT) -> dict:
    result = subprocess.run(
        [PYTHON, "-m", "tests.multiworker.driver", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"driver {args} failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def stack(tmp_path):
    redis_client = _redis()
    database = Database(tmp_path)
    smtp = Smtp()
    name = f"anju-proof-mw-{uuid.uuid4().hex[:8]}"

    def clear_cache():
        # Cached calendars and parameters are keyed by row ids: none may survive from another database.
        for key in redis_client.scan_iter(match=":1:*", count=1000):
            redis_client.delete(key)

    clear_cache()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ANJU_TESTING": "1",
        "ANJU_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database.url,
        "REDIS_URL": REDIS_URL,
        "HUEY_NAME": name,
        "HUEY_IMMEDIATE": "0",
        "HUEY_WORKERS": "2",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "SMS_BACKEND": "outbox",
        "PYTHONUNBUFFERED": "1",
    }
    from huey import PriorityRedisHuey

    huey = PriorityRedisHuey(name, url=REDIS_URL)
    try:
        yield env, database, smtp, huey, tmp_path
    finally:
        smtp.stop()
        huey.flush()
        clear_cache()
        database.drop()


def _consumer(env, log: Path) -> subprocess.Popen:
    # Short polling intervals so that both consumers are awake when the sweeps arrive.
    return subprocess.Popen(
        [PYTHON, "manage.py", "run_huey", "--delay", "0.05", "--max-delay", "0.5"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def _wait_for(predicate, what: str, timeout: float = TIMEOUT, logs=()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    text = "\n".join(f"--- {log}\n{log.read_text()[-3000:]}" for log in logs)
    pytest.fail(f"timed out waiting for {what}\n{text}")


def test_two_consumers_sweep_without_sending_anything_twice(stack):
    env, db, smtp, huey, tmp_path = stack
    tasks = _run(["setup", str(N_TASKS)], env)["tasks"]
    assert len(tasks) == N_TASKS

    logs = [tmp_path / "consumer-1.log", tmp_path / "consumer-2.log"]
    consumers = [_consumer(env, log) for log in logs]
    try:
        _wait_for(
            lambda: all("consumer started" in log.read_text().lower() for log in logs),
            "both consumers to start",
            timeout=60,
            logs=logs,
        )
        # Two processes enqueue the sweep at once (as two web/cron machines would).
        enqueuers = [
            subprocess.Popen(
                [PYTHON, "-m", "tests.multiworker.driver", "enqueue", str(SWEEPS_PER_ENQUEUER)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        for process in enqueuers:
            out, _ = process.communicate(timeout=TIMEOUT)
            assert process.returncode == 0, out

        def settled():
            climbing = db.value(
                "SELECT count(*) FROM service_task "
                f"WHERE escalation_level < {LEVELS} OR next_escalation_at IS NOT NULL"
            )
            pending = db.value("SELECT count(*) FROM service_delivery WHERE status = 'pending'")
            return climbing == 0 and pending == 0 and huey.pending_count() == 0

        _wait_for(settled, "the ladder to be climbed and every delivery sent", logs=logs)
        time.sleep(1)  # a sweep still running after the queue emptied would show up below
    finally:
        for process in consumers:
            process.send_signal(signal.SIGINT)
        for process in consumers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    texts = [log.read_text() for log in logs]
    for log, text in zip(logs, texts, strict=True):
        assert "Traceback" not in text and "Unhandled exception" not in text, f"{log}:\n{text[-4000:]}"
    # Both consumers really took part.
    for log, text in zip(logs, texts, strict=True):
        assert "anju.service.tasks.sla_sweep" in text, f"{log} ran no sweep:\n{text[-2000:]}"
    sweeps = sum(text.count("Executing anju.service.tasks.sla_sweep") for text in texts)
    assert sweeps >= 2 * SWEEPS_PER_ENQUEUER

    # Every escalation step once per task and level, one inbox message each.
    steps = db.rows("SELECT task_id, level, count(*) FROM service_escalationlog GROUP BY task_id, level")
    assert len(steps) == N_TASKS * LEVELS and all(n == 1 for _t, _l, n in steps)
    notes = db.rows(
        "SELECT dedupe_key, count(*) FROM service_notification WHERE template = 'task_escalated' "
        "GROUP BY dedupe_key"
    )
    assert len(notes) == N_TASKS * LEVELS and all(n == 1 for _k, n in notes)

    # Every delivery sent exactly once: nothing pending or failed, and what the SMTP server and the
    # SMS outbox received is exactly the set of deliveries, without a duplicate.
    statuses = dict(db.rows("SELECT status, count(*) FROM service_delivery GROUP BY status"))
    assert set(statuses) <= {"sent", "skipped"}, statuses
    emails = Counter(
        db.rows(
            "SELECT d.address, n.title FROM service_delivery d JOIN service_notification n "
            "ON n.id = d.notification_id WHERE d.channel = 'email' AND d.status = 'sent'"
        )
    )
    assert sum(emails.values()) >= N_TASKS * LEVELS
    assert max(emails.values()) == 1
    assert Counter(smtp.received) == emails, "the SMTP server received something twice or not at all"
    sms = Counter(
        db.rows(
            "SELECT d.address, n.title FROM service_delivery d JOIN service_notification n "
            "ON n.id = d.notification_id WHERE d.channel = 'sms' AND d.status = 'sent'"
        )
    )
    assert sum(sms.values()) >= N_TASKS * LEVELS
    outbox = Counter(db.rows("SELECT phone, body FROM service_smsoutbox"))
    assert max(outbox.values()) == 1, "an SMS was sent twice"
    assert sum(outbox.values()) == sum(sms.values())
    attempts = db.value("SELECT max(attempts) FROM service_delivery WHERE status = 'sent'")
    assert attempts == 1

"""A huey consumer killed with SIGKILL in the middle of sending notifications loses none and sends
few twice (issue 11 item 1: 500 deliveries left pending for good after `kill -9` of the consumer).

Real processes, as in test_multiworker.py: a database of the test's own (SQLite file or a fresh
PostgreSQL database), `manage.py run_huey` with REDIS_URL, a local SMTP server recording each
message's Message-ID, and an SMS backend (tests/multiworker/stub_sms.py) appending each message's
idempotency key to a file. Short leases (3 s) and chunks (10 rows) keep it to seconds.
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import subprocess
import time
import uuid
from collections import Counter

import pytest

from tests.multiworker.test_multiworker import (
    REDIS_URL,
    Database,
    _consumer,
    _free_port,
    _redis,
    _run,
    _wait_for,
)

N_NOTES = 120  # 240 deliveries in 4 jobs of 60
CHUNK = 10
WORKERS = 2
LEASE_SECONDS = 3


class RecordingSmtp:
    """A local SMTP server recording the Message-ID of every message, taking a few ms each."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.message_ids: list[str] = []
        ids = self.message_ids

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                await asyncio.sleep(0.005)
                ids.append(email.message_from_bytes(envelope.content)["Message-ID"])
                return "250 OK"

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()


def _key(value) -> str:
    """A delivery key as SQLite (32 hex digits) or PostgreSQL (uuid) returns it, or as sent."""
    return uuid.UUID(str(value).strip().strip("<>").split("@")[0]).hex


@pytest.fixture
def outbox_stack(tmp_path):
    redis_client = _redis()
    database = Database(tmp_path)
    smtp = RecordingSmtp()
    name = f"anju-proof-outbox-{uuid.uuid4().hex[:8]}"
    sent_log = tmp_path / "sms-sent.log"
    sent_log.touch()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ANJU_TESTING": "1",
        "ANJU_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database.url,
        "REDIS_URL": REDIS_URL,
        "HUEY_NAME": name,
        "HUEY_IMMEDIATE": "0",
        "HUEY_WORKERS": str(WORKERS),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "SMS_BACKEND": "tests.multiworker.stub_sms.RecordingSms",
        "OUTBOX_SENT_LOG": str(sent_log),
        "OUTBOX_SEND_SECONDS": "0.01",
        "DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
        "DELIVERY_CHUNK": str(CHUNK),
        "PYTHONUNBUFFERED": "1",
    }
    from huey import PriorityRedisHuey

    huey = PriorityRedisHuey(name, url=REDIS_URL)
    for key in redis_client.scan_iter(match=":1:*", count=1000):
        redis_client.delete(key)
    try:
        yield env, database, smtp, huey, sent_log, tmp_path
    finally:
        smtp.stop()
        huey.flush()
        database.drop()


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_a_consumer_killed_mid_batch_loses_nothing(outbox_stack):
    env, db, smtp, huey, sent_log, tmp_path = outbox_stack
    total = _run(["outbox_setup", str(N_NOTES)], env)["deliveries"]
    assert total == 2 * N_NOTES

    def sms_sent() -> list[str]:
        return [_key(line) for line in sent_log.read_text().splitlines() if line.strip()]

    first_log = tmp_path / "consumer-1.log"
    first = _consumer(env, first_log)
    try:
        # Mid-batch: some messages are out, most are not.
        _wait_for(lambda: len(sms_sent()) + len(smtp.message_ids) >= 40, "the first sends", logs=[first_log])
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    statuses = dict(db.rows("SELECT status, count(*) FROM service_delivery GROUP BY status"))
    assert statuses.get("pending", 0) > total / 2, f"the consumer was not killed mid-batch: {statuses}"
    assert statuses.get("sent", 0) + statuses.get("pending", 0) == total

    # A new consumer; the jobs the dead one had taken are gone from the queue, so only the sweep
    # (normally every minute; here run by hand) brings their rows back when their lease expires.
    second_log = tmp_path / "consumer-2.log"
    second = _consumer(env, second_log)
    try:
        settled = _run(["outbox_settle", "120"], env)
        assert settled["pending"] == 0, f"{settled}\n{second_log.read_text()[-3000:]}"
        # The dead worker's leased rows came back through the sweep, after their lease.
        assert sum(s["requeued"] for s in settled["sweeps"]) > 0
        _wait_for(lambda: huey.pending_count() == 0, "the queue to drain", timeout=30, logs=[second_log])
        time.sleep(0.5)
    finally:
        _stop(second)
    text = second_log.read_text()
    assert "Traceback" not in text, text[-4000:]

    # Every delivery ended sent (nothing fails in this test), none forgotten.
    rows = db.rows("SELECT key, channel, status, attempts, provider_message_id FROM service_delivery")
    assert len(rows) == total and {status for _k, _c, status, _a, _p in rows} == {"sent"}
    assert max(attempts for *_rest, attempts, _p in rows) <= 2
    keys = {channel: Counter() for channel in ("email", "sms")}
    for key, channel, *_rest in rows:
        keys[channel][_key(key)] = 0
    received = {"email": Counter(_key(m) for m in smtp.message_ids), "sms": Counter(sms_sent())}
    for channel in ("email", "sms"):
        assert set(received[channel]) == set(keys[channel]), f"{channel}: a message is missing or unknown"
    # What was sent twice is at most what the dead worker threads had claimed and not recorded
    # (one chunk each), and carried the same idempotency key both times.
    duplicates = sum(n - 1 for counter in received.values() for n in counter.values())
    assert duplicates <= WORKERS * CHUNK, received
    # The e-mail's provider id is its Message-ID: a resend is recognisable by the receiving side.
    for key, channel, _s, _a, provider_id in rows:
        if channel == "email":
            assert _key(provider_id) == _key(key)

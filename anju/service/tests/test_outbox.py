"""The notification outbox (issue 11): leases, retries with backoff, the sweep, idempotency keys,
and a database connection lost while a job records what it sent."""

import datetime
import smtplib

import pytest
from django.db import OperationalError, connection, transaction
from django.test import TestCase
from django.utils import timezone

from anju.service import notifications
from anju.service.models import Delivery, SmsOutbox

pytestmark = pytest.mark.django_db

STUB = "anju.service.tests.test_outbox.StubSms"


class StubSms:
    """An SMS gateway that records every send and fails as told (one behaviour per call)."""

    sent: list = []
    script: list = []
    on_send = None

    def send(self, phone, body, key=None):
        if StubSms.on_send is not None:
            StubSms.on_send()
        behaviour = StubSms.script.pop(0) if StubSms.script else None
        if isinstance(behaviour, BaseException):
            raise behaviour
        StubSms.sent.append(str(key))
        return f"stub-{len(StubSms.sent)}"


@pytest.fixture
def stub(settings):
    settings.ANJU_SMS_BACKEND = STUB
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    StubSms.sent, StubSms.script, StubSms.on_send = [], [], None
    yield StubSms
    StubSms.on_send = None


@pytest.fixture
def queued(monkeypatch):
    """The jobs that would go to huey: (ids, token) pairs, run by hand."""
    jobs = []
    monkeypatch.setattr(notifications, "_enqueue", lambda ids, token=None: jobs.append((list(ids), token)))
    return jobs


def _notify(svc, n=1):
    """n notifications for one person in one batch (one job), as the SLA sweep writes them."""
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        notifications.save_batch(
            [
                notifications.prepare(
                    recipient=svc.acceptor, template="task_completed", context={"task": f"RW{i}"}
                )
                for i in range(n)
            ]
        )


def _sweep(**kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return notifications.sweep(**kwargs)


def _sms():
    return list(Delivery.objects.filter(channel="sms").order_by("pk"))


def test_new_deliveries_are_handed_to_their_job_and_nobody_else(svc, stub, queued):
    _notify(svc, 3)
    ((ids, token),) = queued
    rows = Delivery.objects.filter(pk__in=ids)
    assert rows.count() == 6 and {r.lease_token for r in rows} == {token}
    # Handed to the queued job: a job without the token (or the sweep) takes none of them yet.
    assert notifications.claim(ids)[1] == []
    assert _sweep() == {"requeued": 0, "gave_up": 0}
    assert notifications.deliver_batch(ids, token) == {"sent": 6, "failed": 0, "retry": 0, "lost": 0}
    assert sorted(stub.sent) == sorted(str(d.key) for d in _sms())
    assert all(d.status == "sent" and d.attempts == 1 and not d.lease_token for d in Delivery.objects.all())
    # The job run twice (huey retried it) sends nothing again.
    assert notifications.deliver_batch(ids, token)["sent"] == 0
    assert len(stub.sent) == 3


def test_a_row_is_leased_to_one_claimer_at_a_time(svc, stub, queued):
    _notify(svc, 2)
    ((ids, token),) = queued
    lease_a, rows_a = notifications.claim(ids, token=token, limit=3)
    lease_b, rows_b = notifications.claim(ids, token=token, limit=10)
    assert len(rows_a) == 3 and len(rows_b) == 1 and lease_a != lease_b
    assert not {r.pk for r in rows_a} & {r.pk for r in rows_b}
    later = rows_a[0].leased_until + datetime.timedelta(seconds=1)
    assert notifications.claim(ids, now=later - datetime.timedelta(seconds=2))[1] == []
    # The first claimer's lease expired and somebody else took the rows: its outcome is not written.
    lease_c, rows_c = notifications.claim(ids, now=later, limit=10)
    assert {r.pk for r in rows_c} == {r.pk for r in rows_a + rows_b}
    outcomes = notifications._outcomes(rows_a, {r.pk: ("x", None) for r in rows_a}, timezone.now())
    assert notifications._record(lease_a, outcomes) == 0
    assert notifications._record(lease_c, outcomes) == 3
    assert Delivery.objects.filter(status="sent").count() == 3
    assert {r.attempts for r in Delivery.objects.filter(pk__in=[r.pk for r in rows_a])} == {2}


def test_temporary_failures_back_off_then_fail_at_the_limit(svc, stub, queued, settings):
    settings.ANJU_DELIVERY_MAX_ATTEMPTS = 3
    settings.ANJU_DELIVERY_RETRY_SECONDS = 60
    _notify(svc)
    ((_ids, token),) = queued
    (sms,) = _sms()
    stub.script = [notifications.TemporaryError("busy")] * 3
    t0 = timezone.now()
    assert notifications.deliver_batch([sms.pk], token, now=t0)["retry"] == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.next_attempt_at) == (
        "pending",
        1,
        t0 + datetime.timedelta(seconds=60),
    )
    assert "busy" in sms.error and sms.leased_until is None
    # Not before the backoff; then the sweep hands it to a job.
    assert _sweep(now=t0 + datetime.timedelta(seconds=59))["requeued"] == 0
    t1 = t0 + datetime.timedelta(seconds=60)
    assert _sweep(now=t1)["requeued"] == 1
    ids2, token2 = queued[-1]
    assert _sweep(now=t1)["requeued"] == 0  # idempotent
    assert notifications.deliver_batch(ids2, token2, now=t1)["retry"] == 1
    sms.refresh_from_db()
    assert sms.next_attempt_at == t1 + datetime.timedelta(seconds=120)  # exponential
    t2 = sms.next_attempt_at
    assert notifications.deliver_batch([sms.pk], now=t2)["failed"] == 1  # third attempt: the limit
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.next_attempt_at) == ("failed", 3, None)
    assert stub.sent == []


def test_permanent_failures_fail_at_once(svc, stub, queued, settings):
    _notify(svc)
    ((ids, token),) = queued
    stub.script = [notifications.PermanentError("unknown number")]
    settings.EMAIL_BACKEND = "anju.service.tests.test_outbox.RefusingEmail"
    assert notifications.deliver_batch(ids, token) == {"sent": 0, "failed": 2, "retry": 0, "lost": 0}
    errors = dict(Delivery.objects.values_list("channel", "error"))
    assert "unknown number" in errors["sms"] and "550" in errors["email"]


class RefusingEmail:
    def __init__(self, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"no such user")})


def test_the_error_classification():
    import urllib.error

    assert notifications.is_temporary(smtplib.SMTPServerDisconnected("gone"))
    assert notifications.is_temporary(ConnectionRefusedError())
    assert notifications.is_temporary(smtplib.SMTPDataError(451, b"try later"))
    assert not notifications.is_temporary(smtplib.SMTPDataError(554, b"rejected"))
    assert notifications.is_temporary(urllib.error.HTTPError("u", 502, "bad gateway", {}, None))
    assert notifications.is_temporary(urllib.error.HTTPError("u", 429, "slow down", {}, None))
    assert not notifications.is_temporary(urllib.error.HTTPError("u", 401, "no", {}, None))


def test_the_sweep_requeues_expired_leases_and_gives_up_on_workers_that_keep_dying(
    svc, stub, queued, settings
):
    settings.ANJU_DELIVERY_MAX_ATTEMPTS = 2
    _notify(svc, 2)
    ((ids, token),) = queued
    # A worker took two rows and died without recording anything.
    _lease, taken = notifications.claim(ids, token=token, limit=2)
    expired = taken[0].leased_until + datetime.timedelta(seconds=1)
    result = _sweep(now=expired)
    assert result == {"requeued": 4, "gave_up": 0}
    assert _sweep(now=expired) == {"requeued": 0, "gave_up": 0}
    for job_ids, job_token in queued[1:]:
        notifications.deliver_batch(job_ids, job_token, now=expired)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert len(stub.sent) == 2 and len(set(stub.sent)) == 2
    # A row whose every attempt died with its worker fails for good instead of looping.
    Delivery.objects.update(status="pending", attempts=2, next_attempt_at=expired, error="")
    assert _sweep(now=expired) == {"requeued": 0, "gave_up": 4}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"failed"}
    assert "maximum number of attempts" in Delivery.objects.first().error


def test_the_sms_outbox_queues_a_key_once():
    backend = notifications.OutboxBackend()
    key = "0f0f0f0f-0000-4000-8000-000000000001"
    first = backend.send("13900000001", "hello", key=key)
    again = backend.send_many([("13900000001", "hello", key), ("13900000002", "hi", None)])
    assert first == again[0] and first.startswith("outbox:")
    assert SmsOutbox.objects.count() == 2


def test_retry_makes_a_failed_delivery_pending_again(svc, stub, queued):
    _notify(svc)
    ((ids, token),) = queued
    stub.script = [notifications.PermanentError("down")]
    notifications.deliver_batch(ids, token)
    (sms,) = _sms()
    assert sms.status == "failed"
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        assert notifications.retry([sms.pk, sms.pk + 1000]) == [sms.pk]
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("pending", 0)
    job_ids, job_token = queued[-1]
    assert notifications.deliver_batch(job_ids, job_token)["sent"] == 1
    assert stub.sent == [str(sms.key)]
    assert notifications.retry([sms.pk]) == []  # a sent delivery is not sent again


# --- a database connection lost while the job runs ------------------------------------------------
def _terminate_my_backend():
    """From another connection, kill this connection's PostgreSQL backend (what a failover, a
    network cut or an administrator's pg_terminate_backend does)."""
    import psycopg

    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_connection_lost_after_sending_does_not_send_twice(svc, stub, queued, monkeypatch):
    """The job's connection dies between sending and recording (PostgreSQL: the backend is
    terminated while the gateway is talking; SQLite: the recording's COMMIT fails). The outcome is
    recorded on a new connection: every delivery sent, none twice, nothing left pending."""
    _notify(svc, 3)
    ((ids, token),) = queued
    if connection.vendor == "postgresql":
        done = []

        def kill_once():
            if not done:
                done.append(True)
                _terminate_my_backend()

        stub.on_send = kill_once
    else:
        real_commit = connection.commit
        armed, failures = [], []
        stub.on_send = lambda: armed.append(True)  # the next COMMIT is the recording's

        def commit_fails_once():
            if armed and not failures:
                failures.append(True)
                raise OperationalError("disk I/O error")
            return real_commit()

        monkeypatch.setattr(connection, "commit", commit_fails_once)
    assert notifications.deliver_batch(ids, token)["sent"] == 6
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert sorted(stub.sent) == sorted(str(d.key) for d in _sms())
    assert Delivery.objects.filter(attempts=1).count() == 6


@pytest.mark.django_db(transaction=True)
def test_connection_lost_while_claiming_leaves_the_rows_to_the_sweep(
    svc, stub, queued, monkeypatch, settings
):
    """The claim's transaction dies: the job fails (huey logs it) and nothing was sent; when the
    rows' lease ends the sweep hands them to a new job, which sends each once."""
    _notify(svc, 2)
    ((ids, token),) = queued
    real = notifications.claim
    calls = []

    def dying_claim(*args, **kwargs):
        if not calls:
            calls.append(True)
            if connection.vendor == "postgresql":
                _terminate_my_backend()
            else:
                raise OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(notifications, "claim", dying_claim)
    with pytest.raises(OperationalError):
        notifications.deliver_batch(ids, token)
    connection.close()  # what huey's db_task does after a job
    assert stub.sent == [] and set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
    later = Delivery.objects.first().next_attempt_at + datetime.timedelta(seconds=1)
    assert _sweep(now=later)["requeued"] == 4
    for job_ids, job_token in queued[1:]:
        notifications.deliver_batch(job_ids, job_token, now=later)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert sorted(stub.sent) == sorted(str(d.key) for d in _sms())

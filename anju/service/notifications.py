"""Notifications: an inbox row per recipient, plus e-mail and SMS deliveries sent after commit.

Texts come from templates (MessageTemplate rows override the built-in wording), rendered with the
Django template engine.

The deliveries are an outbox (docs/architecture.md "The notification outbox"): each row is pending
until it is sent or has failed for good. A pending row is taken under a lease (a token and an end
time, claimed with `select_for_update(skip_locked=True)` and a conditional UPDATE), sent outside the
claiming transaction, and its outcome recorded only if the lease is still the taker's. A temporary
failure is retried with exponential backoff up to a maximum number of attempts; a lease that
expired (the worker died, its connection dropped) makes the row due again, and the periodic
`delivery_sweep` re-queues due rows. A resend after a crash carries the same idempotency key (the
delivery's `key`) to the gateway, so a gateway that honours it does not deliver a second message.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import smtplib
import time
import urllib.error
import urllib.request
import uuid
from importlib import import_module

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.template import Context, Template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core import bulk
from anju.service.choices import DeliveryStatus, NotificationChannel

logger = logging.getLogger(__name__)

BUILTIN = {
    "task_assigned": (
        _("Task {{ task.code }} is assigned to you"),
        _(
            "{{ task.project }} {{ task.room }}: {{ task.description|truncatechars:80 }}. Reply by {{ task.reply_due|date:'Y-m-d H:i' }}."
        ),
    ),
    "task_completed": (
        _("Task {{ task.code }} is completed"),
        _("{{ task.responsible_display }} completed task {{ task.code }} ({{ task.room }})."),
    ),
    "task_reopened": (
        _("Task {{ task.code }} is reopened"),
        _("Task {{ task.code }} ({{ task.room }}) was reopened: {{ note }}"),
    ),
    "task_escalated": (
        _("Timeout: task {{ task.code }} (level {{ level }})"),
        _(
            "Task {{ task.code }} ({{ task.project }} {{ task.room }}) is overdue: {{ clocks }}. Responsible: {{ task.responsible_display }}."
        ),
    ),
    "callback_bad": (
        _("Bad callback result for task {{ task.code }}"),
        _(
            "The customer rated task {{ task.code }} “{{ satisfaction }}”: {{ comments }}. The task is reopened."
        ),
    ),
}


class _Plain:
    """A template made only of text and filter-less variables (the built-in wordings and most
    administrators' ones), rendered by resolving each variable and joining: the same text as
    Template.render with autoescape off, several times faster for the thousands of messages of an
    SLA sweep. Anything else (tags, filters) keeps the full template engine."""

    def __init__(self, template: Template):
        from django.template.base import TextNode, VariableNode

        self.template = template
        self.context = Context(autoescape=False)  # what render_value_in_context reads (l10n, tz)
        self.parts: list | None = []
        for node in template.nodelist:
            if isinstance(node, TextNode):
                self.parts.append(node.s)
            elif isinstance(node, VariableNode) and not node.filter_expression.filters:
                self.parts.append(node.filter_expression.var)
            else:
                self.parts = None
                break

    def render(self, context: dict) -> str:
        from django.template.base import Variable, render_value_in_context

        if self.parts is None:
            return self.template.render(Context(context, autoescape=False))
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            try:
                value = part.resolve(context) if isinstance(part, Variable) else part
            except Exception:  # what the engine does with a missing variable: string_if_invalid
                value = None
            if value is None:
                # The engine shows None as "None" but a failed lookup as ""; fall back for exactness.
                return self.template.render(Context(context, autoescape=False))
            out.append(str(render_value_in_context(value, self.context)))
        return "".join(out)


def _texts(code: str, memo: dict | None = None) -> tuple[_Plain, _Plain]:
    """The compiled (subject, body) templates of a code; `memo` keeps them for a whole batch."""
    from anju.service.models import MessageTemplate

    if memo is not None and code in memo:
        return memo[code]
    row = MessageTemplate.objects.filter(code=code).first()
    subject, body = (row.subject, row.body) if row else (str(BUILTIN[code][0]), str(BUILTIN[code][1]))
    pair = (_Plain(Template(subject)), _Plain(Template(body)))
    if memo is not None:
        memo[code] = pair
    return pair


def render(code: str, context: dict, memo: dict | None = None) -> tuple[str, str]:
    subject, body = _texts(code, memo)
    return subject.render(context).strip()[:200], body.render(context).strip()


def prepare(*, recipient, template: str, context: dict, task=None, dedupe_key: str | None = None, memo=None):
    """Build (unsaved) rows for one recipient: the inbox message itself, and an e-mail and an SMS
    delivery (status "skipped" when the user has no address)."""
    from anju.service.models import Delivery, Notification

    title, body = render(template, context, memo)
    notification = Notification(
        recipient=recipient, template=template, title=title, body=body, task=task, dedupe_key=dedupe_key
    )
    deliveries = [
        Delivery(
            channel=NotificationChannel.EMAIL,
            address=recipient.email or "",
            status=DeliveryStatus.PENDING if recipient.email else DeliveryStatus.SKIPPED,
        ),
        Delivery(
            channel=NotificationChannel.SMS,
            address=recipient.mobile or "",
            status=DeliveryStatus.PENDING if recipient.mobile else DeliveryStatus.SKIPPED,
        ),
    ]
    return notification, deliveries


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def lease_seconds() -> int:
    return _setting("ANJU_DELIVERY_LEASE_SECONDS", 300)


def max_attempts() -> int:
    return max(1, _setting("ANJU_DELIVERY_MAX_ATTEMPTS", 5))


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th try failed temporarily: base × 2^(attempts−1), at most a day."""
    seconds = _setting("ANJU_DELIVERY_RETRY_SECONDS", 60) * 2 ** max(0, min(attempts - 1, 20))
    return datetime.timedelta(seconds=min(seconds, 86400))


def _new_token() -> str:
    return uuid.uuid4().hex


def save_batch(items) -> list[int]:
    """Save prepared (notification, deliveries) pairs; skip duplicates by dedupe key; schedule
    sending after commit. Returns the ids of the pending deliveries.

    The pending deliveries are written already handed to the job queued after commit (a lease under
    that job's token): if the job never runs (the commit's callback lost, the worker killed), the
    lease expires and the sweep re-queues them."""
    from anju.service.models import Delivery, Notification

    if not items:
        return []
    keys = [n.dedupe_key for n, _d in items if n.dedupe_key]
    existing = (
        set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
        if keys
        else set()
    )
    fresh = [(n, d) for n, d in items if not n.dedupe_key or n.dedupe_key not in existing]
    bulk.insert(Notification, [n for n, _d in fresh])
    token = _new_token()
    until = timezone.now() + datetime.timedelta(seconds=lease_seconds())
    rows = []
    for n, ds in fresh:
        for d in ds:
            d.notification = n
            if d.status == DeliveryStatus.PENDING:
                d.lease_token, d.leased_until, d.next_attempt_at = token, until, until
            rows.append(d)
    bulk.insert(Delivery, rows)
    pending = [d.pk for d in rows if d.status == DeliveryStatus.PENDING]
    if pending:
        transaction.on_commit(lambda: _enqueue(pending, token))
    return pending


def notify(*, recipient, template: str, context: dict, task=None, dedupe_key=None):
    if recipient is None:
        return []
    return save_batch(
        [prepare(recipient=recipient, template=template, context=context, task=task, dedupe_key=dedupe_key)]
    )


# The job that sends a batch of deliveries (anju.service.tasks.send_deliveries), installed by the
# service app at ready(): the jobs module imports this one, so this one cannot import it.
_send_deliveries = None


def install_sender(send_deliveries) -> None:
    global _send_deliveries
    _send_deliveries = send_deliveries


def _enqueue(ids, token=None):
    if _send_deliveries is None:
        raise ImproperlyConfigured("anju.service is not ready: no delivery job installed.")
    for start in range(0, len(ids), 500):
        _send_deliveries(ids[start : start + 500], token)


# --- errors --------------------------------------------------------------------------------------
class TemporaryError(Exception):
    """A failure worth retrying later (server down, timeout, 4xx SMTP reply, HTTP 429/5xx)."""


class PermanentError(Exception):
    """A failure that a retry would repeat (address refused, HTTP 4xx): the delivery fails now."""


def is_temporary(exc: BaseException) -> bool:
    if isinstance(exc, PermanentError):
        return False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code == 429 or exc.code >= 500
    # Connection refused or dropped, timeouts, TemporaryError, and anything unknown: retried, a
    # bounded number of times.
    return not isinstance(exc, smtplib.SMTPNotSupportedError | smtplib.SMTPAuthenticationError | ValueError)


# --- SMS backends --------------------------------------------------------------------------------
# A backend has send(phone, body, key=...) → the provider's message id (or ""), and optionally
# send_many([(phone, body, key), ...]) → ids in the same order. `key` is the delivery's idempotency
# key; a backend should pass it on if its gateway accepts one.
class OutboxBackend:
    """Default: the message goes to the SmsOutbox table, once per key."""

    def send(self, phone: str, body: str, key=None) -> str:
        return self.send_many([(phone, body, key)])[0]

    def send_many(self, messages) -> list[str]:
        from anju.service.models import SmsOutbox

        messages = [(phone, body, uuid.UUID(str(key)) if key else None) for phone, body, key in messages]
        rows = [SmsOutbox(phone=phone, body=body, key=key) for phone, body, key in messages]
        SmsOutbox.objects.bulk_create(rows, ignore_conflicts=True)  # a key already queued stays once
        keys = [key for _p, _b, key in messages if key is not None]
        ids = dict(SmsOutbox.objects.filter(key__in=keys).values_list("key", "pk")) if keys else {}
        return [f"outbox:{ids[key]}" if key in ids else "" for _p, _b, key in messages]


class HttpGatewayBackend:
    """POSTs {"phone", "text"} as JSON to settings.ANJU_SMS_GATEWAY_URL with the delivery's key in
    an Idempotency-Key header; a non-2xx answer fails (429 and 5xx temporarily). The message id is
    read from a JSON answer's "id" or "message_id"."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 10):
        self.url = url or getattr(settings, "ANJU_SMS_GATEWAY_URL", "")
        self.token = token if token is not None else getattr(settings, "ANJU_SMS_GATEWAY_TOKEN", "")
        self.timeout = timeout

    def send(self, phone: str, body: str, key=None) -> str:
        if not self.url.startswith(("http://", "https://")):
            raise PermanentError("ANJU_SMS_GATEWAY_URL must be an http(s) URL")
        data = json.dumps({"phone": phone, "text": body}).encode()
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            self.url, data=data, headers={"Content-Type": "application/json"}
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        if key:
            request.add_header("Idempotency-Key", str(key))
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
            if not 200 <= response.status < 300:
                raise TemporaryError(f"SMS gateway answered {response.status}")
            try:
                answer = json.loads(response.read() or b"{}")
            except ValueError:
                answer = {}
        if isinstance(answer, dict):
            return str(answer.get("id") or answer.get("message_id") or "")[:200]
        return ""


def sms_backend():
    """settings.ANJU_SMS_BACKEND: "outbox" (default), "http" (the gateway adapter) or a dotted path."""
    path = getattr(settings, "ANJU_SMS_BACKEND", "") or "outbox"
    aliases = {"outbox": OutboxBackend, "http": HttpGatewayBackend, "gateway": HttpGatewayBackend}
    if path in aliases:
        return aliases[path]()
    module, _sep, name = path.rpartition(".")
    return getattr(import_module(module), name)()


def message_id(delivery) -> str:
    """The e-mail's Message-ID: the same for every attempt of a delivery, on every machine."""
    domain = (getattr(settings, "DEFAULT_FROM_EMAIL", "") or "").rpartition("@")[2].strip("> ") or "anju"
    return f"<{delivery.key}@{domain}>"


# --- the outbox ----------------------------------------------------------------------------------
def claim(ids=None, *, token: str | None = None, limit: int | None = None, now=None):
    """Take up to `limit` pending deliveries (of `ids` if given) under a new lease: the rows that are
    due, plus those handed to the caller's job under `token`. Locked rows are skipped (another worker
    is taking them) and the UPDATE is conditional, so a row is never leased twice at once; each claim
    counts an attempt. Returns (lease token, rows with their notification)."""
    from anju.service.models import Delivery

    now = now or timezone.now()
    limit = limit or _setting("ANJU_DELIVERY_CHUNK", 50)
    lease = _new_token()
    until = now + datetime.timedelta(seconds=lease_seconds())
    takeable = Q(next_attempt_at__lte=now)
    if token:
        takeable |= Q(lease_token=token)
    with transaction.atomic():
        if ids is None:
            candidates = Delivery.objects.filter(takeable, status=DeliveryStatus.PENDING)
        else:
            # Found by primary key, the status checked on the locked rows: a status predicate here
            # would let the planner walk the whole pending index (and its dead versions) per chunk.
            candidates = Delivery.objects.filter(takeable, pk__in=list(ids))
        locked = candidates.order_by().select_for_update(skip_locked=True).values_list("pk", "status")[:limit]
        pks = [pk for pk, status in locked if status == DeliveryStatus.PENDING]
        if not pks:
            return lease, []
        # The rows are locked by this transaction (PostgreSQL) or the whole database is (SQLite's
        # IMMEDIATE transactions): nobody changed them since.
        Delivery.objects.filter(pk__in=pks).update(
            lease_token=lease, leased_until=until, next_attempt_at=until, attempts=F("attempts") + 1
        )
    rows = list(Delivery.objects.filter(pk__in=pks, lease_token=lease).select_related("notification"))
    return lease, rows


def _send_emails(rows) -> dict:
    """Send over one SMTP connection (reopened once if it drops); {pk: (provider id, error)}."""
    from django.core.mail import EmailMessage, get_connection

    results: dict = {}
    smtp = None
    for index, r in enumerate(rows):
        if smtp is None:
            try:
                smtp = get_connection(fail_silently=False)
                smtp.open()
            except Exception as exc:  # the server is down: this and the remaining e-mails wait
                results.update({other.pk: ("", exc) for other in rows[index:]})
                return results
        try:
            mid = message_id(r)
            EmailMessage(
                r.notification.title,
                r.notification.body,
                None,
                [r.address],
                connection=smtp,
                headers={"Message-ID": mid},
            ).send()
            results[r.pk] = (mid, None)
        except Exception as exc:  # recorded on the row, never raised into the job queue
            results[r.pk] = ("", exc)
            if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
                with contextlib.suppress(Exception):  # already broken: the next e-mail reconnects
                    smtp.close()
                smtp = None
    if smtp is not None:
        try:
            smtp.close()
        except Exception:  # the messages were accepted; a failing QUIT changes nothing
            logger.warning("closing the SMTP connection failed", exc_info=True)
    return results


def _send_sms(rows) -> dict:
    backend = sms_backend()
    messages = [(r.address, f"{r.notification.title} {r.notification.body}"[:500], r.key) for r in rows]
    send_many = getattr(backend, "send_many", None)
    if send_many is not None:
        try:
            ids = send_many(messages)
        except Exception as exc:
            return {r.pk: ("", exc) for r in rows}
        ids = list(ids) if ids is not None else [""] * len(rows)
        return {r.pk: (str(mid or "")[:200], None) for r, mid in zip(rows, ids, strict=False)}
    results = {}
    for r, (phone, body, key) in zip(rows, messages, strict=True):
        try:
            results[r.pk] = (str(backend.send(phone, body, key=key) or "")[:200], None)
        except Exception as exc:
            results[r.pk] = ("", exc)
    return results


def _send(rows) -> dict:
    results = {}
    emails = [r for r in rows if r.channel == NotificationChannel.EMAIL]
    sms = [r for r in rows if r.channel == NotificationChannel.SMS]
    if emails:
        results.update(_send_emails(emails))
    if sms:
        results.update(_send_sms(sms))
    for r in rows:
        results.setdefault(r.pk, ("", PermanentError(f"no sender for channel {r.channel}")))
    return results


def _outcomes(rows, results, now) -> dict:
    """pk → the columns to write: sent, failed for good, or pending again after a backoff."""
    limit = max_attempts()
    out = {}
    for r in rows:
        provider_id, exc = results[r.pk]
        if exc is None:
            out[r.pk] = (DeliveryStatus.SENT, now, "", provider_id, None)
            continue
        text = f"{type(exc).__name__}: {exc}"[:1000]
        if is_temporary(exc) and r.attempts < limit:
            out[r.pk] = (DeliveryStatus.PENDING, None, text, "", now + backoff(r.attempts))
        else:
            out[r.pk] = (DeliveryStatus.FAILED, None, text, "", None)
    return out


_OUTCOME_FIELDS = ("status", "sent_at", "error", "provider_message_id", "next_attempt_at")


def _write_outcomes(lease: str, outcomes: dict) -> int:
    """One statement for the chunk, each row with its own values, only where the lease is still
    `lease` (PostgreSQL: UPDATE … FROM unnest(arrays); SQLite: one prepared UPDATE per row). A lease
    token is only ever on a pending row (every outcome, the sweep and a retry clear or replace it),
    so the token is the whole condition and the rows are found by primary key."""
    from anju.service.models import Delivery

    opts = Delivery._meta
    qn = connection.ops.quote_name
    fields = [opts.get_field(name) for name in _OUTCOME_FIELDS]
    table, pk = qn(opts.db_table), qn(opts.pk.column)
    pks = list(outcomes)
    columns = [[f.get_db_prep_save(outcomes[p][i], connection) for p in pks] for i, f in enumerate(fields)]
    # Identifiers come from the model's metadata; every value is a bound parameter.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in [opts.pk, *fields])
            names = ", ".join(f"c{i}" for i in range(len(fields) + 1))
            sets = ", ".join(f"{qn(f.column)} = v.c{i + 1}" for i, f in enumerate(fields))
            cursor.execute(
                f"UPDATE {table} t SET {sets}, lease_token = '', leased_until = NULL "  # noqa: S608
                f"FROM unnest({arrays}) AS v({names}) "
                f"WHERE t.{pk} = v.c0 AND t.{pk} = ANY(%s) AND t.lease_token = %s",
                [pks, *columns, pks, lease],
            )
            return cursor.rowcount
        sets = ", ".join(f"{qn(f.column)} = %s" for f in fields)
        cursor.executemany(
            f"UPDATE {table} SET {sets}, lease_token = '', leased_until = NULL "  # noqa: S608
            f"WHERE {pk} = %s AND lease_token = %s",
            [[*(column[i] for column in columns), p, lease] for i, p in enumerate(pks)],
        )
        return cursor.rowcount


def _record(lease: str, outcomes: dict) -> int:
    """Write the outcomes: only rows still under this lease (a lease that expired and was taken
    again belongs to the new taker). Returns the number of rows written.

    A connection lost at this point (the commit's answer never came) is retried on a new connection:
    the UPDATE is conditional on the lease, so applying it twice changes nothing; without the retry
    the rows would be sent again when the lease expires."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _write_outcomes(lease, outcomes)
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block or attempt == 2:
                raise
            logger.warning("recording deliveries: database connection lost, retrying", exc_info=True)
            connection.close()
            time.sleep(0.2 * (attempt + 1))
    return 0  # pragma: no cover (the loop returns or raises)


def deliver(delivery) -> dict:
    """Send one delivery now if it is due (or handed to nobody)."""
    return deliver_batch([delivery.pk])


def deliver_batch(ids, token: str | None = None, *, now=None) -> dict:
    """The huey job's work: send the given pending deliveries that are due or were handed to this
    job under `token`, a chunk at a time (claim, send outside any transaction, record). A crash
    loses at most one chunk's outcomes: those rows are sent again when their lease expires (with the
    same idempotency key). A delivery already sent is never sent again."""
    outcome = {"sent": 0, "failed": 0, "retry": 0, "lost": 0}
    remaining = list(ids)
    chunk = _setting("ANJU_DELIVERY_CHUNK", 50)
    while remaining:
        part, remaining = remaining[:chunk], remaining[chunk:]
        lease, rows = claim(part, token=token, limit=chunk, now=now)
        if not rows:
            continue
        results = _send(rows)
        outcomes = _outcomes(rows, results, now or timezone.now())
        written = _record(lease, outcomes)
        for status, *_rest in outcomes.values():
            key = {DeliveryStatus.SENT: "sent", DeliveryStatus.FAILED: "failed"}.get(status, "retry")
            outcome[key] += 1
        outcome["lost"] += len(outcomes) - written
    return outcome


def sweep(*, now=None, limit: int = 10000) -> dict:
    """The periodic re-queueing (idempotent): pending deliveries whose next attempt is due or whose
    lease expired are handed to new jobs under a new lease, 500 per job; those whose attempts are
    used up (workers died while sending them) fail for good. A second run finds nothing to do."""
    from anju.service.models import Delivery

    now = now or timezone.now()
    due = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    gave_up = Delivery.objects.filter(due, attempts__gte=max_attempts()).update(
        status=DeliveryStatus.FAILED,
        lease_token="",
        leased_until=None,
        next_attempt_at=None,
        error=Case(
            When(error="", then=Value("gave up: the maximum number of attempts was reached")),
            default=F("error"),
            output_field=Delivery._meta.get_field("error"),
        ),
    )
    requeued = 0
    until = now + datetime.timedelta(seconds=lease_seconds())
    while requeued < limit:
        token = _new_token()
        with transaction.atomic():
            pks = list(
                Delivery.objects.filter(due)
                .order_by("next_attempt_at")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[: min(500, limit - requeued)]
            )
            if not pks:
                break
            Delivery.objects.filter(due, pk__in=pks).update(
                lease_token=token, leased_until=until, next_attempt_at=until
            )
            transaction.on_commit(lambda pks=pks, token=token: _enqueue(pks, token))
        requeued += len(pks)
    return {"requeued": requeued, "gave_up": gave_up}


def retry(delivery_ids) -> list[int]:
    """Make failed deliveries pending again with fresh attempts, handed to a job after commit
    (the caller's transaction). Returns the ids made pending."""
    from anju.service.models import Delivery

    token = _new_token()
    until = timezone.now() + datetime.timedelta(seconds=lease_seconds())
    with transaction.atomic():
        pks = list(
            Delivery.objects.select_for_update()
            .filter(pk__in=list(delivery_ids), status=DeliveryStatus.FAILED)
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=pks, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            lease_token=token,
            leased_until=until,
            next_attempt_at=until,
        )
        if pks:
            transaction.on_commit(lambda: _enqueue(pks, token))
    return pks

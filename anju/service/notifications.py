"""Notifications: an inbox row per recipient, plus e-mail and SMS deliveries sent after commit.

Texts come from templates (MessageTemplate rows override the built-in wording), rendered with the
Django template engine. Each delivery is a row with its status; `send_deliveries` (a huey task)
sends them once: a delivery already sent is never sent again.
"""

from __future__ import annotations

import json
import urllib.request
from importlib import import_module

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.template import Context, Template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core import bulk
from anju.service.choices import DeliveryStatus, NotificationChannel

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


def save_batch(items) -> list[int]:
    """Save prepared (notification, deliveries) pairs; skip duplicates by dedupe key; schedule
    sending after commit. Returns the ids of the pending deliveries."""
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
    rows = []
    for n, ds in fresh:
        for d in ds:
            d.notification = n
            rows.append(d)
    bulk.insert(Delivery, rows)
    pending = [d.pk for d in rows if d.status == DeliveryStatus.PENDING]
    if pending:
        transaction.on_commit(lambda: _enqueue(pending))
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


def _enqueue(ids):
    if _send_deliveries is None:
        raise ImproperlyConfigured("anju.service is not ready: no delivery job installed.")
    for start in range(0, len(ids), 500):
        _send_deliveries(ids[start : start + 500])


# --- SMS backends --------------------------------------------------------------------------------
class OutboxBackend:
    """Default: the message goes to the SmsOutbox table."""

    def send(self, phone: str, body: str) -> None:
        from anju.service.models import SmsOutbox

        SmsOutbox.objects.create(phone=phone, body=body)

    def send_many(self, messages) -> None:
        from anju.service.models import SmsOutbox

        SmsOutbox.objects.bulk_create([SmsOutbox(phone=phone, body=body) for phone, body in messages])


class HttpGatewayBackend:
    """POSTs {"phone", "text"} as JSON to settings.ANJU_SMS_GATEWAY_URL; a non-2xx answer fails."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout: float = 10):
        self.url = url or getattr(settings, "ANJU_SMS_GATEWAY_URL", "")
        self.token = token if token is not None else getattr(settings, "ANJU_SMS_GATEWAY_TOKEN", "")
        self.timeout = timeout

    def send(self, phone: str, body: str) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise RuntimeError("ANJU_SMS_GATEWAY_URL must be an http(s) URL")
        data = json.dumps({"phone": phone, "text": body}).encode()
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            self.url, data=data, headers={"Content-Type": "application/json"}
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
            if not 200 <= response.status < 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


def sms_backend():
    """settings.ANJU_SMS_BACKEND: "outbox" (default), "http" (the gateway adapter) or a dotted path."""
    path = getattr(settings, "ANJU_SMS_BACKEND", "") or "outbox"
    aliases = {"outbox": OutboxBackend, "http": HttpGatewayBackend, "gateway": HttpGatewayBackend}
    if path in aliases:
        return aliases[path]()
    module, _sep, name = path.rpartition(".")
    return getattr(import_module(module), name)()


def deliver(delivery) -> None:
    deliver_batch([delivery.pk])


def deliver_batch(ids) -> dict:
    """Send pending deliveries once each. Rows are claimed under a row lock (skip_locked: a second
    worker takes other rows), sent over one SMTP connection, and their outcome saved in bulk."""
    from django.core.mail import EmailMessage, get_connection
    from django.db import transaction as tx

    from anju.service.models import Delivery

    outcome = {"sent": 0, "failed": 0}
    with tx.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=ids, status=DeliveryStatus.PENDING)
            .select_related("notification")
        )
        if not rows:
            return outcome
        now = timezone.now()
        emails = [r for r in rows if r.channel == NotificationChannel.EMAIL]
        sms = [r for r in rows if r.channel == NotificationChannel.SMS]
        if emails:
            try:
                connection = get_connection(fail_silently=False)
                connection.open()
            except Exception as exc:  # the server is down: every e-mail of the batch failed
                for r in emails:
                    r.status, r.error = DeliveryStatus.FAILED, str(exc)[:1000]
            else:
                try:
                    for r in emails:
                        try:
                            EmailMessage(
                                r.notification.title,
                                r.notification.body,
                                None,
                                [r.address],
                                connection=connection,
                            ).send()
                            r.status, r.sent_at, r.error = DeliveryStatus.SENT, now, ""
                        except Exception as exc:
                            r.status, r.error = DeliveryStatus.FAILED, str(exc)[:1000]
                finally:
                    connection.close()
        if sms:
            backend = sms_backend()
            send_many = getattr(backend, "send_many", None)
            if send_many is not None:
                send_many([(r.address, f"{r.notification.title} {r.notification.body}"[:500]) for r in sms])
                for r in sms:
                    r.status, r.sent_at, r.error = DeliveryStatus.SENT, now, ""
            else:
                for r in sms:
                    try:
                        backend.send(r.address, f"{r.notification.title} {r.notification.body}"[:500])
                        r.status, r.sent_at, r.error = DeliveryStatus.SENT, now, ""
                    except Exception as exc:  # recorded, never raised into the job queue
                        r.status, r.error = DeliveryStatus.FAILED, str(exc)[:1000]
        for r in rows:
            r.attempts += 1
            outcome["sent" if r.status == DeliveryStatus.SENT else "failed"] += 1
        bulk.update(Delivery, rows, ["status", "sent_at", "error", "attempts"])
    return outcome

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import override_settings
from django.utils import timezone

from anju.service import notifications
from anju.service.models import Delivery, Notification, SmsOutbox

pytestmark = pytest.mark.django_db


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_email_is_received_by_a_local_smtp_server(svc, django_capture_on_commit_callbacks):
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ):
            with django_capture_on_commit_callbacks(execute=True):
                from anju.service.tests.conftest import new_task

                task = new_task(svc)
            for _i in range(50):
                if received:
                    break
                time.sleep(0.05)
    finally:
        controller.stop()
    assert len(received) == 1
    envelope = received[0]
    assert envelope.rcpt_tos == ["e1@example.com"]
    import email
    from email.header import decode_header, make_header

    message = email.message_from_bytes(envelope.content)
    assert task.code in str(make_header(decode_header(message["Subject"])))
    delivery = Delivery.objects.get(notification__task=task, channel="email")
    assert delivery.status == "sent" and delivery.sent_at is not None and delivery.attempts == 1
    # The Message-ID is the delivery's idempotency key: a resend after a crash is recognisable.
    assert message["Message-ID"] == f"<{delivery.key}@localhost>" == delivery.provider_message_id
    # Sending again (a retried job) sends nothing.
    notifications.deliver(delivery)
    assert len(received) == 1


def test_sms_http_gateway_adapter(svc, django_capture_on_commit_callbacks):
    """The adapter sends the delivery's idempotency key and records the gateway's message id; a 5xx
    answer is temporary (retried later), a 4xx one permanent (failed)."""
    calls = []
    answers = [(200, b'{"id": "gw-1"}'), (503, b""), (400, b"")]

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):
            calls.append(
                (
                    self.headers.get("Authorization"),
                    self.headers.get("Idempotency-Key"),
                    json.loads(self.rfile.read(int(self.headers["Content-Length"]))),
                )
            )
            status, body = answers[len(calls) - 1]
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/send"
    try:
        with (
            override_settings(
                ANJU_SMS_BACKEND="http", ANJU_SMS_GATEWAY_URL=url, ANJU_SMS_GATEWAY_TOKEN="t0k"
            ),
            django_capture_on_commit_callbacks(execute=True),
        ):
            for _i in range(3):
                notifications.notify(
                    recipient=svc.acceptor, template="task_completed", context={"task": None}
                )
    finally:
        server.shutdown()
    sms = list(Delivery.objects.filter(channel="sms").order_by("pk"))
    assert [c[0] for c in calls] == ["Bearer t0k"] * 3 and calls[0][2]["phone"] == "13900000001"
    assert [c[1] for c in calls] == [str(d.key) for d in sms]
    assert [(d.status, d.attempts) for d in sms] == [("sent", 1), ("pending", 1), ("failed", 1)]
    assert sms[0].provider_message_id == "gw-1"
    assert "503" in sms[1].error and sms[1].next_attempt_at > timezone.now() and not sms[1].lease_token
    assert "400" in sms[2].error
    assert not SmsOutbox.objects.exists()


def test_templates_can_be_overridden(svc):
    from anju.service.models import MessageTemplate

    MessageTemplate.objects.create(code="task_completed", subject="完成 {{ task }}", body="好")
    notifications.notify(recipient=svc.acceptor, template="task_completed", context={"task": "RW1"})
    n = Notification.objects.get()
    assert (n.title, n.body) == ("完成 RW1", "好")


def test_inbox_is_personal(svc, api):
    notifications.notify(recipient=svc.acceptor, template="task_completed", context={"task": "RW1"})
    n = Notification.objects.get()
    assert api(svc.engineer1).get(f"/api/v1/service/notifications/{n.pk}/").status_code == 404
    client = api(svc.acceptor)
    assert client.get("/api/v1/service/notifications/").json()["count"] == 1
    assert client.post(f"/api/v1/service/notifications/{n.pk}/read/").json()["read_at"]


@pytest.mark.parametrize(
    "text",
    [
        "Task {{ task.code }} ({{ task.project }} {{ task.room }}): {{ clocks }}. {{ task.responsible_display }}",
        "{{ task.code }} {{ missing.attr }} {{ task.topic }}",  # a failed lookup and a None
        "{{ task.description|truncatechars:5 }} {% if level %}L{{ level }}{% endif %}",  # full engine
        "{{ level }} {{ 'literal' }}",
    ],
)
def test_plain_rendering_matches_the_template_engine(svc, text):
    from django.template import Context, Template

    from anju.service.notifications import _Plain
    from anju.service.tests.conftest import new_task

    task = new_task(svc)
    context = {"task": task, "level": 1234, "clocks": "回复"}
    assert _Plain(Template(text)).render(context) == Template(text).render(Context(context, autoescape=False))

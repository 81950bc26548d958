"""An SMS backend for the outbox crash test: appends each message's idempotency key to the file named
by OUTBOX_SENT_LOG (one line per send, written before the call returns, so a SIGKILL loses none),
taking OUTBOX_SEND_SECONDS per message like a slow gateway."""

from __future__ import annotations

import os
import time


class RecordingSms:
    def send(self, phone: str, body: str, key=None) -> str:
        time.sleep(float(os.environ.get("OUTBOX_SEND_SECONDS", "0.005")))
        with open(os.environ["OUTBOX_SENT_LOG"], "a") as log:
            log.write(f"{key}\n")
        return f"stub-{key}"

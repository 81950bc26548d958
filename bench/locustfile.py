"""Headless locust scenario of staff traffic against a running Anju (issue 6).

    pip install locust==2.32.4      # optional tool, not a project dependency
    ANJU_LOAD_USERS=scale_agent_0,scale_agent_1,scale_agent_2 ANJU_LOAD_PASSWORD=... \
    locust -f bench/locustfile.py --headless -u 50 -r 2 -t 5m --host http://127.0.0.1:8000 --csv var/load

Every simulated member of staff gets an API token once, then loops over: omni search, open a customer,
open a task (with its timeline), the workbench, create a reception (write) and move a task one step
(write). Writes carry a unique marker in their content so that lost or duplicated writes can be
counted afterwards (see bench/README.md, "Scale and load").
"""

from __future__ import annotations

import json
import os
import random
import uuid
from pathlib import Path

from locust import HttpUser, between, events, task

USERS = [u for u in os.environ.get("ANJU_LOAD_USERS", "admin").split(",") if u]
PASSWORD = os.environ.get("ANJU_LOAD_PASSWORD", "Anju@2026")
RUN_ID = os.environ.get("ANJU_LOAD_RUN", uuid.uuid4().hex[:8])
SKIPPED_ACTIONS = ("assign", "reassign", "void", "invalidate")
SEARCH_TERMS = ["王", "李", "138", "B01", "张伟", "SC00", "粤B"]
CREATED = {"receptions": 0, "transitions": 0}
MARKERS: list[str] = []  # the content marker of every reception the server accepted (2xx)
UNCERTAIN: list[str] = []  # markers of requests without an answer (timeout, reset): may or may not exist
# Where the written markers go, for bench/load_check.py (which counts them in the database).
RECORD = Path(os.environ.get("ANJU_LOAD_RECORD", f"var/load-{RUN_ID}.json"))


@events.test_stop.add_listener
def _report(environment, **_kwargs):
    print(
        f"load run {RUN_ID}: receptions created (2xx) {CREATED['receptions']}, "
        f"transitions accepted (2xx) {CREATED['transitions']}"
    )
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    RECORD.write_text(
        json.dumps({"run": RUN_ID, **CREATED, "markers": MARKERS, "uncertain": UNCERTAIN}, ensure_ascii=False)
    )
    print(f"written markers recorded in {RECORD}; check them with bench/load_check.py {RECORD}")


def _failure(response) -> str:
    return f"{response.status_code}: {response.text[:160]}"


class Staff(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        username = random.choice(USERS)
        response = self.client.post("/api/v1/auth/token/", json={"username": username, "password": PASSWORD})
        response.raise_for_status()
        self.client.headers["Authorization"] = f"Token {response.json()['token']}"
        self.customer_ids = [row["id"] for row in self._rows("/api/v1/customers/customers/?page_size=50")]
        self.task_ids = [row["id"] for row in self._rows("/api/v1/service/tasks/?page_size=50")]
        self.room_ids = [row["id"] for row in self._rows("/api/v1/estates/rooms/?page_size=50")]

    def _rows(self, url):
        response = self.client.get(url, name=url.split("?")[0])
        return response.json().get("results", []) if response.ok else []

    @task(5)
    def search(self):
        self.client.get(f"/api/v1/customers/search/?q={random.choice(SEARCH_TERMS)}", name="search")

    @task(4)
    def open_customer(self):
        if self.customer_ids:
            pk = random.choice(self.customer_ids)
            self.client.get(f"/api/v1/customers/customers/{pk}/", name="customer")

    @task(4)
    def open_task(self):
        if self.task_ids:
            pk = random.choice(self.task_ids)
            self.client.get(f"/api/v1/service/tasks/{pk}/", name="task")

    @task(3)
    def workbench(self):
        self.client.get("/api/v1/service/workbench/", name="workbench")

    @task(1)
    def create_reception(self):
        if not self.room_ids:
            return
        marker = f"LOAD-{RUN_ID}-{uuid.uuid4().hex[:12]}"
        with self.client.post(
            "/api/v1/service/receptions/",
            json={
                "room": random.choice(self.room_ids),
                "channel": "phone",
                "caller_name": "压测来电",
                "caller_phone": "13800138000",
                "content": f"压测接待 {marker}",
                "received_at": "2026-01-05T10:00:00+08:00",
            },
            name="create reception",
            catch_response=True,
        ) as response:
            if response.ok:
                CREATED["receptions"] += 1
                MARKERS.append(marker)
            elif not response.status_code:  # no answer: the row may exist
                UNCERTAIN.append(marker)
                response.failure(f"no answer: {response.error}")
            else:
                response.failure(_failure(response))

    @task(1)
    def transition(self):
        if not self.task_ids:
            return
        pk = random.choice(self.task_ids)
        detail = self.client.get(f"/api/v1/service/tasks/{pk}/", name="task")
        if not detail.ok:
            return
        body = detail.json()
        # The first step forward: (re)assigning needs a chosen responsible party, and voiding or
        # invalidating would end the sampled tasks (the runs before r6 took the first action, so
        # after r1-r4 most sampled tasks offered only "reassign" and were skipped: 37, 30, 11, 2 moves).
        action = next((a for a in body.get("allowed_actions") or [] if a not in SKIPPED_ACTIONS), None)
        if not action:
            return
        with self.client.post(
            f"/api/v1/service/tasks/{pk}/transitions/",
            json={"action": action, "note": f"压测 {RUN_ID}", "version": body.get("version")},
            name="transition",
            catch_response=True,
        ) as response:
            if response.status_code == 409:  # a concurrent move won: expected, not an error
                response.success()
            elif response.ok:
                CREATED["transitions"] += 1
            else:
                response.failure(_failure(response))

"""scripts/run.sh as a newcomer sees it (issue 10 item 8): it prints its steps, announces the address it
was told to serve on (BIND) only once the server answers there, and when the port is taken it says so
before doing anything, with how to choose another, instead of gunicorn's five bind errors.

The script runs for real (bootstrap is already done, so it migrates a fresh SQLite database in a
temporary data folder, loads the demo data and starts gunicorn with one worker)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "scripts" / "run.sh"
STEPS = [
    "==> Setting up .venv",
    "==> Compiling translations",
    "==> Migrating the database",
    "==> Loading the demo data",
    "==> Collecting static files",
    "==> Starting the job worker (huey) and the web server on 127.0.0.1:{port} with 1 workers",
]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    """The environment of someone trying the product: SQLite in a fresh data folder, no test settings."""
    drop = ("DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "HUEY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANJU_", *drop))}
    env.update(ANJU_DATA_DIR=str(tmp_path / "data"), BIND=f"127.0.0.1:{port}", WEB_WORKERS="1")
    return env


def _answers(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10)
    except urllib.error.HTTPError:
        return True  # an answer all the same (503 while the queue warms up)
    except OSError:
        return False
    return True


def test_run_prints_its_steps_and_the_address_once_the_server_answers(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        ["bash", str(RUN)],
        cwd=ROOT,
        env=_env(tmp_path, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    announced = threading.Event()
    answered_when_announced: list[bool] = []

    def read():
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Anju is running on"):
                answered_when_announced.append(_answers(port))
                announced.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    started = time.monotonic()
    try:
        assert announced.wait(timeout=400), "\n".join(lines[-40:])
        took = time.monotonic() - started
        print(f"run.sh: address announced after {took:.1f} s")
        assert answered_when_announced == [True], "announced before the server answered"
        text = "\n".join(lines)
        positions = [text.find(step.format(port=port)) for step in STEPS]
        assert -1 not in positions and positions == sorted(positions), text
        assert f"Anju is running on http://127.0.0.1:{port}/ (Ctrl-C stops it)" in lines
        assert f"Sign in at http://127.0.0.1:{port}/admin/" in text
        assert ":8000" not in text
    finally:
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends the script
        try:
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while _answers(port) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _answers(port), "the web server outlived the script"


def test_a_taken_port_is_reported_before_anything_with_how_to_choose_another(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run(
            ["bash", str(RUN)],
            cwd=ROOT,
            env=_env(tmp_path, port),
            capture_output=True,
            text=True,
            timeout=120,
        )
        took = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
    assert f"BIND=127.0.0.1:{port + 1} scripts/run.sh" in result.stderr
    assert "running on" not in output and "Address already in use" not in output
    assert "==> " not in output  # nothing was set up
    assert not (tmp_path / "data").exists()
    assert took < 30, f"took {took:.1f} s"

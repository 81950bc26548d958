"""Every user-visible string ships with its zh-Hans translation.

Each context's catalogue is regenerated from the code (makemessages on a copy of the context, so the
working tree is untouched) and must have no untranslated and no fuzzy entry: a string added to the
code without a translation fails here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTEXTS = sorted(
    p.parent.parent.parent.parent.name for p in ROOT.glob("anju/*/locale/zh_Hans/LC_MESSAGES/django.po")
)


def _entries(po: Path, flag: str) -> list[str]:
    out = subprocess.run(
        ["msgattrib", flag, "--no-obsolete", str(po)], capture_output=True, text=True, check=True
    ).stdout
    msgids = [line for line in out.splitlines() if line.startswith("msgid ")]
    return [m for m in msgids if m != 'msgid ""']  # the header


def test_every_context_has_a_catalogue():
    assert {"core", "org", "system", "estates", "customers", "service"} <= set(CONTEXTS)


@pytest.mark.parametrize("context", CONTEXTS)
def test_catalogue_is_complete(context, tmp_path):
    copy = tmp_path / context
    shutil.copytree(ROOT / "anju" / context, copy, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    env = {
        **os.environ,
        "ANJU_TESTING": "1",
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "-v",
            "0",
        ],
        cwd=copy,
        env=env,
        check=True,
    )
    po = copy / "locale/zh_Hans/LC_MESSAGES/django.po"
    assert _entries(po, "--untranslated") == []
    assert _entries(po, "--only-fuzzy") == []

#!/usr/bin/env bash
# Sets up and runs the whole test suite (lint, migrations check, unit/API tests, browser tests).
# Uses SQLite unless DATABASE_URL is set. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --dev
PY=.venv/bin/python
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium, fonts-wqy-microhei and gettext for the browser tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei gettext) >/dev/null
  else
    echo "Browser tests need Debian's chromium and fonts-wqy-microhei: sudo apt-get install chromium fonts-wqy-microhei gettext" >&2
    exit 1
  fi
fi
export ANJU_TESTING=1
if [ -z "${ANJU_DATA_DIR:-}" ]; then
  ANJU_DATA_DIR="$(mktemp -d)"
  trap 'rm -rf "$ANJU_DATA_DIR"' EXIT  # our own scratch folder: removed however the run ends
fi
export ANJU_DATA_DIR
$PY manage.py compilemessages --ignore=.venv -v 0
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
.venv/bin/lint-imports --no-cache  # the contexts' layers (pyproject.toml [tool.importlinter])
$PY manage.py makemigrations --check --dry-run -v 0
$PY manage.py check --fail-level WARNING
$PY manage.py spectacular --validate --fail-on-warn --file "$ANJU_DATA_DIR/schema.yml"
$PY -m pytest -n "${TEST_WORKERS:-2}" "$@"

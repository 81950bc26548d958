#!/usr/bin/env bash
# Sets everything up and serves Anju with demo data on SQLite: web on http://127.0.0.1:8000 + huey worker.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export DEBUG="${DEBUG:-1}"
PY=.venv/bin/python
$PY manage.py compilemessages --ignore=.venv -v 0 >/dev/null 2>&1 || echo "(gettext missing: apt-get install gettext; English text will show)"
$PY manage.py migrate --no-input -v 0
$PY manage.py demo
$PY manage.py collectstatic --no-input -v 0
$PY manage.py run_huey --quiet &
HUEY_PID=$!
trap 'kill $HUEY_PID 2>/dev/null || true' EXIT INT TERM
echo "Anju is running on http://127.0.0.1:8000/ (Ctrl-C stops it)"
.venv/bin/gunicorn config.wsgi:application --bind "${BIND:-127.0.0.1:8000}" --workers "${WEB_WORKERS:-2}" --threads 4 \
  --access-logfile - --timeout 120

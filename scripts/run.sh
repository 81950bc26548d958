#!/usr/bin/env bash
# Sets everything up and serves Anju with demo data on SQLite: web (gunicorn) + huey worker.
# BIND (default 127.0.0.1:8000) is the host:port to serve on; WEB_WORKERS (default 2) the gunicorn workers.
set -euo pipefail
cd "$(dirname "$0")/.."

BIND="${BIND:-127.0.0.1:8000}"
step() { printf '==> %s\n' "$*"; }

# host and port of BIND ("8000", "0.0.0.0:8000", "[::1]:8000"); a unix socket has no port.
HOST="" PORT=""
case "$BIND" in
  unix:*) ;;
  *:*) HOST="${BIND%:*}" PORT="${BIND##*:}" ;;
  *) HOST="127.0.0.1" PORT="$BIND" BIND="127.0.0.1:$BIND" ;;
esac
HOST="${HOST#[}" HOST="${HOST%]}"
case "$HOST" in "" | 0.0.0.0 | "::") URL_HOST=127.0.0.1 ;; *:*) URL_HOST="[$HOST]" ;; *) URL_HOST="$HOST" ;; esac
URL="http://$URL_HOST:$PORT/"
[ -n "$PORT" ] || URL="$BIND"

port_taken() {
  # Same test gunicorn makes: can a socket with SO_REUSEADDR bind host:port?
  "${PYTHON:-python3}" - "$HOST" "$PORT" <<'PY'
import socket, sys
host, port = sys.argv[1] or "0.0.0.0", int(sys.argv[2])
family = socket.AF_INET6 if ":" in host else socket.AF_INET
with socket.socket(family, socket.SOCK_STREAM) as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host, port))
    except OSError:
        sys.exit(0)
sys.exit(1)
PY
}
port_help() {
  echo "Port $PORT on ${HOST:-all interfaces} is already in use (another Anju, or another program)." >&2
  echo "Stop it, or choose another port, for example:  BIND=127.0.0.1:$((PORT + 1)) scripts/run.sh" >&2
  exit 1
}
if [ -n "$PORT" ] && PYTHON=$(command -v python3 || true) && [ -n "$PYTHON" ] && port_taken; then
  port_help
fi

step "Setting up .venv and the locked dependencies (the first time takes a few minutes)"
scripts/bootstrap.sh
export DEBUG="${DEBUG:-1}"
PY=.venv/bin/python
PYTHON=$PY
step "Compiling translations"
$PY manage.py compilemessages --ignore=.venv -v 0 >/dev/null 2>&1 || echo "(gettext missing: apt-get install gettext; English text will show)"
step "Migrating the database"
$PY manage.py migrate --no-input -v 0
step "Loading the demo data"
$PY manage.py demo --url "$URL"
step "Collecting static files"
$PY manage.py collectstatic --no-input -v 0
# The port may have been taken while we were setting up.
if [ -n "$PORT" ] && port_taken; then port_help; fi

step "Starting the job worker (huey) and the web server on $BIND with ${WEB_WORKERS:-2} workers"
PIDS=()
stop() { [ "${#PIDS[@]}" -eq 0 ] || kill "${PIDS[@]}" 2>/dev/null || true; }
trap stop EXIT
trap 'stop; exit 130' INT TERM
$PY manage.py run_huey --quiet &
PIDS+=($!)
.venv/bin/gunicorn config.wsgi:application --bind "$BIND" --workers "${WEB_WORKERS:-2}" --threads 4 \
  --access-logfile - --timeout 120 &
WEB_PID=$!
PIDS+=("$WEB_PID")

# Announce the address only once gunicorn accepts connections on it.
for _ in $(seq 1 600); do
  if ! kill -0 "$WEB_PID" 2>/dev/null; then
    wait "$WEB_PID" || true
    echo "The web server stopped before it was ready (see the messages above)." >&2
    exit 1
  fi
  if [ -z "$PORT" ] || (exec 3<>"/dev/tcp/${URL_HOST//[\[\]]/}/$PORT") 2>/dev/null; then
    break
  fi
  sleep 0.2
done
echo "Anju is running on $URL (Ctrl-C stops it)"
wait "$WEB_PID"

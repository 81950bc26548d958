#!/usr/bin/env bash
# Creates .venv with a Python >= 3.12 and installs the locked dependencies.
# Usage: scripts/bootstrap.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  local cand v
  # Explicit choice first, then PATH, then pyenv's installed versions (its shims may refuse to run).
  for cand in "${ANJU_PYTHON:-}" python3.13 python3.12 python3; do
    [ -n "$cand" ] || continue
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      command -v "$cand"; return 0
    fi
  done
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  command -v pyenv >/dev/null 2>&1 && root="$(pyenv root)"
  for v in $(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -V -r); do
    if [ -x "$v/bin/python3" ] && "$v/bin/python3" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$v/bin/python3"; return 0
    fi
  done
  return 1
}

if [ -x .venv/bin/python ] && .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
  PY=.venv/bin/python
else
  if ! BASE=$(find_python); then
    cat >&2 <<'MSG'
Anju needs Python 3.12 or newer, and none was found (looked at $ANJU_PYTHON, python3.13, python3.12,
python3 and pyenv's versions). Install one, for example:
  Debian 13 / Ubuntu 24.04:  sudo apt-get install python3 python3-venv
  older Debian/Ubuntu:       pyenv install 3.12   (or the deadsnakes PPA: apt-get install python3.12-venv)
then run this command again, or point ANJU_PYTHON at it.
MSG
    exit 1
  fi
  echo "Using $BASE ($("$BASE" --version))"
  rm -rf .venv
  "$BASE" -m venv .venv
  PY=.venv/bin/python
fi

lock=requirements.lock
[ "${1:-}" = "--dev" ] && lock=requirements-dev.lock
stamp=".venv/.installed-$(basename "$lock")-$(sha1sum "$lock" | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  "$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip 2> >(grep -v "is ignored: it is neither" >&2)
  "$PY" -m pip install --quiet --disable-pip-version-check -r "$lock" 2> >(grep -v "is ignored: it is neither" >&2)
  touch "$stamp"
fi

#!/usr/bin/env bash
# Create .venv, install deskaudit with its pinned dependencies, fetch verified YOLO weights.
# Idempotent: a second run with an unchanged pyproject.toml installs nothing.
# Usage: scripts/bootstrap.sh [EXTRA]   (EXTRA = "test" adds the test tools)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${DESKAUDIT_VENV:-$ROOT/.venv}
EXTRA=${1:-}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "bootstrap: need root (or sudo) to run: $*" >&2; exit 1; fi; }

apt_install() {
  [ -n "${APT_UPDATED:-}" ] || { as_root apt-get update -qq; APT_UPDATED=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

find_python() {
  for candidate in "${DESKAUDIT_PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

PY=$(find_python) || { echo "bootstrap: Python 3.11 or newer is required (apt-get install python3)" >&2; exit 1; }

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
  echo "bootstrap: creating $VENV with $($PY --version)"
  rm -rf "$VENV"
  if ! "$PY" -m venv "$VENV" 2>/dev/null; then
    # Debian/Ubuntu ship venv separately.
    ver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    apt_install "python${ver}-venv" || apt_install python3-venv
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
  fi
fi

stamp="$VENV/.deskaudit-install"
want=$( (cat "$ROOT/pyproject.toml"; echo "extra=$EXTRA") | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing deskaudit and its dependencies into $VENV (first run takes a few minutes)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  target="$ROOT"; [ -n "$EXTRA" ] && target="$ROOT[$EXTRA]"
  "$VENV/bin/python" -m pip install -q --progress-bar off -e "$target"
  echo "$want" > "$stamp"
fi

# Verified person-detector weights in ~/.cache/deskaudit/models (sha256 checked).
"$VENV/bin/deskaudit" weights fetch >/dev/null

#!/usr/bin/env bash
# Install what is needed (once), then run the demo: the example site on SQLite, served on
# http://127.0.0.1:8080/ (or the next free port). Extra arguments go to `deskaudit demo`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$ROOT/scripts/bootstrap.sh"
exec "$ROOT/.venv/bin/deskaudit" demo "$@"

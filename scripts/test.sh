#!/usr/bin/env bash
# Run deskaudit's whole test suite: SQLite always, PostgreSQL always (started here if absent).
# Usage: scripts/test.sh [pytest arguments]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/bootstrap.sh test
echo "test: ruff check, mypy (the pure core, strict)"
"$ROOT/.venv/bin/ruff" check --quiet .
"$ROOT/.venv/bin/mypy"
case " $* " in
  *" -m pure "*) ;;  # the pure lane needs no database or broker
  *) bash scripts/services.sh ;;
esac

export DESKAUDIT_TEST_PG_URL=${DESKAUDIT_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}
export DESKAUDIT_TEST_MQTT=${DESKAUDIT_TEST_MQTT:-127.0.0.1:1883}
exec "$ROOT/.venv/bin/python" -m pytest "$@"

#!/usr/bin/env bash
# Run deskaudit's whole test suite: SQLite always, PostgreSQL always (started here if absent).
# Usage: scripts/test.sh [pytest arguments]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/bootstrap.sh test
bash scripts/services.sh

export DESKAUDIT_TEST_PG_URL=${DESKAUDIT_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}
export DESKAUDIT_TEST_MQTT=${DESKAUDIT_TEST_MQTT:-127.0.0.1:1883}
exec "$ROOT/.venv/bin/python" -m pytest "$@"

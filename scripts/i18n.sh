#!/usr/bin/env bash
# Refresh the English catalogue of the web app from its Vietnamese source strings, then compile it.
# Usage: scripts/i18n.sh            (extract + update + compile; edit web/translations/en/LC_MESSAGES/messages.po)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PYBABEL="$ROOT/.venv/bin/pybabel"
"$PYBABEL" -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o web/translations/messages.pot web
if [ -f web/translations/en/LC_MESSAGES/messages.po ]; then
  "$PYBABEL" -q update -i web/translations/messages.pot -d web/translations -l en --no-fuzzy-matching
else
  "$PYBABEL" -q init -i web/translations/messages.pot -d web/translations -l en
fi
"$PYBABEL" -q compile -d web/translations --use-fuzzy 2>/dev/null || "$PYBABEL" -q compile -d web/translations

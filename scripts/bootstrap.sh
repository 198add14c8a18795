#!/usr/bin/env bash
# Create .venv with the project's dependencies, once per machine. Later runs
# reinstall only when pyproject.toml changed.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
EXTRAS="${1:-}"

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi

stamp=".venv/.installed${EXTRAS:+-$EXTRAS}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    if [ -n "$EXTRAS" ]; then
        .venv/bin/python -m pip install --quiet --editable ".[$EXTRAS]"
    else
        .venv/bin/python -m pip install --quiet --editable .
    fi
    touch "$stamp"
fi

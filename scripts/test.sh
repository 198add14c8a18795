#!/usr/bin/env bash
# Install the test dependencies, lint, type-check and run the tests.
#
# Arguments go to pytest, for example: scripts/test.sh tests/users -x
# Runs against the embedded set-up unless DATABASE_URL and CELERY_BROKER_URL
# are set. Exits non-zero when ruff, mypy or any test fails.
set -uo pipefail

cd "$(dirname "$0")/.."
scripts/system-deps.sh || exit 1
scripts/bootstrap.sh test || exit 1

failed=()

echo "== ruff check"
.venv/bin/ruff check . || failed+=("ruff")

echo "== ruff format --check"
.venv/bin/ruff format --check . || failed+=("ruff format")

echo "== mypy"
.venv/bin/mypy . || failed+=("mypy")

echo "== pytest"
.venv/bin/python -m pytest "$@"
status=$?
# pytest exits 5 when it collected no tests: a run that tests nothing fails.
if [ "$status" -ne 0 ]; then
    failed+=("pytest (exit $status)")
fi

if [ "${#failed[@]}" -gt 0 ]; then
    echo "FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "All checks passed."

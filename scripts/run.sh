#!/usr/bin/env bash
# Set up and start LearnLinq Results Import on this machine.
#
# Installs the dependencies into .venv, migrates the database, creates the
# first administrator when LEARNLINQ_ADMIN_USERNAME and
# LEARNLINQ_ADMIN_PASSWORD are set, then starts one Celery worker with beat
# embedded in the background and the web server in the foreground. When the
# web server stops (Ctrl+C), the worker is stopped too.
#
# Without DATABASE_URL and CELERY_BROKER_URL everything runs embedded: SQLite
# and a file-system broker under var/. Static files are served by WhiteNoise,
# so DEBUG stays off.
set -euo pipefail

cd "$(dirname "$0")/.."
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
VAR_DIR="${LEARNLINQ_VAR_DIR:-$PWD/var}"
WORKER_LOG="$VAR_DIR/log/worker.log"
# Seconds the worker gets to finish its current task before it is killed.
# Tasks are acknowledged after they run, so a killed task runs again later.
WORKER_STOP_TIMEOUT="${WORKER_STOP_TIMEOUT:-30}"

scripts/system-deps.sh
scripts/bootstrap.sh
mkdir -p "$VAR_DIR/log"

.venv/bin/python manage.py migrate --noinput

if [ -n "${LEARNLINQ_ADMIN_USERNAME:-}" ]; then
    .venv/bin/python manage.py create_administrator
else
    cat <<'MESSAGE'
No administrator created. Set LEARNLINQ_ADMIN_USERNAME and
LEARNLINQ_ADMIN_PASSWORD (and optionally LEARNLINQ_ADMIN_EMAIL) before
scripts/run.sh, or create one by hand:
  .venv/bin/python manage.py create_administrator --username NAME --email ADDRESS
MESSAGE
fi

.venv/bin/celery -A learnlinq worker -B \
    --loglevel=INFO --concurrency=2 \
    --schedule "$VAR_DIR/celerybeat-schedule" \
    >>"$WORKER_LOG" 2>&1 &
worker_pid=$!

worker_stop() {
    if ! kill -0 "$worker_pid" 2>/dev/null; then
        return
    fi
    echo "Stopping the worker (pid $worker_pid)."
    # TERM is Celery's warm shutdown: the worker finishes its current task.
    kill -TERM "$worker_pid" 2>/dev/null || true
    for _ in $(seq "$WORKER_STOP_TIMEOUT"); do
        kill -0 "$worker_pid" 2>/dev/null || return 0
        sleep 1
    done
    echo "The worker did not stop within $WORKER_STOP_TIMEOUT s; killing it."
    kill -KILL "$worker_pid" 2>/dev/null || true
}
server_pid=""
processes_stop() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    worker_stop
}
trap processes_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sleep 2
if ! kill -0 "$worker_pid" 2>/dev/null; then
    echo "The Celery worker exited at start. Its log, $WORKER_LOG, ends with:" >&2
    tail -n 20 "$WORKER_LOG" >&2
    exit 1
fi
echo "Celery worker with beat started (pid $worker_pid), logging to $WORKER_LOG."
echo "Open http://$HOST:$PORT/ in a browser. Ctrl+C stops the web server and the worker."

# Bash runs a trap only after the foreground command returns, but a signal
# interrupts wait at once. So the server runs in the background, and INT or
# TERM reaches the traps that stop both processes.
.venv/bin/python manage.py runserver "$HOST:$PORT" --noreload &
server_pid=$!
wait "$server_pid"

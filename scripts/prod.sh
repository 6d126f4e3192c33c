#!/usr/bin/env bash
# The production set-up on one machine, in one command (`make prod`):
#
#   PostgreSQL  all data                        LEADHUB_DATABASE_URL (default: local, db "leadhub")
#   Redis       Reflex's state manager, so several app workers serve the same users, and the
#               task queue shared by the background workers        LEADHUB_REDIS_URL
#   app         `reflex run --env prod`: the built frontend and the backend on one port,
#               LEADHUB_APP_WORKERS granian worker processes (default 2)
#   workers     LEADHUB_WORKERS `leadhub worker` processes (default 2) of
#               LEADHUB_WORKER_THREADS threads each (default 2); any number may run, on this
#               machine or others sharing the database and Redis: a notification is sent only
#               by the worker whose claim on it succeeded.
#
# Order: check PostgreSQL and Redis answer, create the database if it is missing, run the
# migrations once (before any worker or app process starts), then start workers and app.
# SIGTERM or Ctrl-C stops everything gracefully: workers finish the tasks in progress and
# leave queued ones in Redis. If any process dies, the others are stopped and the script
# exits non-zero, so a supervisor (systemd, Docker) restarts the whole set cleanly.
#
# Health: GET /api/health (database + Redis, 200/503) and /api/health/workers (live workers).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

bash scripts/bootstrap.sh

export LEADHUB_DATABASE_URL=${LEADHUB_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/leadhub}
export LEADHUB_REDIS_URL=${LEADHUB_REDIS_URL:-redis://127.0.0.1:6379/0}
# Reflex reads REFLEX_REDIS_URL (rxconfig.py falls back to LEADHUB_REDIS_URL); a wrong name
# would silently give each app worker its own state.
export REFLEX_REDIS_URL=${REFLEX_REDIS_URL:-$LEADHUB_REDIS_URL}
PORT=${LEADHUB_PORT:-3000}
HOST=${LEADHUB_HOST:-127.0.0.1}
APP_WORKERS=${LEADHUB_APP_WORKERS:-2}
WORKERS=${LEADHUB_WORKERS:-2}
WORKER_THREADS=${LEADHUB_WORKER_THREADS:-2}
export LEADHUB_APP_URL=${LEADHUB_APP_URL:-http://127.0.0.1:$PORT}
export GRANIAN_WORKERS=$APP_WORKERS
# Its own build folder: `make run` (SQLite, one process) keeps .web untouched.
export REFLEX_WEB_WORKDIR=${REFLEX_WEB_WORKDIR:-$ROOT/.web-prod}
export REFLEX_USE_SYSTEM_BUN=1
export PATH="$ROOT/.tools/node_modules/.bin:$ROOT/.venv/bin:$PATH"

die() { printf 'prod: %s\n' "$*" >&2; exit 1; }
log() { printf '==> %s\n' "$*" >&2; }

for number in "$APP_WORKERS" "$WORKERS" "$WORKER_THREADS"; do
    [[ $number =~ ^[1-9][0-9]*$ ]] || die "LEADHUB_APP_WORKERS, LEADHUB_WORKERS and LEADHUB_WORKER_THREADS must be whole numbers of at least 1"
done
[[ $LEADHUB_DATABASE_URL == postgres* ]] || die "the production set-up runs on PostgreSQL; LEADHUB_DATABASE_URL is not a postgresql:// URL (use \`make run\` for SQLite)"
[[ -n ${LEADHUB_SECRET_KEY:-} ]] || log "LEADHUB_SECRET_KEY is not set: using the key generated in the data folder (set it when several machines share the database)"

# Reachable? Create the database when it is missing (a fresh machine), then migrate once.
python - <<'EOF' || exit 1
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from leadhub.config import get_settings
from leadhub.services import health

settings = get_settings()
target = make_url(settings.database_url)
admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT",
                      connect_args={"connect_timeout": 5})
try:
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                        {"n": target.database}).first() is None:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
            print(f"==> created database {target.database}", file=sys.stderr)
except Exception as exc:  # noqa: BLE001
    sys.exit(f"prod: PostgreSQL at {target.render_as_string(hide_password=True)} does not answer: "
             f"{health.describe_error(exc)}")
finally:
    admin.dispose()
redis_check = health.check_redis(settings.redis_url)
if redis_check.failed:
    sys.exit(f"prod: Redis at {settings.redis_url} does not answer: {redis_check.error}")
EOF

log "migrating the database once, before anything starts"
leadhub db upgrade
if [[ ${LEADHUB_SEED_DEMO:-0} == 1 ]]; then
    leadhub demo --if-empty
fi

pids=()
stopping=0
stop_all() {
    ((stopping)) && return
    stopping=1
    log "stopping: workers finish the tasks in progress"
    for pid in "${pids[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    wait || true
}
trap 'stop_all; exit 0' TERM INT

# Each child leads its own process group, so a stop reaches the app's granian workers too.
for i in $(seq 1 "$WORKERS"); do
    setsid leadhub worker --workers "$WORKER_THREADS" &
    pids+=($!)
done
log "started $WORKERS worker process(es) of $WORKER_THREADS thread(s) on Redis"

log "building and starting LeadHub on $LEADHUB_APP_URL with $APP_WORKERS app worker(s) (Ctrl-C stops it)"
setsid reflex run --env prod --single-port --frontend-port "$PORT" --backend-port "$PORT" \
    --backend-host "$HOST" &
pids+=($!)

# Any process ending on its own ends the set: a supervisor restarts it whole.
set +e
wait -n
code=$?
set -e
if ((!stopping)); then
    log "a process exited (code $code): stopping the rest"
    stop_all
    exit 1
fi

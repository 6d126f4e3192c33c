#!/usr/bin/env bash
# Set up what is missing, bring the database to the newest schema, seed the demo team on
# the first start, and serve the production build on http://127.0.0.1:3000 with the
# background worker (notifications) running beside it.
#
# LEADHUB_PORT and LEADHUB_HOST change where it listens (default 3000 on 127.0.0.1 only).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

bash scripts/bootstrap.sh

PORT=${LEADHUB_PORT:-3000}
HOST=${LEADHUB_HOST:-127.0.0.1}
export PATH="$ROOT/.tools/node_modules/.bin:$ROOT/.venv/bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1
# The browser's origin must be allowed to open the app's websocket.
export LEADHUB_APP_URL=${LEADHUB_APP_URL:-http://127.0.0.1:$PORT}

leadhub db upgrade
leadhub demo --if-empty

# The worker delivers Telegram/Slack notifications beside the app. Ctrl-C stops both; a
# watchdog also stops the worker when the app ends any other way (the app replaces this shell,
# so its process id is $$).
APP_PID=$$
(
    leadhub worker &
    worker=$!
    while kill -0 "$APP_PID" 2>/dev/null && kill -0 "$worker" 2>/dev/null; do sleep 1; done
    kill -INT "$worker" 2>/dev/null || true
    wait "$worker" 2>/dev/null || true
) &

echo "==> building and starting LeadHub on http://127.0.0.1:$PORT (Ctrl-C stops it)" >&2
exec reflex run --env prod --single-port --frontend-port "$PORT" --backend-port "$PORT" \
    --backend-host "$HOST"

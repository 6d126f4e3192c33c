#!/usr/bin/env bash
# Set up what is missing, bring the database to the newest schema, seed the demo team on
# the first start, and serve the production build on http://127.0.0.1:3000.
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

echo "==> building and starting LeadHub on http://127.0.0.1:$PORT (Ctrl-C stops it)" >&2
exec reflex run --env prod --single-port --frontend-port "$PORT" --backend-port "$PORT" \
    --backend-host "$HOST"

#!/usr/bin/env bash
# Set up what is missing (including Chromium for the e2e tests) and run the whole test
# suite; arguments go to pytest. PostgreSQL variants run when a server answers on
# 127.0.0.1:5432 or LEADHUB_TEST_POSTGRES_URL is set.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/bootstrap.sh --browser

status=0
.venv/bin/python -m pytest "$@" </dev/null || status=$?
if ((status == 5)); then
    echo "test.sh: pytest collected no tests: that is a failure, not a pass" >&2
fi
exit "$status"

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

# The whole suite with no arguments: the browser tests once more with the app on PostgreSQL
# (the service, state and API tests above already ran on SQLite and PostgreSQL each).
if (($# == 0)); then
    if [[ -n "${LEADHUB_TEST_POSTGRES_URL:-}" ]] || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
        echo "test.sh: browser tests again with the app on PostgreSQL"
        e2e_status=0
        LEADHUB_E2E_DATABASE=postgresql .venv/bin/python -m pytest -m e2e </dev/null || e2e_status=$?
        ((status != 0)) || status=$e2e_status
    else
        echo "test.sh: SKIPPED browser tests on PostgreSQL: no server on 127.0.0.1:5432" \
             "and LEADHUB_TEST_POSTGRES_URL is not set"
    fi
fi
exit "$status"

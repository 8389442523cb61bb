#!/usr/bin/env bash
# `make test-external` (and CI's second pass): the whole suite against a stock PostgreSQL 15,
# again through PgBouncer in transaction pooling mode with Redis as the cache, then the
# topology tests (two web hosts, streaming replica, Redis) in tests_external/. Servers from
# scripts/external_services.sh, stopped and deleted afterwards whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
SERVICES=./scripts/external_services.sh
trap '$SERVICES stop' EXIT
$SERVICES start
# shellcheck disable=SC1090
. "$($SERVICES envfile)"
export SECRET_KEY="external-tests-only-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
PYTEST=(.venv/bin/python -m pytest -q)

echo "== the suite on a stock PostgreSQL 15"
DATABASE_URL="$CHATCORE_EXTERNAL_PRIMARY_URL" "${PYTEST[@]}" tests
echo "== the suite through PgBouncer (transaction pooling), with Redis as the cache"
DB_PGBOUNCER=1 DATABASE_URL="$CHATCORE_EXTERNAL_PGBOUNCER_URL" CACHE_URL="$CHATCORE_EXTERNAL_REDIS_URL" \
    "${PYTEST[@]}" tests
echo "== two web hosts, PgBouncer, streaming replica, Redis"
DATABASE_URL="$CHATCORE_EXTERNAL_PRIMARY_URL" "${PYTEST[@]}" tests_external

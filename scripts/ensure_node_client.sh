#!/usr/bin/env bash
# Install LibreChat's client library (tests/client/package-lock.json, pinned) for the tests that
# drive it from Node. Idempotent: npm ci runs only when the lock file changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/../tests/client"
STAMP=node_modules/.chatcore-lock
if [ -f "$STAMP" ] && cmp -s package-lock.json "$STAMP"; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
cp package-lock.json "$STAMP"

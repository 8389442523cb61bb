#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the admin browser test (Playwright drives it;
# no browser is ever downloaded by Playwright). Idempotent: does nothing when it is present.
# A failed install does not stop `make test`: the reason is written to var/chromium-install.log
# and the browser test fails with it (it is never skipped).
set -u
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
LOG="${CHROMIUM_INSTALL_LOG:-var/chromium-install.log}"
mkdir -p "$(dirname "$LOG")"
if [ -x "$CHROMIUM" ]; then
  rm -f "$LOG"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi
fi
echo "Installing Chromium from Debian packages (for the admin browser test)..."
if { $SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium; } >"$LOG" 2>&1 \
   && [ -x "$CHROMIUM" ]; then
  rm -f "$LOG"
  echo "Chromium installed at $CHROMIUM"
else
  echo "WARNING: could not install Chromium (see $LOG); the browser test will fail." >&2
fi
exit 0

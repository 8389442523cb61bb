#!/usr/bin/env bash
# Refresh (or verify) the vendored Chart.js the staff analytics dashboard loads from static
# files, never from a CDN. The version and checksum are pinned here; the file is committed so
# the dashboard works offline and CI needs no network. Usage:
#   scripts/vendor_chartjs.sh          # verify the committed file against the pin
#   scripts/vendor_chartjs.sh --fetch  # download the pinned npm package and copy it in
set -euo pipefail
VERSION=4.5.1
SHA256=48444a82d4edcb5bec0f1965faacdde18d9c17db3063d042abada2f705c9f54a
DEST="$(dirname "$0")/../convos_app/static/convos_app/vendor/chart.js"
if [ "${1:-}" = "--fetch" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack "chart.js@$VERSION" --silent >/dev/null && tar xzf "chart.js-$VERSION.tgz")
  cp "$work/package/dist/chart.umd.min.js" "$DEST/chart.umd.min.js"
  cp "$work/package/LICENSE.md" "$DEST/LICENSE.md"
fi
echo "$SHA256  $DEST/chart.umd.min.js" | sha256sum --check --quiet
echo "Chart.js $VERSION OK"

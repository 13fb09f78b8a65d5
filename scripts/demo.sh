#!/usr/bin/env bash
# make demo: simulate a month of national telemetry (CTIP and Shadowserver),
# ingest it, print a first look at the landscape, and serve the dashboard.
#   DEMO_LISTEN=ADDR:PORT  where to serve (default 127.0.0.1:8080; loopback only)
#   DEMO_DIR=DIR           where the feeds and the database go (default build/demo)
#   DEMO_NO_SERVE=1        stop after printing the landscape
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
VIGIL="$BUILD/vigil"
DEMO="${DEMO_DIR:-$ROOT/build/demo}"
LISTEN="${DEMO_LISTEN:-127.0.0.1:8080}"
rm -rf "$DEMO"
mkdir -p "$DEMO"
echo "== simulating 30 days of infection telemetry for Vietnam (seed 2026)"
"$VIGIL" simulate --seed 2026 --days 30 --start 2026-10-01 --hosts 20000 --malformed 0.001 \
  --format both --out "$DEMO/feeds" --truth "$DEMO/truth.json"
echo "   $(ls "$DEMO/feeds" | wc -l) files, $(du -sh "$DEMO/feeds" | cut -f1)"
echo "== ingesting"
"$VIGIL" ingest --db "$DEMO/vigil.db" "$DEMO"/feeds/* || [ $? -eq 1 ]
echo
echo "== top malware families, October 2026"
"$VIGIL" landscape --db "$DEMO/vigil.db" --by family --top 8
echo
echo "== top operators"
"$VIGIL" landscape --db "$DEMO/vigil.db" --by isp --top 8
echo
echo "== top provinces"
"$VIGIL" landscape --db "$DEMO/vigil.db" --by province --top 8
echo
[ -n "${DEMO_NO_SERVE:-}" ] && exit 0
echo "== serving the dashboard (Ctrl-C to stop)"
echo "   open the URL below in a browser on this machine"
exec "$VIGIL" serve --db "$DEMO/vigil.db" --listen "$LISTEN"

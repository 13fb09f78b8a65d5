#!/usr/bin/env bash
# make demo: simulate a month of national telemetry (CTIP and Shadowserver),
# ingest it, and print the landscape.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
VIGIL="$BUILD/vigil"
DEMO="${DEMO_DIR:-$ROOT/build/demo}"
rm -rf "$DEMO"
mkdir -p "$DEMO"
echo "== simulating 30 days of infection telemetry for Vietnam (seed 2026)"
"$VIGIL" simulate --seed 2026 --days 30 --start 2026-10-01 --hosts 30000 --malformed 0.001 \
  --format both --out "$DEMO/feeds" --truth "$DEMO/truth.json"
echo "   $(ls "$DEMO/feeds" | wc -l) files, $(du -sh "$DEMO/feeds" | cut -f1)"
echo "== ingesting"
"$VIGIL" ingest --db "$DEMO/vigil.db" "$DEMO"/feeds/* || [ $? -eq 1 ]
echo
echo "== top malware families, October 2026"
"$VIGIL" landscape --db "$DEMO/vigil.db" --by family --top 10
echo
echo "== top ISPs (ASN)"
"$VIGIL" landscape --db "$DEMO/vigil.db" --by asn --top 10
echo
echo "== provinces"
"$VIGIL" landscape --db "$DEMO/vigil.db" --by region --top 15
echo
echo "== infected addresses per day"
"$VIGIL" landscape --db "$DEMO/vigil.db" --by day
echo
echo "database: $DEMO/vigil.db — try: $VIGIL landscape --db $DEMO/vigil.db --by asn,family --top 20"

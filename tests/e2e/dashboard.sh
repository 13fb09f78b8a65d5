# The dashboard in a real browser: simulate two weeks of telemetry, ingest
# it, start `vigil serve` on a free loopback port and run
# tests/browser/dashboard.test.mjs (headless Chromium driven by
# playwright-core), which compares every figure the pages show with the
# API's answer, follows a drill-down, switches the language, signs in with
# a token once an organisation exists, and takes a
# screenshot of each page into $TEST_TMP/screenshots (copied to
# $VIGIL_ARTIFACTS/screenshots when that is set).  Skipped (77) only when
# Chromium is not installed; everything else missing is a failure.
. "$ROOT/tests/lib.sh"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || skip "chromium is not installed ($CHROMIUM): make deps installs it"
command -v node >/dev/null || fail "node is not installed (make deps)"
[ -f "$ROOT/node_modules/playwright-core/package.json" ] ||
  fail "node_modules/playwright-core is missing: run make deps (npm ci)"
[ -f "$ROOT/web/vendor/uPlot.esm.js" ] || fail "web/vendor/ is empty: run make deps"
[ -f "$ROOT/web/vendor/vn-provinces.json" ] ||
  fail "web/vendor/vn-provinces.json (the province map) is missing: run make deps"

"$VIGIL" simulate --seed 11 --days 14 --start 2026-10-01 --hosts 1500 --out sim -q
"$VIGIL" ingest --db dash.db sim/* > ingest.out || fail "ingest failed: $(cat ingest.out)"
# an address that is certainly in the store: the first source of a sinkhole report
ip=$(python3 -c '
import csv, glob, sys
f = sorted(glob.glob("sim/*.csv"))[0]
print(next(csv.DictReader(open(f, newline="")))["src_ip"])')
[ -n "$ip" ] || fail "no address found in the simulated reports"

"$VIGIL" serve --db dash.db --listen 127.0.0.1:0 > serve.out 2> serve.err &
pid=$!
stop() {
  kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  return 0
}
trap stop EXIT
url=""
for _ in $(seq 100); do
  url=$(head -n1 serve.out 2>/dev/null)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat serve.err >&2; fail "vigil serve exited before listening"; }
  sleep 0.1
done
[ -n "$url" ] || { cat serve.err >&2; fail "vigil serve printed no URL within 10 s"; }

shots="$TEST_TMP/screenshots"
rc=0
VIGIL_URL="$url" SCREENSHOTS="$shots" VIGIL_TEST_IP="$ip" CHROMIUM="$CHROMIUM" \
  VIGIL="$VIGIL" VIGIL_TEST_DB="$PWD/dash.db" timeout 110 node "$ROOT/tests/browser/dashboard.test.mjs" || rc=$?
if [ -n "${VIGIL_ARTIFACTS:-}" ] && [ -d "$shots" ]; then
  mkdir -p "$VIGIL_ARTIFACTS/screenshots" && cp "$shots"/*.png "$VIGIL_ARTIFACTS/screenshots/" 2>/dev/null || true
fi
[ "$rc" -eq 77 ] && exit 77
[ "$rc" -eq 0 ] || { tail -20 serve.err >&2; fail "browser test failed (exit $rc)"; }
echo "screenshots: $shots"

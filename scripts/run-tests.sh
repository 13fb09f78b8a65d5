#!/usr/bin/env bash
# Runs every unit test binary (build/tests/test_*, cmocka) and every
# end-to-end script (tests/e2e/*.sh), then prints one summary line
# "N passed, N failed, N skipped".  An e2e script exits 0 (pass), 77 (skip:
# e.g. the third-party samples in ../shared/data are absent) or anything else
# (fail).  Environment given to the scripts:
#   VIGIL        the binary under test (absolute path)
#   VIGIL_SAMPLES third-party samples (default ../shared/data beside the checkout)
#   TEST_TMP     a fresh temporary directory, removed afterwards
#   ROOT         the checkout
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
export ROOT
export VIGIL="$BUILD/vigil"
export VIGIL_SAMPLES="${VIGIL_SAMPLES:-$ROOT/../shared/data}"
export VIGIL_DATA="${VIGIL_DATA:-$ROOT/data}"
pass=0 fail=0 skip=0 failed=()
only="${TESTS:-}"

for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  [ -n "$only" ] && [[ "$name" != *$only* ]] && continue
  if out=$(cd "$ROOT" && "$t" 2>&1); then
    pass=$((pass + 1)); echo "PASS  unit/$name"
  else
    fail=$((fail + 1)); failed+=("unit/$name"); echo "FAIL  unit/$name"; echo "$out" | tail -40
  fi
done

for t in "$ROOT"/tests/e2e/*.sh; do
  [ -f "$t" ] || continue
  name=$(basename "$t" .sh)
  [ -n "$only" ] && [[ "$name" != *$only* ]] && continue
  TEST_TMP=$(mktemp -d) && export TEST_TMP
  start=$(date +%s)
  out=$(cd "$TEST_TMP" && bash "$t" 2>&1); rc=$?
  secs=$(( $(date +%s) - start ))
  rm -rf "$TEST_TMP"
  case $rc in
    0) pass=$((pass + 1)); echo "PASS  e2e/$name (${secs}s)" ;;
    77) skip=$((skip + 1)); echo "SKIP  e2e/$name: $(echo "$out" | tail -1)" ;;
    *) fail=$((fail + 1)); failed+=("e2e/$name"); echo "FAIL  e2e/$name (exit $rc)"; echo "$out" | tail -60 ;;
  esac
done

[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]

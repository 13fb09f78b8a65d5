# Shared helpers for the end-to-end tests (sourced, not run).
set -euo pipefail
: "${VIGIL:?VIGIL must name the binary under test}"
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skipped: $*"; exit 77; }
# expect_exit CODE cmd... — run cmd, check its exit status
expect_exit() {
  local want=$1; shift
  local got=0
  "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err" || got=$?
  [ "$got" -eq "$want" ] || { cat "$TEST_TMP/err" >&2; fail "'$*' exited $got, expected $want"; }
}

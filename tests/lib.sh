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

# vigil serve on a port the kernel picks: start_server [serve options...]
# sets URL (ends in /) and SPID; the server is killed when the script exits.
# stop_server sends SIGTERM and requires exit status 0 within 10 s.
SPID=
trap '[ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null; true' EXIT
start_server() {
  "$VIGIL" serve --listen 127.0.0.1:0 "$@" > url.txt 2> serve.log &
  SPID=$!
  for _ in $(seq 100); do
    [ -s url.txt ] && break
    kill -0 "$SPID" 2>/dev/null || { cat serve.log >&2; fail "vigil serve exited at start"; }
    sleep 0.1
  done
  URL=$(head -1 url.txt)
  [ -n "$URL" ] || fail "vigil serve printed no URL in 10 s"
}
stop_server() {
  kill -TERM "$SPID"
  for _ in $(seq 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$SPID" 2>/dev/null && fail "vigil serve still running 10 s after SIGTERM"
  local rc=0; wait "$SPID" || rc=$?
  SPID=
  [ "$rc" -eq 0 ] || { cat serve.log >&2; fail "vigil serve exited $rc after SIGTERM"; }
}

# The command-line contract: help, version, usage errors (exit 2, clear
# message, nothing written).
. "$ROOT/tests/lib.sh"
expect_exit 0 "$VIGIL" --help
grep -q "ingest" "$TEST_TMP/out" || fail "--help does not list ingest"
expect_exit 0 "$VIGIL" --version
grep -q "^vigil [0-9]" "$TEST_TMP/out" || fail "--version"
for c in ingest landscape ip parse simulate; do
  expect_exit 0 "$VIGIL" "$c" --help
  grep -q "usage: vigil $c" "$TEST_TMP/out" || fail "$c --help has no usage line"
done
expect_exit 2 "$VIGIL"
expect_exit 2 "$VIGIL" frobnicate
grep -q "unknown command" "$TEST_TMP/err" || fail "unknown command message"
expect_exit 2 "$VIGIL" ingest --db t.db
expect_exit 2 "$VIGIL" ingest --db t.db does-not-exist.json
grep -q "does-not-exist.json" "$TEST_TMP/err" || fail "missing file not named"
[ ! -e t.db ] || fail "a failed ingest created the database"
expect_exit 2 "$VIGIL" ingest --db t.db --format nonsense /dev/null
expect_exit 2 "$VIGIL" landscape --db t.db
grep -q "t.db" "$TEST_TMP/err" || fail "missing database not named"
expect_exit 2 "$VIGIL" landscape --by family,bogus
grep -q "bogus" "$TEST_TMP/err" || fail "bad key not named"
expect_exit 2 "$VIGIL" landscape --from 2026-13-01
expect_exit 2 "$VIGIL" landscape --from 2026-10-02 --to 2026-10-01
expect_exit 2 "$VIGIL" landscape --top 0
expect_exit 2 "$VIGIL" landscape --country VNM
expect_exit 2 "$VIGIL" ip not-an-ip
expect_exit 2 "$VIGIL" ip
exit 0

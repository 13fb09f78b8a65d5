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

# the raw archive (<db>.archive.zst) holds each accepted record once, a
# record of megabytes of incompressible payload included
"$VIGIL" simulate --seed 3 --days 1 --hosts 50 --events 300 --format ctip -o few.json
python3 - <<'PY'
import base64, json, os
line = json.loads(open("few.json").readline())
line["Payload"] = base64.b64encode(os.urandom(3 << 20)).decode()
with open("big_record.json", "w") as f:
    f.write(json.dumps(line) + "\n")
    f.write(open("few.json").read())
PY
"$VIGIL" ingest --db arch.db --json big_record.json > arch.json || fail "a record of 4 MiB was not ingested"
zstdcat arch.db.archive.zst | cmp -s - big_record.json || fail "the archive is not the accepted records"
# an archive file cut short is named, and nothing is written past its hole
head -c 1000 arch.db.archive.zst > cut.zst && mv cut.zst arch.db.archive.zst
"$VIGIL" simulate --seed 4 --days 1 --hosts 20 --events 50 --format ctip -o more.json
expect_exit 2 "$VIGIL" ingest --db arch.db -q more.json
grep -q "arch.db.archive.zst is shorter" "$TEST_TMP/err" || fail "a cut archive file not named"
"$VIGIL" ingest --db arch.db -q --no-archive more.json > /dev/null || fail "--no-archive refused"
exit 0

# A kill -9 in the middle of an ingest loses no accepted data and
# double-counts nothing: the interrupted input is rolled back whole, and
# ingesting everything again gives exactly the landscape of a clean run.
# The raw archive file holds each accepted record once: the frames the
# killed ingest wrote past the committed end are cut off by the next one.
. "$ROOT/tests/lib.sh"
"$VIGIL" simulate --seed 5 --days 2 --start 2026-10-01 --hosts 3000 --events 120000 \
  --format ctip -o big.json --truth truth.json
"$VIGIL" simulate --seed 6 --days 2 --start 2026-10-03 --hosts 500 --format ctip -o small.json
"$VIGIL" ingest --db clean.db --json --no-archive small.json big.json > clean.json
"$VIGIL" landscape --db clean.db --by asn,family,day --json > clean_l.json

"$VIGIL" ingest --db k.db -q small.json big.json > /dev/null 2>&1 &
pid=$!
# wait until the first input is committed and the second is under way
for _ in $(seq 1 200); do
  sleep 0.02
  n=$(python3 -c "
import sqlite3
try:
    c=sqlite3.connect('file:k.db?mode=ro', uri=True, timeout=5)
    print(c.execute('select count(*) from files where finished_us is not null').fetchone()[0])
except Exception: print(0)" 2>/dev/null || echo 0)
  [ "$n" -ge 1 ] && break
done
sleep 0.3 # into the second input's archive frames
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
killed_size=$(stat -c %s k.db.archive.zst 2>/dev/null || echo 0)
"$VIGIL" ingest --db k.db --json small.json big.json > resumed.json
python3 - <<'PY'
import json
r = json.load(open("resumed.json")); c = json.load(open("clean.json"))
# the committed input is skipped, the killed one is ingested whole; if the
# kill came late, both are skipped
assert r["files"] + r["skipped_files"] == 2, r
PY
"$VIGIL" landscape --db k.db --by asn,family,day --json > k_l.json
cmp -s clean_l.json k_l.json || fail "after kill and resume the landscape differs from a clean run"
# every record of both inputs was accepted: the archive is both, in order
cat small.json big.json | cmp -s - <(zstdcat k.db.archive.zst) ||
  fail "after kill and resume the archive is not each accepted record once"
python3 - "$killed_size" <<'PY'
import sqlite3, os, sys
c = sqlite3.connect("k.db")
rows = c.execute("select frame_offset, frame_size, length(data) from archive order by id").fetchall()
end = 0
for off, size, blob in rows:
    assert off == end and blob == 0, ("frames not contiguous", off, end, blob)
    end += size
assert end == os.path.getsize("k.db.archive.zst"), (end, os.path.getsize("k.db.archive.zst"))
print("archive: %d frames, %d bytes (%s bytes when killed)" % (len(rows), end, sys.argv[1]))
PY
exit 0

# The third-party samples ingest end to end: CTIP Azure lines, the Interflow
# array and Shadowserver reports, with enrichment from the real data.
. "$ROOT/tests/lib.sh"
S="$VIGIL_SAMPLES"
[ -d "$S/ctip" ] || skip "samples not found in $S"
rc=0
"$VIGIL" ingest --db s.db --json "$S/ctip/intelmq_ctip_azure.txt" "$S/ctip/intelmq_ctip.txt" \
  "$S/shadowserver/testdata/event4_sinkhole.csv" "$S/shadowserver/testdata/event4_microsoft_sinkhole.csv" \
  > ingest.json || rc=$?
[ "$rc" -le 1 ] || fail "ingest exited $rc"
python3 - ingest.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("files", "skipped_files", "records", "accepted", "rejected", "observations"):
    assert isinstance(r[k], int), k
assert r["files"] == 4, r
assert r["accepted"] >= 10, r
assert r["records"] == r["accepted"] + r["rejected"], r
PY
"$VIGIL" landscape --db s.db --by family,feed --json > l.json
python3 - l.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
fams = {row["family"] for row in r["rows"]}
assert "b67-ss-tinba" in fams, fams   # CTIP: lower-cased ThreatCode
assert r["total"]["ips"] > 0
PY
# same bytes again: skipped, nothing added
"$VIGIL" ingest --db s.db --json "$S/ctip/intelmq_ctip_azure.txt" > again.json || true
python3 -c "import json,sys; r=json.load(open('again.json')); assert r['skipped_files']==1 and r['files']==0, r"
"$VIGIL" landscape --db s.db --by family,feed --json > l2.json
cmp -s l.json l2.json || fail "re-ingest changed the landscape"
exit 0

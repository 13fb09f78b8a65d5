# vigil parse: CTIP and Shadowserver samples → IntelMQ JSON lines, and
# IntelMQ JSON lines → the same lines again (lossless round trip); with
# --enrich the local data fills source.asn and the geolocation.
. "$ROOT/tests/lib.sh"
S="$VIGIL_SAMPLES"
[ -d "$S/ctip" ] || skip "samples not found in $S"
for f in "$S/ctip/intelmq_ctip_azure.txt" "$S/ctip/intelmq_ctip.txt" \
         "$S/shadowserver/testdata/event4_sinkhole_http.csv" "$S/shadowserver/testdata/scan_smb.csv"; do
  rc=0
  "$VIGIL" parse "$f" > a.jsonl 2> rejects.jsonl || rc=$?
  [ "$rc" -le 1 ] || fail "parse $f exited $rc"
  [ -s a.jsonl ] || fail "parse $f produced no events"
  "$VIGIL" parse --format intelmq a.jsonl > b.jsonl || fail "re-parse of $f's IntelMQ output failed"
  cmp -s a.jsonl b.jsonl || { diff <(head -3 a.jsonl) <(head -3 b.jsonl) >&2; fail "IntelMQ round trip of $f is not lossless"; }
done
"$VIGIL" parse --enrich "$S/ctip/intelmq_ctip_azure.txt" > e.jsonl 2>/dev/null || true
python3 - <<'PY'
import json
for line in open("e.jsonl"):
    e = json.loads(line)
    # documentation/multicast addresses of the sample have no local ASN: the
    # feed's values stay; anything the local data knows replaces them
    if "extra.feed.source.asn" in e:
        assert e["extra.feed.source.asn"] != e.get("source.asn"), e
PY
exit 0

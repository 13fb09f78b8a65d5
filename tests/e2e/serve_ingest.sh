# vigil serve: ingest through the server.  POST a CTIP file (the same
# counters as `vigil ingest --json`), POST it again (skipped), POST a
# Shadowserver report as a browser form would; drop the other files in the
# spool (moved to done/), a garbage file (moved to failed/ with a reason);
# the landscape then equals the simulator's truth and the CLI's; an ingest
# by another process invalidates the server's tagged, cached answers.
. "$ROOT/tests/lib.sh"
command -v curl >/dev/null || skip "curl is not installed (make deps)"
[ -f "$VIGIL_DATA/asn-ipv4.csv" ] || skip "no enrichment data (make deps)"


"$VIGIL" simulate --seed 5 --days 3 --hosts 800 --format both --out sim --truth truth.json \
  2> /dev/null
ctip=$(cd sim && ls ctip-* | head -1)
report=$(cd sim && ls ./*event4* | head -1 | sed 's|^\./||')
[ -n "$ctip" ] && [ -n "$report" ] || fail "the simulator wrote no CTIP or Shadowserver file"
# what the CLI says about the CTIP file alone
"$VIGIL" ingest --db cli_one.db --json "sim/$ctip" > cli_one.json

mkdir spool
start_server --db t.db --spool spool
A="${URL}api/v1"

# 1. POST the CTIP file: 201 and the CLI's counters
code=$(curl -sS --max-time 60 -o post1.json -w '%{http_code}' --data-binary "@sim/$ctip" \
  "$A/ingest?name=$ctip")
[ "$code" = 201 ] || { cat post1.json >&2; fail "POST $ctip -> HTTP $code"; }
python3 - <<'PY'
import json
a = json.load(open("post1.json")); c = json.load(open("cli_one.json"))
for k in ("files", "skipped_files", "records", "accepted", "rejected", "observations", "bytes"):
    assert a[k] == c[k], (k, a[k], c[k])
assert a["files"] == 1 and a["records"] > 0
PY
# 2. the same bytes again: 200, skipped, nothing changes
curl -sS --max-time 10 "$A/landscape?by=asn,family" > before.json
code=$(curl -sS --max-time 60 -o post2.json -w '%{http_code}' --data-binary "@sim/$ctip" \
  "$A/ingest?name=again.json")
[ "$code" = 200 ] || { cat post2.json >&2; fail "second POST -> HTTP $code"; }
python3 -c "
import json; j = json.load(open('post2.json'))
assert j['skipped_files'] == 1 and j['files'] == 0 and j['records'] == 0, j"
curl -sS --max-time 10 "$A/landscape?by=asn,family" > after.json
cmp -s before.json after.json || fail "a skipped upload changed the landscape"
# 3. a Shadowserver report as multipart/form-data: the file name tells the type
code=$(curl -sS --max-time 60 -o post3.json -w '%{http_code}' -F "file=@sim/$report" -F note=x \
  "$A/ingest")
[ "$code" = 201 ] || { cat post3.json >&2; fail "multipart POST -> HTTP $code"; }

# 4. the spool: the other files (written as .tmp and renamed, as writers
# should), a garbage file, and files that must be left alone
for f in sim/*; do
  name=$(basename "$f")
  [ "$name" = "$ctip" ] || [ "$name" = "$report" ] && continue
  cp "$f" "spool/$name.tmp" && mv "spool/$name.tmp" "spool/$name"
done
head -c 5000 /dev/urandom > spool/garbage.bin
echo partial > spool/still-writing.tmp
echo hidden > spool/.hidden
want=$(( $(ls sim | wc -l) - 2 ))
for _ in $(seq 200); do
  done_n=$(find spool/done -type f | wc -l)
  [ "$done_n" -ge "$want" ] && [ -e spool/failed/garbage.bin ] && break
  sleep 0.1
done
[ "$(find spool/done -type f | wc -l)" -eq "$want" ] ||
  { ls -R spool >&2; tail -20 serve.log >&2; fail "spool: not every file reached done/ in 20 s"; }
[ -e spool/failed/garbage.bin ] || fail "garbage did not reach failed/"
[ -s spool/failed/garbage.bin.reason ] || fail "failed/garbage.bin.reason is missing or empty"
grep -q "cannot tell the format" spool/failed/garbage.bin.reason || fail "the reason is not clear"
[ -e spool/still-writing.tmp ] && [ -e spool/.hidden ] || fail "the spool took a .tmp or a dotfile"
[ -z "$(find spool -maxdepth 1 -type f ! -name '*.tmp' ! -name '.*')" ] ||
  fail "files left in the spool"

# 5. the landscape reflects every ingest: the truth, and the CLI on the same db
curl -sS --max-time 10 "$A/landscape?by=asn,family" > api_af.json
curl -sS --max-time 10 "$A/landscape?by=day" > api_day.json
curl -sS --max-time 10 "$A/feeds" > feeds.json
"$VIGIL" landscape --db t.db --by asn,family --json > cli_af.json
cmp -s api_af.json cli_af.json || fail "the API and the CLI differ after ingests"
CTIP=$ctip REPORT=$report python3 - <<'PY'
import json, os
t = json.load(open("truth.json"))
for path, name, keys in (("api_af.json", "by_asn_family", ("asn", "family")),
                         ("api_day.json", "by_day", ("day",))):
    j = json.load(open(path))
    got = {tuple(r[k] for k in keys): (r["ips"], r["events"]) for r in j["rows"]}
    want = {tuple(r[k] for k in keys): (r["ips"], r["events"]) for r in t[name]}
    assert got == want, (name, [k for k in want if got.get(k) != want[k]][:5])
    assert j["total"] == t["total"], (j["total"], t["total"])
f = json.load(open("feeds.json"))
names = [x["name"] for x in f["files"]]
assert len(names) == len(os.listdir("sim")), names
assert names[0] == os.environ["CTIP"] and names[1] == os.environ["REPORT"], names
assert not any("/" in n or "upload" in n for n in names), names
assert {x["format"] for x in f["files"]} == {"ctip", "shadowserver"}
PY
ls -a spool | grep -q '^\.vigil-upload' && fail "an upload's temporary directory was left behind"

# 6. answers are tagged and kept between ingests: the same question again
# is 304 with its tag; an ingest by another process (`vigil ingest` on the
# same database) changes the answer and the tag at once
etag() { curl -sS --max-time 10 -D - -o "$2" "$A/$1" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" {print $2}'; }
tag1=$(etag "landscape?by=family&top=5" fam1.json)
[ -n "$tag1" ] || fail "no ETag on /landscape"
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "If-None-Match: $tag1" \
  "$A/landscape?top=5&by=family")
[ "$code" = 304 ] || fail "If-None-Match with the current tag -> HTTP $code, want 304"
"$VIGIL" simulate --seed 6 --days 1 --start 2026-11-20 --hosts 300 --format ctip -o extra.json \
  2> /dev/null
"$VIGIL" ingest --db t.db extra.json > /dev/null || fail "vigil ingest beside the server failed"
code=$(curl -sS --max-time 10 -o fam2.json -w '%{http_code}' -H "If-None-Match: $tag1" \
  "$A/landscape?by=family&top=5")
[ "$code" = 200 ] || fail "after an ingest by another process: HTTP $code, want 200"
cmp -s fam1.json fam2.json && fail "after an ingest by another process the answer did not change"
"$VIGIL" landscape --db t.db --by family --top 5 --json > cli_fam.json
cmp -s fam2.json cli_fam.json || fail "the API's answer after the ingest differs from the CLI's"
[ "$(etag "landscape?by=family&top=5" /dev/null)" != "$tag1" ] || fail "the tag did not change"

kill -TERM "$SPID"
rc=0; wait "$SPID" || rc=$?
SPID=
[ "$rc" -eq 0 ] || { tail serve.log >&2; fail "vigil serve exited $rc after SIGTERM"; }
grep -q "spool: garbage.bin: failed" serve.log || fail "the spool failure is not in the log"
echo "serve_ingest: uploads, multipart and the spool all reach the landscape"

# vigil serve: the JSON API over a simulated dataset with ground truth.
# Every landscape variant equals `vigil landscape --json` byte for byte and
# the simulator's truth; /ip equals `vigil ip --json`; families, regions,
# asns, feeds, health and the OpenAPI document have their shapes; the access
# log has a line per request; SIGTERM stops the server with exit 0.
. "$ROOT/tests/lib.sh"
command -v curl >/dev/null || skip "curl is not installed (make deps)"
[ -f "$VIGIL_DATA/asn-ipv4.csv" ] || skip "no enrichment data (make deps)"

api() { curl -sS --max-time 20 -o "$2" -w '%{http_code}' "${URL}api/v1/$1"; }

"$VIGIL" simulate --seed 3 --days 5 --hosts 2000 --format both --out sim --truth truth.json \
  2> /dev/null
"$VIGIL" ingest --db t.db --json sim/* > ingest.json
start_server --db t.db
grep -q "operator mode" serve.log || fail "the start log does not say operator mode"

# 1. landscape variants: the API equals the CLI byte for byte
family=$(python3 -c "import json; print(json.load(open('truth.json'))['by_family'][0]['family'])")
asn=$(python3 -c "import json; print(json.load(open('truth.json'))['by_asn_family'][0]['asn'])")
region=$(python3 -c "import json; print(json.load(open('truth.json'))['by_region'][0]['region'])")
n=0
check() { # "API path?query" -- CLI landscape args...
  local path=$1; shift
  [ "$1" = "--" ] && shift
  n=$((n + 1))
  local code
  code=$(curl -sS --max-time 20 -o "api$n.json" -w '%{http_code}' "${URL}api/v1/$path")
  [ "$code" = 200 ] || { cat "api$n.json" >&2; fail "$path: HTTP $code"; }
  "$VIGIL" landscape --db t.db --json "$@" > "cli$n.json"
  cmp -s "api$n.json" "cli$n.json" || {
    diff <(head -c 600 "api$n.json") <(head -c 600 "cli$n.json") >&2 || true
    fail "$path differs from 'vigil landscape --json $*'"; }
}
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
check "landscape" --
check "landscape?by=asn,family" -- --by asn,family
check "landscape?by=region" -- --by region
check "landscape?by=day" -- --by day
check "landscape?by=family" -- --by family
check "landscape?by=family&from=2026-10-02&to=2026-10-03&top=3" -- \
  --by family --from 2026-10-02 --to 2026-10-03 --top 3
check "landscape?by=day,asn&family=$(enc "$family")" -- --by day,asn --family "$family"
check "landscape?by=family,region&asn=AS$asn&top=5" -- --by family,region --asn "$asn" --top 5
check "landscape?by=asn&region=$(enc "$region")&country=vn" -- --by asn --region "$region" --country VN
check "landscape?by=type,feed,tlp" -- --by type,feed,tlp
check "landscape?by=family&type=infected-system&feed=CTIP-Infected" -- \
  --by family --type infected-system --feed CTIP-Infected
check "landscape?by=" -- --by ""
check "landscape?by=province,isp" -- --by province,isp
check "landscape?by=isp,family&province=ha-noi&top=6" -- --by isp,family --province ha-noi --top 6
check "families?top=4" -- --by family --top 4
check "regions?from=2026-10-04" -- --by region --from 2026-10-04

# ... and the truth
python3 - <<'PY'
import json
t = json.load(open("truth.json"))
def rows(path, keys):
    j = json.load(open(path))
    return {tuple(r[k] for k in keys): (r["ips"], r["events"]) for r in j["rows"]}, j["total"]
for path, name, keys in (("api2.json", "by_asn_family", ("asn", "family")),
                         ("api3.json", "by_region", ("region",)),
                         ("api4.json", "by_day", ("day",)),
                         ("api5.json", "by_family", ("family",))):
    got, total = rows(path, keys)
    want = {tuple(r[k] for k in keys): (r["ips"], r["events"]) for r in t[name]}
    assert got == want, (name, [k for k in want if got.get(k) != want[k]][:5])
    assert total == t["total"], (name, total, t["total"])
PY

# 2. one address: equals `vigil ip --json` (with observations, IPv6, none)
python3 - > ips.txt <<'PY'
import sqlite3, ipaddress
c = sqlite3.connect("t.db")
for (b,) in c.execute("SELECT DISTINCT ip FROM observations ORDER BY ip LIMIT 3"):
    a = ipaddress.IPv6Address(b)
    print(a.ipv4_mapped or a)
PY
echo "2001:db8::7" >> ips.txt
echo "198.51.100.1" >> ips.txt
while read -r ip; do
  code=$(api "ip/$ip" ip_api.json)
  [ "$code" = 200 ] || fail "ip/$ip: HTTP $code"
  "$VIGIL" ip --db t.db --json "$ip" > ip_cli.json
  cmp -s ip_api.json ip_cli.json || fail "ip/$ip differs from 'vigil ip --json'"
done < ips.txt

# 3. asns, one ASN, feeds, health, OpenAPI: shapes and consistency
[ "$(api asns asns.json)" = 200 ] || fail "asns"
"$VIGIL" landscape --db t.db --by asn --json > by_asn.json
[ "$(api "asns/AS$asn" asn.json)" = 200 ] || fail "asns/AS$asn"
"$VIGIL" landscape --db t.db --asn "$asn" --by family --json > asn_fam.json
"$VIGIL" landscape --db t.db --asn "$asn" --by region --json > asn_reg.json
"$VIGIL" landscape --db t.db --asn "$asn" --by day --json > asn_day.json
[ "$(api feeds feeds.json)" = 200 ] || fail "feeds"
[ "$(api health health.json)" = 200 ] || fail "health"
[ "$(api openapi.json openapi.json)" = 200 ] || fail "openapi.json"
ASN=$asn python3 - <<'PY'
import json, os, sqlite3
asn = int(os.environ["ASN"])
a = json.load(open("asns.json")); l = json.load(open("by_asn.json"))
assert a["total"] == l["total"]
assert [(r["asn"], r["ips"], r["events"]) for r in a["rows"]] == \
       [(r["asn"], r["ips"], r["events"]) for r in l["rows"]]
for r in a["rows"]:
    assert set(r) == {"asn", "as_name", "ips", "events", "announced_addresses", "infected_share"}, r
    if r["announced_addresses"]:
        assert abs(r["infected_share"] - r["ips"] / r["announced_addresses"]) < 1e-12, r
    else:
        assert r["infected_share"] is None, r
assert any(r["announced_addresses"] > 0 for r in a["rows"] if r["asn"])
one = json.load(open("asn.json"))
fam, reg, day = (json.load(open(f)) for f in ("asn_fam.json", "asn_reg.json", "asn_day.json"))
assert one["asn"] == asn and one["ips"] == fam["total"]["ips"] and one["events"] == fam["total"]["events"]
assert one["families"] == fam and one["regions"] == reg, "breakdowns differ from the CLI"
assert sorted(one["days"]["rows"], key=lambda r: r["day"]) == one["days"]["rows"]
assert sorted(map(str, one["days"]["rows"])) == sorted(map(str, day["rows"]))
row = next(r for r in a["rows"] if r["asn"] == asn)
assert one["announced_addresses"] == row["announced_addresses"] > 0
assert one["as_name"] == row["as_name"]
f = json.load(open("feeds.json"))
c = sqlite3.connect("t.db")
assert len(f["files"]) == c.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 10
for x in f["files"]:
    assert len(x["sha256"]) == 64 and x["format"] in ("ctip", "shadowserver"), x
    assert x["started"].endswith("+00:00") and "T" in x["finished"], x
t = json.load(open("truth.json"))
assert sum(x["records"] for x in f["files"]) == t["records"]
assert sum(x["events"] for x in f["feeds"]) == t["total"]["events"]
assert {x["feed"] for x in f["feeds"]} == {r[0] for r in c.execute("SELECT DISTINCT feed FROM observations")}
h = json.load(open("health.json"))
assert h["status"] == "ok" and h["mode"] == "operator" and h["version"], h
assert h["files"] == 10 and h["observations"] == c.execute("SELECT COUNT(*) FROM observations").fetchone()[0], h
o = json.load(open("openapi.json"))
assert o["openapi"].startswith("3.0")
want = {"/api/v1/health", "/api/v1/landscape", "/api/v1/families", "/api/v1/regions",
        "/api/v1/asns", "/api/v1/asns/{asn}", "/api/v1/ip/{address}", "/api/v1/feeds",
        "/api/v1/ingest", "/api/v1/openapi.json"}
assert want <= set(o["paths"]), want - set(o["paths"])
PY

# 4. headers: JSON type, nosniff, CSP; HEAD has no body
curl -sS --max-time 10 -D headers.txt -o /dev/null "${URL}api/v1/health"
grep -qi '^content-type: application/json; charset=utf-8' headers.txt || fail "API content type"
grep -qi '^x-content-type-options: nosniff' headers.txt || fail "nosniff"
grep -qi "^content-security-policy: default-src 'none'" headers.txt || fail "API CSP"
[ "$(curl -sS --max-time 10 -I -o head.txt -w '%{http_code}' "${URL}api/v1/landscape")" = 200 ] ||
  fail "HEAD landscape"
code=$(curl -sS --max-time 10 -D page.txt -o page.html -w '%{http_code}' "$URL")
if [ "$code" = 200 ]; then
  grep -qi "^content-security-policy: default-src 'self'" page.txt || fail "page CSP"
  grep -qi '^content-type: text/html' page.txt || fail "page type"
  etag=$(grep -i '^etag:' page.txt | cut -d' ' -f2 | tr -d '\r')
  [ "$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$URL")" = 304 ] ||
    fail "If-None-Match did not give 304"
fi

# 5. the access log, then a clean stop
stop_server
lines=$(grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z 127\.0\.0\.1 (GET|HEAD) /[^ ]* [0-9]{3} [0-9]+ [0-9.]+ms$' serve.log || true)
[ "$lines" -ge $((n + 10)) ] || { tail -5 serve.log >&2; fail "access log has $lines request lines"; }
grep -q 'GET /api/v1/landscape?by=asn,family 200 ' serve.log || fail "access log misses a request"
grep -q "stopped" serve.log || fail "no clean stop in the log"
echo "serve_api: $n landscape variants equal the CLI; ip, asns, feeds, health, openapi checked"

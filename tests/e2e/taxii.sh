# The TAXII 2.1 server of vigil serve and `vigil pull taxii`: discovery,
# API root and collections shaped as the TAXII client's example responses
# (../shared/data/taxii, when present); objects paged with limit/next add
# up to the whole collection, once each, sorted by date_added; match[] and
# added_after filter; manifest, object by id and versions agree; content
# negotiation, bad parameters, unknown ids, writes and bad tokens get TAXII
# error messages; a constituent's token reads what the policy allows, even
# with a cursor taken from its member agency; and pulling the collection
# into a second database gives the same observations, twice without
# double counting, and again after the source counted more events of known
# observations and took a late report of an older day (each pull asks only
# for what was stored since the last; a new version replaces, not adds).
. "$ROOT/tests/lib.sh"
command -v curl >/dev/null || skip "curl is not installed (make deps)"
[ -f "$VIGIL_DATA/asn-ipv4.csv" ] || skip "no enrichment data (make deps)"
"$VIGIL" simulate --seed 9 --days 2 --hosts 200 --events 2500 --out feeds 2>/dev/null
"$VIGIL" ingest --db a.db --tlp GREEN feeds/* > /dev/null
COLL=c4712e7d-cb94-53ef-a5e5-838213c6b275

# operator mode: pull everything into a second database, twice
start_server --db a.db
T="${URL}taxii2/api/"
expect_exit 0 "$VIGIL" pull taxii "$T" --collection "$COLL" --db b.db --limit 300
grep -q "pages" "$TEST_TMP/err" || fail "pull printed no summary"
KEYS=ip,family,day,tlp,feed,type
"$VIGIL" landscape --db a.db --by "$KEYS" --json > a.json
"$VIGIL" landscape --db b.db --by "$KEYS" --json > b.json
cmp -s a.json b.json || fail "the pulled database is not the same landscape"
expect_exit 0 "$VIGIL" pull taxii "$T" --collection "$COLL" --db b.db
"$VIGIL" landscape --db b.db --by "$KEYS" --json | cmp -s a.json - || fail "a second pull double-counted"
# new data at the source: the next pull brings only what was added
"$VIGIL" simulate --seed 10 --days 1 --start 2026-10-05 --hosts 50 --events 300 --out more 2>/dev/null
"$VIGIL" ingest --db a.db --tlp GREEN more/* > /dev/null
expect_exit 0 "$VIGIL" pull taxii "$T" --collection "$COLL" --db b.db
"$VIGIL" landscape --db a.db --by "$KEYS" --json > a.json
"$VIGIL" landscape --db b.db --by "$KEYS" --json | cmp -s a.json - || fail "a pull after new data is not the source's landscape"
# more events of observations the last pull brought, and a late report of an
# older day: new versions and new objects, after the pull's position
"$VIGIL" simulate --seed 9 --days 2 --hosts 200 --events 4000 --format ctip -o grown.json 2>/dev/null
"$VIGIL" simulate --seed 11 --days 1 --start 2026-09-20 --hosts 40 --events 200 --out late 2>/dev/null
"$VIGIL" ingest --db a.db --tlp GREEN grown.json late/* > /dev/null
expect_exit 0 "$VIGIL" pull taxii "$T" --collection "$COLL" --db b.db
"$VIGIL" landscape --db a.db --by "$KEYS" --json > a.json
"$VIGIL" landscape --db b.db --by "$KEYS" --json | cmp -s a.json - ||
  fail "a pull after more events and a late report is not the source's landscape"
expect_exit 0 "$VIGIL" pull taxii "$T" --collection "$COLL" --db b.db --added-after 2000-01-01T00:00:00Z
"$VIGIL" landscape --db b.db --by "$KEYS" --json | cmp -s a.json - ||
  fail "pulling every version again counted them again"
expect_exit 2 "$VIGIL" pull taxii "$T" --collection 0000 --db b.db
grep -q "404" "$TEST_TMP/err" || fail "pull of an unknown collection: no clear error"
expect_exit 2 "$VIGIL" pull taxii ftp://x/ --collection "$COLL" --db b.db
expect_exit 2 "$VIGIL" pull nntp "$T" --collection "$COLL"
expect_exit 0 "$VIGIL" pull --help
grep -q "usage: vigil pull taxii" "$TEST_TMP/out" || fail "pull --help"
stop_server

# access control: organisations and tokens
asn=$("$VIGIL" landscape --db a.db --by asn --top 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"][0]["asn"])')
"$VIGIL" org add CERT --role member --country VN --db a.db > /dev/null
"$VIGIL" org add ISP --role constituent --parent CERT --asn "$asn" --db a.db > /dev/null
"$VIGIL" token create --org CERT --db a.db > tok-cert
"$VIGIL" token create --org ISP --db a.db > tok-isp
"$VIGIL" export --db a.db --format stix --as ISP -o isp.stix 2> /dev/null
"$VIGIL" export --db a.db --format stix --as CERT -o cert.stix 2> /dev/null
start_server --db a.db
URL="$URL" COLL=$COLL SAMPLES="$VIGIL_SAMPLES/taxii/cti-taxii-client_v21_test_responses" python3 - <<'PY' || fail "TAXII server"
import http.client, json, os, urllib.parse
base = urllib.parse.urlparse(os.environ["URL"])
coll = os.environ["COLL"]
TAXII = "application/taxii+json;version=2.1"
tok = {o: open(f"tok-{o}").read().strip() for o in ("cert", "isp")}

def get(path, token=None, accept=TAXII, method="GET"):
    c = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
    h = {"Accept": accept} if accept else {}
    if token: h["Authorization"] = "Bearer " + token
    c.request(method, path, headers=h)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, json.loads(body) if body else None, r.headers

def error(st, j, status):
    assert st == status, (st, j)
    assert set(j) >= {"title", "http_status"} and j["http_status"] == str(status), j

# discovery, API root, collections: the keys of the spec's examples
samples = os.environ["SAMPLES"]
for path, sample in [("/taxii2/", "DISCOVERY_RESPONSE.json"), ("/taxii2/api/", "API_ROOT_RESPONSE.json"),
                     ("/taxii2/api/collections/", "COLLECTIONS_RESPONSE.json"),
                     (f"/taxii2/api/collections/{coll}/", "COLLECTION_RESPONSE.json")]:
    st, j, h = get(path, tok["cert"])
    assert st == 200 and h["Content-Type"] == TAXII, (path, st, h["Content-Type"])
    f = os.path.join(samples, sample)
    if os.path.exists(f):
        want = json.load(open(f))
        if "collections" in want:
            want, j = want["collections"][0], j["collections"][0]
        required = {"title"} if "api_roots" in want or "versions" in want else {"id", "title", "can_read", "can_write"}
        assert required <= set(j), (path, set(j))
        assert set(j) <= set(want) | {"description", "default", "api_roots", "versions", "max_content_length", "media_types"}, (path, set(j) - set(want))

def walk(token, limit, start=None, kind="objects", extra=""):
    out, nxt, pages = [], start, 0
    while True:
        q = f"?limit={limit}" + (f"&next={nxt}" if nxt else "") + extra
        st, j, h = get(f"/taxii2/api/collections/{coll}/{kind}/{q}", token)
        assert st == 200, (st, j)
        out += j.get("objects", [])
        pages += 1
        if not j["more"]:
            return out, pages
        nxt = j["next"]

def ids(bundle_file):
    return sorted(o["id"] for o in json.load(open(bundle_file))["objects"])

# paging adds up to the collection, once each, in date_added order
for who, f in (("cert", "cert.stix"), ("isp", "isp.stix")):
    objs, pages = walk(tok[who], 97)
    assert pages > 1 or who == "isp", pages
    got = sorted(o["id"] for o in objs)
    assert got == ids(f), (who, len(got), len(ids(f)))
    man, _ = walk(tok[who], 500, kind="manifest")
    assert [m["id"] for m in man] == [o["id"] for o in objs], who
    dates = [m["date_added"] for m in man]
    assert dates == sorted(dates), who

# the constituent with the member agency's cursor: still only its own
st, j, _ = get(f"/taxii2/api/collections/{coll}/objects/?limit=50", tok["cert"])
cursor = j["next"]
rest, _ = walk(tok["isp"], 1000, start=cursor)
assert set(o["id"] for o in rest) <= set(ids("isp.stix")), "a cursor leaked another organisation's objects"

# filters
st, j, _ = get(f"/taxii2/api/collections/{coll}/objects/?match%5Btype%5D=sighting,malware", tok["cert"])
assert {o["type"] for o in j["objects"]} == {"sighting", "malware"}, {o["type"] for o in j["objects"]}
one = next(o for o in j["objects"] if o["type"] == "sighting")
st, j, _ = get(f"/taxii2/api/collections/{coll}/objects/?match%5Bid%5D={one['id']}", tok["cert"])
assert [o["id"] for o in j["objects"]] == [one["id"]], j
man, _ = walk(tok["cert"], 1000, kind="manifest")
# date_added is when the store took each version: one per ingest here
dates = sorted({m["date_added"] for m in man})
assert len(dates) >= 3, dates
mid = dates[len(dates) // 2]
after, _ = walk(tok["cert"], 1000, extra="&added_after=" + urllib.parse.quote(mid))
assert after and all(m["date_added"] > mid for m in man if m["id"] in {o["id"] for o in after})
assert len(after) == sum(1 for m in man if m["date_added"] > mid), (len(after), mid)
st, j, h = get(f"/taxii2/api/collections/{coll}/objects/{one['id']}/", tok["cert"])
assert st == 200 and j["objects"] == [one] and h["X-TAXII-Date-Added-First"], (st, j)
st, j, _ = get(f"/taxii2/api/collections/{coll}/objects/{one['id']}/versions/", tok["cert"])
assert st == 200 and j["versions"] == [one["modified"]], j

# the ISP cannot read a sighting outside its scope by id either
outside = sorted(set(ids("cert.stix")) - set(ids("isp.stix")))
sig = next(i for i in outside if i.startswith("sighting--"))
error(*get(f"/taxii2/api/collections/{coll}/objects/{sig}/", tok["isp"])[:2], 404)

# errors: TAXII error messages
error(*get("/taxii2/api/collections/", tok["cert"], accept="text/html")[:2], 406)
error(*get(f"/taxii2/api/collections/{coll}/objects/?next=abc", tok["cert"])[:2], 400)
error(*get(f"/taxii2/api/collections/{coll}/objects/?limit=0", tok["cert"])[:2], 400)
error(*get(f"/taxii2/api/collections/{coll}/objects/?added_after=yesterday", tok["cert"])[:2], 400)
error(*get(f"/taxii2/api/collections/{coll}/objects/?bogus=1", tok["cert"])[:2], 400)
error(*get(f"/taxii2/api/collections/{coll}/objects/indicator--00000000-0000-4000-8000-000000000000/", tok["cert"])[:2], 404)
error(*get("/taxii2/api/collections/11111111-2222-3333-4444-555555555555/objects/", tok["cert"])[:2], 404)
error(*get("/taxii2/nope/", tok["cert"])[:2], 404)
error(*get(f"/taxii2/api/collections/{coll}/objects/", tok["cert"], method="POST")[:2], 405)
st, j, h = get(f"/taxii2/api/collections/{coll}/objects/", "vgt_" + "A" * 43)
error(st, j, 401)
assert "objects" not in j
# anonymous: TLP:CLEAR only (this data has none but the malware and identity)
st, j, _ = get(f"/taxii2/api/collections/{coll}/objects/", None)
assert st == 200 and {o["type"] for o in j["objects"]} <= {"identity", "malware", "marking-definition"}, {o["type"] for o in j["objects"]}
print("taxii: every endpoint, every error, every scope as expected")
PY
"$VIGIL" audit --json --db a.db | grep -q '"/taxii2/' || fail "TAXII reads of AMBER data are not audited"
# the collections are computed once per scope and data version: a member
# agency that gains a constituent reads the constituent's data at once
"$VIGIL" simulate --seed 9 --days 2 --hosts 200 --events 2600 --format ctip -o amber.json 2>/dev/null
"$VIGIL" ingest --db a.db --tlp AMBER amber.json > /dev/null
"$VIGIL" org add CERT2 --role member --asn 64496 --db a.db > /dev/null
"$VIGIL" token create --org CERT2 --db a.db > tok-cert2
count_sightings='import json,sys; print(sum(1 for o in json.load(sys.stdin)["objects"] if o["type"] == "sighting"))'
sightings() {
  curl -s -H "Authorization: Bearer $(cat tok-cert2)" \
    "${URL}taxii2/api/collections/$COLL/objects/?match%5Btype%5D=sighting" | python3 -c "$count_sightings"
}
may_read() { "$VIGIL" export --db a.db --format stix --as CERT2 2>/dev/null | python3 -c "$count_sightings"; }
before=$(may_read)
[ "$(sightings)" = "$before" ] || fail "CERT2 reads other sightings than it may"
[ "$(sightings)" = "$before" ] || fail "CERT2's cached collection changed"
"$VIGIL" org add ISP2 --role constituent --parent CERT2 --asn "$asn" --db a.db > /dev/null
after=$(may_read)
[ "$after" -gt "$before" ] || fail "the new constituent adds nothing to CERT2's reading ($before)"
[ "$(sightings)" = "$after" ] || fail "after a new constituent, CERT2 reads $(sightings) sightings, not $after"
# a pull with the ISP's token gets exactly what ISP may read
expect_exit 0 "$VIGIL" pull taxii "${URL}taxii2/api/" --collection "$COLL" --db isp.db --token "$(cat tok-isp)"
"$VIGIL" landscape --db isp.db --by ip --json > isp-got.json
"$VIGIL" landscape --db a.db --by ip --as ISP --json > isp-want.json
cmp -s isp-got.json isp-want.json || fail "pulled with ISP's token: not what ISP may read"
expect_exit 2 "$VIGIL" pull taxii "${URL}taxii2/api/" --collection "$COLL" --db x.db --token bad
grep -q "401" "$TEST_TMP/err" || fail "pull with a bad token: no 401"
# a scheduled pull: a second server pulls from this one at start
FIRST_URL=$URL FIRST_PID=$SPID
: > serve2.log
VIGIL_TAXII_TOKEN=$(cat tok-cert) "$VIGIL" serve --db pulled.db --listen 127.0.0.1:0 \
  --pull-taxii "${FIRST_URL}taxii2/api/" --pull-collection "$COLL" --pull-every 60 > url2.txt 2> serve2.log &
SPID2=$!
trap 'kill -9 $SPID2 2>/dev/null || true; [ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null; true' EXIT
for _ in $(seq 150); do grep -q "pull of .* done" serve2.log && break; sleep 0.1; done
grep -q "pull of .* done" serve2.log || { cat serve2.log >&2; fail "the scheduled pull did not finish"; }
"$VIGIL" landscape --db pulled.db --by ip --json > cert-got.json
"$VIGIL" landscape --db a.db --by ip --as CERT --json > cert-want.json
cmp -s cert-got.json cert-want.json || fail "the scheduled pull did not get what CERT may read"
kill -TERM "$SPID2"; wait "$SPID2" || fail "the pulling server did not stop cleanly"
expect_exit 2 "$VIGIL" serve --db x.db --pull-taxii "${FIRST_URL}taxii2/api/"
expect_exit 2 "$VIGIL" serve --db x.db --pull-taxii "${FIRST_URL}taxii2/api/" --pull-collection "$COLL" --pull-every 5
stop_server
echo "taxii: served, paged, filtered, scoped and pulled"

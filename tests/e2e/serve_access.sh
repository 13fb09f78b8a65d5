# vigil serve with access control: every read route answers each caller —
# anonymous, a public body, a provider, a member agency and two of its
# constituent ISPs, by token and by session cookie — with exactly what the
# TLP 2.0 policy lets it read (checked against the policy applied by hand to
# the operator's full list of observations), aggregates included; bad,
# expired and revoked credentials get 401 and reveal nothing; scope escapes
# (another ISP's ASN by filter, its address by id) show nothing more than
# GREEN; admin routes are limited to the admin's own organisations; AMBER
# reads are audited; a server listening beyond loopback enforces all this
# from its first request.
. "$ROOT/tests/lib.sh"
command -v curl >/dev/null || skip "curl is not installed (make deps)"
[ -f "$VIGIL_DATA/asn-ipv4.csv" ] || skip "no enrichment data (make deps)"

"$VIGIL" simulate --seed 7 --days 3 --hosts 400 --events 6000 --out feeds 2>/dev/null
"$VIGIL" simulate --seed 8 --days 3 --hosts 200 --events 1500 --format shadowserver \
  --out clear 2>/dev/null
"$VIGIL" ingest --db a.db --tlp GREEN feeds/* > /dev/null
"$VIGIL" ingest --db a.db --tlp CLEAR clear/* > /dev/null

# a fresh loopback installation is in operator mode; the first organisation
# switches a running server to access control within a couple of seconds
start_server --db a.db
A="${URL}api/v1"
curl -sS "$A/session" | grep -q '"mode":"operator"' || fail "not in operator mode at first"
grep -q "operator mode" serve.log || fail "the log does not say operator mode"
"$VIGIL" landscape --db a.db --by ip,tlp,asn,feed,country,family,region --json > all.json
asns=$("$VIGIL" landscape --db a.db --by asn --top 2 --json |
  python3 -c 'import json,sys; print(" ".join(str(r["asn"]) for r in json.load(sys.stdin)["rows"]))')
set -- $asns
ASN1=$1 ASN2=$2
"$VIGIL" org add VNCERT --role member --country VN --db a.db
for _ in $(seq 30); do
  curl -sS "$A/session" | grep -q '"mode":"access-control"' && break
  sleep 0.1
done
curl -sS "$A/session" | grep -q '"mode":"access-control"' || fail "an organisation did not turn access control on"
"$VIGIL" org add ISP1 --role constituent --parent VNCERT --asn "$ASN1" --db a.db
"$VIGIL" org add ISP2 --role constituent --parent VNCERT --asn "$ASN2" --db a.db
"$VIGIL" org add Vendor --role provider --feed CTIP-Infected --db a.db
"$VIGIL" org add Press --role public --db a.db
for o in VNCERT ISP1 ISP2 Vendor Press; do
  "$VIGIL" token create --org "$o" --db a.db > "tok-$o"
done
"$VIGIL" token create --org VNCERT --admin --db a.db > tok-admin
"$VIGIL" token create --org ISP1 --db a.db > tok-revoked
"$VIGIL" token create --org ISP1 --db a.db > tok-expired
"$VIGIL" token list --json --db a.db > tokens.json
rid=$(python3 -c 'import json; print(json.load(open("tokens.json"))["tokens"][-2]["id"])')
eid=$(python3 -c 'import json; print(json.load(open("tokens.json"))["tokens"][-1]["id"])')
"$VIGIL" token revoke "$rid" --db a.db
"$VIGIL" token expire "$eid" --db a.db
echo "a long enough password" | "$VIGIL" user add ana --org ISP2 --password-stdin --db a.db

URL="$URL" ASN1=$ASN1 ASN2=$ASN2 python3 - <<'PY' || fail "the access matrix over HTTP"
import http.client, json, os, urllib.parse
base = urllib.parse.urlparse(os.environ["URL"])
asn1, asn2 = int(os.environ["ASN1"]), int(os.environ["ASN2"])
tok = {o: open(f"tok-{o}").read().strip() for o in
       ["VNCERT", "ISP1", "ISP2", "Vendor", "Press", "admin", "revoked", "expired"]}
rows = json.load(open("all.json"))["rows"]

def call(method, path, token=None, cookie=None, body=None):
    c = http.client.HTTPConnection(base.hostname, base.port, timeout=20)
    h = {}
    if token: h["Authorization"] = "Bearer " + token
    if cookie: h["Cookie"] = cookie
    if body is not None:
        body = json.dumps(body); h["Content-Type"] = "application/json"
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    try: j = json.loads(data)
    except ValueError: j = None
    return r.status, j, r.headers

def may(org, r):
    t = r["tlp"]
    if t in ("CLEAR", "WHITE"): return True
    if org in ("anonymous", "Press"): return False
    if t == "GREEN": return True
    inside = {"VNCERT": r["country"] == "VN", "ISP1": r["asn"] == asn1,
              "ISP2": r["asn"] == asn2, "Vendor": r["feed"] == "CTIP-Infected"}[org]
    if t == "RED" and org in ("ISP1", "ISP2"): return False
    return inside

def group(sel, key):
    g = {}
    for r in sel:
        k = r[key]
        ips, ev = g.get(k, (set(), 0))
        ips.add(r["ip"]); g[k] = (ips, ev + r["events"])
    return {k: (len(v[0]), v[1]) for k, v in g.items()}

def check_rows(got, want, key, what):
    assert got["total"]["ips"] == len({r["ip"] for r in want}), (what, got["total"])
    assert got["total"]["events"] == sum(r["events"] for r in want), (what, got["total"])
    g = group(want, key)
    for r in got["rows"]:
        assert g.get(r[key]) == (r["ips"], r["events"]), (what, r, g.get(r[key]))

callers = {"anonymous": None, "Press": tok["Press"], "Vendor": tok["Vendor"],
           "VNCERT": tok["VNCERT"], "ISP1": tok["ISP1"], "ISP2": tok["ISP2"]}
# ISP2 also through a password session, ISP1 through a token session
st, j, h = call("POST", "/api/v1/session", body={"user": "ana", "password": "a long enough password"})
assert st == 201 and j["org"] == "ISP2", (st, j)
sc = h["Set-Cookie"]
assert "HttpOnly" in sc and "SameSite=Strict" in sc, sc
cookie_ana = sc.split(";")[0]
st, j, h = call("POST", "/api/v1/session", body={"token": tok["ISP1"]})
assert st == 201, (st, j)
cookie_isp1 = h["Set-Cookie"].split(";")[0]

addr = {}  # one address per (asn-of-interest, label) to ask for by id
for r in rows:
    addr.setdefault((r["asn"] if r["asn"] in (asn1, asn2) else 0, r["tlp"]), r["ip"])

seen_labels = {}
for who, t in list(callers.items()) + [("ISP2", "cookie:" + cookie_ana), ("ISP1", "cookie:" + cookie_isp1)]:
    kw = {"cookie": t[7:]} if t and t.startswith("cookie:") else {"token": t}
    want = [r for r in rows if may(who, r)]
    st, j, _ = call("GET", "/api/v1/landscape?by=ip", **kw)
    assert st == 200, (who, st, j)
    got = {r["ip"]: r["events"] for r in j["rows"]}
    w = {}
    for r in want: w[r["ip"]] = w.get(r["ip"], 0) + r["events"]
    assert got == w, (who, len(got), len(w))
    st, j, _ = call("GET", "/api/v1/landscape?by=tlp", **kw)
    seen_labels[who] = {r["tlp"] for r in j["rows"]}
    check_rows(j, want, "tlp", (who, "landscape by tlp"))
    for route, key in [("families", "family"), ("regions", "region"), ("asns", "asn")]:
        st, j, _ = call("GET", "/api/v1/" + route, **kw)
        assert st == 200, (who, route, st)
        check_rows(j, want, key, (who, route))
    for a in (asn1, asn2):
        # a scope escape by filter: another ISP's ASN shows only what may be read
        st, j, _ = call("GET", f"/api/v1/landscape?asn={a}&by=family", **kw)
        check_rows(j, [r for r in want if r["asn"] == a], "family", (who, "asn filter", a))
        st, j, _ = call("GET", f"/api/v1/asns/{a}", **kw)
        sel = [r for r in want if r["asn"] == a]
        assert st == 200 and j["ips"] == len({r["ip"] for r in sel}), (who, a, st, j.get("ips"))
        assert j["events"] == sum(r["events"] for r in sel), (who, a)
    # by id: every observation of an address shown is one the caller may read
    for (a, label), ip in addr.items():
        st, j, _ = call("GET", f"/api/v1/ip/{ip}", **kw)
        assert st == 200, (who, ip, st)
        got = sorted((o["day"], o["family"], o["feed"], o["tlp"], o["events"]) for o in j["observations"])
        assert all(may(who, {"tlp": o[3], "asn": j["asn"], "country": j["geolocation"]["cc"] if j.get("geolocation") else "", "feed": o[2]}) for o in got), (who, ip, got)
        assert sum(o[4] for o in got) == sum(r["events"] for r in want if r["ip"] == ip), (who, ip)
    st, j, _ = call("GET", "/api/v1/feeds", **kw)
    assert st == 200, (who, st)
    if who != "VNCERT":
        assert not j.get("files"), (who, "sees the list of ingested files")
    st, j, _ = call("GET", "/api/v1/health", **kw)
    assert st == 200 and "observations" not in j, (who, j)
assert seen_labels["anonymous"] == {"CLEAR"}, seen_labels
assert seen_labels["Press"] == {"CLEAR"}, seen_labels
assert "RED" not in seen_labels["ISP1"] and "AMBER" in seen_labels["ISP1"], seen_labels
assert "RED" in seen_labels["VNCERT"], seen_labels

# bad credentials: 401, a Bearer challenge, and nothing else
for bad in ["vgt_" + "A" * 43, tok["revoked"], tok["expired"], "garbage", tok["ISP1"][:-1]]:
    for path in ["/api/v1/landscape", "/api/v1/ip/1.2.3.4", "/api/v1/session", "/api/v1/feeds"]:
        st, j, h = call("GET", path, token=bad)
        assert st == 401 and "Bearer" in (h["WWW-Authenticate"] or ""), (bad, path, st)
        assert set(j) == {"error"} and "rows" not in json.dumps(j), j
st, j, h = call("GET", "/api/v1/landscape", cookie="vigil_session=vgs_" + "B" * 43)
assert st == 401, st
st, j, _ = call("POST", "/api/v1/session", body={"user": "ana", "password": "wrong password!"})
assert st == 401, st
st, j, _ = call("POST", "/api/v1/session", body={"token": tok["revoked"]})
assert st == 401, st
# logout: the cookie no longer works
st, j, h = call("DELETE", "/api/v1/session", cookie=cookie_isp1)
assert st == 200 and "Max-Age=0" in h["Set-Cookie"], (st, h["Set-Cookie"])
st, j, _ = call("GET", "/api/v1/landscape", cookie=cookie_isp1)
assert st == 401, st

# admin routes: the operator's CLI made VNCERT's admin token
st, j, _ = call("GET", "/api/v1/orgs", token=tok["ISP1"])
assert st == 403, st
st, j, _ = call("GET", "/api/v1/orgs")
assert st == 401, st
st, j, _ = call("GET", "/api/v1/orgs", token=tok["admin"])
assert st == 200, (st, j)
names = {o["name"] for o in j["organisations"]}
assert names == {"VNCERT", "ISP1", "ISP2"}, names
st, j, _ = call("GET", "/api/v1/orgs/Vendor", token=tok["admin"])
assert st in (403, 404), st
st, j, _ = call("POST", "/api/v1/orgs", token=tok["admin"], body={"name": "ISP3", "role": "constituent", "parent": "VNCERT", "asn": [64500]})
assert st == 201, (st, j)
st, j, _ = call("POST", "/api/v1/orgs", token=tok["admin"], body={"name": "Other", "role": "member"})
assert st == 403, (st, j)
st, j, _ = call("POST", "/api/v1/tokens", token=tok["admin"], body={"org": "ISP3"})
assert st == 201 and j["token"].startswith("vgt_"), (st, j)
isp3 = j["token"]
st, j, _ = call("GET", "/api/v1/session", token=isp3)
assert st == 200 and j["org"] == "ISP3" and j["role"] == "constituent", j
st, j, _ = call("POST", "/api/v1/tokens", token=tok["admin"], body={"org": "Vendor"})
assert st in (403, 404), (st, j)
# ingest: a constituent may not, an anonymous caller needs credentials
st, j, _ = call("POST", "/api/v1/ingest?name=x.json", token=tok["ISP1"], body={"a": 1})
assert st == 403, st
st, j, _ = call("POST", "/api/v1/ingest?name=x.json", body={"a": 1})
assert st == 401, st
# audit: ISP1 read AMBER data, Press never did
st, j, _ = call("GET", "/api/v1/audit?limit=100000", token=tok["admin"])
assert st == 200, (st, j)
orgs = {e["org"] for e in j["audit"]}
assert "ISP1" in orgs and "ISP2" in orgs and "Press" not in orgs and "Vendor" not in orgs, orgs
e = next(e for e in j["audit"] if e["org"] == "ISP1")
assert e["records"] > 0 and e["action"] and "/api/v1/" in e["action"] + e["target"], e
print("access matrix: every route, every caller, as the policy says")
PY

expect_exit 0 "$VIGIL" audit --json --db a.db
grep -q '"org":"ISP1"' "$TEST_TMP/out" || fail "vigil audit does not list ISP1's reads"
stop_server

# beyond loopback: access control from the first request, even with no
# organisation in the database
"$VIGIL" ingest --db b.db --tlp AMBER feeds/* > /dev/null
"$VIGIL" ingest --db b.db --tlp CLEAR clear/* > /dev/null
start_server --db b.db --listen 0.0.0.0:0
grep -q "access control" serve.log || fail "a non-loopback server does not say it enforces access control"
port=${URL##*:}; port=${port%/}
B="http://127.0.0.1:$port/api/v1"
curl -sS "$B/session" | grep -q '"mode":"access-control"' || fail "non-loopback listen in operator mode"
"$VIGIL" landscape --db b.db --by tlp --json > b-all.json
curl -sS "$B/landscape?by=tlp" > b-anon.json
python3 - <<'PY' || fail "anonymous callers beyond loopback read more than TLP:CLEAR"
import json
anon = json.load(open("b-anon.json"))
assert {r["tlp"] for r in anon["rows"]} == {"CLEAR"}, anon
clear = [r for r in json.load(open("b-all.json"))["rows"] if r["tlp"] == "CLEAR"][0]
assert anon["total"]["ips"] == clear["ips"], (anon["total"], clear)
PY
stop_server
echo "serve_access: every caller reads what the policy allows, and nothing else"

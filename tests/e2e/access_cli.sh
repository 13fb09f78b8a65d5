# Organisations, tokens, users and reading "as" an organisation, through
# the command line: what each organisation's landscape shows equals the
# policy applied by hand (in Python) to the operator's full list of
# observations by address, label, ASN and feed.
. "$ROOT/tests/lib.sh"
"$VIGIL" simulate --seed 7 --days 3 --hosts 400 --events 6000 --out feeds --truth truth.json 2>/dev/null
expect_exit 0 "$VIGIL" ingest --db a.db --tlp GREEN feeds/*
expect_exit 2 "$VIGIL" ingest --db a.db --tlp PURPLE feeds/*
grep -q "TLP 2.0" "$TEST_TMP/err" || fail "--tlp PURPLE not explained"

# organisations: the rules are enforced with clear messages
expect_exit 0 "$VIGIL" org add VNCERT --role member --country VN --db a.db
asn=$("$VIGIL" landscape --db a.db --by asn --top 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"][0]["asn"])')
expect_exit 0 "$VIGIL" org add ISP1 --role constituent --parent VNCERT --asn "AS$asn" --db a.db
expect_exit 0 "$VIGIL" org add Vendor --role provider --feed CTIP-Infected --db a.db
expect_exit 0 "$VIGIL" org add Press --role public --db a.db
expect_exit 2 "$VIGIL" org add ISP2 --role constituent --asn 1 --db a.db
grep -q -- "--parent" "$TEST_TMP/err" || fail "constituent without parent: no hint"
expect_exit 2 "$VIGIL" org add ISP2 --role constituent --parent Press --asn 1 --db a.db
grep -q "not a member agency" "$TEST_TMP/err" || fail "parent of the wrong role accepted"
expect_exit 2 "$VIGIL" org add ISP1 --role member --db a.db
grep -q "exists" "$TEST_TMP/err" || fail "duplicate name accepted"
expect_exit 2 "$VIGIL" org add X --role member --prefix 10.0.0.1/8 --db a.db
expect_exit 2 "$VIGIL" org add X --role overlord --db a.db
expect_exit 2 "$VIGIL" org frobnicate --db a.db
expect_exit 0 "$VIGIL" org list --json --db a.db
python3 - "$TEST_TMP/out" "$asn" <<'PY' || fail "org list"
import json, sys
orgs = {o["name"]: o for o in json.load(open(sys.argv[1]))["organisations"]}
assert set(orgs) == {"VNCERT", "ISP1", "Vendor", "Press"}, orgs
assert orgs["ISP1"]["parent"] == "VNCERT" and orgs["ISP1"]["scope"] == {"asn": [int(sys.argv[2])]}
assert orgs["VNCERT"]["scope"] == {"country": ["VN"]}
PY
expect_exit 0 "$VIGIL" org show ISP1 --db a.db
grep -q "constituent" "$TEST_TMP/out" || fail "org show"
expect_exit 2 "$VIGIL" org show Nobody --db a.db

# what each organisation reads, against the policy applied by hand
"$VIGIL" landscape --db a.db --by ip,tlp,asn,feed,country --json > all.json
for org in VNCERT ISP1 Vendor Press; do
  "$VIGIL" landscape --db a.db --by ip --as "$org" --json > "as-$org.json"
  "$VIGIL" landscape --db a.db --by tlp --as "$org" --json > "tlp-$org.json"
  python3 - "$org" "$asn" <<'PY' || fail "what $org reads differs from the policy"
import json, sys
org, asn = sys.argv[1], int(sys.argv[2])
rows = json.load(open("all.json"))["rows"]
def may(r):
    t = "CLEAR" if r["tlp"] == "WHITE" else r["tlp"]
    if t == "CLEAR": return True
    if org == "Press": return False
    if t == "GREEN": return True
    inside = {"VNCERT": r["country"] == "VN", "ISP1": r["asn"] == asn,
              "Vendor": r["feed"] == "CTIP-Infected"}[org]
    if t == "RED" and org == "ISP1": return False
    return inside
want = {}
for r in rows:
    if may(r):
        want[r["ip"]] = want.get(r["ip"], 0) + r["events"]
got = {r["ip"]: r["events"] for r in json.load(open(f"as-{org}.json"))["rows"]}
assert got == want, (org, len(got), len(want))
tot = json.load(open(f"tlp-{org}.json"))["total"]
assert tot["ips"] == len(want) and tot["events"] == sum(want.values()), (tot, len(want))
labels = {r["tlp"] for r in json.load(open(f"tlp-{org}.json"))["rows"]}
if org == "Press": assert not labels, labels
if org == "ISP1": assert "RED" not in labels, labels
print(org, len(want), "addresses")
PY
done
expect_exit 2 "$VIGIL" landscape --db a.db --as Nobody
grep -q "Nobody" "$TEST_TMP/err" || fail "--as an unknown organisation"

# the address report obeys the same rules
ip=$(python3 -c 'import json; r=[r for r in json.load(open("all.json"))["rows"] if r["tlp"]=="RED"]; print(r[0]["ip"] if r else "")')
if [ -n "$ip" ]; then
  "$VIGIL" ip --db a.db --as ISP1 --json "$ip" | python3 -c 'import json,sys; o=json.load(sys.stdin)["observations"]; assert all(x["tlp"]!="RED" for x in o), o' \
    || fail "ip --as ISP1 shows RED"
  "$VIGIL" ip --db a.db --as VNCERT --json "$ip" | grep -q '"RED"' || fail "ip --as VNCERT hides its RED"
fi

# tokens: printed once, alone; listed without the secret; revoked, expired
expect_exit 0 "$VIGIL" token create --org ISP1 --label noc --db a.db
tok=$(cat "$TEST_TMP/out")
echo "$tok" | grep -Eq '^vgt_[A-Za-z0-9_-]{43}$' || fail "token format: $tok"
[ "$(wc -l < "$TEST_TMP/out")" -eq 1 ] || fail "create printed more than the token"
[ -f a.db.key ] && [ "$(stat -c %a a.db.key)" = 600 ] || fail "server key missing or not 0600"
expect_exit 0 "$VIGIL" token list --json --db a.db
grep -q "$tok" "$TEST_TMP/out" && fail "token list shows the token"
grep -q '"state":"active"' "$TEST_TMP/out" || fail "token not active"
expect_exit 0 "$VIGIL" token revoke 1 --db a.db
expect_exit 0 "$VIGIL" token list --json --db a.db
grep -q '"state":"revoked"' "$TEST_TMP/out" || fail "token not revoked"
expect_exit 2 "$VIGIL" token revoke 99 --db a.db
expect_exit 2 "$VIGIL" token create --org Nobody --db a.db
expect_exit 2 "$VIGIL" token create --org ISP1 --expires 2001-01-01 --db a.db
expect_exit 2 "$VIGIL" token create --db a.db
expect_exit 0 "$VIGIL" token create --org ISP1 --expires 2099-01-01 --db a.db
expect_exit 0 "$VIGIL" token expire 2 --db a.db
expect_exit 0 "$VIGIL" token list --json --db a.db
grep -q '"state":"expired"' "$TEST_TMP/out" || fail "token not expired"

# users: passwords from stdin, never on the command line; too short refused
echo "short" | expect_exit 2 "$VIGIL" user add ana --org ISP1 --password-stdin --db a.db
echo "a long enough password" | expect_exit 0 "$VIGIL" user add ana --org ISP1 --password-stdin --db a.db
expect_exit 0 "$VIGIL" user list --json --db a.db
grep -q '"name":"ana"' "$TEST_TMP/out" || fail "user list"
grep -q 'argon2' "$TEST_TMP/out" && fail "user list shows the password hash"
expect_exit 0 "$VIGIL" user remove ana --db a.db

# an organisation with constituents cannot go; one without takes its tokens
expect_exit 2 "$VIGIL" org remove VNCERT --db a.db
expect_exit 0 "$VIGIL" org remove ISP1 --db a.db
expect_exit 0 "$VIGIL" token list --json --db a.db
grep -q '"org":"ISP1"' "$TEST_TMP/out" && fail "tokens of a removed organisation remain"
expect_exit 0 "$VIGIL" audit --db a.db
for c in org token user audit; do
  expect_exit 0 "$VIGIL" "$c" --help
  grep -q "usage: vigil $c" "$TEST_TMP/out" || fail "$c --help"
done
exit 0

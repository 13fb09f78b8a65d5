# simulate → ingest → landscape equals the simulator's ground truth exactly
# (addresses by ASN × family, by region, by day, by family), with malformed
# records mixed in; re-ingesting the same files changes nothing.
. "$ROOT/tests/lib.sh"
"$VIGIL" simulate --seed 42 --days 7 --start 2026-10-01 --hosts 4000 --malformed 0.02 \
  --format both --out sim --truth truth.json
ls sim/* > /dev/null
rc=0
"$VIGIL" ingest --db t.db --json sim/* > ingest.json || rc=$?
[ "$rc" -eq 1 ] || fail "ingest with malformed records exited $rc, expected 1"
python3 - <<'PY'
import json
t = json.load(open("truth.json"))
r = json.load(open("ingest.json"))
assert r["rejected"] == t["malformed"], (r["rejected"], t["malformed"])
assert r["accepted"] == t["accepted"], (r["accepted"], t["accepted"])
assert r["records"] == t["records"], (r["records"], t["records"])
PY
[ -s t.db.rejects.jsonl ] || fail "no rejects file beside the database"
python3 - <<'PY'
import json
t = json.load(open("truth.json"))
n = 0
for line in open("t.db.rejects.jsonl"):
    j = json.loads(line)
    assert set(j) >= {"file", "line", "reason", "record"}, j
    assert isinstance(j["line"], int) and j["line"] > 0 and j["reason"], j
    n += 1
assert n == t["malformed"], (n, t["malformed"])
PY
"$VIGIL" landscape --db t.db --by asn,family --json > asn_family.json
"$VIGIL" landscape --db t.db --by region --json > region.json
"$VIGIL" landscape --db t.db --by day --json > day.json
"$VIGIL" landscape --db t.db --by family --json > family.json
python3 - <<'PY'
import json
t = json.load(open("truth.json"))
def rows(path, keys):
    j = json.load(open(path))
    return {tuple(r[k] for k in keys): (r["ips"], r["events"]) for r in j["rows"]}, j["total"]
def truth(name, keys):
    return {tuple(r[k] for k in keys): (r["ips"], r["events"]) for r in t[name]}
for path, name, keys in (("asn_family.json", "by_asn_family", ("asn", "family")),
                         ("region.json", "by_region", ("region",)),
                         ("day.json", "by_day", ("day",)),
                         ("family.json", "by_family", ("family",))):
    got, total = rows(path, keys)
    want = truth(name, keys)
    if got != want:
        missing = {k: v for k, v in want.items() if got.get(k) != v}
        extra = {k: v for k, v in got.items() if want.get(k) != v}
        raise SystemExit(f"{name}: differs from the truth\n want-only {list(missing.items())[:5]}\n got-only {list(extra.items())[:5]}")
    assert total == t["total"], (name, total, t["total"])
print("landscape equals the ground truth:", len(t["by_asn_family"]), "asn×family groups")
PY
# --top and a period
"$VIGIL" landscape --db t.db --by family --top 3 --json > top.json
python3 - <<'PY'
import json
t = json.load(open("truth.json")); j = json.load(open("top.json"))
assert len(j["rows"]) == min(3, len(t["by_family"]))
assert j["total"] == t["total"]
PY
"$VIGIL" landscape --db t.db --by day --from 2026-10-02 --to 2026-10-03 --json > period.json
python3 - <<'PY'
import json
t = json.load(open("truth.json")); j = json.load(open("period.json"))
want = {r["day"]: (r["ips"], r["events"]) for r in t["by_day"] if "2026-10-02" <= r["day"] <= "2026-10-03"}
got = {r["day"]: (r["ips"], r["events"]) for r in j["rows"]}
assert got == want, (got, want)
PY
# the addresses behind the numbers: one row per address
"$VIGIL" landscape --db t.db --by ip --json > ips.json
python3 - <<'PY'
import json, ipaddress
t = json.load(open("truth.json")); j = json.load(open("ips.json"))
assert len(j["rows"]) == t["total"]["ips"], (len(j["rows"]), t["total"])
assert all(r["ips"] == 1 for r in j["rows"])
assert sum(r["events"] for r in j["rows"]) == t["accepted"]
assert len({ipaddress.ip_address(r["ip"]) for r in j["rows"]}) == len(j["rows"])
PY
# human table
"$VIGIL" landscape --db t.db --by family,region --top 5 > table.txt
grep -q "addresses" table.txt || fail "table header"
# same bytes again: skipped, nothing changes
cp asn_family.json before.json
rc=0
"$VIGIL" ingest --db t.db --json sim/* > again.json || rc=$?
python3 -c "
import json; r=json.load(open('again.json')); import glob
n=len(glob.glob('sim/*'))
assert r['skipped_files']==n and r['files']==0 and r['records']==0, r"
"$VIGIL" landscape --db t.db --by asn,family --json > after.json
cmp -s before.json after.json || fail "re-ingest changed the landscape"
# drill-down to one address
ip=$(python3 -c "
import json,sqlite3
c=sqlite3.connect('t.db'); b=c.execute('select ip from observations limit 1').fetchone()[0]
import ipaddress; a=ipaddress.IPv6Address(b)
print(a.ipv4_mapped or a)")
"$VIGIL" ip --db t.db --json "$ip" > ip.json
python3 -c "
import json; j=json.load(open('ip.json')); assert j['ip']=='$ip' and j['observations'] and j['asn'], j"
exit 0

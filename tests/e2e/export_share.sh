# vigil export: STIX 2.1 bundles valid against the OASIS JSON schemas (when
# ../shared/data has them), MISP feed directories shaped as MISP's feed
# format, IntelMQ JSON lines and CSV; re-exports are byte-identical; each
# of STIX, MISP and IntelMQ reads back into a second database as the same
# observations (every key, every count); --as ORG exports only what the
# policy lets that organisation read; --tlp is a ceiling.
. "$ROOT/tests/lib.sh"
[ -f "$VIGIL_DATA/asn-ipv4.csv" ] || skip "no enrichment data (make deps)"
"$VIGIL" simulate --seed 5 --days 3 --hosts 300 --events 4000 --out feeds 2>/dev/null
"$VIGIL" ingest --db a.db --tlp GREEN feeds/* > /dev/null

KEYS=ip,family,day,tlp,feed,type,asn,region
"$VIGIL" landscape --db a.db --by "$KEYS" --json > a.json
for f in stix intelmq csv; do
  expect_exit 0 "$VIGIL" export --db a.db --format "$f" -o "out.$f"
  expect_exit 0 "$VIGIL" export --db a.db --format "$f" -o "again.$f"
  cmp -s "out.$f" "again.$f" || fail "a second $f export differs from the first"
done
expect_exit 0 "$VIGIL" export --db a.db --format misp -o feed
expect_exit 0 "$VIGIL" export --db a.db --format misp -o feed2
diff -r feed feed2 > /dev/null || fail "a second MISP export differs from the first"
"$VIGIL" export --db a.db --format intelmq > stdout.intelmq 2> /dev/null
cmp -s out.intelmq stdout.intelmq || fail "export to stdout differs from -o"

# STIX: the OASIS schemas (offline), and the shape of the bundle
schemas="$VIGIL_SAMPLES/stix/cti-stix2-json-schemas/schemas"
if [ -d "$schemas" ]; then
  python3 "$ROOT/tests/tools/stix_validate.py" "$schemas" out.stix > validate.out ||
    { tail -20 validate.out >&2; fail "the STIX bundle does not validate"; }
  # the validator itself catches a broken object
  python3 -c '
import json
b = json.load(open("out.stix"))
i = next(o for o in b["objects"] if o["type"] == "indicator")
del i["pattern"]
i["valid_from"] = "yesterday"
json.dump(b, open("broken.stix", "w"))'
  python3 "$ROOT/tests/tools/stix_validate.py" "$schemas" broken.stix > validate.out &&
    fail "the validator accepted an indicator without a pattern"
  grep -q "pattern" validate.out || fail "the validator did not name the missing pattern"
else
  echo "note: $schemas absent, schema validation skipped"
fi
python3 - <<'PY' || fail "STIX bundle shape"
import json
b = json.load(open("out.stix"))
assert b["type"] == "bundle" and b["id"].startswith("bundle--")
types = {}
for o in b["objects"]:
    types[o["type"]] = types.get(o["type"], 0) + 1
    if o["type"] != "marking-definition" and o["type"] not in ("ipv4-addr", "ipv6-addr"):
        assert o["spec_version"] == "2.1", o
        assert o.get("object_marking_refs") or o["type"] == "identity", o
n = len(json.load(open("a.json"))["rows"])
assert types["identity"] == 1 and types["sighting"] == n and types["indicator"] == n, types
assert types["observed-data"] == n and types["malware"] >= 1, types
labels = {r["tlp"] for r in json.load(open("a.json"))["rows"]}
assert types["marking-definition"] == len(labels | {"CLEAR"}), (types, labels)  # malware objects are CLEAR
PY

# MISP: manifest.json, hashes.csv and one event file per manifest entry
python3 - <<'PY' || fail "MISP feed shape"
import csv, hashlib, json, os
m = json.load(open("feed/manifest.json"))
files = {f[:-5] for f in os.listdir("feed") if f.endswith(".json") and f != "manifest.json"}
assert set(m) == files, set(m) ^ files
want = set()
for uuid, meta in m.items():
    e = json.load(open(f"feed/{uuid}.json"))["Event"]
    assert e["uuid"] == uuid and e["info"] == meta["info"] and e["date"] == meta["date"], uuid
    for k in ("Orgc", "Tag", "analysis", "threat_level_id", "timestamp"):
        assert k in meta, (uuid, k)
    assert any(t["name"].startswith("tlp:") for t in e["Tag"]), e["Tag"]
    for a in e["Attribute"]:
        for k in ("uuid", "type", "category", "value", "to_ids", "timestamp"):
            assert k in a, (uuid, k)
        want.add((hashlib.md5(a["value"].encode()).hexdigest(), uuid))
got = {(r[0], r[1]) for r in csv.reader(open("feed/hashes.csv"))}
assert got == want, (len(got), len(want))
PY

# read back: the same observations, every key and count
expect_exit 0 "$VIGIL" ingest --db stix.db out.stix
expect_exit 0 "$VIGIL" ingest --db misp.db feed
expect_exit 0 "$VIGIL" ingest --db intelmq.db --format intelmq out.intelmq
for d in stix misp intelmq; do
  "$VIGIL" landscape --db "$d.db" --by "$KEYS" --json > "$d.json"
  cmp -s a.json "$d.json" || fail "$d read back is not the same landscape"
done
# a second read of the same file adds nothing
"$VIGIL" ingest --db misp.db feed > /dev/null
"$VIGIL" landscape --db misp.db --by "$KEYS" --json | cmp -s a.json - || fail "MISP re-ingest double-counted"

# CSV: a header and one row per observation
python3 - <<'PY' || fail "CSV export"
import csv, json
rows = list(csv.DictReader(open("out.csv", newline="")))
n = len(json.load(open("a.json"))["rows"])
assert len(rows) == n, (len(rows), n)
for k in ("time.source", "source.ip", "malware.name", "feed.name", "tlp", "extra.vigil.events"):
    assert k in rows[0], k
PY

# --tlp ceiling and --as ORG
expect_exit 0 "$VIGIL" export --db a.db --format intelmq --tlp GREEN -o green.intelmq
grep -q '"tlp":"AMBER"\|"tlp":"RED"' green.intelmq && fail "--tlp GREEN exported AMBER or RED"
grep -q "withheld above TLP:GREEN" "$TEST_TMP/err" || fail "--tlp: no count of what was withheld"
asn=$(python3 -c 'import json; print(json.load(open("a.json"))["rows"][0]["asn"])')
"$VIGIL" org add CERT --role member --country VN --db a.db > /dev/null
"$VIGIL" org add ISP --role constituent --parent CERT --asn "$asn" --db a.db > /dev/null
expect_exit 0 "$VIGIL" export --db a.db --format intelmq --as ISP -o isp.intelmq
"$VIGIL" landscape --db a.db --by ip --as ISP --json > isp-want.json
python3 - "$asn" <<'PY' || fail "export --as ISP is not what ISP may read"
import json, sys
asn = int(sys.argv[1])
got = {}
for line in open("isp.intelmq"):
    e = json.loads(line)
    assert e["tlp"] in ("CLEAR", "GREEN") or (e["tlp"] in ("AMBER", "AMBER+STRICT") and e["source.asn"] == asn), e
    got[e["source.ip"]] = got.get(e["source.ip"], 0) + e.get("extra.vigil.events", 1)
want = {r["ip"]: r["events"] for r in json.load(open("isp-want.json"))["rows"]}
assert got == want, (len(got), len(want))
PY
# reads --as ORG of AMBER or stricter data are audited, each with its
# events and label; the operator's own reads are not
"$VIGIL" audit --db a.db --json > audit.json
python3 - "$asn" <<'PY' || fail "reads with --as are not audited"
import json, sys
a = json.load(open("audit.json"))["audit"]
acts = sorted(e["action"] for e in a)
assert acts == ["vigil export", "vigil landscape"], acts
for e in a:
    assert e["org"] == "ISP" and e["user"].startswith("cli:") and e["tlp"] in ("AMBER", "AMBER+STRICT", "RED"), e
    assert "--as ISP" in e["target"] and e["records"] > 0, e
ex = next(e for e in a if e["action"] == "vigil export")
ls = next(e for e in a if e["action"] == "vigil landscape")
assert ex["records"] == ls["records"], (ex, ls)
PY
expect_exit 2 "$VIGIL" export --db a.db --format intelmq --as Nobody
expect_exit 2 "$VIGIL" export --db a.db --format yaml
expect_exit 2 "$VIGIL" export --db a.db --format misp
expect_exit 2 "$VIGIL" export --db a.db --format stix --tlp PURPLE
expect_exit 0 "$VIGIL" export --help
grep -q -- "--as ORG" "$TEST_TMP/out" || fail "export --help does not document --as"
echo "export_share: STIX, MISP, IntelMQ and CSV exports are valid, stable and read back whole"

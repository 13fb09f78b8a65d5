# vigil serve: bad requests get a clear 4xx JSON error and change nothing —
# unknown routes, malformed and unknown parameters, wrong methods, oversized
# bodies, path traversal on static files, garbage uploads — and an
# address that cannot be bound is a clear error.
. "$ROOT/tests/lib.sh"
command -v curl >/dev/null || skip "curl is not installed (make deps)"
[ -f "$VIGIL_DATA/asn-ipv4.csv" ] || skip "no enrichment data (make deps)"


# an address that is not this machine's: a clear error, not a silent start
expect_exit 2 "$VIGIL" serve --db refused.db --listen 192.0.2.1:18080
grep -q "cannot listen on 192.0.2.1:18080" "$TEST_TMP/err" || fail "unbindable --listen: no clear message"
expect_exit 2 "$VIGIL" serve --listen nonsense
expect_exit 2 "$VIGIL" serve --listen 127.0.0.1:99999
expect_exit 2 "$VIGIL" serve --max-upload lots
expect_exit 0 "$VIGIL" serve --help
for opt in --db --listen --spool --data-dir --max-upload --schema --quiet; do
  grep -q -- "$opt" "$TEST_TMP/out" || fail "serve --help does not document $opt"
done

"$VIGIL" simulate --seed 7 --days 2 --hosts 300 --format ctip --out sim 2> /dev/null
"$VIGIL" ingest --db t.db --json sim/* > /dev/null
start_server --db t.db --max-upload 4K

snapshot() { # what must not change: landscape, feeds, health
  curl -sS --max-time 10 "${URL}api/v1/landscape?by=asn,family,day" > "$1.landscape"
  curl -sS --max-time 10 "${URL}api/v1/feeds" > "$1.feeds"
  curl -sS --max-time 10 "${URL}api/v1/health" > "$1.health"
}
snapshot before

# expect STATUS [PARAM] -- curl args: a JSON error with that status (and
# naming that parameter)
expect() {
  local status=$1 param=$2; shift 2
  [ "$1" = "--" ] && shift
  local code
  code=$(curl -sS --max-time 20 --path-as-is -o body.json -D headers.txt -w '%{http_code}' "$@")
  [ "$code" = "$status" ] || { cat body.json >&2; fail "$* -> HTTP $code, expected $status"; }
  grep -qi '^x-content-type-options: nosniff' headers.txt || fail "$*: no nosniff"
  STATUS=$status PARAM=$param python3 - "$*" <<'PY' || fail "$*: not the JSON error expected"
import json, os, sys
j = json.load(open("body.json"))
e = j["error"]
assert e["status"] == int(os.environ["STATUS"]), e
assert isinstance(e["message"], str) and e["message"], e
if os.environ["PARAM"]:
    assert e.get("parameter") == os.environ["PARAM"], (sys.argv[1], e)
    assert os.environ["PARAM"] in e["message"], e
PY
}
A="${URL}api/v1"

# unknown routes
expect 404 "" -- "$A/nope"
expect 404 "" -- "$A/landscape/extra"
expect 404 "" -- "$A/ip/"
expect 404 "" -- "${URL}api/v2/landscape"
expect 404 "" -- "${URL}api/"

# malformed or unknown parameters: 400 naming the parameter
expect 400 from -- "$A/landscape?from=2026-13-01"
expect 400 to -- "$A/landscape?to=2026-02-30x"
expect 400 top -- "$A/landscape?top=0"
expect 400 top -- "$A/landscape?top=many"
expect 400 by -- "$A/landscape?by=bogus"
expect 400 by -- "$A/landscape?by=family,bogus"
expect 400 asn -- "$A/landscape?asn=x"
expect 400 asn -- "$A/landscape?asn=99999999999"
expect 400 country -- "$A/landscape?country=Viet%20Nam"
expect 400 bogus -- "$A/landscape?bogus=1"
expect 400 top -- "$A/landscape?top=1&top=2"
expect 400 "" -- "$A/landscape?from=2026-10-05&to=2026-10-01"
expect 400 by -- "$A/families?by=asn"
expect 400 asn -- "$A/asns/not-an-asn"
expect 400 address -- "$A/ip/300.1.1.1"
expect 400 address -- "$A/ip/not%20an%20ip"
expect 400 x -- "$A/health?x=1"
expect 400 "" -- "$A/landscape?family=a%00b"
expect 400 "" -- "$A/landscape?$(seq -s '&' -f 'p%g=1' 1 40)"

# wrong methods
expect 405 "" -- -X POST "$A/landscape"
expect 405 "" -- -X DELETE "$A/health"
expect 405 "" -- -X PUT --data-binary x "$A/ip/1.2.3.4"
expect 405 "" -- "$A/ingest"
grep -qi '^allow: POST' headers.txt || fail "405 without Allow"

# oversized bodies (limit 4 KiB): declared length, chunked, multipart
head -c 20000 /dev/zero | tr '\0' 'x' > big.bin
expect 413 "" -- --data-binary @big.bin "$A/ingest?name=big.json"
expect 413 "" -- -H 'Transfer-Encoding: chunked' --data-binary @big.bin "$A/ingest"
expect 413 "" -- -F "file=@big.bin" "$A/ingest"

# malformed uploads: nothing stored
head -c 3000 /dev/urandom > garbage.bin
expect 422 "" -- --data-binary @garbage.bin "$A/ingest?name=garbage.bin"
printf 'not a feed\n' > plain.txt
expect 422 "" -- --data-binary @plain.txt "$A/ingest"
expect 400 "" -- -X POST "$A/ingest?name=empty.json"
expect 400 format -- --data-binary @plain.txt "$A/ingest?format=xml"
expect 400 bogus -- --data-binary @plain.txt "$A/ingest?bogus=1"
expect 415 "" -- -H 'Content-Type: multipart/mixed; boundary=x' --data-binary @plain.txt "$A/ingest"
expect 400 "" -- -H 'Content-Type: multipart/form-data; boundary=zz' \
  --data-binary $'--zz\r\nContent-Disposition: form-data; name="file"; filename="a.json"\r\n\r\n{"a"' "$A/ingest"
ls -a | grep -q '^\.vigil-upload' && fail "an upload's temporary directory was left behind"

# path traversal on static files: never anything but 404 JSON
for p in "/../../etc/passwd" "/%2e%2e/%2e%2e/etc/passwd" "/web/../Makefile" "/..%2fMakefile" \
         "/%2e%2e%2fMakefile" "/.%2e/.%2e/etc/passwd" "//etc/passwd" "/%2fetc%2fpasswd" \
         "/..\\..\\Makefile" "/index.html/../../Makefile" "/src/web/openapi.json" "/.git/config" \
         "/%252e%252e/Makefile" "/Makefile" "/%00index.html"; do
  code=$(curl -sS --max-time 10 --path-as-is -o body.out -w '%{http_code}' "${URL%/}$p")
  [ "$code" = 404 ] || [ "$code" = 400 ] || fail "$p -> HTTP $code"
  grep -q 'root:' body.out && fail "$p served /etc/passwd"
  grep -q 'PKGS' body.out && fail "$p served the Makefile"
  true
done
# an overlong URL is refused by the server itself
long=$(head -c 100000 /dev/zero | tr '\0' 'a')
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$A/landscape?family=$long" || true)
case "$code" in 4??) ;; *) fail "a 100 kB URL -> HTTP $code" ;; esac

snapshot after
for f in landscape feeds health; do
  cmp -s "before.$f" "after.$f" || fail "bad requests changed /api/v1/$f"
done
kill -TERM "$SPID"
rc=0; wait "$SPID" || rc=$?
SPID=
[ "$rc" -eq 0 ] || fail "vigil serve exited $rc after SIGTERM"
grep -qE ' POST /api/v1/ingest\?name=big.json 413 ' serve.log || fail "413 not in the access log"
echo "serve_errors: every bad request got its 4xx and changed nothing"

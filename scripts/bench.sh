#!/usr/bin/env bash
# make bench: figures, never assertions.
#   1. parse-only and lookup-only rates (build/bench/bench_*)
#   2. end-to-end ingest of >= 1 million simulated CTIP records, stored,
#      pinned to one core, with peak RSS; and at a quarter of the size, to
#      show that peak memory does not grow with the input.
#   3. a year of national data: landscape latency from the rollups (below;
#      about 20 minutes; BENCH_SKIP_YEAR=1 skips it)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-build}"
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
VIGIL="$BUILD/vigil"
N="${BENCH_RECORDS:-1000000}"
work=$(mktemp -d /tmp/vigil-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"

# run CMD...: print wall seconds and peak RSS (KiB) of the command
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE)
dt = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(p.stdout.decode())
print(f"wall {dt:.2f} s, peak RSS {rss/1024:.1f} MiB, exit {p.returncode}")
PY
}

if [ -z "${BENCH_YEAR_ONLY:-}" ]; then
echo "== component benchmarks"
for b in "$BUILD"/bench/bench_*; do
  [ -x "$b" ] || continue
  [ "$(basename "$b")" = bench_year ] && continue  # section 3
  echo "-- $(basename "$b")"
  $pin "$b"
done


echo "== end to end: vigil ingest (one core), CTIP Azure lines"
# Two shapes of the same volume: "dense" is sinkhole-like (20,000 hosts over
# 7 days: several beacons per host and day, observations << records);
# "sparse" is the worst case (200,000 hosts over 30 days: almost every record
# is a new observation).  Each at a quarter of N and at N, to show that peak
# memory does not grow with the input; with and without the raw archive.
# This machine's speed varies by a quarter from minute to minute (a shared
# host): each case runs BENCH_RUNS times (default 3), the cases interleaved,
# each run on a new store; the median and the best are printed.
runs="${BENCH_RUNS:-3}"
ingest_runs() { # file: every archive setting, $runs times, interleaved
  python3 - "$runs" "$work/b.db" "$1" $pin "$VIGIL" <<'PY'
import glob, json, os, subprocess, sys, time
runs, db, f, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
cases = [("--no-archive", ["--no-archive"]), ("(archive on)", [])]
got = {name: [] for name, _ in cases}
for _ in range(runs):
    for name, extra in cases:
        for old in glob.glob(db + "*"):
            os.unlink(old)
        t = time.monotonic()
        p = subprocess.Popen(cmd + ["ingest", "--db", db, "--json"] + extra + [f],
                             stdout=subprocess.PIPE)
        out = p.stdout.read()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t
        if status:
            sys.exit("ingest failed (%d): %s" % (status, out.decode()))
        r = json.loads(out)
        got[name].append((r["records"] / wall, wall, ru.ru_maxrss / 1024, r))
for name, _ in reversed(cases):
    v = sorted(got[name], key=lambda x: x[0])
    med = v[len(v) // 2]
    r = med[3]
    print("   ingest %s: %d records, %d observations" % (name, r["records"], r["observations"]))
    print("      records/s (wall clock, start-up included) of %d runs: %s; median %.0f, best %.0f (%.2f s); peak RSS %.1f MiB"
          % (len(v), ", ".join("%.0f" % x[0] for x in got[name]), med[0], v[-1][0], med[1],
             max(x[2] for x in v)))
PY
  echo "   store with the archive: $(du -ch "$work"/b.db* | tail -1 | cut -f1)," \
       "of which the archive $(du -h "$work/b.db.archive.zst" | cut -f1)"
}
for shape in "dense 20000 7" "sparse 200000 30"; do
  set -- $shape
  for n in $((N / 4)) "$N"; do
    f="$work/ctip-$1-$n.json"
    t0=$(date +%s%N)
    "$VIGIL" simulate --seed 1 --days "$3" --hosts "$2" --events "$n" --format ctip -o "$f" 2>/dev/null
    t1=$(date +%s%N)
    sz=$(stat -c %s "$f")
    echo "-- $1: $n records ($((sz / 1048576)) MiB), generated in $(( (t1 - t0) / 1000000 )) ms"
    ingest_runs "$f"
    rm -f "$f"
  done
done

echo "== end to end through a pipe: vigil simulate | vigil ingest -"
rm -f "$work/p.db"*
t0=$(date +%s%N)
"$VIGIL" simulate --seed 2 --days 30 --hosts 200000 --events "$N" --format ctip -o - \
  | $pin "$VIGIL" ingest --db "$work/p.db" --json -
t1=$(date +%s%N)
echo "   pipe total $(( (t1 - t0) / 1000000 )) ms"

echo "== landscape query on that store"
for by in family asn,family region day; do
  t0=$(date +%s%N)
  "$VIGIL" landscape --db "$work/p.db" --by "$by" --json > /dev/null
  t1=$(date +%s%N)
  echo "   --by $by: $(( (t1 - t0) / 1000000 )) ms"
done

fi # BENCH_YEAR_ONLY

# 3. a year of national data (>= 100 million events, generated straight into
#    the store by bench_year), landscape latency in process, then through
#    vigil serve with wrk at 1, 4 and 32 connections when wrk is installed:
#    the first request of each question on a fresh server (cold: computed,
#    nothing in memory yet), then wrk with the answer cache (warm: every
#    request after the first is served from memory) and with --cache 0
#    (every request computed from the rollups).  Memory of the server at the
#    end.  BENCH_YEAR_ARGS passes options to bench_year (e.g. --hosts 50000
#    --events 10000000 for a quick run); BENCH_YEAR_DB=PATH keeps the year
#    in PATH and reuses it when it exists (bench_year --reuse);
#    BENCH_YEAR_ONLY=1 skips sections 1 and 2.  Figures, never a gate.
if [ -n "${BENCH_SKIP_YEAR:-}" ]; then
  echo "== a year of national data: skipped (BENCH_SKIP_YEAR is set)"
  exit 0
fi
echo "== a year of national data: landscape from the rollups"
ydb="${BENCH_YEAR_DB:-$work/year.db}"
reuse=""
[ -n "${BENCH_YEAR_DB:-}" ] && [ -f "$ydb" ] && reuse="--reuse"
# shellcheck disable=SC2086
measure "$BUILD/bench/bench_year" --db "$ydb" $reuse ${BENCH_YEAR_ARGS:-}
echo "   database: $(du -sh "$ydb" | cut -f1)"
if ! command -v wrk >/dev/null; then
  echo "   wrk is not installed (make deps): no HTTP figures"
  exit 0
fi
# bench_year's year: 2025-10-01 .. 2026-09-30
queries=("by=family&from=2026-09-24&to=2026-09-30" "by=family&from=2026-09-01&to=2026-09-30"
         "by=asn&from=2026-09-01&to=2026-09-30" "by=province&from=2025-10-01&to=2026-09-30"
         "by=family&from=2025-10-01&to=2026-09-30" "by=asn&from=2025-10-01&to=2026-09-30"
         "by=day&from=2025-10-01&to=2026-09-30")
serve() { # extra options...: start vigil serve on the year, set url and spid
  : > "$work/url.txt"
  "$VIGIL" serve --db "$ydb" --listen 127.0.0.1:0 -q "$@" > "$work/url.txt" 2> "$work/serve.log" &
  spid=$!
  for _ in $(seq 600); do [ -s "$work/url.txt" ] && break; sleep 0.1; done
  url=$(head -1 "$work/url.txt")
  [ -n "$url" ] || { echo "   vigil serve did not start:"; cat "$work/serve.log"; exit 1; }
}
unserve() {
  kill -TERM "$spid" 2>/dev/null; wait "$spid" 2>/dev/null || true
}
run_wrk() { # label
  for q in "${queries[@]}"; do
    for c in 1 4 32; do
      t=$(( c < 2 ? 1 : 2 ))
      out=$(wrk -t "$t" -c "$c" -d "${BENCH_WRK_SECONDS:-10}s" --latency \
                "${url}api/v1/landscape?$q" 2>&1)
      p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
      p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
      rps=$(echo "$out" | awk '$1 == "Requests/sec:" {print $2}')
      non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
      printf '   %-5s %-42s c=%-2s p50 %-9s p99 %-9s %s req/s%s\n' "$1" "$q" "$c" "$p50" "$p99" \
             "$rps" "${non2xx:+ (non-2xx: $non2xx)}"
    done
  done
}
memory() {
  awk '/^VmHWM|^RssAnon|^RssFile/ {printf "   %s %.0f MiB", $1, $2 / 1024} END {print ""}' \
      "/proc/$spid/status"
}
echo "== vigil serve on the year: the first request of each question (cold)"
serve
sleep 2 # the start-up's own reads done
for path in "${queries[@]/#/landscape?}" health feeds asns; do
  t=$(curl -s -o /dev/null -w '%{time_total} s, %{size_download} bytes' "${url}api/v1/$path")
  printf '   cold  %-52s %s\n' "$path" "$t"
done
echo "== wrk, answer cache on (the default): warm"
run_wrk warm
memory
unserve
echo "== wrk, --cache 0: every request computed"
serve --cache 0
run_wrk comp
memory
unserve

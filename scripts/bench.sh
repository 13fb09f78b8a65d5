#!/usr/bin/env bash
# make bench: figures, never assertions.
#   1. parse-only and lookup-only rates (build/bench/bench_*)
#   2. end-to-end ingest of >= 1 million simulated CTIP records, stored,
#      pinned to one core, with peak RSS; and at a quarter of the size, to
#      show that peak memory does not grow with the input.
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

echo "== component benchmarks"
for b in "$BUILD"/bench/bench_*; do
  [ -x "$b" ] || continue
  echo "-- $(basename "$b")"
  $pin "$b"
done

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

echo "== end to end: vigil ingest (one core), CTIP Azure lines"
for n in $((N / 4)) "$N"; do
  f="$work/ctip-$n.json"
  t0=$(date +%s%N)
  "$VIGIL" simulate --seed 1 --days 30 --hosts 200000 --events "$n" --format ctip -o "$f"
  t1=$(date +%s%N)
  sz=$(stat -c %s "$f")
  echo "-- $n records ($((sz / 1048576)) MiB), generated in $(( (t1 - t0) / 1000000 )) ms"
  rm -f "$work/b.db"*
  measure $pin "$VIGIL" ingest --db "$work/b.db" --json "$f"
  echo "   database: $(du -sh "$work/b.db" | cut -f1)"
  rm -f "$f"
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

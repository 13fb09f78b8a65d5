#!/usr/bin/env bash
# make fuzz: build each libFuzzer target (fuzz/fuzz_*.c) against
# build-fuzz/libvigil.a and run it for FUZZ_SECONDS on a copy of its corpus
# (fuzz/corpus/<name>/).  A crash stops the run; the crashing input is kept
# in fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${FUZZ_SECONDS:-30}"
mkdir -p build-fuzz/bin fuzz/crashes
status=0
for src in fuzz/fuzz_*.c; do
  name=$(basename "$src" .c); short=${name#fuzz_}
  bin=build-fuzz/bin/$name
  # shellcheck disable=SC2086
  clang $CFLAGS_ALL -O1 -g -fsanitize=fuzzer,address,undefined -o "$bin" "$src" \
    build-fuzz/libvigil.a $LDLIBS
  work=$(mktemp -d)
  [ -d "fuzz/corpus/$short" ] && cp -r "fuzz/corpus/$short/." "$work/"
  echo "fuzz: $name for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
       -artifact_prefix=fuzz/crashes/"$name"- "$work" > "build-fuzz/$name.log" 2>&1; then
    echo "fuzz: $name FAILED — see build-fuzz/$name.log and fuzz/crashes/"
    tail -30 "build-fuzz/$name.log"
    status=1
  else
    grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "build-fuzz/$name.log" | tail -1 || true
  fi
  rm -rf "$work"
done
exit $status

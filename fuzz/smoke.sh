#!/usr/bin/env bash
# A short run of every fuzz target (SECONDS each, 10 by default), from a copy of its
# checked-in corpus: `.ci/run` calls it. A crash, a timeout (10 s for one input) or a leak
# fails it. Needs `cargo install cargo-fuzz`; runs on the stable toolchain.
set -euo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
each=${1:-10}
cargo fuzz build -O
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in $(cargo fuzz list); do
  python3 corpus.py unpack "corpus-min/$t.bin" "$work/$t" >/dev/null
  if ! cargo fuzz run -O "$t" "$work/$t" -- -max_total_time="$each" -timeout=10 \
    -rss_limit_mb=2048 >"$work/$t.log" 2>&1; then
    tail -40 "$work/$t.log"
    echo "fuzz target $t failed: see fuzz/artifacts/$t" >&2
    exit 1
  fi
  echo "$t: $(grep -E '^Done [0-9]+ runs' "$work/$t.log" | tail -1)"
done

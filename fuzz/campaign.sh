#!/usr/bin/env bash
# The fuzzing campaign behind the figures in `src/manual/untrusted_input.rs`: each target
# named (all of them by default) runs for SECONDS (600) with AddressSanitizer from its
# checked-in corpus, its corpus is minimised (`cargo fuzz cmin`) and packed back into
# `corpus-min/<target>.bin`, and the run's last status line is appended to
# `campaign.log`. Needs `cargo install cargo-fuzz`; runs on the stable toolchain.
#
#     bash fuzz/campaign.sh            # every target, 10 minutes each
#     SECONDS_EACH=60 bash fuzz/campaign.sh warc tower
set -euo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
each=${SECONDS_EACH:-600}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
cargo fuzz build -O
work=$(mktemp -d)
for t in "${targets[@]}"; do
  python3 corpus.py unpack "corpus-min/$t.bin" "$work/$t"
  start=$(date +%s)
  cargo fuzz run -O "$t" "$work/$t" -- -max_total_time="$each" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 >"$work/$t.log" 2>&1 || {
    tail -40 "$work/$t.log"
    echo "$t: FAILED (artifacts in fuzz/artifacts/$t)" | tee -a campaign.log
    exit 1
  }
  took=$(($(date +%s) - start))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$t.log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -E '^#[0-9]+' "$work/$t.log" | tail -1 | grep -o 'cov: [0-9]*' || echo 'cov: ?')
  cargo fuzz cmin -O "$t" "$work/$t" >"$work/$t.cmin.log" 2>&1
  python3 corpus.py pack "$work/$t" "corpus-min/$t.bin"
  echo "$(date -u +%F) $t: ${took} s, ${runs} runs, ${cov} edges, $(ls "$work/$t" | wc -l) inputs after cmin, no crash or timeout" | tee -a campaign.log
done
rm -rf "$work"

#!/usr/bin/env bash
# Runs each cargo-fuzz target for SECONDS (README "Fuzzing"): `make fuzz-smoke` (20 s each, part
# of `make test`) and `make fuzz` (300 s each). Usage: fuzz/run.sh SECONDS [TARGET...]
# Stable Rust: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags (address sanitizer, coverage).
# Each target grows its corpus in fuzz/corpus/<target>/ (only the *.json seeds are committed); a
# crash stops the run with the input saved in fuzz/artifacts/<target>/ and a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json config record)
export RUSTC_BOOTSTRAP=1
logs=fuzz/target/logs
mkdir -p "$logs"

start=$SECONDS
cargo fuzz build --fuzz-dir fuzz
printf '[fuzz] built in %d s\n' $((SECONDS - start))

for target in "${targets[@]}"; do
  log=$logs/$target.log
  # -timeout: an input that takes over 5 s counts as a hang (a crash), not a stall of the run.
  if ! cargo fuzz run --fuzz-dir fuzz "$target" -- -max_total_time="$seconds" \
      -dict="$PWD/fuzz/json.dict" -rss_limit_mb=1024 -timeout=5 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log"
    printf '[fuzz] %s FAILED; input: %s (full log: %s)\n' "$target" \
      "$(grep -o 'fuzz/artifacts/[^ ]*' "$log" | tail -n 1)" "$log"
    exit 1
  fi
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log")
  corpus=$(find "fuzz/corpus/$target" -type f | wc -l)
  printf '[fuzz] %-6s %9s runs in %s s (%s exec/s), corpus %s inputs\n' \
    "$target" "$runs" "$seconds" "$rate" "$corpus"
done

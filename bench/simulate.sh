#!/usr/bin/env bash
# Throughput and peak memory of `hydrascope simulate` (release build), writing JSONL.zst.
#
#   bench/simulate.sh [SCENARIO] [SCALE] [BENIGN_ACCOUNTS]     (defaults: all 0.1 20000)
#
# Prints events, wall time, events/s and peak RSS. Uses ../shared/corpora when present.
set -euo pipefail

scenario=${1:-all}
scale=${2:-0.1}
benign=${3:-20000}
root=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
corpus=$root/../shared/corpora

cargo build --release --quiet -p hydrascope-cli --manifest-path "$root/Cargo.toml"
bin=$CARGO_TARGET_DIR/release/hydrascope

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
args=(simulate --scenario "$scenario" --scale "$scale" --seed 1 --out "$out" --benign-accounts "$benign")
[[ -d $corpus ]] && args+=(--corpus "$corpus")

/usr/bin/time -v "$bin" "${args[@]}" 2>"$out/time.txt" >/dev/null
events=$(find "$out" -name '*.jsonl*' ! -name '*truth*' -exec sh -c 'zstdcat -f "$1" 2>/dev/null || cat "$1"' _ {} \; | wc -l)
seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$out/time.txt")
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time.txt")
echo "scenario=$scenario scale=$scale benign=$benign"
echo "events=$events seconds=$seconds"
awk -v e="$events" -v s="$seconds" -v r="$rss_kb" 'BEGIN { printf "events/s=%.0f peak_rss=%.0f MiB\n", e / s, r / 1024 }'

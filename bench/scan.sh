#!/usr/bin/env bash
# Throughput and peak memory of `hydrascope scan` (release build) over the canonical Parquet
# dataset of a simulated `all` scenario with prompt text, against its parse limit: DataFusion
# merely decoding the columns the scan reads (crates/engine/examples/parse_limit.rs).
#
#   bench/scan.sh [SCALE] [BENIGN_ACCOUNTS]     (defaults: 0.04 37000, about 10 M events)
#
# For the scan and the parse limit, prints events, wall and CPU (user + system) seconds,
# events/s, events/s per core (over `nproc` cores), events per CPU-second and peak RSS; then
# the ratio of the two throughputs. Uses ../shared/corpora when present. The raw events and
# the dataset (a few GB at the defaults) live in a temporary directory removed on exit.
set -euo pipefail

scale=${1:-0.04}
benign=${2:-37000}
root=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
corpus=$root/../shared/corpora
cores=$(nproc)

cargo build --release --quiet -p hydrascope-cli --manifest-path "$root/Cargo.toml"
cargo build --release --quiet -p hydrascope-engine --example parse_limit --manifest-path "$root/Cargo.toml"
bin=$CARGO_TARGET_DIR/release/hydrascope
parse_limit=$CARGO_TARGET_DIR/release/examples/parse_limit

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(simulate --scenario all --scale "$scale" --seed 1 --out "$work/raw" --benign-accounts "$benign")
[[ -d $corpus ]] && args+=(--corpus "$corpus")
"$bin" "${args[@]}" >/dev/null
"$bin" ingest "$work/raw/events.jsonl.zst" --out "$work/dataset" >/dev/null
rm -rf "$work/raw"

# Runs a command under `/usr/bin/time -v`, its output to $work/NAME.out, its figures to
# $work/NAME.time.
measure() {
    local name=$1
    shift
    /usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.out"
}

# Wall seconds, CPU seconds (user + system) and peak RSS in KiB of run NAME.
figures() {
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, t, ":"); for (i = 1; i <= n; i++) wall = wall * 60 + t[i] }
        /User time|System time/ { cpu += $2 }
        /Maximum resident set size/ { rss = $2 }
        END { print wall, cpu, rss }' "$work/$1.time"
}

# Prints the figures of run NAME over EVENTS events.
report() {
    local wall cpu rss
    read -r wall cpu rss < <(figures "$1")
    awk -v name="$1" -v e="$2" -v w="$wall" -v c="$cpu" -v r="$rss" -v n="$cores" 'BEGIN {
        printf "%s: events=%d wall=%.1fs cpu=%.1fs events/s=%.0f events/s/core=%.0f events/cpu-s=%.0f peak_rss=%.0f MiB\n",
            name, e, w, c, e / w, e / w / n, e / c, r / 1024 }'
}

echo "scale=$scale benign=$benign cores=$cores load=$(cut -d' ' -f1-3 /proc/loadavg) dataset=$(du -sh "$work/dataset" | cut -f1)"
measure scan "$bin" scan "$work/dataset" --out "$work/scan"
measure parse_limit "$parse_limit" "$work/dataset"
scanned=$(sed -n 's/^scanned [0-9]* accounts, \([0-9]*\) events.*/\1/p' "$work/scan.out")
rows=$(sed -n 's/^rows=\([0-9]*\).*/\1/p' "$work/parse_limit.out")
report scan "$scanned"
report parse_limit "$rows"
read -r scan_wall _ < <(figures scan)
read -r limit_wall _ < <(figures parse_limit)
awk -v s="$scanned" -v sw="$scan_wall" -v p="$rows" -v pw="$limit_wall" \
    'BEGIN { printf "ratio scan/parse_limit=%.3f\n", (s / sw) / (p / pw) }'

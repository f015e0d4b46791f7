#!/usr/bin/env bash
# `hydrascope scan` embedded against the same scan on a local Ballista cluster (a scheduler
# and two executors on 127.0.0.1), over the canonical dataset of the 10-million-event
# scenario (release build with --features cluster).
#
#   bench/cluster.sh [SCALE] [BENIGN_ACCOUNTS] [TASKS_PER_EXECUTOR]   (defaults: 0.04 37000 1)
#
# Prints, for each scan: wall and CPU seconds of the client, events/s, the client's peak RSS;
# for the cluster: the executors' CPU seconds and peak RSS, and the bytes their shuffle files
# held when the scan ended (what stage 1 wrote for stage 2); then whether the verdicts and
# campaigns are equal. Uses ../shared/corpora when present. The dataset (a few GB at the
# defaults) lives in a temporary directory removed on exit.
set -euo pipefail

scale=${1:-0.04}
benign=${2:-37000}
tasks=${3:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
corpus=$root/../shared/corpora

cargo build --release --quiet -p hydrascope-cli --features cluster --manifest-path "$root/Cargo.toml"
bin=$CARGO_TARGET_DIR/release/hydrascope

work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
args=(simulate --scenario all --scale "$scale" --seed 1 --out "$work/raw" --benign-accounts "$benign")
[[ -d $corpus ]] && args+=(--corpus "$corpus")
"$bin" "${args[@]}" >/dev/null
events=$("$bin" ingest "$work/raw/events.jsonl.zst" --out "$work/dataset" | sed -n 's/^ingested \([0-9]*\) events.*/\1/p')
rm -rf "$work/raw"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { until python3 -c "import socket; socket.create_connection(('127.0.0.1',$1))" 2>/dev/null; do sleep 0.2; done; }
# `/proc` figures of a process: CPU seconds (user + system) and peak RSS in MiB.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat"; }
peak_mib() { awk '/^VmHWM:/ { printf "%d", $2 / 1024 }' "/proc/$1/status"; }

# Runs a scan under `/usr/bin/time -v`; its figures go to $work/NAME.time.
scan() {
    local name=$1
    shift
    RUST_LOG=warn,hydrascope_engine=info /usr/bin/time -v -o "$work/$name.time" \
        "$bin" scan "$work/dataset" --out "$work/$name" "$@" >/dev/null 2>"$work/$name.log"
}
report() {
    python3 - "$1" "$work/$1.time" "$work/$1.log" "$events" <<'PY'
import re, sys
name, time_file, log_file, events = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
t = open(time_file).read()
wall = t.split("Elapsed (wall clock) time (h:mm:ss or m:ss): ")[1].split("\n")[0].split(":")
wall = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
cpu = float(re.search(r"User time \(seconds\): ([\d.]+)", t)[1]) + float(re.search(r"System time \(seconds\): ([\d.]+)", t)[1])
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)[1]) / 1024
summaries = re.search(r"accounts=(\d+) encoded_bytes=(\d+)", open(log_file).read())
extra = f", summaries {int(summaries[2]) / 2**20:.1f} MiB for {int(summaries[1]):,} accounts" if summaries else ""
print(f"{name}: wall {wall:.1f} s, client CPU {cpu:.1f} s, {events / wall:,.0f} events/s, client peak RSS {rss:,.0f} MiB{extra}")
PY
}

echo "dataset: $events events, $(du -sh "$work/dataset" | cut -f1) of Parquet, scale $scale, $benign benign accounts"

scan embedded
report embedded

port=$(free_port)
"$bin" scheduler --bind "127.0.0.1:$port" 2>"$work/scheduler.log" &
pids+=($!)
wait_port "$port"
executors=()
for i in 0 1; do
    flight=$(free_port) grpc=$(free_port)
    mkdir -p "$work/shuffle-$i"
    RUST_LOG=info "$bin" executor --scheduler "127.0.0.1:$port" --bind "127.0.0.1:$flight" --grpc-port "$grpc" \
        --concurrent-tasks "$tasks" --work-dir "$work/shuffle-$i" 2>"$work/executor-$i.log" &
    pids+=($!)
    executors+=($!)
    wait_port "$flight"
done
scan clustered --cluster "df://127.0.0.1:$port"
report clustered
for i in 0 1; do
    pid=${executors[$i]}
    echo "executor $i: CPU $(cpu_seconds "$pid") s, peak RSS $(peak_mib "$pid") MiB, shuffle files $(du -sb "$work/shuffle-$i" | cut -f1) bytes, $(grep -c 'Finished task' "$work/executor-$i.log" || true) tasks"
done
# Shuffle bytes per job and stage, both executors together: jobs in order of submission
# (the account summaries, then the evidence pass's candidates and ranked values).
python3 - "$work/shuffle-0" "$work/shuffle-1" <<'PY'
import os, sys
from collections import defaultdict
sizes = defaultdict(int)
for root in sys.argv[1:]:
    for dirpath, _, files in os.walk(root):
        parts = os.path.relpath(dirpath, root).split(os.sep)
        if len(parts) >= 2:
            sizes[(parts[0], parts[1])] += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
jobs = sorted({job for job, _ in sizes})
for n, job in enumerate(jobs):
    stages = ", ".join(f"stage {stage}: {sizes[(job, stage)] / 2**20:.1f} MiB" for j, stage in sorted(sizes, key=lambda k: (k[0], int(k[1]))) if j == job)
    print(f"shuffle of job {n + 1} ({job}): {stages}")
PY
cmp -s "$work/embedded/verdicts.jsonl" "$work/clustered/verdicts.jsonl" && echo "verdicts: equal" || echo "verdicts: DIFFERENT"
cmp -s "$work/embedded/campaigns.json" "$work/clustered/campaigns.json" && echo "campaigns: equal" || echo "campaigns: DIFFERENT"

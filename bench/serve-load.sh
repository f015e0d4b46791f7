#!/usr/bin/env bash
# Load on `hydrascope serve` (release build) on 127.0.0.1: `/v1/check` and `/v1/events`
# together, driven by wrk (apt-get install wrk), for a bounded time.
#
#   bench/serve-load.sh [SECONDS] [SCALE] [BENIGN_ACCOUNTS]   (defaults: 30 0.002 2000)
#   CHECK_THREADS, CHECK_CONNECTIONS: wrk's threads and connections on /v1/check (2, 16)
#
# 1. simulates the `all` scenario and streams every event into the service in batches of
#    2,000 (ingest rate), then forces a re-score;
# 2. runs, at once, wrk on /v1/check (account ids of the simulation) and wrk on /v1/events
#    (1 thread, 1 connection, batches of 100 new events with prompts, which the detector
#    re-scores every 10 s);
#    meanwhile, the first campaign's evidence is asked for, so that the service reads it from
#    its store (every stored event, on one core) while the checks run;
# 3. prints both wrk summaries (throughput, latency p50/p99/p99.9 as the client saw it,
#    non-2xx answers), the service's own check latency from /metrics, how long the evidence
#    read took, and the server's RSS and peak RSS, with RSS per tracked account.
# The load generator shares the machine's cores with the server: figures are lower bounds.
set -euo pipefail

seconds=${1:-30}
scale=${2:-0.002}
benign=${3:-2000}
source "$(dirname "$0")/serve-common.sh"
corpus=$root/../shared/corpora

args=(simulate --scenario all --scale "$scale" --seed 1 --out "$work/sim" --benign-accounts "$benign")
[[ -d $corpus ]] && args+=(--corpus "$corpus")
"$bin" "${args[@]}" >/dev/null

start_server

zstdcat "$work/sim/events.jsonl.zst" | split -l 2000 - "$work/batch."
events=$(zstdcat "$work/sim/events.jsonl.zst" | wc -l)
start=$(date +%s.%N)
for batch in "$work"/batch.*; do
    curl -sf -H "Authorization: Bearer $HYDRASCOPE_TOKEN" --data-binary @"$batch" "$base/v1/events" >/dev/null
done
end=$(date +%s.%N)
rm -f "$work"/batch.*
curl -sf -X POST -H "Authorization: Bearer $HYDRASCOPE_TOKEN" "$base/v1/admin/rescore" >"$work/rescore.json"
python3 - "$events" "$start" "$end" "$work/rescore.json" <<'PY'
import json, sys
events, start, end = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
r = json.load(open(sys.argv[4]))
print(f"ingest: {events} events in {end - start:.1f} s, {events / (end - start):,.0f} events/s "
      f"(batches of 2,000, one connection); {r['accounts']} accounts, {r['campaigns']} campaigns")
PY
accounts=$(curl -sf "$base/readyz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accounts"])')
echo "server RSS after ingest: $(( $(rss_kib VmRSS) / 1024 )) MiB, $(( $(rss_kib VmRSS) * 1024 / accounts )) bytes per account ($accounts accounts)"

zstdcat "$work/sim/events.jsonl.zst" | python3 -c '
import json, sys
seen = {}
for line in sys.stdin:
    seen[json.loads(line)["account_id"]] = 1
print("\n".join(seen))' >"$work/accounts.txt"
campaign=$(curl -sf -H "Authorization: Bearer $HYDRASCOPE_TOKEN" "$base/v1/campaigns" |
    python3 -c 'import json,sys; c=json.load(sys.stdin)["campaigns"]; print(c[0]["id"] if c else "")')
[[ -n $campaign ]] && curl -sf -H "Authorization: Bearer $HYDRASCOPE_TOKEN" "$base/v1/campaigns/$campaign" >/dev/null
ACCOUNTS=$work/accounts.txt wrk -t"${CHECK_THREADS:-2}" -c"${CHECK_CONNECTIONS:-16}" -d"${seconds}s" -s "$root/bench/wrk/check.lua" "$base" >"$work/check.out" &
checks=$!
BATCH=100 wrk -t1 -c1 -d"${seconds}s" -s "$root/bench/wrk/events.lua" "$base" >"$work/events.out"
wait $checks
grep -h '^check:\|^events:' "$work/check.out" "$work/events.out"
curl -sf "$base/metrics" | python3 "$root/bench/check_latency.py"
if [[ -n $campaign ]]; then
    # Re-scores during the load may renumber the campaigns: wait at most two minutes.
    for _ in $(seq 120); do
        curl -s -H "Authorization: Bearer $HYDRASCOPE_TOKEN" "$base/v1/campaigns/$campaign" |
            python3 -c 'import json,sys
try: sys.exit("not_read" in json.load(sys.stdin))
except ValueError: sys.exit(1)' && break
        sleep 1
    done
    grep -h 'campaign evidence read' "$work/server.log" | sed 's/^.*INFO /evidence read (started with the load): /'
fi
echo "server RSS at the end: $(( $(rss_kib VmRSS) / 1024 )) MiB, peak $(( $(rss_kib VmHWM) / 1024 )) MiB"

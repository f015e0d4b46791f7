#!/usr/bin/env bash
# Soak of `hydrascope serve` (release build) with many accounts, on 127.0.0.1, driven by wrk
# (apt-get install wrk), for a bounded time.
#
#   bench/serve-soak.sh [SECONDS] [ACCOUNTS]   (defaults: 600 1000000)
#
# 1. fills a fresh service with ACCOUNTS light accounts (events in batches of 2,000 until
#    every account has sent one), re-scores, and reports the memory per account;
# 2. for SECONDS, runs at once wrk on /v1/check (1 thread, 8 connections, over every account)
#    and wrk on /v1/events (1 thread, 1 connection, batches of 100 events over the same
#    accounts), while the service re-scores every 10 s; samples the server's RSS every 10 s
#    and prints the samples at the end;
# 3. prints both wrk summaries, the service's own check latency and the RSS over the soak.
# The load generators share the machine's two cores with the server.
set -euo pipefail

seconds=${1:-600}
accounts=${2:-1000000}
source "$(dirname "$0")/serve-common.sh"
start_server
empty=$(rss_kib VmRSS)
echo "server RSS empty: $(( empty / 1024 )) MiB"

# 1. Fill: every account sends at least one event.
sent=0
fill_start=$(date +%s)
while (( sent < accounts )); do
    OFFSET=$sent BATCH=2000 ACCOUNTS_NEW=$accounts wrk -t1 -c1 -d10s \
        -s "$root/bench/wrk/events.lua" "$base" >"$work/fill.out"
    batch=$(sed -n 's/^events: batches [0-9]* (\([0-9]*\) events).*/\1/p' "$work/fill.out")
    sent=$(( sent + batch ))
done
echo "fill: $sent events in $(( $(date +%s) - fill_start )) s"
rescore_start=$(date +%s.%N)
curl -sf -X POST -H "Authorization: Bearer $HYDRASCOPE_TOKEN" "$base/v1/admin/rescore" >"$work/rescore.json"
python3 - "$work/rescore.json" "$rescore_start" <<'PY'
import json, sys, time
r = json.load(open(sys.argv[1]))
print(f"re-score of {r['accounts']:,} accounts: {time.time() - float(sys.argv[2]):.1f} s, "
      f"{r['campaigns']} campaigns")
PY
filled=$(rss_kib VmRSS)
echo "server RSS after fill: $(( filled / 1024 )) MiB, peak $(( $(rss_kib VmHWM) / 1024 )) MiB; " \
     "$(( (filled - empty) * 1024 / accounts )) bytes per account above the empty server"

# 2. Soak.
seq 0 $(( accounts - 1 )) | sed 's/^/load_/' >"$work/accounts.txt"
ACCOUNTS=$work/accounts.txt wrk -t1 -c8 -d"${seconds}s" -s "$root/bench/wrk/check.lua" "$base" >"$work/check.out" &
checks=$!
OFFSET=$sent BATCH=100 ACCOUNTS_NEW=$accounts wrk -t1 -c1 -d"${seconds}s" \
    -s "$root/bench/wrk/events.lua" "$base" >"$work/events.out" &
events=$!
echo "elapsed_s,rss_mib,events" >"$work/soak.csv"
soak_start=$(date +%s)
while kill -0 $events 2>/dev/null; do
    stored=$(curl -sf "$base/readyz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])' || echo "")
    echo "$(( $(date +%s) - soak_start )),$(( $(rss_kib VmRSS) / 1024 )),$stored" >>"$work/soak.csv"
    sleep 10
done
wait $checks $events || true

# 3. Report.
grep -h '^check:\|^events:' "$work/check.out" "$work/events.out"
curl -sf "$base/metrics" | python3 "$root/bench/check_latency.py"
python3 - "$work/soak.csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]))]
rss = [(int(r["elapsed_s"]), int(r["rss_mib"])) for r in rows]
first_minute = [m for t, m in rss if t <= 60]
last_minute = [m for t, m in rss if t >= rss[-1][0] - 60]
print(f"soak RSS: first minute {min(first_minute)}–{max(first_minute)} MiB, "
      f"last minute {min(last_minute)}–{max(last_minute)} MiB, max {max(m for _, m in rss)} MiB "
      f"({len(rss)} samples)")
PY
echo "server peak RSS: $(( $(rss_kib VmHWM) / 1024 )) MiB; samples (elapsed s, RSS MiB, events):"
tr '\n' ' ' <"$work/soak.csv"; echo

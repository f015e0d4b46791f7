"""The service's own check latency, from the Prometheus histogram on stdin (GET /metrics):
p50, p99 and p99.9 as the upper bounds of the buckets they fall in."""

import sys
buckets, count = [], 0
for line in sys.stdin:
    if line.startswith("hydrascope_check_duration_seconds_bucket"):
        le = line.split("le=\"")[1].split("\"")[0]
        buckets.append((float("inf") if le == "+Inf" else float(le), int(float(line.split()[-1]))))
    elif line.startswith("hydrascope_check_duration_seconds_count"):
        count = int(float(line.split()[-1]))
def quantile(q):
    for le, n in buckets:
        if n >= q * count:
            return le
print("service check latency (histogram bucket bounds): " + ", ".join(
    f"p{q * 100:g} <= {quantile(q) * 1e6:.0f} us" for q in (0.5, 0.99, 0.999)) + f", {count} checks")

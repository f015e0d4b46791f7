-- wrk script: POST /v1/check for account ids read from $ACCOUNTS (one per line), in turn.
-- Prints latency percentiles (including p99.9) and non-2xx answers at the end.
local token = os.getenv("HYDRASCOPE_TOKEN")
local ids = {}
for line in io.lines(os.getenv("ACCOUNTS")) do ids[#ids + 1] = line end
local counter = 0

request = function()
  counter = counter + 1
  local id = ids[(counter % #ids) + 1]
  local body = '{"account_id":"' .. id .. '","ip":"203.0.113.' .. (counter % 250) .. '"}'
  return wrk.format("POST", "/v1/check",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

done = function(summary, latency, requests)
  io.write(string.format(
    "check: requests %d, %.0f/s, non-2xx %d, socket errors %d, latency us p50 %d p99 %d p99.9 %d max %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end

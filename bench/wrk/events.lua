-- wrk script: POST /v1/events, batches of $BATCH new events (unique request ids) from up to
-- $ACCOUNTS_NEW accounts, with a prompt each. Prints throughput and latency at the end.
local token = os.getenv("HYDRASCOPE_TOKEN")
local batch = tonumber(os.getenv("BATCH") or "100")
local accounts = tonumber(os.getenv("ACCOUNTS_NEW") or "100000")
local counter = 0
local started = 0

-- Each thread gets its own number, so request ids never collide across threads.
setup = function(thread)
  started = started + 1
  thread:set("thread_id", started)
end

request = function()
  local lines = {}
  local now = os.time() * 1000
  for i = 1, batch do
    counter = counter + 1
    lines[i] = string.format(
      '{"ts":%d,"account_id":"load_%d","request_id":"load-%s-%d","ip":"198.51.100.%d",' ..
      '"prompt":"Write a function that parses record %d and explain each step."}',
      now, counter % accounts, tostring(thread_id), counter, counter % 250, counter)
  end
  return wrk.format("POST", "/v1/events",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/x-ndjson" },
    table.concat(lines, "\n"))
end

done = function(summary, latency, requests)
  io.write(string.format(
    "events: batches %d (%d events), %.0f events/s, non-2xx %d, socket errors %d, batch latency us p50 %d p99 %d p99.9 %d\n",
    summary.requests, summary.requests * batch, summary.requests * batch / (summary.duration / 1e6),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end

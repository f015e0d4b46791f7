-- wrk script: POST /v1/events, batches of $BATCH new events (unique request ids) from
-- $ACCOUNTS_NEW accounts in turn (load_0, load_1, …), with a prompt each. $OFFSET (default 0)
-- is where the count starts, so that runs one after another reach new accounts and new ids. Each account has
-- its own address and one of a few dozen prompt templates, as light honest users do.
-- Prints throughput and latency at the end.
local token = os.getenv("HYDRASCOPE_TOKEN")
local batch = tonumber(os.getenv("BATCH") or "100")
local accounts = tonumber(os.getenv("ACCOUNTS_NEW") or "100000")
local counter = tonumber(os.getenv("OFFSET") or "0")
local started = 0

local tasks = {
  "Write a function that parses record %d and explain each step.",
  "Summarise chapter %d of the attached report in three bullet points.",
  "Translate paragraph %d of this letter into French, keeping the tone.",
  "Why does my query return %d rows more than expected? Here is the SQL.",
  "Draft a polite reply to customer ticket %d about a late delivery.",
  "Suggest %d names for a bakery that also sells coffee.",
  "Explain the difference between a mutex and a semaphore, example %d.",
  "Plan a %d-day trip to Lisbon on a small budget.",
  "Fix the failing unit test number %d; the stack trace is below.",
  "Give me %d interview questions for a junior data analyst.",
  "Rewrite this product description %d to be shorter and friendlier.",
  "What is the time complexity of the loop in snippet %d?",
  "Create a weekly meal plan with %d vegetarian dinners.",
  "Convert this CSV header row %d into a JSON schema.",
  "Help me outline a talk of %d minutes about home composting.",
  "Check the grammar of my cover letter, version %d.",
}

-- Each thread gets its own number, so request ids never collide across threads.
setup = function(thread)
  started = started + 1
  thread:set("thread_id", started)
end

local function address(a)
  return string.format("10.%d.%d.%d", math.floor(a / 65536) % 256, math.floor(a / 256) % 256, a % 256)
end

request = function()
  local lines = {}
  local now = os.time() * 1000
  for i = 1, batch do
    counter = counter + 1
    local a = counter % accounts
    local task = string.format(tasks[(a % #tasks) + 1], counter % 1000)
    lines[i] = string.format(
      '{"ts":%d,"account_id":"load_%d","request_id":"load-%s-%d","ip":"%s","prompt":"%s"}',
      now, a, tostring(thread_id), counter, address(a), task)
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

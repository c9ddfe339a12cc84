-- wrk script: POST one newborn case per request, each with its own Idempotency-Key.
-- BODY_FILE (the multipart body), CONTENT_TYPE and TOKEN come from the environment
-- (set by load.sh).
-- `thread_id` is a global set per thread by setup(); a local of the same name
-- would shadow it and make the threads' keys collide (replays, not new cases).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  -- Several wrk processes (one per node) must not share keys: a shared key is a
  -- replay of the first request, not a new case.
  key_prefix = os.getenv("KEY_PREFIX") or "load"
  wrk.method = "POST"
  local file = assert(io.open(os.getenv("BODY_FILE"), "rb"))
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE")
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end

function request()
  counter = counter + 1
  wrk.headers["Idempotency-Key"] = string.format("%s-%d-%d-%d", key_prefix, os.time(), thread_id, counter)
  return wrk.format(nil, "/api/v1/cases")
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d errors=%d rate=%.1f/s p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms\n",
    summary.requests, errors, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end

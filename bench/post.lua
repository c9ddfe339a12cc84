-- wrk script: POST the same JSON body to PATH with a bearer token (all from the
-- environment: BODY, TOKEN, PATH_TO), and print one RESULT line.
function init(args)
  wrk.method = "POST"
  wrk.body = os.getenv("BODY")
  wrk.path = os.getenv("PATH_TO")
  wrk.headers["Content-Type"] = "application/json"
  local token = os.getenv("TOKEN")
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d errors=%d rate=%.1f/s p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms\n",
    summary.requests, errors, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end

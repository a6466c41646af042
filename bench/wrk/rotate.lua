-- wrk script of the API-read scenario.
-- Each request takes the next line of the file named by BENCH_WRK_REQUESTS
-- ("<path>\t<token>"), so the load comes from many users (one token each), as it would in
-- production; the figures are printed as one JSON line for bench/load.py.
local lines = {}
local index = 0

function init(args)
  local file = assert(io.open(os.getenv("BENCH_WRK_REQUESTS"), "r"))
  for line in file:lines() do
    local path, token = line:match("^(%S+)\t(%S+)$")
    if path then
      lines[#lines + 1] = wrk.format("GET", path, { ["Authorization"] = "Token " .. token })
    end
  end
  file:close()
  math.randomseed(os.time() + tonumber(tostring(lines):match("0x(%x+)") or "0", 16) % 100000)
  index = math.random(#lines) - 1
end

function request()
  index = index % #lines + 1
  return lines[index]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "errors_connect": %d, '
      .. '"errors_read": %d, "errors_write": %d, "errors_status": %d, "errors_timeout": %d, '
      .. '"mean_us": %.1f, "max_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99)))
end

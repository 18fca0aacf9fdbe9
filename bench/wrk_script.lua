-- wrk driver for the benchmark: replays a file of requests (method TAB path TAB token TAB body),
-- each thread from its own offset, with a fresh Idempotency-Key on every POST.
-- Usage: wrk -s bench/wrk_script.lua URL -- LINES_FILE RUN_ID
local thread_count = 0
function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
end

local lines, idx, counter, prefix = {}, 0, 0, ""

function init(args)
  for line in io.lines(args[1]) do
    local m, p, t, b = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if m then table.insert(lines, { m, p, t, b }) end
  end
  prefix = args[2] .. "-" .. tostring(tid)
  idx = (tid * 7919) % #lines
end

function request()
  idx = idx % #lines + 1
  local l = lines[idx]
  local h = {}
  if l[3] ~= "" then h["Authorization"] = "Bearer " .. l[3] end
  if l[1] == "POST" then
    counter = counter + 1
    h["Content-Type"] = "application/json"
    h["Idempotency-Key"] = prefix .. "-" .. counter
    return wrk.format("POST", l[2], h, l[4])
  end
  return wrk.format(l[1], l[2], h, nil)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"errors_connect":%d,"errors_read":%d,"errors_write":%d,' ..
    '"errors_status":%d,"errors_timeout":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end

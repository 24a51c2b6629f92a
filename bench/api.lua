-- wrk script for bench/api.py: POSTs the GraphQL request in $BENCH_BODY with its
-- "@FOCAL_POINT@" replaced by an id drawn at random from $BENCH_IDS (one per line),
-- counts answers that are not HTTP 200 or carry GraphQL "errors", and prints one JSON
-- line of figures at the end. With $BENCH_INTERVAL_MS set, each wrk thread sends on a
-- fixed schedule (one request per interval, shared by its connections) instead of
-- as fast as answers come back: an offered load, not a saturating one.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } bench_timeval;
  int gettimeofday(bench_timeval *tv, void *tz);
]]
local clock = ffi.new("bench_timeval")

local function now_ms()
  ffi.C.gettimeofday(clock, nil)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_usec) / 1000
end

local function read_file(path)
  local file = assert(io.open(path, "r"), "cannot read " .. tostring(path))
  local text = file:read("*a")
  file:close()
  return text
end

local threads = {}

function setup(thread)
  thread:set("number", #threads + 1)
  table.insert(threads, thread)
end

local ids, prefix, suffix, interval, next_slot

function init(args)
  failures = 0
  ids = {}
  for line in read_file(os.getenv("BENCH_IDS")):gmatch("[^\n]+") do
    table.insert(ids, line)
  end
  local body = read_file(os.getenv("BENCH_BODY"))
  local at = assert(body:find("@FOCAL_POINT@", 1, true), "no @FOCAL_POINT@ in the body")
  prefix, suffix = body:sub(1, at - 1), body:sub(at + #"@FOCAL_POINT@")
  interval = tonumber(os.getenv("BENCH_INTERVAL_MS") or "")
  math.randomseed(tonumber(os.getenv("BENCH_SEED") or "7") * 1000 + number)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end

function delay()
  if not interval then
    return 0
  end
  local now = now_ms()
  next_slot = math.max((next_slot or now) + interval, now)
  return math.max(0, next_slot - now)
end

function request()
  return wrk.format(nil, nil, nil, prefix .. ids[math.random(#ids)] .. suffix)
end

function response(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + thread:get("failures")
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "failures": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, failed,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max))
end

-- wrk script for bench/api.py: POSTs the GraphQL request in $BENCH_BODY with its
-- "@FOCAL_POINT@" replaced by an id drawn at random from $BENCH_IDS (one per line),
-- checks every answer (HTTP 200, no GraphQL "errors", a clique with at least one link)
-- and prints one JSON line of figures at the end.
--
-- Latency is measured here, per request, from the moment it was due to the moment its
-- answer arrived. With $BENCH_INTERVAL_MS set, each wrk thread offers a fixed schedule
-- (one request per interval, shared by its connections) and a request is due at its
-- slot of that schedule: when every connection is busy, the next request goes out late,
-- and its wait counts (no coordinated omission: the latency a caller on that schedule
-- sees). Without it (closed loops), a request is due when it is sent.
--
-- An answer is matched to its request by the focal point id it echoes; a thread never
-- has two requests for the same id in flight when it can help it.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local clock = ffi.new("bench_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
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

local ids, prefix, suffix, interval, verifying
local started, reserved, issued = nil, 0, 0
local in_flight = {}  -- focal point id -> due times of its requests in flight, oldest first

function init(args)
  failures, empty, unmatched, checked = 0, 0, 0, 0
  latencies = {}  -- milliseconds, one per answer (read by done() through thread:get)
  ids = {}
  for line in read_file(os.getenv("BENCH_IDS")):gmatch("[^\n]+") do
    table.insert(ids, line)
  end
  local body = read_file(os.getenv("BENCH_BODY"))
  local at = assert(body:find("@FOCAL_POINT@", 1, true), "no @FOCAL_POINT@ in the body")
  prefix, suffix = body:sub(1, at - 1), body:sub(at + #"@FOCAL_POINT@")
  interval = tonumber(os.getenv("BENCH_INTERVAL_MS") or "")
  verifying = number == 1
  math.randomseed(tonumber(os.getenv("BENCH_SEED") or "7") * 1000 + number)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end

-- Called before each request of a connection: wait for the next free slot (only on a
-- schedule). Slots are never skipped: a late request is sent at once.
function delay()
  if not interval then
    return 0
  end
  local now = now_ms()
  started = started or now
  local slot = started + reserved * interval
  reserved = reserved + 1
  return math.max(0, slot - now)
end

local function draw()
  local id
  for _ = 1, 20 do
    id = ids[math.random(#ids)]
    if not in_flight[id] then
      break
    end
  end
  return id
end

-- The k-th request a thread sends is due at the k-th slot: no request goes out before
-- the slot it is timed from (the k-th one sent had k timers fire, each at or after its
-- own slot; a timer firing a fraction of a millisecond early counts from the sending).
function request()
  local id = draw()
  if verifying then  -- wrk builds thread 1's first request only to check it: not sent
    verifying = false
    return wrk.format(nil, nil, nil, prefix .. id .. suffix)
  end
  local now = now_ms()
  local due = now
  if interval then
    started = started or now
    due = math.min(now, started + issued * interval)
  end
  issued = issued + 1
  in_flight[id] = in_flight[id] or {}
  table.insert(in_flight[id], due)
  return wrk.format(nil, nil, nil, prefix .. id .. suffix)
end

function response(status, headers, body)
  local arrived = now_ms()
  checked = checked + 1
  if status ~= 200 or body:find('"errors"', 1, true) then
    failures = failures + 1
  elseif not (body:find('"clique":{', 1, true) and body:find('"links":[{', 1, true)) then
    empty = empty + 1  -- null clique or no link: the focal points all have one
  end
  local id = body:match('"focalPoint":{"id":"([^"]*)"')
  local due = id and in_flight[id] and table.remove(in_flight[id], 1)
  if not due then
    unmatched = unmatched + 1
    return
  end
  if #in_flight[id] == 0 then
    in_flight[id] = nil
  end
  table.insert(latencies, arrived - due)
end

local function percentile(sorted, p)
  if #sorted == 0 then
    return 0
  end
  return sorted[math.max(1, math.ceil(#sorted * p / 100))]
end

function done(summary, latency, requests)
  local all, totals = {}, {failures = 0, empty = 0, unmatched = 0, checked = 0}
  for _, thread in ipairs(threads) do
    for name in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
    for _, value in ipairs(thread:get("latencies")) do
      table.insert(all, value)
    end
  end
  table.sort(all)
  local sum = 0
  for _, value in ipairs(all) do
    sum = sum + value
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "failures": %d, "empty_cliques": %d, '
    .. '"unmatched": %d, "checked": %d, "socket_errors": %d, "timed": %d, '
    .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, totals.failures, totals.empty, totals.unmatched,
    totals.checked, errors.connect + errors.read + errors.write + errors.timeout, #all,
    math.floor(1000 * percentile(all, 50)), math.floor(1000 * percentile(all, 90)),
    math.floor(1000 * percentile(all, 99)), #all > 0 and 1000 * sum / #all or 0,
    math.floor(1000 * (all[#all] or 0))))
end

-- wrk script for bench/run.sh: POST a ~100-byte JSON body.
--
-- The mode comes from the environment (not from `-- args`) so the choice is
-- made when the script loads, before wrk decides whether requests are static:
--   BENCH_MODE=plain   no Idempotency-Key (direct, nginx, gateway /pass)
--   BENCH_MODE=fresh   a NEW key on every request (gateway first execution)
--   BENCH_MODE=fixed   one key, BENCH_KEY, on every request (gateway replay)
-- BENCH_KEY_PREFIX is random per wrk invocation (run.sh takes it from
-- /proc/sys/kernel/random/uuid), so keys never collide across runs, warm-ups
-- and repeats even though Redis keeps them for 24h.
--
-- done() prints one line `BENCH_JSON {...}` that run.sh parses: it is more
-- robust than scraping wrk's human-readable summary (units change between
-- us/ms/s), and it carries the error counts. wrk's `errors.status` counts
-- responses with a status above 399: every non-2xx/3xx answer.

local mode = os.getenv("BENCH_MODE") or "plain"
local prefix = os.getenv("BENCH_KEY_PREFIX") or "bench"

-- bench/body.json: 100 bytes of JSON, the size the issue asks for; the same
-- file run.sh sends with curl, so every tool posts identical bytes.
local body_file = assert(os.getenv("BENCH_BODY_FILE"), "set BENCH_BODY_FILE")
local f = assert(io.open(body_file, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

if mode == "fixed" then
    local key = os.getenv("BENCH_KEY")
    assert(key and #key > 0, "BENCH_MODE=fixed needs BENCH_KEY")
    wrk.headers["Idempotency-Key"] = key
end

-- setup() runs in the main Lua state once per wrk thread; `tid` becomes a
-- global in that thread's own state, so keys stay unique with -t > 1.
local thread_count = 0
function setup(thread)
    thread_count = thread_count + 1
    thread:set("tid", thread_count)
end

if mode == "fresh" then
    -- Defining request() makes wrk build every request anew (slower for wrk
    -- than a static request, which is why the other modes do not define it).
    local counter = 0
    request = function()
        counter = counter + 1
        wrk.headers["Idempotency-Key"] = prefix .. "-" .. tid .. "-" .. counter
        return wrk.format()
    end
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        'BENCH_JSON {"mode":"%s","requests":%d,"duration_us":%d,"bytes":%d,' ..
        '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
        '"latency_us":{"mean":%.1f,"stdev":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
        mode, summary.requests, summary.duration, summary.bytes,
        e.connect, e.read, e.write, e.status, e.timeout,
        latency.mean, latency.stdev,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end

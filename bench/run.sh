#!/usr/bin/env bash
# Benchmark harness for the idempotency gateway's performance issue.
#
#   bash bench/run.sh [--repeat N] [--duration S] [--skip-callgrind]
#                     [--callgrind-requests N] [--connections C] [--warmup S]
#                     [--workers N] [--latency-duration S] [--skip-latency]
#
# One command, loopback only, bounded in time. It installs what it needs,
# builds the gateway in release mode (into .build-bench, so it never fights
# over .build with someone else's debug build), starts Redis, an nginx
# upstream, the pass-through yardsticks (nginx and HAProxy proxying to it),
# the keyed yardstick (bench/peer: the nginx + Lua + Redis idempotency layer
# users would write instead, proven by bench/peer/check.sh), a bare SwiftNIO
# server (bench/floor: the least any gateway on NIO can cost) and the
# gateway, drives each with wrk (closed loop: the most each can serve), and
# repeats the whole set. Then each row again under an open-loop load of half
# the peer's maximum (bench/openloop: latency at a fixed offered load), and
# instructions per request under callgrind. Every proxy gets --workers
# workers (default: the gateway's event loops, one per core). bench/report.py
# turns the raw results into a table, bench/results/latest.json and
# BENCHMARKS.md.
#
# Every process it starts lives in a temp dir and is stopped on exit, by PID.
set -euo pipefail

REPEAT=5
DURATION=5
WARMUP=1
WORKERS="$(nproc)"
LATENCY=1
LATENCY_DURATION=5
CONNECTIONS=32
CALLGRIND=1
CALLGRIND_REQUESTS=2000
COMMAND_LINE="bash bench/run.sh${*:+ $*}"

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --repeat) REPEAT="$2"; shift 2 ;;
        --duration) DURATION="$2"; shift 2 ;;
        --warmup) WARMUP="$2"; shift 2 ;;
        --connections) CONNECTIONS="$2"; shift 2 ;;
        --callgrind-requests) CALLGRIND_REQUESTS="$2"; shift 2 ;;
        --skip-callgrind) CALLGRIND=0; shift ;;
        --workers) WORKERS="$2"; shift 2 ;;
        --latency-duration) LATENCY_DURATION="$2"; shift 2 ;;
        --skip-latency) LATENCY=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
for n in "$REPEAT" "$DURATION" "$WARMUP" "$CONNECTIONS" "$CALLGRIND_REQUESTS" "$WORKERS" "$LATENCY_DURATION"; do
    [[ "$n" =~ ^[0-9]+$ ]] || { echo "not a whole number: $n" >&2; exit 2; }
done
[ "$REPEAT" -ge 1 ] && [ "$DURATION" -ge 1 ] && [ "$WORKERS" -ge 1 ] \
    || { echo "--repeat, --duration and --workers must be at least 1" >&2; exit 2; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
RESULTS="$BENCH/results"
PROBE=(python3 "$BENCH/probe.py")
mkdir -p "$RESULTS"
WORK="$(mktemp -d /tmp/idempotency-bench.XXXXXX)"
RAW="$WORK/raw.jsonl"
: >"$RAW"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------- cleanup
# PIDs of everything we started; stopped in reverse order. SIGTERM first
# (nginx's master takes its worker with it, the gateway drains), SIGKILL
# after a bounded wait.
STARTED=()
is_alive() {
    # A zombie still answers kill -0, so look at the process state too.
    [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}
stop_pid() {  # stop_pid PID SECONDS -> 0 if it exited on SIGTERM, 1 if it had to be killed
    local pid="$1" seconds="${2:-10}" waited=0
    is_alive "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    while is_alive "$pid" && [ "$waited" -lt $((seconds * 10)) ]; do
        sleep 0.1; waited=$((waited + 1))
    done
    if is_alive "$pid"; then
        # Children first (nginx workers), by their PIDs, then the process itself.
        local child
        for child in $(cat "/proc/$pid/task/"*/children 2>/dev/null); do kill -KILL "$child" 2>/dev/null || true; done
        kill -KILL "$pid" 2>/dev/null || true
        return 1
    fi
    return 0
}
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    local i
    for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
        stop_pid "${STARTED[$i]}" 10 || true
    done
    wait 2>/dev/null || true
    if [ "$status" -ne 0 ]; then
        log "failed (exit $status); logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- 1. install
# deploy/dependencies.sh installs redis-server, redis-tools, libhiredis-dev,
# libcurl4-openssl-dev and pkg-config when missing (apt-get update first),
# plus any command named here.
# shellcheck source=../deploy/dependencies.sh
source "$ROOT/deploy/dependencies.sh"
install_missing_packages nginx wrk valgrind curl gcc haproxy
# The peer's modules: ngx_http_lua, lua-resty-redis, resty.sha256/string, cjson.
if [ ! -e /usr/share/nginx/modules/ngx_http_lua_module.so ] || [ ! -e /usr/share/lua/5.1/nginx/redis.lua ] \
    || [ ! -e /usr/share/lua/5.1/nginx/sha256.lua ] || ! dpkg -s lua-cjson >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libnginx-mod-http-lua lua-nginx-redis \
        lua-nginx-string lua-cjson >/dev/null
fi
# objcopy (binutils) strips debug info for the callgrind run; see below.
command -v objcopy >/dev/null 2>&1 || install_missing_packages binutils
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

# --------------------------------------------------------------- 2. build
log "building the gateway in release mode (.build-bench; minutes the first time)"
cd "$ROOT"
BUILD=(swift build -c release --product idempotency-gateway --scratch-path .build-bench)
timeout 3600 "${BUILD[@]}" >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log" >&2; exit 1; }
GATEWAY="$(timeout 300 "${BUILD[@]}" --show-bin-path)/idempotency-gateway"
[ -x "$GATEWAY" ] || { echo "no binary at $GATEWAY" >&2; exit 1; }
# The floor is a package of its own (bench/floor), built the same way.
log "building the SwiftNIO floor in release mode (.build-bench-floor)"
FLOOR_BUILD=(swift build -c release --package-path "$BENCH/floor" --scratch-path .build-bench-floor)
timeout 3600 "${FLOOR_BUILD[@]}" >"$WORK/floor-build.log" 2>&1 || { tail -40 "$WORK/floor-build.log" >&2; exit 1; }
FLOOR="$(timeout 300 "${FLOOR_BUILD[@]}" --show-bin-path)/nio-floor"
[ -x "$FLOOR" ] || { echo "no binary at $FLOOR" >&2; exit 1; }
OPENLOOP="$WORK/openloop"
cc -O2 -Wall -o "$OPENLOOP" "$BENCH/openloop/openloop.c"
# The peer must really deduplicate before its figures mean anything.
log "checking the nginx + Lua + Redis peer (bench/peer/check.sh)"
bash "$BENCH/peer/check.sh" >"$WORK/peer-check.txt" 2>&1 || { cat "$WORK/peer-check.txt" >&2; exit 1; }

# ---------------------------------------------------------- 3. processes
# shellcheck disable=SC2207
PORTS=($("${PROBE[@]}" free-ports 12))
REDIS_PORT=${PORTS[0]} UPSTREAM_PORT=${PORTS[1]} PEER_PORT=${PORTS[2]}
GATEWAY_PORT=${PORTS[3]} ADMIN_PORT=${PORTS[4]}
CG_GATEWAY_PORT=${PORTS[5]} CG_ADMIN_PORT=${PORTS[6]} CG_PEER_PORT=${PORTS[7]}
FLOOR_PORT=${PORTS[8]} CG_FLOOR_PORT=${PORTS[9]}
LUA_PEER_PORT=${PORTS[10]} HAPROXY_PORT=${PORTS[11]}

# wait_ready URL SECONDS PID INTERVAL: until URL answers 2xx; gives up at
# once when PID has exited (no point waiting minutes for a dead process).
wait_ready() {
    local url="$1" deadline=$((SECONDS + $2)) pid="$3" interval="${4:-0.2}"
    while [ "$SECONDS" -lt "$deadline" ]; do
        curl -sf -o /dev/null --max-time 2 "$url" && return 0
        is_alive "$pid" || return 1
        sleep "$interval"
    done
    return 1
}

wait_tcp() {  # wait_tcp PORT SECONDS: until something accepts on 127.0.0.1:PORT
    local port="$1" deadline=$((SECONDS + $2))
    while [ "$SECONDS" -lt "$deadline" ]; do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.2
    done
    echo "nothing listens on 127.0.0.1:$port after $2 s" >&2
    return 1
}

log "starting redis on :$REDIS_PORT"
mkdir -p "$WORK/redis"
redis-server --save "" --appendonly no --port "$REDIS_PORT" --bind 127.0.0.1 \
    --dir "$WORK/redis" --daemonize no >"$WORK/redis/redis.log" 2>&1 &
REDIS_PID=$!
STARTED+=("$REDIS_PID")
wait_tcp "$REDIS_PORT" 20

# Every nginx: --workers workers (the gateway runs one event loop per core,
# so each proxy gets as many), no access log (it would measure disk, not
# HTTP), everything under $WORK.
source "$BENCH/nginx-conf.sh"

# The upstream: 201 and a fixed ~100-byte JSON body for any method.
UPSTREAM_BODY='{"id":"ch_000000000000000001","object":"charge","amount":1999,"currency":"eur","status":"succeeded"}'
nginx_conf "$WORK/upstream" "$WORKERS" "
    server {
        # reuseport: one listening socket per worker, so the kernel spreads
        # connections over the workers; without it one worker could take all
        # 32 of a run's connections (see docs/benchmarks.md).
        listen 127.0.0.1:$UPSTREAM_PORT reuseport;
        location / {
            default_type application/json;
            return 201 '$UPSTREAM_BODY';
        }
        # Accepted connections and requests, read before and after each row:
        # how many connections a proxy opened to the upstream, and how many
        # calls it made.
        location = /__nginx_status {
            stub_status;
        }
    }"
# The peer: what a plain reverse proxy costs, with pooled upstream connections.
nginx_conf "$WORK/peer" "$WORKERS" "
    upstream origin {
        server 127.0.0.1:$UPSTREAM_PORT;
        keepalive 64;
        keepalive_requests 100000;
    }
    server {
        listen 127.0.0.1:$PEER_PORT reuseport;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }
    }"
source "$BENCH/peer/conf.sh"
peer_nginx_conf "$WORK/lua-peer" "$LUA_PEER_PORT" "$UPSTREAM_PORT" "$REDIS_PORT" "$WORKERS"
declare -A NGINX_MASTER
for name in upstream peer lua-peer; do
    log "starting nginx ($name)"
    "$NGINX" -p "$WORK/$name" -c "$WORK/$name/nginx.conf" -e "$WORK/$name/error.log" \
        >"$WORK/$name/stdout.log" 2>&1 &
    NGINX_MASTER[$name]=$!
    STARTED+=($!)
done
wait_tcp "$UPSTREAM_PORT" 20
wait_tcp "$PEER_PORT" 20
wait_tcp "$LUA_PEER_PORT" 20
# The workers of each nginx do all the work; their CPU time is measured,
# summed (probe.py cpu NAME=PID+PID).
nginx_workers() { cat "/proc/$1/task/"*/children 2>/dev/null | tr -s ' \n' '+' | sed 's/+$//'; }
UPSTREAM_WORKER="$(nginx_workers "${NGINX_MASTER[upstream]}")"
PEER_WORKER="$(nginx_workers "${NGINX_MASTER[peer]}")"
LUA_PEER_WORKER="$(nginx_workers "${NGINX_MASTER[lua-peer]}")"
[ -n "$UPSTREAM_WORKER" ] && [ -n "$PEER_WORKER" ] && [ -n "$LUA_PEER_WORKER" ] \
    || { echo "no nginx worker processes found" >&2; exit 1; }

# HAProxy: the second pass-through yardstick, one process with --workers
# threads, pooled upstream connections.
mkdir -p "$WORK/haproxy"
cat >"$WORK/haproxy/haproxy.cfg" <<EOF
global
    nbthread $WORKERS
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    http-reuse always
frontend front
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend origin
backend origin
    server upstream 127.0.0.1:$UPSTREAM_PORT
EOF
log "starting haproxy"
haproxy -f "$WORK/haproxy/haproxy.cfg" -db >"$WORK/haproxy/haproxy.log" 2>&1 &
HAPROXY_PID=$!
STARTED+=("$HAPROXY_PID")
wait_tcp "$HAPROXY_PORT" 20

log "starting the SwiftNIO floor on :$FLOOR_PORT"
"$FLOOR" "$FLOOR_PORT" >"$WORK/floor.log" 2>&1 &
FLOOR_PID=$!
STARTED+=("$FLOOR_PID")
wait_tcp "$FLOOR_PORT" 20

# The gateway's configuration: /pass without idempotency, /idem with it,
# both in front of the nginx upstream. Warning level, so one log line per
# request does not become the thing we measure.
source "$BENCH/gateway-conf.sh"
mkdir -p "$WORK/gateway"
gateway_conf "$WORK/gateway/gateway.yaml" "$GATEWAY_PORT" "$ADMIN_PORT"
timeout 30 "$GATEWAY" check --config "$WORK/gateway/gateway.yaml" >/dev/null
log "starting the gateway on :$GATEWAY_PORT (admin :$ADMIN_PORT)"
"$GATEWAY" serve --config "$WORK/gateway/gateway.yaml" >"$WORK/gateway/gateway.log" 2>&1 &
GATEWAY_PID=$!
STARTED+=("$GATEWAY_PID")
# /readyz also proves the gateway reached Redis.
wait_ready "http://127.0.0.1:$ADMIN_PORT/readyz" 60 "$GATEWAY_PID" \
    || { tail -20 "$WORK/gateway/gateway.log" >&2; echo "gateway not ready" >&2; exit 1; }

UPSTREAM_URL="http://127.0.0.1:$UPSTREAM_PORT/v1/charges"
PEER_URL="http://127.0.0.1:$PEER_PORT/v1/charges"
HAPROXY_URL="http://127.0.0.1:$HAPROXY_PORT/v1/charges"
LUA_PEER_URL="http://127.0.0.1:$LUA_PEER_PORT/idem/v1/charges"
FLOOR_URL="http://127.0.0.1:$FLOOR_PORT/v1/charges"
PASS_URL="http://127.0.0.1:$GATEWAY_PORT/pass/v1/charges"
IDEM_URL="http://127.0.0.1:$GATEWAY_PORT/idem/v1/charges"
METRICS_URL="http://127.0.0.1:$ADMIN_PORT/metrics"
UPSTREAM_STATUS_URL="http://127.0.0.1:$UPSTREAM_PORT/__nginx_status"

# Sanity: every target answers 201 before we spend minutes measuring it.
for url in "$UPSTREAM_URL" "$PEER_URL" "$HAPROXY_URL" "$FLOOR_URL" "$PASS_URL" "$IDEM_URL" "$LUA_PEER_URL"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -H "Idempotency-Key: sanity-$RANDOM$RANDOM" \
        -H 'Content-Type: application/json' --data-binary @"$BENCH/body.json" "$url")
    [ "$code" = 201 ] || { echo "$url answered $code, expected 201" >&2; exit 1; }
done

random_prefix() { cut -c1-8 /proc/sys/kernel/random/uuid; }

# write_report: bench/report.py over everything measured so far. Also used
# when the gateway dies mid-run, so what was measured, and how it ended,
# still reaches BENCHMARKS.md.
write_report() {
    cp "$RAW" "$RESULTS/raw.jsonl"
    python3 "$BENCH/report.py" "$RAW" \
        --command "$COMMAND_LINE" --repeat "$REPEAT" --duration "$DURATION" \
        --connections "$CONNECTIONS" --warmup "$WARMUP" --workers "$WORKERS" \
        --gateway-binary "$GATEWAY" \
        --json "$RESULTS/latest.json" --markdown "$ROOT/BENCHMARKS.md"
}

# ------------------------------------------------------------- 4. measure
# run_wrk OUT URL MODE SECONDS [KEY]: wrk with post.lua; bounded by timeout.
# What wrk itself spent goes to OUT.cpu.json: it shares the cores too.
run_wrk() {
    local out="$1" url="$2" mode="$3" seconds="$4" key="${5:-}"
    BENCH_MODE="$mode" BENCH_BODY_FILE="$BENCH/body.json" BENCH_KEY_PREFIX="b$(random_prefix)" BENCH_KEY="$key" \
        "${PROBE[@]}" timed --cpu-out "$out.cpu.json" -- timeout $((seconds + 30)) wrk -t1 -c"$CONNECTIONS" \
        -d"${seconds}s" --latency -s "$BENCH/post.lua" "$url" >"$out" 2>&1 || true
}

# measure SET ROW TARGET URL MODE [KEY]: warm, then measure one row, and
# append it to $RAW. The upstream's stub_status before and after counts the
# connections opened to it and the calls it served. For gateway rows, its
# counters before and after say what it actually did (executed, replayed,
# rejected...), and a connection snapshot half-way through says how it
# talks to the upstream and Redis.
measure() {
    local set="$1" row="$2" target="$3" url="$4" mode="$5" key="${6:-}"
    local dir="$WORK/set$set/$row"
    mkdir -p "$dir"
    log "set $set/$REPEAT: $row ($target, ${DURATION}s)"
    if [ "$WARMUP" -gt 0 ]; then run_wrk "$dir/warmup.txt" "$url" "$mode" "$WARMUP" "$key"; fi
    local extra=(--upstream-before "$dir/upstream-before.json" --upstream-after "$dir/upstream-after.json"
                 --cpu-before "$dir/cpu-before.json" --cpu-after "$dir/cpu-after.json" --wrk-cpu "$dir/wrk.txt.cpu.json")
    local processes=(gateway="$GATEWAY_PID" "peer nginx=$PEER_WORKER" "upstream nginx=$UPSTREAM_WORKER" redis="$REDIS_PID"
                     "nio floor=$FLOOR_PID" "haproxy=$HAPROXY_PID" "lua peer=$LUA_PEER_WORKER")
    "${PROBE[@]}" nginx-status "$UPSTREAM_STATUS_URL" >"$dir/upstream-before.json"
    if [ "$target" = gateway ]; then
        "${PROBE[@]}" metrics "$METRICS_URL" >"$dir/metrics-before.json"
        ( sleep "$(( (DURATION + 1) / 2 ))"
          "${PROBE[@]}" conns --pid "$GATEWAY_PID" --upstream "$UPSTREAM_PORT" --redis "$REDIS_PORT" \
              >"$dir/conns.json" 2>/dev/null || true ) &
        local sampler=$!
        "${PROBE[@]}" rss-sample --pid "$GATEWAY_PID" --seconds "$((DURATION + 1))" >"$dir/rss-peak.json" 2>/dev/null &
        local rss_sampler=$!
        extra+=(--metrics-before "$dir/metrics-before.json" --metrics-after "$dir/metrics-after.json"
               --conns "$dir/conns.json" --rss-pid "$GATEWAY_PID" --rss-peak "$dir/rss-peak.json")
    fi
    "${PROBE[@]}" cpu "${processes[@]}" >"$dir/cpu-before.json"
    run_wrk "$dir/wrk.txt" "$url" "$mode" "$DURATION" "$key"
    "${PROBE[@]}" cpu "${processes[@]}" >"$dir/cpu-after.json"
    "${PROBE[@]}" nginx-status "$UPSTREAM_STATUS_URL" >"$dir/upstream-after.json"
    if [ "$target" = gateway ]; then
        wait "$sampler" "$rss_sampler" 2>/dev/null || true
        if ! is_alive "$GATEWAY_PID"; then
            local exit_status=0
            wait "$GATEWAY_PID" 2>/dev/null || exit_status=$?
            log "the gateway died during set $set, $row (exit status $exit_status); its log:"
            tail -30 "$WORK/gateway/gateway.log" >&2
            "${PROBE[@]}" row --set "$set" --row "$row" --target "$target" --wrk "$dir/wrk.txt" >>"$RAW"
            printf '{"kind":"crash","set":%d,"row":"%s","exit_status":%d}\n' "$set" "$row" "$exit_status" >>"$RAW"
            cp "$WORK/gateway/gateway.log" "$RESULTS/gateway.log"
            "${PROBE[@]}" log-summary "$WORK/gateway/gateway.log" >>"$RAW"
            write_report || true
            exit 1
        fi
        "${PROBE[@]}" metrics "$METRICS_URL" >"$dir/metrics-after.json"
    fi
    "${PROBE[@]}" row --set "$set" --row "$row" --target "$target" --wrk "$dir/wrk.txt" "${extra[@]}" >>"$RAW"
}

# stored_key URL NAME: a new key executed once by curl; the second curl
# proves it replays. Prints the key.
stored_key() {
    local url="$1" name="$2" key attempt
    key="replay-$(random_prefix)-$name"
    for attempt in 1 2; do
        curl -s -o /dev/null -D "$WORK/replay-warm-$name-$attempt.txt" --max-time 5 -X POST \
            -H 'Content-Type: application/json' -H "Idempotency-Key: $key" \
            --data-binary @"$BENCH/body.json" "$url" || true
    done
    grep -qi '^Idempotent-Replayed: true' "$WORK/replay-warm-$name-2.txt" \
        || log "warning: the warm-up retry of $key did not replay: $(head -1 "$WORK/replay-warm-$name-2.txt")"
    echo "$key"
}

for ((set = 1; set <= REPEAT; set++)); do
    measure "$set" direct upstream "$UPSTREAM_URL" plain
    measure "$set" nginx peer "$PEER_URL" plain
    measure "$set" haproxy haproxy "$HAPROXY_URL" plain
    measure "$set" "SwiftNIO floor" floor "$FLOOR_URL" plain
    measure "$set" "gateway pass-through" gateway "$PASS_URL" plain
    measure "$set" "peer first execution" lua-peer "$LUA_PEER_URL" fresh
    measure "$set" "gateway first execution" gateway "$IDEM_URL" fresh
    measure "$set" "peer replay" lua-peer "$LUA_PEER_URL" fixed "$(stored_key "$LUA_PEER_URL" "peer-$set")"
    measure "$set" "gateway replay" gateway "$IDEM_URL" fixed "$(stored_key "$IDEM_URL" "gateway-$set")"
    # Current RSS (and the kernel's lazy VmHWM) after each set; with the
    # peaks sampled during its rows, growth across sets is a leak signal.
    "${PROBE[@]}" rss --pid "$GATEWAY_PID" --set "$set" >>"$RAW"
done

# ------------------------------------------------------ 6. open-loop latency
# Latency at a fixed offered load, not at saturation: every row is offered
# half the peer's closed-loop maximum (median over the sets) on the same
# path kind: first-execution rate for the plain and first-execution rows,
# replay rate for the replay rows. bench/openloop schedules requests at that
# rate whatever the server does and measures from the scheduled moment.
if [ "$LATENCY" -eq 1 ]; then
    write_report >/dev/null  # the closed-loop medians the rates are taken from
    read -r RATE_FIRST RATE_REPLAY < <(python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
half = lambda name: max(100, int(rows[name]["rps"] / 2)) if rows.get(name, {}).get("rps") else 1000
print(half("peer first execution"), half("peer replay"))' "$RESULTS/latest.json")
    log "open-loop latency: $RATE_FIRST req/s (first execution and plain rows), $RATE_REPLAY req/s (replay rows)"
    latency() {  # latency SET ROW PORT PATH MODE RATE [KEY]
        local set="$1" row="$2" port="$3" path="$4" mode="$5" rate="$6" key="${7:-}"
        local out="$WORK/set$set/latency-${row// /-}.txt"
        log "set $set/$REPEAT: latency $row ($rate req/s, ${LATENCY_DURATION}s)"
        timeout $((LATENCY_DURATION + 30)) "$OPENLOOP" --port "$port" --path "$path" --rate "$rate" \
            --connections "$CONNECTIONS" --duration "$LATENCY_DURATION" --warmup 1 --mode "$mode" \
            --key "$key" --key-prefix "ol$(random_prefix)" --body-file "$BENCH/body.json" >"$out" 2>&1 || true
        python3 - "$set" "$row" "$out" >>"$RAW" <<'PY'
import json, sys
set_, row, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
line = next((l for l in open(path) if l.startswith("OPENLOOP_JSON ")), None)
result = json.loads(line.split(" ", 1)[1]) if line else {"failed": open(path).read()[-500:]}
print(json.dumps({"kind": "latency", "set": set_, "row": row, **result}))
PY
    }
    for ((set = 1; set <= REPEAT; set++)); do
        mkdir -p "$WORK/set$set"
        latency "$set" direct "$UPSTREAM_PORT" /v1/charges plain "$RATE_FIRST"
        latency "$set" nginx "$PEER_PORT" /v1/charges plain "$RATE_FIRST"
        latency "$set" haproxy "$HAPROXY_PORT" /v1/charges plain "$RATE_FIRST"
        latency "$set" "gateway pass-through" "$GATEWAY_PORT" /pass/v1/charges plain "$RATE_FIRST"
        latency "$set" "peer first execution" "$LUA_PEER_PORT" /idem/v1/charges fresh "$RATE_FIRST"
        latency "$set" "gateway first execution" "$GATEWAY_PORT" /idem/v1/charges fresh "$RATE_FIRST"
        latency "$set" "peer replay" "$LUA_PEER_PORT" /idem/v1/charges fixed "$RATE_REPLAY" \
            "$(stored_key "$LUA_PEER_URL" "peer-latency-$set")"
        latency "$set" "gateway replay" "$GATEWAY_PORT" /idem/v1/charges fixed "$RATE_REPLAY" \
            "$(stored_key "$IDEM_URL" "gateway-latency-$set")"
    done
    # The gateway's memory after the latency runs too: growth is a leak signal.
    "${PROBE[@]}" rss --pid "$GATEWAY_PID" --set "$((REPEAT + 1))" >>"$RAW"
fi

# Anything the gateway logged at warning or above during the load runs.
cp "$WORK/gateway/gateway.log" "$RESULTS/gateway.log"
"${PROBE[@]}" log-summary "$WORK/gateway/gateway.log" >>"$RAW"
stop_pid "$GATEWAY_PID" 20 || log "the gateway did not exit within 20 s of SIGTERM; killed"
stop_pid "$FLOOR_PID" 10 || true

# ----------------------------------------------------------- 7. callgrind
# Instructions per request: run the same gateway under callgrind, send a
# fixed number of requests down one path, stop it with SIGTERM so callgrind
# writes its file, and subtract a run that serves nothing (start + stop).
# Valgrind runs the program's threads one at a time, so this counts the
# work, not the parallelism; wall-clock numbers under it mean nothing.
# curl --parallel with one config block per request sends exactly N.
#
# Two workarounds for Debian 12's valgrind 3.19, both outside the gateway:
# - it cannot read the DWARF 5 debug info Swift 6 emits ("unhandled dwarf2
#   abbrev form code 0x25", then it gives up), so it runs a copy of the
#   binary without debug info; the symbol table stays, so profiles still
#   name functions, and instruction counts do not depend on debug info;
# - it crashes on libdispatch's sigsuspend with a read-only mask; see
#   bench/valgrind/sigsuspend-copy.c, preloaded into the gateway.
prepare_callgrind() {
    mkdir -p "$WORK/valgrind"
    objcopy --strip-debug "$GATEWAY" "$WORK/valgrind/idempotency-gateway"
    objcopy --strip-debug "$FLOOR" "$WORK/valgrind/nio-floor"
    cc -O2 -shared -fPIC -o "$WORK/valgrind/libsigsuspend-copy.so" "$BENCH/valgrind/sigsuspend-copy.c" -ldl
}

callgrind_run() {  # callgrind_run NAME URL MODE COUNT
    local name="$1" url="$2" mode="$3" count="$4"
    local slug="${name// /-}-$count"
    local dir="$WORK/callgrind/$slug"
    mkdir -p "$dir"
    gateway_conf "$dir/gateway.yaml" "$CG_GATEWAY_PORT" "$CG_ADMIN_PORT"
    log "callgrind: $name ($count requests)"
    LD_PRELOAD="$WORK/valgrind/libsigsuspend-copy.so" \
        valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" \
        "$WORK/valgrind/idempotency-gateway" serve --config "$dir/gateway.yaml" >"$dir/gateway.log" 2>&1 &
    local pid=$! started=$SECONDS status=ok codes=""
    STARTED+=("$pid")
    # Poll once a second: every probe is an admin request the gateway pays
    # for in instructions, and start-up under valgrind takes a while.
    if ! wait_ready "http://127.0.0.1:$CG_ADMIN_PORT/readyz" 300 "$pid" 1; then
        status="not-ready"
        log "callgrind: $name: the gateway never became ready; see $RESULTS/callgrind/$slug.gateway.log"
    else
        local startup=$((SECONDS - started)) key
        key="cg-$(random_prefix)"
        if [ "$mode" = fixed ]; then
            # The one execution that the replays replay; counted in N's cost.
            curl -s -o /dev/null --max-time 60 -X POST -H 'Content-Type: application/json' \
                -H "Idempotency-Key: $key" --data-binary @"$BENCH/body.json" "$url" || true
        fi
        if [ "$count" -gt 0 ]; then
            "${PROBE[@]}" curl-config --url "$url" --count "$count" --key-mode "$mode" \
                --key-prefix "$key" --body-file "$BENCH/body.json" >"$dir/curl.conf"
            local t0=$SECONDS
            timeout 900 curl -s --parallel --parallel-max 4 -K "$dir/curl.conf" >"$dir/codes.txt" 2>"$dir/curl.err" || status="curl-failed"
            codes=$(sort "$dir/codes.txt" | uniq -c | awk '{printf "%s%s:%s", sep, $2, $1; sep=","}')
            log "callgrind: $name answered {$codes} in $((SECONDS - t0)) s (startup ${startup} s)"
        fi
    fi
    # SIGTERM: the gateway drains and exits 0, and valgrind writes the file.
    if ! stop_pid "$pid" 120; then
        status="killed-after-sigterm-timeout"
    fi
    wait "$pid" 2>/dev/null || true
    local total=null
    if [ -s "$dir/callgrind.out" ]; then total=$("${PROBE[@]}" callgrind-total "$dir/callgrind.out"); fi
    [ "$total" = null ] && [ "$status" = ok ] && status="no-callgrind-output"
    # The hottest functions, for whoever works on the numbers.
    if [ -s "$dir/callgrind.out" ]; then
        mkdir -p "$RESULTS/callgrind"
        cp "$dir/callgrind.out" "$RESULTS/callgrind/$slug.out"
        timeout 120 callgrind_annotate --threshold=99 "$dir/callgrind.out" 2>/dev/null | head -60 \
            | { if command -v swift-demangle >/dev/null; then swift-demangle --simplified; else cat; fi; } \
            >"$RESULTS/callgrind/$slug.top.txt" || true
    fi
    cp "$dir/gateway.log" "$RESULTS/callgrind/$slug.gateway.log" 2>/dev/null || true
    printf '{"kind":"callgrind","path":"%s","requests":%d,"total_ir":%s,"status":"%s","codes":"%s"}\n' \
        "$name" "$count" "$total" "$status" "$codes" >>"$RAW"
}

# callgrind_yardstick KIND PID URL COUNT DIR SIGNAL: a yardstick already
# started under callgrind as PID: wait until it answers URL, send COUNT
# POSTs with the gateway's curl driver, stop it with SIGNAL (each exits
# cleanly on its own, so callgrind writes its file) and append its total
# to $RAW as KIND. Only the N − N/10 difference is used: neither yardstick
# has a start-up cost comparable to the gateway's baseline.
callgrind_yardstick() {
    local kind="$1" pid="$2" url="$3" count="$4" dir="$5" signal="$6"
    local status=ok codes="" deadline=$((SECONDS + 120))
    STARTED+=("$pid")
    until curl -s -o /dev/null --max-time 2 "$url"; do
        is_alive "$pid" && [ "$SECONDS" -lt "$deadline" ] || { status="not-ready"; break; }
        sleep 1
    done
    if [ "$status" = ok ]; then
        "${PROBE[@]}" curl-config --url "$url" --count "$count" --key-mode plain \
            --key-prefix "n" --body-file "$BENCH/body.json" >"$dir/curl.conf"
        timeout 900 curl -s --parallel --parallel-max 4 -K "$dir/curl.conf" >"$dir/codes.txt" 2>"$dir/curl.err" || status="curl-failed"
        codes=$(sort "$dir/codes.txt" | uniq -c | awk '{printf "%s%s:%s", sep, $2, $1; sep=","}')
    fi
    kill -"$signal" "$pid" 2>/dev/null || true
    stop_pid "$pid" 60 || status="killed-after-sig$(echo "$signal" | tr '[:upper:]' '[:lower:]')-timeout"
    wait "$pid" 2>/dev/null || true
    local total=null
    if [ -s "$dir/callgrind.out" ]; then total=$("${PROBE[@]}" callgrind-total "$dir/callgrind.out"); fi
    printf '{"kind":"%s","requests":%d,"total_ir":%s,"status":"%s","codes":"%s"}\n' \
        "$kind" "$count" "$total" "$status" "$codes" >>"$RAW"
}

# callgrind_nginx COUNT: the yardstick under the same tool. The peer nginx's
# configuration in one process (master_process off); SIGQUIT lets it exit
# cleanly.
callgrind_nginx() {
    local count="$1" dir="$WORK/callgrind/nginx-$1"
    mkdir -p "$dir"
    nginx_conf "$dir" 1 "
    upstream origin {
        server 127.0.0.1:$UPSTREAM_PORT;
        keepalive 64;
        keepalive_requests 100000;
    }
    server {
        listen 127.0.0.1:$CG_PEER_PORT;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }
    }"
    sed -i 's/^worker_processes 1;/worker_processes 1;\nmaster_process off;/' "$dir/nginx.conf"
    log "callgrind: nginx proxy ($count requests)"
    valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" \
        "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
    callgrind_yardstick callgrind_nginx "$!" "http://127.0.0.1:$CG_PEER_PORT/v1/charges" "$count" "$dir" QUIT
}

# callgrind_floor COUNT: the SwiftNIO floor under the same tool, with the
# gateway's two valgrind workarounds; it exits on SIGTERM.
callgrind_floor() {
    local count="$1" dir="$WORK/callgrind/floor-$1"
    mkdir -p "$dir"
    log "callgrind: SwiftNIO floor ($count requests)"
    LD_PRELOAD="$WORK/valgrind/libsigsuspend-copy.so" \
        valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" \
        "$WORK/valgrind/nio-floor" "$CG_FLOOR_PORT" >"$dir/stdout.log" 2>&1 &
    callgrind_yardstick callgrind_floor "$!" "http://127.0.0.1:$CG_FLOOR_PORT/v1/charges" "$count" "$dir" TERM
}

if [ "$CALLGRIND" -eq 1 ]; then
    rm -rf "$RESULTS/callgrind"  # profiles of an earlier run would mislead
    mkdir -p "$RESULTS/callgrind"
    prepare_callgrind
    callgrind_run baseline "$PASS_URL" plain 0
    CG_PASS="http://127.0.0.1:$CG_GATEWAY_PORT/pass/v1/charges"
    CG_IDEM="http://127.0.0.1:$CG_GATEWAY_PORT/idem/v1/charges"
    # Each path twice, with N and N/10 requests: the difference between the
    # two, over 0.9 N, is the steady-state cost with the one-time costs of
    # the first requests (lazy symbol binding, protocol conformance caches,
    # connection set-up) cancelled out, which subtracting the baseline alone
    # cannot do.
    SHORT=$((CALLGRIND_REQUESTS / 10))
    for count in "$CALLGRIND_REQUESTS" "$SHORT"; do
        [ "$count" -gt 0 ] || continue
        callgrind_run "pass-through" "$CG_PASS" plain "$count"
        callgrind_run "first execution" "$CG_IDEM" fresh "$count"
        callgrind_run "replay" "$CG_IDEM" fixed "$count"
        callgrind_nginx "$count"
        callgrind_floor "$count"
    done
    # Where the steady-state instructions go, per path: the N run's profile
    # minus the N/10 run's, function by function.
    for name in "pass-through" "first execution" "replay"; do
        full="$RESULTS/callgrind/${name// /-}-$CALLGRIND_REQUESTS.out"
        short="$RESULTS/callgrind/${name// /-}-$SHORT.out"
        if [ "$SHORT" -gt 0 ] && [ -s "$full" ] && [ -s "$short" ]; then
            timeout 600 "${PROBE[@]}" callgrind-diff --path "$name" "$full" "$CALLGRIND_REQUESTS" "$short" "$SHORT" >>"$RAW" \
                || log "callgrind: could not diff the $name profiles"
        fi
    done
fi

# -------------------------------------------------------------- 8. report
write_report

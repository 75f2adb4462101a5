#!/usr/bin/env bash
# Instructions per request of one gateway binary, for measuring a lever
# before and after on a busy machine (req/s is noise there; instruction
# counts are not). bench/run.sh's callgrind phase, alone and for one binary:
#
#   bash bench/callgrind-lever.sh BINARY [N] [PATH...]
#
# PATH is pass-through, first-execution or replay (default: all three).
# For each, the gateway runs under callgrind twice, serving N and N/10
# requests (curl --parallel 4, one Idempotency-Key per request for a first
# execution, one stored key for a replay); (Ir(N) − Ir(N/10)) / 0.9N is the
# steady-state cost per request, start-up and first-request costs cancelled.
# Prints one line per path; profiles stay in $OUT (default /tmp/cg-lever).
# Redis and a 1-worker nginx upstream are started here and stopped on exit.
set -euo pipefail
BINARY="$(realpath "$1")"; shift
N="${1:-2000}"; [ $# -gt 0 ] && shift
PATHS=("$@"); [ ${#PATHS[@]} -gt 0 ] || PATHS=(pass-through first-execution replay)
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
PROBE=(python3 "$BENCH/probe.py")
OUT="${OUT:-/tmp/cg-lever}"
WORK="$(mktemp -d /tmp/cg-lever.XXXXXX)"
mkdir -p "$OUT"
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck disable=SC2207
PORTS=($("${PROBE[@]}" free-ports 4))
REDIS_PORT=${PORTS[0]} UPSTREAM_PORT=${PORTS[1]} GATEWAY_PORT=${PORTS[2]} ADMIN_PORT=${PORTS[3]}
redis-server --save "" --appendonly no --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK" \
    --daemonize no >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
source "$BENCH/nginx-conf.sh"
UPSTREAM_BODY='{"id":"ch_000000000000000001","object":"charge","amount":1999,"currency":"eur","status":"succeeded"}'
nginx_conf "$WORK/upstream" 1 "
    server {
        listen 127.0.0.1:$UPSTREAM_PORT;
        location / { default_type application/json; return 201 '$UPSTREAM_BODY'; }
    }"
nginx -p "$WORK/upstream" -c "$WORK/upstream/nginx.conf" -e "$WORK/upstream/error.log" >/dev/null 2>&1 &
PIDS+=($!)
source "$BENCH/gateway-conf.sh"
gateway_conf "$WORK/gateway.yaml" "$GATEWAY_PORT" "$ADMIN_PORT"
# Valgrind 3.19 cannot read Swift 6's DWARF 5, and dies on libdispatch's
# read-only sigsuspend mask: see bench/run.sh's callgrind phase.
objcopy --strip-debug "$BINARY" "$WORK/gateway"
cc -O2 -shared -fPIC -o "$WORK/sigsuspend.so" "$BENCH/valgrind/sigsuspend-copy.c" -ldl
sleep 1

run() {  # run PATH COUNT -> total Ir
    local path="$1" count="$2" url mode key
    case "$path" in
        pass-through) url="http://127.0.0.1:$GATEWAY_PORT/pass/v1/charges" mode=plain ;;
        first-execution) url="http://127.0.0.1:$GATEWAY_PORT/idem/v1/charges" mode=fresh ;;
        replay) url="http://127.0.0.1:$GATEWAY_PORT/idem/v1/charges" mode=fixed ;;
        *) echo "unknown path $path" >&2; exit 2 ;;
    esac
    key="cg-$(cut -c1-8 /proc/sys/kernel/random/uuid)"
    LD_PRELOAD="$WORK/sigsuspend.so" valgrind --tool=callgrind --callgrind-out-file="$OUT/$path-$count.out" \
        "$WORK/gateway" serve --config "$WORK/gateway.yaml" >"$OUT/$path-$count.log" 2>&1 &
    local pid=$!
    until curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$ADMIN_PORT/readyz"; do sleep 1; done
    if [ "$mode" = fixed ]; then
        curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -H "Idempotency-Key: $key" \
            --data-binary @"$BENCH/body.json" "$url"
    fi
    "${PROBE[@]}" curl-config --url "$url" --count "$count" --key-mode "$mode" --key-prefix "$key" \
        --body-file "$BENCH/body.json" >"$WORK/curl.conf"
    curl -s --parallel --parallel-max 4 -K "$WORK/curl.conf" 2>/dev/null | sort | uniq -c | tr '\n' ' ' >&2
    kill -TERM "$pid"
    wait "$pid" || true
    "${PROBE[@]}" callgrind-total "$OUT/$path-$count.out"
}

for path in "${PATHS[@]}"; do
    full=$(run "$path" "$N")
    short=$(run "$path" $((N / 10)))
    echo "$path: $(( (full - short) / (N - N / 10) )) Ir/request (N=$N: $full, N/10: $short)"
done

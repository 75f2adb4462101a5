#!/usr/bin/env bash
# Proves the nginx + Lua + Redis peer really deduplicates before its figures
# are believed: a peer that only looks fast is worthless.
#   bash bench/peer/check.sh
# Starts its own redis-server, a counting upstream and the peer on free
# loopback ports, then checks:
#   1. 20 concurrent requests with one key execute once upstream;
#   2. a retry after completion replays status and body byte for byte, with
#      Idempotent-Replayed: true, and does not execute;
#   3. the same key with another body gets 422;
#   4. a 5xx releases the claim: the retry executes again.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$ROOT/deploy/dependencies.sh"
install_missing_packages nginx curl
if [ ! -e /usr/share/nginx/modules/ngx_http_lua_module.so ] || [ ! -e /usr/share/lua/5.1/nginx/redis.lua ] \
    || [ ! -e /usr/share/lua/5.1/nginx/sha256.lua ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libnginx-mod-http-lua lua-nginx-redis \
        lua-nginx-string lua-cjson >/dev/null
fi
source "$ROOT/bench/peer/conf.sh"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
WORK="$(mktemp -d /tmp/peer-check.XXXXXX)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck disable=SC2207
ports=($(python3 "$ROOT/bench/probe.py" free-ports 3))
REDIS_PORT=${ports[0]} UPSTREAM_PORT=${ports[1]} PEER_PORT=${ports[2]}

redis-server --save "" --appendonly no --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK" >"$WORK/redis.log" 2>&1 &
pids+=($!)
nginx_conf "$WORK/upstream" 1 "
    lua_shared_dict executions 1m;
    server {
        listen 127.0.0.1:$UPSTREAM_PORT;
        location = /__executions { content_by_lua_block { ngx.print(ngx.shared.executions:get(\"n\") or 0) } }
        location / {
            content_by_lua_block {
                local n = ngx.shared.executions:incr(\"n\", 1, 0)
                ngx.req.read_body()
                local delay = tonumber(ngx.var.http_x_delay_ms or \"0\")
                if delay > 0 then ngx.sleep(delay / 1000) end
                ngx.status = tonumber(ngx.var.http_x_status or \"201\")
                ngx.header[\"Content-Type\"] = \"application/json\"
                ngx.print('{\"execution\":' .. n .. ',\"uri\":\"' .. ngx.var.uri .. '\"}')
            }
        }
    }" "$LUA_MODULES"
"$NGINX" -p "$WORK/upstream" -c "$WORK/upstream/nginx.conf" -e "$WORK/upstream/error.log" >/dev/null 2>&1 &
pids+=($!)
peer_nginx_conf "$WORK/peer" "$PEER_PORT" "$UPSTREAM_PORT" "$REDIS_PORT" 2
"$NGINX" -p "$WORK/peer" -c "$WORK/peer/nginx.conf" -e "$WORK/peer/error.log" >/dev/null 2>&1 &
pids+=($!)
for port in "$REDIS_PORT" "$UPSTREAM_PORT" "$PEER_PORT"; do
    for attempt in $(seq 101); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        [ "$attempt" -le 100 ] || { cat "$WORK"/*/error.log "$WORK/redis.log" >&2; echo "nothing listens on :$port" >&2; exit 1; }
        sleep 0.1
    done
done

passed=0 failed=0
check() {  # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then passed=$((passed + 1)); echo "ok   $1"
    else failed=$((failed + 1)); echo "FAIL $1: expected $2, got $3"; fi
}
executions() { curl -s "http://127.0.0.1:$UPSTREAM_PORT/__executions"; }
URL="http://127.0.0.1:$PEER_PORT/idem/v1/charges"
post() {  # post KEY BODY OUT [HEADER...]
    local key="$1" body="$2" out="$3"; shift 3
    curl -s -o "$out.body" -D "$out.head" -w '%{http_code}' -X POST -H "Idempotency-Key: $key" \
        -H 'Content-Type: application/json' "$@" --data-binary "$body" "$URL"
}

# 1. A concurrent duplicate executes once.
for i in $(seq 20); do
    post race-1 '{"amount":1}' "$WORK/race-$i" -H 'X-Delay-Ms: 300' >"$WORK/race-$i.code" &
done
for job in $(jobs -rp); do
    printf '%s\n' "${pids[@]}" | grep -qxF "$job" || wait "$job"
done
check "20 concurrent requests, one key: upstream executions" 1 "$(executions)"
check "20 concurrent requests: exactly one 201" 1 "$(cat "$WORK"/race-*.code | grep -o 201 | wc -l)"
check "20 concurrent requests: the other 19 get 409" 19 "$(cat "$WORK"/race-*.code | grep -o 409 | wc -l)"

# 2. A replay is byte-identical and does not execute.
first=$(post replay-1 '{"amount":2}' "$WORK/first")
second=$(post replay-1 '{"amount":2}' "$WORK/second")
check "first request status" 201 "$first"
check "replay status" 201 "$second"
check "replay body is byte-identical" "$(sha256sum <"$WORK/first.body")" "$(sha256sum <"$WORK/second.body")"
check "replay carries Idempotent-Replayed: true" 1 "$(grep -ci '^Idempotent-Replayed: true' "$WORK/second.head" || true)"
check "upstream executions after the replay" 2 "$(executions)"

# 3. The same key with another request is refused.
check "same key, different body: 422" 422 "$(post replay-1 '{"amount":3}' "$WORK/mismatch")"
check "upstream executions after the mismatch" 2 "$(executions)"

# 4. A 5xx releases the claim.
check "5xx passed on" 503 "$(post fail-1 '{"amount":4}' "$WORK/fail" -H 'X-Status: 503')"
check "retry after a 5xx executes again" 201 "$(post fail-1 '{"amount":4}' "$WORK/retry")"
check "upstream executions after the retry" 4 "$(executions)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

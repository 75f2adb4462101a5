#!/usr/bin/env bash
# Brings up the quick start: its own redis-server on 127.0.0.1:$REDIS_PORT
# (default 6390, so a Redis you already run on 6379 is never touched), the
# example upstream on :$UPSTREAM_PORT (9000) and the gateway on
# :$GATEWAY_PORT (8080, admin :$ADMIN_PORT 9090) with the root gateway.yaml,
# which reads the same variables. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/dependencies.sh
install_missing_packages

export REDIS_PORT="${REDIS_PORT:-6390}" UPSTREAM_PORT="${UPSTREAM_PORT:-9000}"
export GATEWAY_PORT="${GATEWAY_PORT:-8080}" ADMIN_PORT="${ADMIN_PORT:-9090}"

for port in "$REDIS_PORT" "$UPSTREAM_PORT" "$GATEWAY_PORT" "$ADMIN_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "port $port is already in use; set REDIS_PORT, UPSTREAM_PORT, GATEWAY_PORT or ADMIN_PORT to free ones" >&2
        exit 1
    fi
done

redis_dir="$(mktemp -d "${TMPDIR:-/tmp}/idempotency-gateway-quickstart.XXXXXX")"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$redis_dir"
}
trap cleanup EXIT INT TERM

echo "starting redis-server on 127.0.0.1:$REDIS_PORT (no persistence)" >&2
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --dir "$redis_dir" --logfile "$redis_dir/redis.log"
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

swift build --product idempotency-gateway
swift build --product example-upstream
bin="$(swift build --show-bin-path)"

"$bin/example-upstream" --port "$UPSTREAM_PORT" &
pids+=($!)

cat >&2 <<MSG

Gateway on http://127.0.0.1:$GATEWAY_PORT (metrics on :$ADMIN_PORT), example upstream on :$UPSTREAM_PORT,
Redis on :$REDIS_PORT. Try:

  curl -i -X POST http://127.0.0.1:$GATEWAY_PORT/v1/charges -H 'Idempotency-Key: demo-1' -d '{"amount":100}'
  curl -i -X POST http://127.0.0.1:$GATEWAY_PORT/v1/charges -H 'Idempotency-Key: demo-1' -d '{"amount":100}'   # replayed
  curl -s http://127.0.0.1:$UPSTREAM_PORT/__stats                                                                 # executions: 1

Ctrl-C stops the gateway, the upstream and this Redis.
MSG
"$bin/idempotency-gateway" serve --config gateway.yaml &
pids+=($!)
wait "${pids[-1]}"

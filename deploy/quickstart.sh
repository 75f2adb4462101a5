#!/usr/bin/env bash
# Brings up a local Redis (installing or starting redis-server when none
# answers on 127.0.0.1:6379), the example upstream on :9000 and the gateway
# on :8080 with the root gateway.yaml. Ctrl-C stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/dependencies.sh
install_missing_packages

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [ -n "${started_redis:-}" ]; then redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT INT TERM

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "starting redis-server on 127.0.0.1:6379" >&2
    redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
        --dir "${TMPDIR:-/tmp}" --logfile "${TMPDIR:-/tmp}/idempotency-gateway-redis.log"
    started_redis=1
    for _ in $(seq 50); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

swift build --product idempotency-gateway
swift build --product example-upstream
bin="$(swift build --show-bin-path)"

"$bin/example-upstream" --port 9000 &
pids+=($!)

cat >&2 <<'MSG'

Gateway on http://127.0.0.1:8080, example upstream on :9000. Try:

  curl -i -X POST http://127.0.0.1:8080/v1/charges -H 'Idempotency-Key: demo-1' -d '{"amount":100}'
  curl -i -X POST http://127.0.0.1:8080/v1/charges -H 'Idempotency-Key: demo-1' -d '{"amount":100}'   # replayed
  curl -s http://127.0.0.1:9000/__stats                                                                 # executions: 1

MSG
"$bin/idempotency-gateway" serve --config gateway.yaml &
pids+=($!)
wait "${pids[-1]}"

# Sourced by bench/run.sh and bench/callgrind-lever.sh: the gateway's bench
# configuration, one pass-through route (/pass) and one keyed route (/idem)
# to the upstream, Redis on loopback, warnings only in the log.
# gateway_conf FILE LISTEN_PORT ADMIN_PORT; reads REDIS_PORT and UPSTREAM_PORT,
# and BENCH_REPLAY_CACHE (store.redis.replay_cache, default 1s as shipped;
# 0s makes every replay read Redis, as the peer does).
gateway_conf() {  # gateway_conf FILE LISTEN_PORT ADMIN_PORT
    cat >"$1" <<EOF
version: 1
listen: "127.0.0.1:$2"
admin:
  listen: "127.0.0.1:$3"
store:
  backend: redis
  redis:
    url: "redis://127.0.0.1:$REDIS_PORT"
    replay_cache: ${BENCH_REPLAY_CACHE:-1s}
  key_prefix: "bench"
log:
  format: text
  level: warning
shutdown_timeout: 10s
upstreams:
  origin:
    url: "http://127.0.0.1:$UPSTREAM_PORT"
    timeout: 5s
routes:
  - name: pass
    match:
      path_prefix: /pass
    upstream: origin
  - name: idem
    match:
      path_prefix: /idem
    upstream: origin
    idempotency:
      ttl: 24h
EOF
}

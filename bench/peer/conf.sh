# Sourced by bench/run.sh and bench/peer/check.sh.
# peer_nginx_conf DIR LISTEN_PORT UPSTREAM_PORT REDIS_PORT WORKERS
# writes DIR/nginx.conf: the nginx + Lua + Redis idempotency peer. /idem/
# runs bench/peer/idempotency.lua; everything else is a plain proxy_pass.
# Both reach the upstream over a keepalive pool, like the gateway.
source "$(dirname "${BASH_SOURCE[0]}")/../nginx-conf.sh"
peer_nginx_conf() {
    local dir="$1" port="$2" upstream_port="$3" redis_port="$4" workers="$5"
    local here
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    nginx_conf "$dir" "$workers" "
    # Bodies stay in memory, so the Lua side can hash and store them.
    client_body_buffer_size 64k;
    client_max_body_size 64k;
    lua_package_path \"$here/?.lua;/usr/share/lua/5.1/?.lua;;\";
    upstream origin {
        server 127.0.0.1:$upstream_port;
        keepalive 64;
        keepalive_requests 100000;
    }
    server {
        # reuseport spreads connections over the workers (see bench/run.sh).
        listen 127.0.0.1:$port reuseport;
        location /idem/ {
            content_by_lua_block {
                require(\"idempotency\").handle({ route = \"idem\", redis_port = $redis_port,
                                                lock_ms = 60000, ttl_s = 86400 })
            }
        }
        location /__origin/ {
            internal;
            rewrite ^/__origin(/.*)\$ \$1 break;
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }
    }" "$LUA_MODULES"
}

# Sourced by bench/run.sh, bench/peer/conf.sh and bench/peer/check.sh: the
# one place that knows how to run an nginx from a scratch directory.
# nginx_conf DIR WORKERS HTTP_BLOCKS [MAIN_LINES] writes DIR/nginx.conf:
# WORKERS worker processes, in the foreground, no access log (it would
# measure disk, not HTTP), every file under DIR; HTTP_BLOCKS go inside
# `http {}`, MAIN_LINES (load_module, ...) before everything else.
LUA_MODULES="load_module /usr/share/nginx/modules/ndk_http_module.so;
load_module /usr/share/nginx/modules/ngx_http_lua_module.so;"
nginx_conf() {
    local dir="$1" workers="$2" http="$3" main="${4:-}"
    mkdir -p "$dir/tmp"
    cat >"$dir/nginx.conf" <<CONF
$main
worker_processes $workers;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    keepalive_requests 100000;
    keepalive_timeout 65s;
$http
}
CONF
}

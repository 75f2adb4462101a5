#!/usr/bin/env bash
# Installs the system packages the gateway builds and tests against, when
# they are missing. Sourced by quickstart.sh and test.sh; safe to re-run.
install_missing_packages() {
    local need=()
    command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
    command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
    [ -f /usr/include/hiredis/hiredis.h ] || need+=(libhiredis-dev)
    [ -f /usr/include/curl/curl.h ] || [ -f "/usr/include/$(uname -m)-linux-gnu/curl/curl.h" ] || need+=(libcurl4-openssl-dev)
    command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
    for extra in "$@"; do
        command -v "$extra" >/dev/null 2>&1 || need+=("$extra")
    done
    [ ${#need[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing: ${need[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
}

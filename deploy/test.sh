#!/usr/bin/env bash
# Runs every test: unit tests, config tests, and the integration tests that
# start their own redis-server, upstream and gateway processes on loopback.
# On a fresh Debian machine it first installs redis-server, libhiredis-dev
# and libcurl4-openssl-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/dependencies.sh
install_missing_packages
swift build --build-tests
swift test --skip-build --no-parallel "$@"

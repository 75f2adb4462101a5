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
# deploy/ checked by each format's own tool and against the binary just built.
bash deploy/check-deploy.sh "$(swift build --show-bin-path)/idempotency-gateway"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# The integration suites start real processes with timing-sensitive leases,
# so suites run one after another on a 2-core machine.
swift test --skip-build --no-parallel "$@" 2>&1 | tee "$log" || status=$?
# swift-testing's closing line, restated in the plain form CI tools read.
if summary=$(grep -Eo 'Test run with [0-9]+ tests?' "$log" | tail -1); then
    total=$(echo "$summary" | grep -Eo '[0-9]+')
    failed=$(grep -cE '^✘ Test .* failed after' "$log" || true)
    echo "$((total - failed)) passed, $failed failed"
fi
[ "$status" -eq 0 ] || exit "$status"
# A short chaos run (about a minute) over the binary just built: its
# invariants fail the run like a test would. Skip with CHAOS_SECONDS=0.
chaos_seconds="${CHAOS_SECONDS:-60}"
if [ "$chaos_seconds" -gt 0 ] && [ $# -eq 0 ]; then
    GATEWAY_BIN="$(swift build --show-bin-path)/idempotency-gateway" \
        bash deploy/chaos/run.sh --seconds "$chaos_seconds"
fi

#!/usr/bin/env bash
# Builds the release binaries into dist/ (or $DIST): idempotency-gateway and
# example-upstream, with the Swift runtime linked in statically so they run
# on a Debian image that has only libcurl4 and libhiredis0.14. The container
# image (deploy/container/Containerfile) runs exactly this script, so what
# the image ships is what this builds on any Debian 12 machine with Swift 6.
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/dependencies.sh
install_missing_packages
dist="${DIST:-dist}"
scratch="${SCRATCH_PATH:-.build-release}"
swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product idempotency-gateway
swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product example-upstream
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
mkdir -p "$dist"
install -m 0755 "$bin/idempotency-gateway" "$bin/example-upstream" "$dist/"
echo "built: $dist/idempotency-gateway $dist/example-upstream" >&2

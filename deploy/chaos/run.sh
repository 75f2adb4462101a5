#!/usr/bin/env bash
# The chaos suite: a 3+3 Redis Cluster, 3 gateways and a ledger upstream on
# loopback; clients retry thousands of keys while gateways are killed and
# paused, Redis masters fail over and the upstream stalls. Prints what ran
# more than once and why, answers that never came, and keys without a TTL;
# exits non-zero on anything unexplained.
#
#   deploy/chaos/run.sh --minutes 3 [--seed N] [--out report.json]
#   deploy/chaos/run.sh --seconds 60
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=180
passthrough=()
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) seconds=$(( $2 * 60 )); shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --seed|--out) passthrough+=("$1" "$2"); shift 2 ;;
        *) echo "usage: $0 [--minutes N | --seconds N] [--seed N] [--out FILE]" >&2; exit 2 ;;
    esac
done

source deploy/dependencies.sh
install_missing_packages python3

binary="${GATEWAY_BIN:-}"
if [ -z "$binary" ]; then
    swift build --product idempotency-gateway >/dev/null
    binary="$(swift build --show-bin-path)/idempotency-gateway"
fi
exec python3 deploy/chaos/chaos.py --seconds "$seconds" --binary "$binary" "${passthrough[@]}"

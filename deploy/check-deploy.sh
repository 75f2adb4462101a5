#!/usr/bin/env bash
# Validates deploy/ with the tools each format has, then against the gateway
# binary itself (check_deploy.py). Installs what it needs when missing:
# promtool (Debian's prometheus), kubernetes-validate and check-jsonschema
# (PyPI). Usage: deploy/check-deploy.sh [GATEWAY_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/dependencies.sh
install_missing_packages
if ! command -v promtool >/dev/null 2>&1; then
    # Debian ships promtool in the prometheus package; its service is not
    # started in a container without systemd, and nothing here needs it.
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
bin="$(realpath "${1:-$(swift build --show-bin-path)/idempotency-gateway}")"

if ! command -v kubernetes-validate >/dev/null 2>&1 || ! command -v check-jsonschema >/dev/null 2>&1; then
    python3 -m pip install -q --disable-pip-version-check kubernetes-validate check-jsonschema pyyaml
fi

echo "== Prometheus rules: promtool check rules, promtool test rules"
promtool check rules deploy/prometheus/alerts.yaml
(cd deploy/prometheus && promtool test rules alerts.test.yaml)

echo "== Kubernetes manifests: kubernetes-validate --strict"
# The ServiceMonitor is a CRD with no bundled schema; check_deploy.py checks
# it against the Service instead.
kubernetes-validate --strict --quiet \
    deploy/kubernetes/configmap.yaml deploy/kubernetes/deployment.yaml deploy/kubernetes/service.yaml \
    deploy/kubernetes/poddisruptionbudget.yaml deploy/kubernetes/horizontalpodautoscaler.yaml

echo "== compose file: check-jsonschema against the Compose specification"
check-jsonschema --builtin-schema vendor.compose-spec deploy/compose/compose.yaml

echo "== systemd unit: systemd-analyze verify"
# verify wants ExecStart's binary to exist: point it at the one just built.
# It reports bad values as warnings and still exits 0, so any output fails.
unit_dir="$(mktemp -d)"
trap 'rm -rf "$unit_dir"' EXIT
sed "s#/usr/local/bin/idempotency-gateway#$bin#g" deploy/systemd/idempotency-gateway.service \
    > "$unit_dir/idempotency-gateway.service"
if ! out="$(systemd-analyze verify "$unit_dir/idempotency-gateway.service" 2>&1)" || [ -n "$out" ]; then
    echo "$out" >&2
    exit 1
fi
echo "ok"

echo "== against the binary: metric names, shipped configurations, kustomization"
python3 deploy/check_deploy.py "$bin"

#!/usr/bin/env python3
"""Checks what the deploy/ files promise against the gateway binary itself.

- Every metric named in the Grafana dashboard's and the alert rules' PromQL is
  one the gateway exports: the names are read from a running gateway's
  /metrics (every series exists from start-up), not from a list kept by hand.
- The gateway.yaml files shipped for the container and for Kubernetes pass the
  gateway's own `check`.
- The kustomization lists files that exist, and the ServiceMonitor selects the
  Service's labels and a port the Service has.

Usage: check_deploy.py GATEWAY_BINARY
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
# Series Prometheus makes itself for every scrape target.
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool",
                "and", "or", "unless", "offset", "inf", "nan"}
failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL {message}")


def metric_names(expr):
    """The metric names a PromQL expression reads."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)           # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)                      # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)                     # ranges
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\$\{?\w+\}?", "", expr)                    # Grafana variables
    names = set()
    for match in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?", expr):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in PROMQL_WORDS:
            continue
        names.add(name)
    return names


def dashboard_exprs(path):
    with open(path) as f:
        dashboard = json.load(f)
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield f"{os.path.basename(path)} panel '{panel['title']}'", target["expr"]
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query", "")
        found = re.match(r"label_values\(\s*([^,]+),", query)
        if found:
            yield f"{os.path.basename(path)} variable '{variable['name']}'", found.group(1)


def alert_exprs(path):
    with open(path) as f:
        rules = yaml.safe_load(f)
    for group in rules["groups"]:
        for rule in group["rules"]:
            yield f"{os.path.basename(path)} rule '{rule.get('alert') or rule.get('record')}'", rule["expr"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exported_names(binary):
    """Starts the gateway on the memory store and reads its /metrics."""
    port, admin = free_port(), free_port()
    config = f"""version: 1
listen: "127.0.0.1:{port}"
admin:
  listen: "127.0.0.1:{admin}"
store:
  backend: memory
upstreams:
  api:
    url: "http://127.0.0.1:9"
routes:
  - name: api
    match: {{ path_prefix: / }}
    upstream: api
    idempotency: {{}}
tracing:
  otlp_endpoint: "http://127.0.0.1:9"
"""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(config)
    process = subprocess.Popen([binary, "serve", "--config", f.name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        text = None
        for _ in range(100):
            try:
                text = urllib.request.urlopen(f"http://127.0.0.1:{admin}/metrics", timeout=1).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        if text is None:
            sys.exit("the gateway did not serve /metrics")
    finally:
        process.terminate()
        process.wait(timeout=10)
        os.unlink(f.name)
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()[:4]
            names.add(name)
            if kind in ("histogram", "summary"):
                names.update({f"{name}_bucket", f"{name}_sum", f"{name}_count"})
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def check_metric_names(binary):
    exported = exported_names(binary) | PROMETHEUS_OWN
    sources = list(dashboard_exprs(os.path.join(HERE, "grafana", "idempotency-gateway.json")))
    sources += alert_exprs(os.path.join(HERE, "prometheus", "alerts.yaml"))
    checked = set()
    for where, expr in sources:
        names = metric_names(expr)
        if not names:
            fail(f"{where}: no metric found in {expr!r}")
        for name in names:
            checked.add(name)
            if name not in exported:
                fail(f"{where}: {name} is not exported by the gateway")
    print(f"ok   {len(sources)} PromQL expressions name {len(checked)} metrics, all exported")


def check_configs(binary):
    env = dict(os.environ, REDIS_URL="redis://redis:6379", UPSTREAM_URL="http://api:9000", REDIS_PASSWORD="secret")
    with open(os.path.join(HERE, "kubernetes", "configmap.yaml")) as f:
        configmap = yaml.safe_load(f)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(configmap["data"]["gateway.yaml"])
    files = {"deploy/container/gateway.yaml": os.path.join(HERE, "container", "gateway.yaml"),
             "deploy/kubernetes/configmap.yaml (gateway.yaml)": f.name}
    for label, path in files.items():
        result = subprocess.run([binary, "check", "--config", path], env=env, capture_output=True, text=True)
        if result.returncode != 0:
            fail(f"{label}: idempotency-gateway check: {result.stdout}{result.stderr}")
        else:
            print(f"ok   {label} passes idempotency-gateway check")
    os.unlink(f.name)


def check_kustomization():
    base = os.path.join(HERE, "kubernetes")
    with open(os.path.join(base, "kustomization.yaml")) as f:
        kustomization = yaml.safe_load(f)
    documents = {}
    for resource in kustomization["resources"]:
        path = os.path.join(base, resource)
        if not os.path.exists(path):
            fail(f"kustomization.yaml lists {resource}, which does not exist")
            continue
        with open(path) as f:
            for document in yaml.safe_load_all(f):
                documents[document["kind"]] = document
    service, monitor = documents.get("Service"), documents.get("ServiceMonitor")
    if not service or not monitor:
        fail("the kustomization needs a Service and a ServiceMonitor")
        return
    labels = service["metadata"].get("labels", {})
    wanted = monitor["spec"]["selector"]["matchLabels"]
    if any(labels.get(k) != v for k, v in wanted.items()):
        fail(f"ServiceMonitor selects {wanted}, the Service carries {labels}")
    ports = {p["name"] for p in service["spec"]["ports"]}
    for endpoint in monitor["spec"]["endpoints"]:
        if endpoint["port"] not in ports:
            fail(f"ServiceMonitor scrapes port {endpoint['port']!r}, the Service has {sorted(ports)}")
    deployment = documents["Deployment"]
    grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    if grace <= 35:
        fail(f"terminationGracePeriodSeconds {grace} must exceed preStop (5s) + shutdown_timeout (30s)")
    print(f"ok   kustomization: {len(kustomization['resources'])} resources, ServiceMonitor matches the Service")


if __name__ == "__main__":
    binary = sys.argv[1]
    check_metric_names(binary)
    check_configs(binary)
    check_kustomization()
    if failures:
        sys.exit(f"{len(failures)} deploy check(s) failed")

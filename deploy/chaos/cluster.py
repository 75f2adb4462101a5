"""Processes the chaos suite runs: a Redis Cluster of 3 masters with 1
replica each, and gateway instances. Every process lives in the run's
temporary directory and is killed when the run ends."""

import json
import os
import random
import socket
import subprocess
import time
import urllib.request


def port_is_free(port):
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port(cluster_node=False):
    """A free loopback port; a cluster node also needs port + 10000 (its bus)."""
    while True:
        port = random.randint(20000, 31999) if cluster_node else random.randint(32000, 55000)
        if port_is_free(port) and (not cluster_node or port_is_free(port + 10000)):
            return port


def redis_cli(port, *args, timeout=5):
    result = subprocess.run(["redis-cli", "-p", str(port), "--raw", *args],
                            capture_output=True, text=True, timeout=timeout)
    return result.stdout.strip()


class RedisNode:
    def __init__(self, directory, port):
        self.port = port
        self.directory = os.path.join(directory, f"redis-{port}")
        os.makedirs(self.directory, exist_ok=True)
        self.process = None

    def start(self):
        """Starts, or restarts with the node's cluster config file, so a
        killed master comes back and rejoins as a replica."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.directory,
             "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
             "--save", "", "--appendonly", "no", "--logfile", "redis.log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis_cli(self.port, "PING", timeout=2) == "PONG":
                    return
            except subprocess.TimeoutExpired:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    @property
    def alive(self):
        return self.process is not None and self.process.poll() is None


class RedisCluster:
    def __init__(self, directory):
        self.nodes = [RedisNode(directory, free_port(cluster_node=True)) for _ in range(6)]

    def start(self):
        for node in self.nodes:
            node.start()
        out = subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{n.port}" for n in self.nodes],
                              "--cluster-replicas", "1", "--cluster-yes"], capture_output=True, text=True, timeout=60)
        if "All 16384 slots covered" not in out.stdout:
            raise RuntimeError("redis-cli --cluster create failed:\n" + out.stdout + out.stderr)
        self.wait_healthy(30)

    def describe(self):
        """CLUSTER NODES as a live node sees it: [(port, is_master, alive)]."""
        for node in self.nodes:
            if not node.alive:
                continue
            try:
                text = redis_cli(node.port, "CLUSTER", "NODES")
            except subprocess.TimeoutExpired:
                continue
            result = []
            for line in text.splitlines():
                fields = line.replace('"', "").split()
                if len(fields) < 8:
                    continue
                port = int(fields[1].split(":")[1].split("@")[0])
                flags = fields[2].split(",")
                result.append((port, "master" in flags, "fail" not in flags and "fail?" not in flags))
            return result
        return []

    def masters(self):
        return [port for port, master, alive in self.describe() if master and alive]

    def wait_healthy(self, seconds, without=None):
        """Until every live node says cluster_state:ok and 3 live masters
        serve the slots; with `without`, until that node is no longer one of
        them (its replica was promoted)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            live = [n for n in self.nodes if n.alive]
            try:
                states = [redis_cli(n.port, "CLUSTER", "INFO", timeout=2) for n in live]
            except subprocess.TimeoutExpired:
                states = []
            masters = self.masters()
            if (states and all("cluster_state:ok" in s for s in states) and len(masters) == 3
                    and without not in masters):
                return True
            time.sleep(0.1)
        return False

    def node(self, port):
        return next(n for n in self.nodes if n.port == port)

    def stop(self):
        for node in self.nodes:
            node.kill()


class Gateway:
    def __init__(self, index, binary, directory, seeds, upstream_port, lock_ttl):
        self.index = index
        self.binary = binary
        self.config = os.path.join(directory, f"gateway-{index}.yaml")
        self.log_path = os.path.join(directory, f"gateway-{index}.log")
        self.process = None
        self.seeds = seeds
        self.upstream_port = upstream_port
        self.lock_ttl = lock_ttl
        self._choose_ports()

    def _choose_ports(self):
        """Free ports, and the config that names them. A free port can be
        taken (by an outgoing connection's ephemeral port, say) before the
        gateway binds it; the gateway then exits saying `cannot listen on`,
        and `start` comes back here for new ones."""
        self.port = free_port()
        self.admin_port = free_port()
        seeds, upstream_port, lock_ttl = self.seeds, self.upstream_port, self.lock_ttl
        seed_list = ", ".join(f'"127.0.0.1:{p}"' for p in seeds)
        with open(self.config, "w") as f:
            f.write(f"""version: 1
listen: "127.0.0.1:{self.port}"
admin:
  listen: "127.0.0.1:{self.admin_port}"
store:
  backend: redis
  redis:
    cluster: [{seed_list}]
    timeout: 300ms
  key_prefix: "chaos"
  on_unavailable: reject
log:
  format: json
  level: info
shutdown_timeout: 2s
upstreams:
  ledger:
    url: "http://127.0.0.1:{upstream_port}"
    timeout: 10s
    connect_timeout: 1s
    circuit_breaker: {{ enabled: false }}
routes:
  - name: payments
    match: {{ path_prefix: / }}
    upstream: ledger
    idempotency: {{ lock_ttl: {lock_ttl}ms }}
""")

    def start(self, attempts=3):
        for attempt in range(1, attempts + 1):
            log_start = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
            log = open(self.log_path, "a")
            self.process = subprocess.Popen([self.binary, "serve", "--config", self.config], stdout=log, stderr=log)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/healthz", timeout=1) as r:
                        if r.status == 200:
                            return
                except OSError:
                    time.sleep(0.05)
            if self.process.poll() is not None and attempt < attempts:
                with open(self.log_path, errors="replace") as f:
                    f.seek(log_start)
                    if "cannot listen on" in f.read():
                        self._choose_ports()
                        continue
            break
        raise RuntimeError(f"gateway {self.index} did not start; see {self.log_path}")

    def signal(self, signum):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signum)

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log_events(self):
        """The JSON log lines about lost leases and failed settles."""
        events = []
        try:
            with open(self.log_path) as f:
                for line in f:
                    if not line.startswith("{"):
                        continue
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    if entry.get("msg") in ("idempotency lease lost", "store operation failed"):
                        fields = entry.get("metadata", entry)
                        events.append((entry.get("msg"), fields.get("request.id"), fields.get("operation")))
        except OSError:
            pass
        return events

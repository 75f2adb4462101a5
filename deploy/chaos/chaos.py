"""The chaos suite: many clients retry keyed requests through three gateways
on a Redis Cluster while faults are injected at random; then the upstream's
ledger is checked against the promise. Run through deploy/chaos/run.sh."""

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import Gateway, RedisCluster, redis_cli  # noqa: E402
import ledger as ledger_module  # noqa: E402

LOCK_TTL_MS = 1000
PAUSE_SECONDS = 2.5          # SIGSTOP longer than the lease: the key is taken over
STALL_SECONDS = 2.5          # an upstream call 2.5 leases long: renewal must keep it
CLIENTS_PER_KEY = 3
KEY_GROUPS = 12              # keys in flight at once, each with CLIENTS_PER_KEY clients
CLIENT_TIMEOUT = 6.0         # above PAUSE_SECONDS: a paused gateway answers after SIGCONT
RETRYABLE = {409, 500, 502, 503, 504}


class Run:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.lock = threading.Lock()
        self.requests_sent = 0
        self.statuses = Counter()
        self.answers = defaultdict(list)      # key -> final (status, body)
        self.lost = []                        # (key, client, last error)
        self.unexpected = []                  # (key, status, body)
        self.faults = []                      # dicts: kind, target, start, end
        self.stop_faults = threading.Event()
        self.next_key = 0

    # --- clients -----------------------------------------------------------

    def client(self, key, client_index, deadline):
        attempt = 0
        last = "no attempt"
        body = json.dumps({"amount": 100, "key": key}).encode()
        while time.time() < deadline:
            attempt += 1
            gateway = self.rng.choice(self.gateways)
            request_id = f"g{gateway.index}-{key}-c{client_index}-a{attempt}"
            try:
                conn = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=CLIENT_TIMEOUT)
                conn.request("POST", "/v1/payments", body=body, headers={
                    "Idempotency-Key": key, "X-Request-Id": request_id, "Content-Type": "application/json"})
                response = conn.getresponse()
                payload = response.read()
                conn.close()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                status, payload = None, str(error).encode()
            with self.lock:
                self.requests_sent += 1
                self.statuses[status or "connection_error"] += 1
            if status is not None and 200 <= status < 300:
                with self.lock:
                    self.answers[key].append(payload)
                return
            if status is not None and status not in RETRYABLE:
                with self.lock:
                    self.unexpected.append((key, status, payload[:200].decode(errors="replace")))
                return
            last = f"status {status}" if status else payload.decode(errors="replace")[:80]
            time.sleep(min(1.0, 0.05 * attempt) * (0.5 + self.rng.random()))
        with self.lock:
            self.lost.append((key, client_index, last))

    def key_group(self, end, grace_end):
        while time.time() < end:
            with self.lock:
                self.next_key += 1
                key = f"k{self.next_key:06d}"
            threads = [threading.Thread(target=self.client, args=(key, i, grace_end)) for i in range(CLIENTS_PER_KEY)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

    # --- faults ------------------------------------------------------------

    def record(self, kind, target, start):
        with self.lock:
            self.faults.append({"kind": kind, "target": target, "start": start, "end": time.time()})

    def faults_loop(self, end):
        kinds = ["gateway_kill", "gateway_pause", "upstream_stall", "redis_master_kill"]
        weights = [3, 3, 3, 1]
        last_master_kill = 0.0
        while not self.stop_faults.wait(self.rng.uniform(2.0, 4.0)):
            if time.time() > end - 4:
                return
            kind = self.rng.choices(kinds, weights)[0]
            if kind == "redis_master_kill" and time.time() - last_master_kill < 15:
                kind = "upstream_stall"
            start = time.time()
            if kind == "gateway_kill":
                gateway = self.rng.choice(self.gateways)
                gateway.kill()
                time.sleep(0.5)
                gateway.start()
                self.record(kind, gateway.index, start)
            elif kind == "gateway_pause":
                gateway = self.rng.choice(self.gateways)
                gateway.signal(signal.SIGSTOP)
                time.sleep(PAUSE_SECONDS)
                gateway.signal(signal.SIGCONT)
                self.record(kind, gateway.index, start)
            elif kind == "upstream_stall":
                self.ledger.stall(3.0, STALL_SECONDS)
                time.sleep(3.0)
                self.record(kind, "upstream", start)
            else:
                masters = self.cluster.masters()
                if len(masters) < 3:
                    continue
                port = self.rng.choice(masters)
                self.cluster.node(port).kill()
                healed = self.cluster.wait_healthy(20, without=port)
                self.cluster.node(port).start()   # comes back as a replica
                last_master_kill = time.time()
                self.record(kind, port, start)
                if not healed:
                    print(f"warning: cluster did not heal after killing master {port}", file=sys.stderr)

    # --- the run -----------------------------------------------------------

    def execute(self):
        directory = tempfile.mkdtemp(prefix="chaos-")
        self.directory = directory
        print(f"chaos: working in {directory}")
        self.cluster = RedisCluster(directory)
        self.gateways = []
        try:
            self.cluster.start()
            self.ledger, server = ledger_module.serve()
            upstream_port = server.server_address[1]
            seeds = [n.port for n in self.cluster.nodes]
            self.gateways = [Gateway(i, self.args.binary, directory, seeds, upstream_port, LOCK_TTL_MS) for i in range(3)]
            for gateway in self.gateways:
                gateway.start()
            started = time.time()
            end = started + self.args.seconds
            grace_end = end + 30
            print(f"chaos: cluster {seeds}, gateways {[g.port for g in self.gateways]}, "
                  f"upstream {upstream_port}, {self.args.seconds}s, seed {self.args.seed}")
            groups = [threading.Thread(target=self.key_group, args=(end, grace_end)) for _ in range(KEY_GROUPS)]
            faults = threading.Thread(target=self.faults_loop, args=(end,))
            for t in groups + [faults]:
                t.start()
            faults.join()
            for t in groups:
                t.join()
            self.elapsed = time.time() - started
            time.sleep(1.5 * LOCK_TTL_MS / 1000)   # let the last settles land before counting TTLs
            return self.report()
        finally:
            self.stop_faults.set()
            for gateway in self.gateways:
                gateway.signal(signal.SIGCONT)
                gateway.kill()
            self.cluster.stop()

    # --- the verdict -------------------------------------------------------

    def explain(self, previous, following, events_by_request):
        """Why `previous` (an execution) did not stop `following` from running."""
        gateway_index = int(previous["request_id"].split("-")[0][1:]) if previous["request_id"] else None
        window_start, window_end = previous["start"] - 0.1, following["start"] + 0.1
        for fault in self.faults:
            overlaps = fault["start"] <= window_end and fault["end"] >= window_start
            if not overlaps:
                continue
            if fault["kind"] == "gateway_kill" and fault["target"] == gateway_index:
                return "gateway killed mid-call"
            if fault["kind"] == "gateway_pause" and fault["target"] == gateway_index:
                return "gateway paused past its lease"
        for message, operation in events_by_request.get(previous["request_id"], []):
            if message == "idempotency lease lost":
                return "lease lost (logged)"
            if message == "store operation failed" and operation == "complete":
                return "snapshot not stored: Redis unavailable at settle (logged)"
        if self.failover_between(previous, following):
            return "Redis failover lost an acknowledged write"
        return None

    def failover_between(self, previous, following):
        return any(f["kind"] == "redis_master_kill" and f["start"] <= following["start"] + 0.1
                   and f["end"] >= previous["start"] - 0.1 for f in self.faults)

    def report(self):
        executions = self.ledger.snapshot()
        by_key = defaultdict(list)
        for entry in executions:
            by_key[entry["key"]].append(entry)
        events_by_request = defaultdict(list)
        for gateway in self.gateways:
            for message, request_id, operation in gateway.log_events():
                events_by_request[request_id].append((message, operation))

        explained = Counter()
        violations = []
        fence_regressions = []
        for key, runs in by_key.items():
            runs.sort(key=lambda e: e["start"])
            for previous, following in zip(runs, runs[1:]):
                reason = self.explain(previous, following, events_by_request)
                if reason:
                    explained[reason] += 1
                else:
                    violations.append({"key": key, "executions": runs})
                # A failover can lose the fencing counter with the claim (both
                # live on the dead master until replicated): then it restarts.
                if (previous["fence"] is not None and following["fence"] is not None
                        and following["fence"] <= previous["fence"]
                        and not self.failover_between(previous, following)):
                    fence_regressions.append({"key": key, "fences": [r["fence"] for r in runs]})
        multiple = sum(1 for runs in by_key.values() if len(runs) > 1)
        # Distinct bodies per key beyond what double executions explain.
        split_answers = [k for k, bodies in self.answers.items() if len(set(bodies)) > len(by_key.get(k, [None]))]

        without_ttl = 0
        scanned = 0
        for port in self.cluster.masters():
            keys = [k for k in redis_cli(port, "--scan", "--pattern", "chaos:*", timeout=30).splitlines() if k]
            scanned += len(keys)
            # One redis-cli for all of a master's keys: it reads commands from stdin.
            script = "".join(f"PTTL {k}\n" for k in keys)
            answers = subprocess.run(["redis-cli", "-p", str(port)], input=script, capture_output=True,
                                     text=True, timeout=120).stdout.split()
            without_ttl += sum(1 for answer in answers if answer == "-1")

        faults = Counter(f["kind"] for f in self.faults)
        summary = {
            "seconds": round(self.elapsed, 1),
            "seed": self.args.seed,
            "keys": self.next_key,
            "requests_sent": self.requests_sent,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items(), key=lambda kv: str(kv[0]))},
            "executions": len(executions),
            "faults": dict(faults),
            "keys_executed_more_than_once": multiple,
            "extra_executions_explained": dict(explained),
            "unexplained_double_executions": len(violations),
            "fence_regressions": len(fence_regressions),
            "clients_without_final_answer": len(self.lost),
            "unexpected_answers": len(self.unexpected),
            "keys_with_split_answers": len(split_answers),
            "store_keys_scanned": scanned,
            "keys_without_ttl": without_ttl,
        }
        failed = bool(violations or self.lost or self.unexpected or without_ttl or fence_regressions)
        summary["verdict"] = "FAIL" if failed else "PASS"
        details = {"violations": violations[:20], "lost": self.lost[:20], "unexpected": self.unexpected[:20],
                   "fence_regressions": fence_regressions[:20], "faults": self.faults}
        out = self.args.out or os.path.join(self.directory, "chaos-report.json")
        with open(out, "w") as f:
            json.dump({"summary": summary, "details": details}, f, indent=2, default=str)

        print("\nchaos report")
        width = max(len(k) for k in summary)
        for name, value in summary.items():
            print(f"  {name.ljust(width)}  {value}")
        for violation in violations[:5]:
            print("  VIOLATION", json.dumps(violation, default=str))
        for lost in self.lost[:5]:
            print("  LOST ANSWER", lost)
        for unexpected in self.unexpected[:5]:
            print("  UNEXPECTED", unexpected)
        print(f"  report written to {out}")
        return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    parser.add_argument("--binary", required=True, help="the idempotency-gateway executable")
    parser.add_argument("--out", help="where to write the JSON report")
    args = parser.parse_args()
    if args.seconds < 20:
        parser.error("--seconds must be at least 20: faults need room to happen and heal")
    sys.exit(Run(args).execute())


if __name__ == "__main__":
    main()

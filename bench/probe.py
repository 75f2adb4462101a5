#!/usr/bin/env python3
"""Small measuring helpers for bench/run.sh.

Each subcommand does one thing and prints its answer on stdout, so run.sh
stays a readable sequence of steps and all parsing lives here, in one place.

  free-ports N                 N distinct free TCP ports on 127.0.0.1
  metrics URL                  the gateway's request/upstream counters as JSON
  conns --pid P --upstream U --redis R
                               a snapshot of TCP connections (who talks to whom)
  nginx-status URL             accepts/requests from an nginx stub_status page
  rss-sample --pid P --seconds S
                               highest VmRSS seen, sampling every 50 ms (VmHWM is lazy)
  cpu NAME=PID...               CPU seconds (user, system, and by thread group) and context
                               switches so far, per process
  rss --pid P --set N          VmHWM/VmRSS of a process as one JSON line
  timed --cpu-out F -- CMD...  runs CMD (its output untouched) and writes the CPU seconds and
                               context switches it and its children spent to F; exits as CMD did
  row ...                      one measured row (wrk output + metrics delta) as a JSON line
  curl-config ...              a curl --parallel config for N POSTs (callgrind driver)
  log-summary FILE             line count and first lines of the gateway's log
  callgrind-diff --path P FULL N SHORT n
                               per-function Ir per request, (FULL − SHORT) / (N − n), top 15
  callgrind-total FILE         total Ir from a callgrind output file
"""
import argparse
import json
import os
import re
import resource
import socket
import subprocess
import sys
import time
import urllib.request


def free_ports(count):
    # Hold every socket open until all are chosen, so the N ports differ.
    # The kernel may hand a port out again after we close it; the window
    # between here and the process binding it is short, and run.sh checks
    # that each server actually answers on its port.
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


# Prometheus text lines we care about, e.g.
#   idempotency_requests_total{outcome="executed",route="idem"} 123
SAMPLE = re.compile(r'^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?P<labels>[^}]*)\}\s+(?P<value>\S+)')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
COUNTERS = ("idempotency_requests_total", "upstream_responses_total", "store_errors_total",
            "circuit_breaker_transitions_total")


def scrape_metrics(url):
    """Counters as {"name{label=v,...}": value}, nonzero or not."""
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    counters = {}
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if not m or m.group("name") not in COUNTERS:
            continue
        labels = ",".join(f"{k}={v}" for k, v in sorted(LABEL.findall(m.group("labels"))))
        counters[f'{m.group("name")}{{{labels}}}'] = float(m.group("value"))
    return counters


def metrics_delta(before, after):
    """Only the counters that moved during the row: what the gateway did."""
    delta = {}
    for key, value in after.items():
        moved = value - before.get(key, 0.0)
        if moved:
            delta[key] = int(moved)
    return delta


def connections(pid, upstream_port, redis_port):
    """Counts TCP connections by owner and destination.

    Established connections only: how many the gateway holds to the
    upstream and to Redis while under load. (Connection churn is measured
    by the upstream's stub_status instead: TIME-WAIT sockets have no owner.)
    """
    out = subprocess.run(["ss", "-tanpH"], capture_output=True, text=True, timeout=10).stdout
    counts = {"gateway_to_upstream": 0, "gateway_to_redis": 0, "gateway_clients": 0}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 5:
            continue
        state, peer = fields[0], fields[4]
        owned = f"pid={pid}," in line
        peer_port = peer.rsplit(":", 1)[-1]
        if state != "ESTAB" or not owned:
            continue
        if peer_port == str(upstream_port):
            counts["gateway_to_upstream"] += 1
        elif peer_port == str(redis_port):
            counts["gateway_to_redis"] += 1
        else:
            counts["gateway_clients"] += 1
    return counts


def nginx_status(url):
    # "Active connections: 1\nserver accepts handled requests\n 5 5 20\n..."
    with urllib.request.urlopen(url, timeout=5) as response:
        lines = response.read().decode().splitlines()
    accepts, handled, requests = (int(x) for x in lines[2].split())
    return {"accepts": accepts, "requests": requests}


def memory(pid):
    status = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS", "Threads"):
                status[key] = int(value.split()[0])
    return status


def sample_peak_rss(pid, seconds, interval=0.05):
    """The highest VmRSS seen while sampling.

    VmHWM alone is not a peak on every kernel: Linux updates the high-water
    mark lazily (on unmap and exit), so it can read lower after a set than
    before it. Sampling catches what the gateway actually held under load.
    """
    deadline = time.monotonic() + seconds
    peak, samples = 0, 0
    while time.monotonic() < deadline:
        try:
            status = memory(pid)
        except OSError:
            break
        peak = max(peak, status["VmRSS"], status["VmHWM"])
        samples += 1
        time.sleep(interval)
    return {"peak_kib": peak, "samples": samples}


# Thread names (/proc/PID/task/TID/comm) of the gateway's two kinds of
# request-path threads: NIO's event loops and the one libcurl multi thread.
THREAD_GROUPS = (("event loops", "NIO-ELT"), ("curl thread", "curl-multi"))


def cpu_usage(pid):
    """User and system CPU seconds so far, and context switches summed over
    the process's threads: switches per request show how many thread hops
    (and wake-ups) a request costs. `threads` splits the CPU seconds by
    THREAD_GROUPS, so a report can say which thread a request's cost is
    spent on; whatever no group names (Dispatch workers, the main thread,
    threads that ended) is the process total minus the groups."""
    ticks = os.sysconf("SC_CLK_TCK")

    def user_system(path):
        # Fields 14 and 15 of a stat file, after the parenthesised command
        # name (which may itself contain spaces).
        with open(path) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) / ticks, int(fields[12]) / ticks

    user, system = user_system(f"/proc/{pid}/stat")
    switches = 0
    threads = {group: {"user": 0.0, "system": 0.0} for group, _ in THREAD_GROUPS}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        switches += int(line.split()[1])
            with open(f"/proc/{pid}/task/{task}/comm") as f:
                name = f.read().strip()
            for group, prefix in THREAD_GROUPS:
                if name.startswith(prefix):
                    thread_user, thread_system = user_system(f"/proc/{pid}/task/{task}/stat")
                    threads[group]["user"] += thread_user
                    threads[group]["system"] += thread_system
        except (OSError, IndexError, ValueError):
            pass  # a thread that ended meanwhile
    return {"user": user, "system": system, "switches": switches, "threads": threads}


def timed(command, cpu_out):
    """Runs `command` to its end and writes what it cost, in cpu_usage's
    shape: wrk shares the two cores with everything it measures, so its own
    CPU per request belongs in the budget. RUSAGE_CHILDREN covers wrk under
    `timeout`, since `timeout` waits for it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    status = subprocess.call(command)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    spent = {"user": round(after.ru_utime - before.ru_utime, 3),
             "system": round(after.ru_stime - before.ru_stime, 3),
             "switches": (after.ru_nvcsw + after.ru_nivcsw) - (before.ru_nvcsw + before.ru_nivcsw)}
    with open(cpu_out, "w") as f:
        json.dump(spent, f)
    return status


def parse_wrk(path):
    """The BENCH_JSON line from post.lua's done(), plus wrk's own socket-error line."""
    text = open(path).read()
    result = None
    for line in text.splitlines():
        if line.startswith("BENCH_JSON "):
            result = json.loads(line[len("BENCH_JSON "):])
    if result is None:
        return {"failed": True, "output": text[-2000:]}
    seconds = result["duration_us"] / 1e6
    result["rps"] = result["requests"] / seconds if seconds > 0 else 0.0
    # wrk prints "Non-2xx or 3xx responses: N" only when N > 0; keep it as a cross-check.
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    result["non2xx_reported_by_wrk"] = int(m.group(1)) if m else 0
    return result


def curl_config(url, count, key_mode, key_prefix, body_file):
    """One block per request, separated by `next`, so each carries its own key."""
    lines = []
    for i in range(count):
        lines += [f'url = "{url}"', 'request = "POST"', f'data-binary = "@{body_file}"',
                  'header = "Content-Type: application/json"', 'output = "/dev/null"',
                  'write-out = "%{http_code}\\n"']
        if key_mode == "fresh":
            lines.append(f'header = "Idempotency-Key: {key_prefix}-{i}"')
        elif key_mode == "fixed":
            lines.append(f'header = "Idempotency-Key: {key_prefix}"')
        if i + 1 < count:
            lines.append("next")
    return "\n".join(lines) + "\n"


def log_summary(path, keep=20):
    with open(path, errors="replace") as f:
        lines = [line.rstrip("\n") for line in f]
    return {"kind": "gateway_log", "lines": len(lines), "head": [line[:300] for line in lines[:keep]]}


ANNOTATED = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.+)$")


def cost_by_function(path, inclusive):
    """{function: Ir} from callgrind_annotate, Swift names demangled with
    their module, so the gateway's own functions can be picked out."""
    text = subprocess.run(["callgrind_annotate", "--threshold=100", f"--inclusive={'yes' if inclusive else 'no'}", path],
                          capture_output=True, text=True, timeout=300).stdout
    try:
        text = subprocess.run(["swift-demangle"], input=text,
                              capture_output=True, text=True, timeout=120).stdout
    except OSError:
        pass  # mangled names are still names
    costs = {}
    for line in text.splitlines():
        m = ANNOTATED.match(line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        name = m.group(2)
        # "file:function [/path/to/object]" -> "function (object)": the temp
        # dir in the path differs per run and means nothing to a reader.
        obj = ""
        if name.endswith("]") and " [" in name:
            name, obj = name[:-1].rsplit(" [", 1)
            obj = os.path.basename(obj)
        if name.startswith("???:"):
            name = name[4:]
        elif ":" in name:
            name = name.split(":", 1)[1] if name.split(":", 1)[0].startswith(".") else name
        key = f"{name} ({obj})" if obj else name
        costs[key] = costs.get(key, 0) + int(m.group(1).replace(",", ""))
    return costs


# The gateway's own functions: specialisations of them count, closures and
# thunks do not (they duplicate the cost of the function they wrap, and a
# closure *of NIO* specialised over a gateway type is NIO's code).
WRAPPER_PREFIX = re.compile(r"^(generic (not re-abstracted )?specialization <.*?> of |"
                            r"function signature specialization <.*?> of |merged |static |"
                            r"\(extension in \w+\):)")
OWN_CODE = re.compile(r"^(Gateway(Core|Server|Upstream|Redis|Config)|idempotency_gateway)\.")


def demangle(symbol):
    try:
        return subprocess.run(["swift-demangle", "--simplified", "--compact", symbol],
                              capture_output=True, text=True, timeout=30).stdout.strip() or symbol
    except OSError:
        return symbol


def short_name(name):
    """A readable name: no specialisation wrappers, no private
    discriminators, no parameter list; the object it lives in kept."""
    name, obj = (name[:-1].rsplit(" (", 1) + [""])[:2] if name.endswith(")") and " (" in name else (name, "")
    if obj and not re.match(r"^[\w.+-]+$", obj):  # the "(...)" was part of the signature, not an object
        name, obj = f"{name} ({obj})", ""
    closure = re.search(r"Closure Propagated : (\$s\w+)", name)
    extension = re.search(r"\(extension in (\w+)\):", name)
    while True:
        stripped = WRAPPER_PREFIX.sub("", name, count=1)
        if stripped == name:
            break
        name = stripped
    name = re.sub(r"\((\w+) in _[0-9A-F]+\)", r"\1", name)  # (finish in _2EE0...) -> finish
    depth, cut = 0, len(name)
    for i, ch in enumerate(name):  # cut at the parameter list that follows the name
        if ch in "<[":
            depth += 1
        elif ch in ">]":
            depth -= 1
        elif ch == "(" and depth == 0 and i > 0:
            cut = i
            break
    name = name[:cut]
    if extension:
        name += f" (extension in {extension.group(1)})"
    if closure:
        name += f" [specialised with {demangle(closure.group(1))}]"
    return f"{name} — {obj}" if obj else name


def own_function(name):
    while True:
        stripped = WRAPPER_PREFIX.sub("", name, count=1)
        if stripped == name:
            break
        name = stripped
    return OWN_CODE.match(name) is not None


def callgrind_diff(path_name, full, full_count, short, short_count, top=15):
    """The steady-state profile: what N − n more requests cost, per function.

    `self`: the functions where the instructions are spent (any library).
    `inclusive`: the gateway's own functions with everything they call, so
    the expensive step of the request can be named.
    """
    def ranked(inclusive, keep):
        a, b = cost_by_function(full, inclusive), cost_by_function(short, inclusive)
        per_request = {k: (a.get(k, 0) - b.get(k, 0)) / (full_count - short_count)
                       for k in set(a) | set(b) if keep(k)}
        return per_request, sorted(per_request.items(), key=lambda kv: kv[1], reverse=True)[:top]

    self_costs, self_top = ranked(False, lambda k: True)
    total = sum(self_costs.values())
    _, own_top = ranked(True, own_function)
    entry = lambda k, v: {"function": short_name(k), "full_name": k[:400], "ir_per_request": round(v, 1),
                          "share": round(v / total, 4) if total else None}
    return {"kind": "callgrind_profile", "path": path_name, "ir_per_request": total,
            "self": [entry(k, v) for k, v in self_top], "inclusive": [entry(k, v) for k, v in own_top]}


def callgrind_total(path):
    with open(path) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise SystemExit(f"no summary/totals line in {path}")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("free-ports"); p.add_argument("count", type=int)
    p = sub.add_parser("metrics"); p.add_argument("url")
    p = sub.add_parser("conns")
    p.add_argument("--pid", required=True); p.add_argument("--upstream", required=True)
    p.add_argument("--redis", required=True)
    p = sub.add_parser("nginx-status"); p.add_argument("url")
    p = sub.add_parser("rss-sample"); p.add_argument("--pid", required=True)
    p.add_argument("--seconds", type=float, required=True)
    p = sub.add_parser("cpu"); p.add_argument("processes", nargs="+", help="NAME=PID or NAME=PID+PID...")
    p = sub.add_parser("rss"); p.add_argument("--pid", required=True); p.add_argument("--set", type=int, required=True)
    p = sub.add_parser("row")
    p.add_argument("--set", type=int, required=True); p.add_argument("--row", required=True)
    p.add_argument("--target", required=True); p.add_argument("--wrk", required=True)
    p.add_argument("--metrics-before"); p.add_argument("--metrics-after"); p.add_argument("--conns")
    p.add_argument("--upstream-before"); p.add_argument("--upstream-after")
    p.add_argument("--rss-peak", help="rss-sample's output for this row")
    p.add_argument("--cpu-before"); p.add_argument("--cpu-after")
    p.add_argument("--rss-pid", help="the gateway: its memory right after the row")
    p.add_argument("--wrk-cpu", help="timed's output for the measured wrk run")
    p = sub.add_parser("timed"); p.add_argument("--cpu-out", required=True)
    p.add_argument("cmd", nargs=argparse.REMAINDER, help="-- COMMAND ARGS...")
    p = sub.add_parser("curl-config")
    p.add_argument("--url", required=True); p.add_argument("--count", type=int, required=True)
    p.add_argument("--key-mode", choices=["plain", "fresh", "fixed"], required=True)
    p.add_argument("--key-prefix", default=""); p.add_argument("--body-file", required=True)
    p = sub.add_parser("callgrind-total"); p.add_argument("file")
    p = sub.add_parser("log-summary"); p.add_argument("file")
    p = sub.add_parser("callgrind-diff"); p.add_argument("--path", required=True)
    p.add_argument("full"); p.add_argument("full_count", type=int)
    p.add_argument("short"); p.add_argument("short_count", type=int)
    args = parser.parse_args()

    if args.command == "free-ports":
        print(" ".join(str(p) for p in free_ports(args.count)))
    elif args.command == "metrics":
        print(json.dumps(scrape_metrics(args.url), sort_keys=True))
    elif args.command == "conns":
        print(json.dumps(connections(args.pid, args.upstream, args.redis)))
    elif args.command == "nginx-status":
        print(json.dumps(nginx_status(args.url)))
    elif args.command == "rss-sample":
        print(json.dumps(sample_peak_rss(args.pid, args.seconds)))
    elif args.command == "cpu":
        result = {}
        for item in args.processes:
            # NAME=PID, or NAME=PID+PID+... for a process with several
            # workers (nginx with worker_processes > 1): summed.
            name, _, pids = item.partition("=")
            try:
                usages = [cpu_usage(pid) for pid in pids.split("+")]
            except (OSError, IndexError, ValueError):
                result[name] = None
                continue
            total = usages[0]
            for extra in usages[1:]:
                total["user"] += extra["user"]
                total["system"] += extra["system"]
                total["switches"] += extra["switches"]
            result[name] = total
        print(json.dumps(result))
    elif args.command == "timed":
        command = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
        sys.exit(timed(command, args.cpu_out))
    elif args.command == "rss":
        print(json.dumps({"kind": "rss", "set": args.set, **memory(args.pid)}))
    elif args.command == "row":
        row = {"kind": "row", "set": args.set, "row": args.row, "target": args.target,
               "wrk": parse_wrk(args.wrk),
               # The machine is shared: the 1-minute load average says how
               # much else was running while this row was measured.
               "loadavg_1m": float(open("/proc/loadavg").read().split()[0])}
        if args.metrics_before and args.metrics_after:
            before = json.load(open(args.metrics_before))
            after = json.load(open(args.metrics_after))
            row["gateway_counters"] = metrics_delta(before, after)
        if args.conns:
            try:
                row["connections_mid_run"] = json.load(open(args.conns))
            except (OSError, ValueError):
                row["connections_mid_run"] = None
        if args.upstream_before and args.upstream_after:
            # Minus the one stub_status request that the "after" read itself is.
            before = json.load(open(args.upstream_before))
            after = json.load(open(args.upstream_after))
            row["upstream"] = {"connections_opened": after["accepts"] - before["accepts"] - 1,
                               "requests": after["requests"] - before["requests"] - 1}
        if args.cpu_before and args.cpu_after:
            # CPU seconds each process spent during the measured row: what a
            # request costs, less sensitive to a busy machine than req/s.
            before, after = json.load(open(args.cpu_before)), json.load(open(args.cpu_after))
            def delta(a, b):
                if isinstance(a, dict):
                    return {k: delta(a[k], b.get(k, 0)) for k in a}
                return round(a - b, 3)
            row["cpu"] = {name: delta(after[name], before[name])
                          for name in after if after.get(name) is not None and before.get(name) is not None}
        if args.wrk_cpu:
            try:
                row.setdefault("cpu", {})["wrk"] = json.load(open(args.wrk_cpu))
            except (OSError, ValueError):
                pass  # wrk never ran (timeout killed it first): no figure
        if args.rss_peak:
            try:
                row["gateway_rss_peak_sampled_kib"] = json.load(open(args.rss_peak))["peak_kib"]
            except (OSError, ValueError, KeyError):
                row["gateway_rss_peak_sampled_kib"] = None
        if args.rss_pid:
            row["gateway_memory_kib"] = memory(args.rss_pid)
        print(json.dumps(row, sort_keys=True))
    elif args.command == "curl-config":
        sys.stdout.write(curl_config(args.url, args.count, args.key_mode, args.key_prefix, args.body_file))
    elif args.command == "callgrind-diff":
        print(json.dumps(callgrind_diff(args.path, args.full, args.full_count, args.short, args.short_count)))
    elif args.command == "log-summary":
        print(json.dumps(log_summary(args.file)))
    elif args.command == "callgrind-total":
        print(callgrind_total(args.file))


if __name__ == "__main__":
    main()

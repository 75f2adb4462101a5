#!/usr/bin/env python3
"""Turns bench/run.sh's raw results into a table, JSON and BENCHMARKS.md.

  python3 bench/report.py RAW.jsonl --json OUT.json --markdown BENCHMARKS.md [--command ...]

RAW.jsonl has one JSON object per line, written by bench/probe.py:
  {"kind":"row", "set":1, "row":"nginx", "wrk":{...}, ...}   one wrk measurement
  {"kind":"rss", "set":1, "VmHWM":..., "VmRSS":...}           gateway memory after a set (KiB)
  {"kind":"callgrind", "path":"replay", "requests":N, "total_ir":...}
  {"kind":"gateway_log", "lines":N, "head":[...]}          what the gateway logged under load
  {"kind":"latency", "set":1, "row":"nginx", "offered_rps":..., "latency_us":{...}}   one open-loop run

Everything in BENCHMARKS.md is computed here from that file, so the report
can be regenerated from bench/results/raw.jsonl without re-running anything
(the machine facts are read from the machine running this script).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

FLOOR = "SwiftNIO floor"
ROWS = ["direct", "nginx", "haproxy", FLOOR, "gateway pass-through", "peer first execution",
        "gateway first execution", "peer replay", "gateway replay"]
GATEWAY_ROWS = [name for name in ROWS if name.startswith("gateway")]
PEER_ROWS = [name for name in ROWS if name.startswith("peer")]
# What each row is compared with: plain proxies with nginx, each keyed
# gateway path with the nginx + Lua + Redis peer doing the same work.
YARDSTICK = {"gateway first execution": "peer first execution", "gateway replay": "peer replay"}
TARGETS = {
    "direct": "the upstream nginx itself",
    "nginx": "nginx proxying to it (`keepalive 64`)",
    "haproxy": "HAProxy proxying to it (`http-reuse always`)",
    "peer first execution": "`bench/peer`: nginx + Lua + Redis idempotency (GET, SET NX PX, subrequest over "
                            "keepalive, SET EX), a new Idempotency-Key per request",
    "peer replay": "`bench/peer`, one key, stored before the run",
    FLOOR: "`bench/floor`, SwiftNIO's HTTP/1 server alone (one event loop per core, as the gateway runs) "
           "answering 201 with the upstream's body from memory: no upstream call, no store, no gateway logic, "
           "so the least any gateway on this stack can cost",
    "gateway pass-through": "gateway `/pass` (no idempotency)",
    "gateway first execution": "gateway `/idem`, a new Idempotency-Key per request",
    "gateway replay": "gateway `/idem`, one key, stored before the run",
}
MIB = 1024  # KiB per MiB
# The process whose CPU time is the cost of the row's hop.
PROXY_PROCESS = {"direct": "upstream nginx", "nginx": "peer nginx", "haproxy": "haproxy", FLOOR: "nio floor",
                 **{name: "gateway" for name in GATEWAY_ROWS}, **{name: "lua peer" for name in PEER_ROWS}}
CPU_PROCESSES = ["gateway", "peer nginx", "haproxy", "lua peer", "upstream nginx", "redis", "nio floor", "wrk"]
# The req/s bars, as (row, least ratio to the row's yardstick, what
# the gateway must do per request within what its CPU budget leaves above
# the floor); both the verdicts and the budgets read them from here.
RPS_BARS = [("gateway pass-through", 0.35, "a whole upstream call"),
            ("gateway first execution", 1.0, "two Redis round trips and an upstream call"),
            ("gateway replay", 1.0, "a Redis round trip, hashing and the logic")]
RSS_LIMIT_MIB = 64


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def run_output(command):
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception:
        return ""


def machine():
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_kib = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "kernel": platform.release(),
        "memory_gib": round(memory_kib / MIB / MIB, 1),
        "swift": run_output(["swift", "--version"]).splitlines()[0:1],
        "nginx": run_output(["sh", "-c", "nginx -v 2>&1"]),
        "wrk": run_output(["sh", "-c", "wrk -v 2>&1 | head -1"]).split("Copyright")[0].strip(),
        "redis": run_output(["redis-server", "--version"]).split(" sha=")[0],
    }


def source_revision():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    commit = run_output(["git", "-C", root, "rev-parse", "--short", "HEAD"])
    dirty = run_output(["git", "-C", root, "status", "--porcelain", "--", "Sources", "Package.swift"])
    return {"commit": commit, "sources_modified_vs_commit": bool(dirty)}


def summarize_rows(records):
    rows = {}
    for name in ROWS:
        runs = [r for r in records if r["kind"] == "row" and r["row"] == name]
        if not runs:
            continue
        good = [r["wrk"] for r in runs if not r["wrk"].get("failed")]
        errors = {}
        for w in good:
            for kind, count in w["errors"].items():
                errors[kind] = errors.get(kind, 0) + count
        counters = {}
        for r in runs:
            for key, count in r.get("gateway_counters", {}).items():
                counters[key] = counters.get(key, 0) + count
        rss_peaks = [max(r.get("gateway_rss_peak_sampled_kib") or 0, r["gateway_memory_kib"]["VmRSS"])
                     for r in runs if "gateway_memory_kib" in r]
        conns = [r.get("connections_mid_run") for r in runs if r.get("connections_mid_run")]
        upstream = [r["upstream"] for r in runs if "upstream" in r]
        cpu, system_share, switches, by_thread, thread_system_share = {}, {}, {}, {}, {}
        for r in runs:
            if r["wrk"].get("failed") or not r["wrk"]["requests"]:
                continue
            for process, used in r.get("cpu", {}).items():
                total = used["user"] + used["system"]
                cpu.setdefault(process, []).append(total / r["wrk"]["requests"] * 1e6)
                if process == "gateway" and used.get("threads"):
                    # What the named threads did not spend went to the rest.
                    groups = dict(used["threads"])
                    groups["other"] = {"user": used["user"] - sum(g["user"] for g in groups.values()),
                                       "system": used["system"] - sum(g["system"] for g in groups.values())}
                    for group, spent in groups.items():
                        seconds = spent["user"] + spent["system"]
                        by_thread.setdefault(group, []).append(seconds / r["wrk"]["requests"] * 1e6)
                        if seconds > 0:
                            thread_system_share.setdefault(group, []).append(spent["system"] / seconds)
                switches.setdefault(process, []).append(used["switches"] / r["wrk"]["requests"])
                if total:
                    system_share.setdefault(process, []).append(used["system"] / total)
        rows[name] = {
            "target": TARGETS[name],
            "sets": len(runs),
            "failed_sets": len(runs) - len(good),
            "rps": median([w["rps"] for w in good]),
            "p50_ms": median([w["latency_us"]["p50"] / 1000 for w in good]),
            "p99_ms": median([w["latency_us"]["p99"] / 1000 for w in good]),
            "requests_total": sum(w["requests"] for w in good),
            "errors_total": errors,
            "non2xx_total": errors.get("status", 0),
            "gateway_counters_total": counters,
            "gateway_peak_rss_mib": (max(rss_peaks) / MIB) if rss_peaks else None,
            "connections_mid_run": conns,
            "cpu_us_per_request": {process: median(values) for process, values in cpu.items()},
            "cpu_system_share": {process: median(values) for process, values in system_share.items()},
            "gateway_cpu_us_per_request_by_thread": {group: median(values) for group, values in by_thread.items()},
            "gateway_cpu_system_share_by_thread": {group: median(values)
                                                   for group, values in thread_system_share.items()},
            "context_switches_per_request": {process: median(values) for process, values in switches.items()},
            "proxy_process": PROXY_PROCESS[name],
            "upstream_connections_opened_per_set": [u["connections_opened"] for u in upstream],
            "upstream_requests_total": sum(u["requests"] for u in upstream) if upstream else None,
            "per_set": [{
                "set": r["set"],
                "rps": None if r["wrk"].get("failed") else r["wrk"]["rps"],
                "p50_ms": None if r["wrk"].get("failed") else r["wrk"]["latency_us"]["p50"] / 1000,
                "p99_ms": None if r["wrk"].get("failed") else r["wrk"]["latency_us"]["p99"] / 1000,
                "errors": None if r["wrk"].get("failed") else r["wrk"]["errors"],
                "loadavg_1m": r.get("loadavg_1m"),
            } for r in runs],
        }
    nginx = rows.get("nginx")
    for name, row in rows.items():
        if nginx and nginx["rps"] and row["rps"] is not None:
            row["rps_ratio_to_nginx"] = row["rps"] / nginx["rps"]
            row["p99_ratio_to_nginx"] = row["p99_ms"] / nginx["p99_ms"] if nginx["p99_ms"] else None
            # The same ratio set by set: robust against drift on a shared machine.
            by_set = {p["set"]: p["rps"] for p in nginx["per_set"]}
            row["rps_ratio_to_nginx_per_set"] = [
                p["rps"] / by_set[p["set"]] if p["rps"] and by_set.get(p["set"]) else None
                for p in row["per_set"]]
            p99_by_set = {p["set"]: p["p99_ms"] for p in nginx["per_set"]}
            row["p99_ratio_to_nginx_per_set"] = [
                p["p99_ms"] / p99_by_set[p["set"]] if p["p99_ms"] and p99_by_set.get(p["set"]) else None
                for p in row["per_set"]]
            mine = row["cpu_us_per_request"].get(row["proxy_process"])
            theirs = nginx["cpu_us_per_request"].get("peer nginx")
            row["cpu_ratio_to_nginx"] = mine / theirs if mine and theirs else None
    for name, row in rows.items():
        stick = rows.get(YARDSTICK.get(name, "nginx"))
        row["yardstick"] = YARDSTICK.get(name, "nginx")
        if not stick or not stick["rps"] or row["rps"] is None:
            continue
        row["rps_ratio_to_yardstick"] = row["rps"] / stick["rps"]
        by_set = {p["set"]: p["rps"] for p in stick["per_set"]}
        row["rps_ratio_to_yardstick_per_set"] = [
            p["rps"] / by_set[p["set"]] if p["rps"] and by_set.get(p["set"]) else None for p in row["per_set"]]
        mine = row["cpu_us_per_request"].get(row["proxy_process"])
        theirs = stick["cpu_us_per_request"].get(stick["proxy_process"])
        row["cpu_ratio_to_yardstick"] = mine / theirs if mine and theirs else None
    return rows


def summarize_latency(records):
    """Open-loop runs: per row, the offered rate and the medians over the
    sets of the achieved rate and the percentiles (ms)."""
    result = {}
    for name in ROWS:
        runs = [r for r in records if r["kind"] == "latency" and r["row"] == name and "latency_us" in r]
        if not runs:
            continue
        pick = lambda key: median([r["latency_us"][key] / 1000 for r in runs])
        result[name] = {
            "offered_rps": median([r["offered_rps"] for r in runs]),
            "achieved_rps": median([r["achieved_rps"] for r in runs]),
            "p50_ms": pick("p50"), "p99_ms": pick("p99"), "p999_ms": pick("p999"), "max_ms": pick("max"),
            "sets": len(runs),
            "errors": sum(r["errors"] for r in runs),
            "unfinished": sum(r["unfinished"] for r in runs),
            "non2xx": sum(sum(v for k, v in r["status"].items() if k != "2xx") for r in runs),
            "p99_ms_per_set": [r["latency_us"]["p99"] / 1000 for r in sorted(runs, key=lambda r: r["set"])],
        }
    for name, row in result.items():
        stick = result.get(YARDSTICK.get(name, ""))
        if stick and stick["p99_ms"]:
            row["p99_ratio_to_yardstick"] = row["p99_ms"] / stick["p99_ms"]
            row["p99_ratio_to_yardstick_per_set"] = [
                mine / theirs if theirs else None for mine, theirs in zip(row["p99_ms_per_set"], stick["p99_ms_per_set"])]
    return result


def summarize_memory(records):
    """Per set: the peak RSS (the highest of the samples taken during its
    gateway rows and the kernel's VmHWM) and the RSS right after it."""
    sets = sorted((r for r in records if r["kind"] == "rss"), key=lambda r: r["set"])
    if not sets:
        return None
    per_set = []
    for s in sets:
        sampled = [r.get("gateway_rss_peak_sampled_kib") or 0 for r in records
                   if r["kind"] == "row" and r["set"] == s["set"]]
        per_set.append({"set": s["set"], "peak_mib": max([s["VmHWM"], *sampled]) / MIB,
                        "vmhwm_mib": s["VmHWM"] / MIB, "current_mib": s["VmRSS"] / MIB,
                        "threads": s.get("Threads")})
    first, last = per_set[0], per_set[-1]
    growth = lambda key: (last[key] - first[key]) / first[key] * 100 if len(per_set) > 1 and first[key] else None
    return {
        "per_set": per_set,
        "peak_mib": max(s["peak_mib"] for s in per_set),
        "peak_growth_percent": growth("peak_mib"),
        "current_growth_percent": growth("current_mib"),
    }


def summarize_callgrind(records):
    """Per path: (total − baseline) / N from the longest run and, when a
    shorter run exists, the marginal cost (total_N − total_n) / (N − n)."""
    runs = [r for r in records if r["kind"] == "callgrind"]
    if not runs:
        return None
    baseline = next((r["total_ir"] for r in runs if r["path"] == "baseline"), None)
    paths = {}
    for name in dict.fromkeys(r["path"] for r in runs if r["path"] != "baseline"):
        by_size = sorted((r for r in runs if r["path"] == name), key=lambda r: r["requests"])
        full, short = by_size[-1], (by_size[0] if len(by_size) > 1 else None)
        entry = {"runs": by_size, "requests": full["requests"], "total_ir": full["total_ir"],
                 "status": " / ".join(dict.fromkeys(r["status"] for r in reversed(by_size))),
                 "codes": " / ".join(r["codes"] or "—" for r in reversed(by_size))}
        if baseline is not None and full["total_ir"] is not None and full["requests"]:
            entry["ir_per_request"] = (full["total_ir"] - baseline) / full["requests"]
        if short and short["total_ir"] is not None and full["total_ir"] is not None \
                and full["requests"] > short["requests"]:
            entry["short_requests"] = short["requests"]
            entry["marginal_ir_per_request"] = (full["total_ir"] - short["total_ir"]) / (full["requests"] - short["requests"])
        paths[name] = entry
    # The yardstick (nginx proxying) and the floor (SwiftNIO alone) under the
    # same tool, N and N/10 requests each.
    nginx, floor = yardstick(records, "callgrind_nginx"), yardstick(records, "callgrind_floor")
    for entry in paths.values():
        if entry.get("marginal_ir_per_request") is None:
            continue
        if nginx:
            entry["marginal_ratio_to_nginx"] = entry["marginal_ir_per_request"] / nginx["marginal_ir_per_request"]
        if floor:
            entry["marginal_above_floor"] = entry["marginal_ir_per_request"] - floor["marginal_ir_per_request"]
    if nginx and floor:
        floor["marginal_ratio_to_nginx"] = floor["marginal_ir_per_request"] / nginx["marginal_ir_per_request"]
    return {"baseline_ir": baseline, "paths": paths, "nginx": nginx, "floor": floor,
            "baseline_status": next((r["status"] for r in runs if r["path"] == "baseline"), None)}


def yardstick(records, kind):
    """The marginal Ir per request of a process measured under callgrind at N
    and N/10 requests; None unless both runs wrote a total."""
    runs = sorted((r for r in records if r["kind"] == kind), key=lambda r: r["requests"])
    if len(runs) < 2 or any(r["total_ir"] is None for r in runs):
        return None
    short, full = runs[0], runs[-1]
    if full["requests"] <= short["requests"]:
        return None
    return {"requests": full["requests"], "short_requests": short["requests"],
            "codes": " / ".join(r["codes"] or "—" for r in reversed(runs)),
            "status": " / ".join(dict.fromkeys(r["status"] for r in reversed(runs))),
            "marginal_ir_per_request": (full["total_ir"] - short["total_ir"]) / (full["requests"] - short["requests"])}


def bars(rows, memory, latency=None):
    """Each bar on the medians; a bar whose per-set ratios disagree with
    each other is marked inconclusive: on a shared machine one noisy set
    (usually nginx's p99) can flip a median."""
    def ratio_bar(label, name, key, ok):
        row = rows.get(name, {})
        value = row.get(key)
        per_set = [v for v in row.get(key + "_per_set", []) if v is not None]
        verdicts = {bool(ok(v)) for v in per_set}
        result = {"bar": label, "value": value, "per_set": per_set,
                  "measured": fmt_ratio(value) + (f' (per set: {", ".join(fmt_ratio(v) for v in per_set)})'
                                                  if len(per_set) > 1 else ""),
                  "pass": None if value is None else bool(ok(value))}
        if len(verdicts) > 1:
            result["inconclusive"] = True
        return result

    result = [
        ratio_bar(f'{name.removeprefix("gateway ")} req/s ≥ {least:.2f} × {YARDSTICK.get(name, "nginx")}', name,
                  "rps_ratio_to_yardstick", lambda v, least=least: v >= least)
        for name, least, _ in RPS_BARS
    ]
    for name, stick in YARDSTICK.items():
        row = (latency or {}).get(name, {})
        value = row.get("p99_ratio_to_yardstick")
        per_set = [v for v in row.get("p99_ratio_to_yardstick_per_set", []) if v is not None]
        entry = {"bar": f'{name.removeprefix("gateway ")} p99 at half the peer\'s max ≤ the {stick} p99',
                 "value": value, "per_set": per_set,
                 "measured": (f'{fmt(row.get("p99_ms"), 3)} ms vs {fmt((latency or {}).get(stick, {}).get("p99_ms"), 3)} ms: '
                              f'{fmt_ratio(value)}' + (f' (per set: {", ".join(fmt_ratio(v) for v in per_set)})'
                                                       if len(per_set) > 1 else "")),
                 "pass": None if value is None else value <= 1.0}
        if len({v <= 1.0 for v in per_set}) > 1:
            entry["inconclusive"] = True
        result.append(entry)
    if memory:
        growth = memory["peak_growth_percent"]
        shown = (f'peak {memory["peak_mib"]:.1f} MiB, growth {fmt_pct(growth)} '
                 f'(peak RSS, set 1 → set {len(memory["per_set"])})')
        passed = None if growth is None else (memory["peak_mib"] <= RSS_LIMIT_MIB and growth <= 10)
        result.append({"bar": f"gateway RSS ≤ {RSS_LIMIT_MIB} MiB and ≤ 10% growth across the run",
                       "value": [memory["peak_mib"], growth], "measured": shown, "pass": passed})
    return result


def budgets(rows, cores):
    """Each req/s bar as a cap on the gateway's own CPU per request. At best
    a row keeps every core busy, so R × nginx's req/s is out of reach once
    the CPU all processes spend per gateway request exceeds cores ÷ (R ×
    nginx's req/s): what is left for the gateway is that minus what the
    others (the upstream, Redis, wrk) spend in its row. None without wrk's
    own figure (raw results from before it was measured)."""
    floor = rows.get(FLOOR)
    busy = lambda row, total: row["rps"] * total / 1e6 if row["rps"] else None
    floor_cpu = floor["cpu_us_per_request"].get("nio floor") if floor else None
    result = []
    for name, ratio, work in RPS_BARS:
        row = rows.get(name)
        nginx = rows.get(YARDSTICK.get(name, "nginx"))
        if not row or not row["cpu_us_per_request"].get("gateway"):
            continue
        if not nginx or not nginx["rps"] or not nginx["cpu_us_per_request"].get("wrk"):
            continue
        per_nginx_request = cores * 1e6 / nginx["rps"]
        nginx_total = sum(v for v in nginx["cpu_us_per_request"].values() if v)
        others = sum(v for p, v in row["cpu_us_per_request"].items() if p != "gateway" and v)
        allowed = per_nginx_request / ratio - others
        spends = row["cpu_us_per_request"]["gateway"]
        result.append({"bar": f'{name.removeprefix("gateway ")} ≥ {ratio:.2f}× {YARDSTICK.get(name, "nginx")}', "row": name, "cpu_per_nginx_request_us": per_nginx_request, "others_us": others,
                       "allowed_us": allowed, "above_floor_us": allowed - floor_cpu if floor_cpu else None,
                       "work": work, "spends_us": spends,
                       # Cores kept busy, from req/s × CPU per request: how
                       # far each row is from the saturation assumed above.
                       "cores_busy_nginx_row": busy(nginx, nginx_total),
                       "cores_busy_gateway_row": busy(row, others + spends)})
    return result


def cpu_cell(us, system_share, suffix=""):
    """One CPU µs/request cell: "—" when idle in the row, else the figure,
    its kernel share when known, and `suffix` after that."""
    if us is None or us < 0.05:
        return "—"
    if system_share is None:
        return f"{us:.1f} µs"
    return f"{us:.1f} µs ({system_share * 100:.0f}% sys){suffix}"


def fmt(value, digits=2):
    return "—" if value is None else f"{value:,.{digits}f}"


def fmt_ratio(value):
    return "—" if value is None else f"{value:.2f}×"


def fmt_pct(value):
    return "n/a (one set)" if value is None else f"{value:+.1f}%"


def verdict(bar):
    if bar.get("inconclusive"):
        return ("⚠️ pass on the median, but not in every set" if bar["pass"]
                else "⚠️ fail on the median, but not in every set")
    return {True: "✅ pass", False: "❌ fail", None: "— not measured"}[bar["pass"]]


def errors_text(row):
    e = row["errors_total"]
    socket = {k: v for k, v in e.items() if k != "status" and v}
    parts = []
    if row["non2xx_total"]:
        parts.append(f'{row["non2xx_total"]:,} non-2xx')
    parts += [f"{v:,} {k}" for k, v in socket.items()]
    if row["failed_sets"]:
        parts.append(f'{row["failed_sets"]} failed wrk runs')
    return ", ".join(parts) if parts else "0"


def table_rows(rows):
    lines = []
    for name in ROWS:
        row = rows.get(name)
        if not row:
            continue
        rss = row["gateway_peak_rss_mib"]
        lines.append([name, fmt(row["rps"], 0), fmt(row["p50_ms"], 3), fmt(row["p99_ms"], 3),
                      "—" if name == "nginx" else fmt_ratio(row.get("rps_ratio_to_nginx")),
                      fmt_ratio(row.get("rps_ratio_to_yardstick")) + f' {row["yardstick"]}' if name in YARDSTICK else "—",
                      "—" if name == "nginx" else fmt_ratio(row.get("p99_ratio_to_nginx")),
                      fmt(row["cpu_us_per_request"].get(row["proxy_process"]), 1),
                      "—" if name == "nginx" else fmt_ratio(row.get("cpu_ratio_to_nginx")),
                      "—" if rss is None else f"{rss:.1f}", errors_text(row)])
    return lines


HEADER = ["row", "req/s", "p50 ms", "p99 ms", "req/s ÷ nginx", "req/s ÷ peer", "p99 ÷ nginx", "CPU µs/req", "CPU ÷ nginx",
          "gateway peak RSS MiB", "errors"]


def print_table(rows, memory, callgrind, bar_results):
    body = table_rows(rows)
    widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(HEADER)]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(HEADER))
    print("  ".join("-" * w for w in widths))
    for r in body:
        print(line(r))
    if memory:
        sets = ", ".join(f'set {s["set"]}: peak {s["peak_mib"]:.1f} / now {s["current_mib"]:.1f}' for s in memory["per_set"])
        print(f"\ngateway RSS (MiB) {sets}; peak growth {fmt_pct(memory['peak_growth_percent'])}")
    if callgrind:
        print("\ninstructions per request (callgrind, baseline subtracted):")
        print(f'  {"path":16} {"(total-base)/N":>14} {"marginal":>12}')
        for name, entry in callgrind["paths"].items():
            ratio = entry.get("marginal_ratio_to_nginx")
            print(f'  {name:16} {fmt(entry.get("ir_per_request"), 0):>14} {fmt(entry.get("marginal_ir_per_request"), 0):>12}'
                  + (f' ({ratio:.1f}× nginx)' if ratio else "")
                  + f'   ({entry["status"]}; responses {entry["codes"]})')
        for label, key in (("nginx proxy", "nginx"), (FLOOR, "floor")):
            if callgrind.get(key):
                print(f'  {label:16} {"—":>14} {fmt(callgrind[key]["marginal_ir_per_request"], 0):>12}')
    print()
    for b in bar_results:
        print(f'{verdict(b)}: {b["bar"]}: {b["measured"]}')


def floor_summary(rows):
    """One paragraph on the floor: what NIO's HTTP/1 server alone costs
    against nginx's whole proxy hop, and what each gateway row adds to it."""
    floor, nginx = rows.get(FLOOR), rows.get("nginx")
    if not floor or not nginx:
        return None
    mine = floor["cpu_us_per_request"].get("nio floor")
    theirs = nginx["cpu_us_per_request"].get("peer nginx")
    if not mine or not theirs:
        return None
    above = [f'{name.removeprefix("gateway ")} {row["cpu_us_per_request"]["gateway"] - mine:.1f} µs'
             for name, row in ((n, rows.get(n)) for n in GATEWAY_ROWS)
             if row and row["cpu_us_per_request"].get("gateway")]
    return (f"**What the floor says.** SwiftNIO's HTTP/1 server alone, answering from memory, spent "
            f"{mine:.1f} µs of CPU per request, {mine / theirs:.2f}× the proxying nginx's whole hop "
            f"({theirs:.1f} µs, which includes calling its upstream); its req/s was "
            f'{fmt_ratio(floor.get("rps_ratio_to_nginx"))} and its p99 {fmt_ratio(floor.get("p99_ratio_to_nginx"))} '
            "nginx's. No gateway built on this stack can cost less per request. The gateway's CPU above the floor, "
            "per request: " + ", ".join(above) + ".")


def markdown(report):
    meta, rows, memory, callgrind = report["meta"], report["rows"], report["memory"], report["callgrind"]
    m = meta["machine"]
    out = []
    w = out.append
    w("# Benchmarks")
    w("")
    w("Generated by `bench/report.py` from a run of `bench/run.sh`; do not edit by hand, re-run instead:")
    w("")
    w("```sh")
    w(meta["command"])
    w("```")
    w("")
    w(f'- **Date:** {meta["date"]}')
    w(f'- **Machine:** {m["nproc"]} CPUs, {m["cpu"]}, {m["memory_gib"]} GiB RAM, Linux {m["kernel"]}; '
      "shared with other work, so expect noise")
    w(f'- **Tools:** {"; ".join(x for x in [(m["swift"] or [""])[0], m["nginx"], m["wrk"], m["redis"]] if x)}')
    rev = meta["source"]
    w(f'- **Gateway:** release build of commit `{rev["commit"]}`'
      + (" plus uncommitted changes in Sources/ (other work in progress)" if rev["sources_modified_vs_commit"] else ""))
    w(f'- **Load:** `wrk -t1 -c{meta["connections"]} -d{meta["duration_s"]}s --latency`, POST with a 100-byte JSON body '
      f'(`bench/body.json`), each target warmed for {meta["warmup_s"]} s first; the whole set repeated '
      f'{meta["repeat"]}×, medians below. Upstream: nginx, `return 201` with a 100-byte JSON body. '
      f'Workers: every nginx (upstream, proxy, Lua peer) runs {meta.get("workers", 1)} worker processes and HAProxy '
      f'{meta.get("workers", 1)} threads, like the gateway\'s {meta.get("workers", 1)} event loops (one per core). '
      f'Gateway: `log.level: warning`, Redis store on loopback, circuit breaker on, '
      f'`store.redis.replay_cache: {meta.get("replay_cache", "1s")}` (so the replay rows, one key over and over, '
      "are answered from the replay cache, with one Redis read per key per window). wrk runs 1 thread.")
    for crash in (r for r in report["raw"] if r["kind"] == "crash"):
        w("")
        w(f'> **The gateway died during set {crash["set"]}, row "{crash["row"]}" (exit status '
          f'{crash["exit_status"]}).** The run stopped there; the numbers below are what was measured before. '
          "Its log is in `bench/results/gateway.log`.")
    w("")
    w("## Results (medians)")
    w("")
    w("| " + " | ".join(HEADER) + " |")
    w("|" + "|".join(["---"] + ["---:"] * (len(HEADER) - 1)) + "|")
    for r in table_rows(rows):
        w("| " + " | ".join(r) + " |")
    w("")
    w("Targets: " + "; ".join(f"**{n}**: {TARGETS[n]}" for n in ROWS if n in rows) + ".")
    floor_text = floor_summary(rows)
    if floor_text:
        w("")
        w(floor_text)
    w("")
    w("Ratios are the median req/s over the median req/s of the row's yardstick: nginx for the plain rows and "
      "pass-through, the peer doing the same work for the keyed gateway paths. Per set (in brackets: that "
      "set's ratio to the yardstick; `load` is the machine's 1-minute load average after the row, with 2 CPUs):")
    w("")
    w("| row | " + " | ".join(f"set {i + 1}" for i in range(meta["repeat"])) + " |")
    w("|---|" + "---:|" * meta["repeat"])
    for name in ROWS:
        row = rows.get(name)
        if not row:
            continue
        cells = [f'{fmt(p["rps"], 0)} req/s, p99 {fmt(p["p99_ms"], 3)} ms' for p in row["per_set"]]
        if name in GATEWAY_ROWS or name == FLOOR:
            cells = [f"{c} ({fmt_ratio(r)})" for c, r in zip(cells, row.get("rps_ratio_to_yardstick_per_set", []))]
        cells = [f'{c}, load {fmt(p.get("loadavg_1m"), 1)}' for c, p in zip(cells, row["per_set"])]
        w(f"| {name} | " + " | ".join(cells) + " |")
    w("")
    w("**CPU µs/req** is the CPU time (user + system, from `/proc/PID/stat`) that the row's own hop spent "
      "per response wrk saw: the upstream nginx worker for *direct*, the proxying nginx worker for *nginx*, "
      f"the floor's process for *{FLOOR}*, the gateway process (all its threads) for the gateway rows; median over the sets. It is less "
      "sensitive to a busy machine than req/s. **CPU ÷ nginx** divides it by the proxying nginx's. Every "
      "process, per request: CPU µs (share of it in the kernel) and context switches, summed over the "
      "process's threads:")
    w("")
    w("| row | " + " | ".join(CPU_PROCESSES) + " |")
    w("|---|" + "---:|" * len(CPU_PROCESSES))
    for name in ROWS:
        row = rows.get(name)
        if not row:
            continue
        cells = [cpu_cell(row["cpu_us_per_request"].get(p), row["cpu_system_share"].get(p),
                          f', {row["context_switches_per_request"].get(p, 0):.2f} cs') for p in CPU_PROCESSES]
        w(f"| {name} | " + " | ".join(cells) + " |")
    split = [name for name in ROWS if rows.get(name) and rows[name]["proxy_process"] == "gateway"
             and rows[name].get("gateway_cpu_us_per_request_by_thread")]
    if split:
        w("")
        w("The gateway's CPU µs per request by thread (from `/proc/PID/task/TID/stat`, median over the sets): "
          "*event loops* are NIO's threads (HTTP in and out, routing, the idempotency decisions, the Redis "
          "connections); the *curl thread* drives libcurl's multi handle, so it is the whole upstream call; "
          "*other* is the rest of the process (Dispatch workers, the main thread). Compare each with the "
          "proxying nginx's whole hop above:")
        w("")
        w("| row | event loops | curl thread | other | total |")
        w("|---|---:|---:|---:|---:|")
        for name in split:
            groups = rows[name]["gateway_cpu_us_per_request_by_thread"]
            shares = rows[name].get("gateway_cpu_system_share_by_thread", {})
            cells = [cpu_cell(groups.get(g), shares.get(g)) for g in ("event loops", "curl thread", "other")]
            w(f"| {name} | " + " | ".join(cells) + f" | {fmt(rows[name]['cpu_us_per_request'].get('gateway'), 1)} µs |")
    w("")
    w("What the gateway counted during its rows (`/metrics` deltas, all sets):")
    w("")
    for name in ROWS:
        row = rows.get(name)
        if row and row["gateway_counters_total"]:
            counts = ", ".join(f"`{k}` {v:,}" for k, v in sorted(row["gateway_counters_total"].items()))
            w(f"- **{name}** ({row['requests_total']:,} responses seen by wrk): {counts}")
    w("")
    w("Connections: the upstream nginx's `stub_status` read before and after each measured row (warm-up "
      "excluded) gives the connections opened to it and the calls it served; `ss` half-way through each "
      "gateway row gives the gateway's established connections.")
    w("")
    w("| row | connections opened to the upstream, per set | upstream calls per response seen by wrk | "
      "gateway → upstream / → Redis / ← clients (per set) |")
    w("|---|---|---:|---|")
    for name in ROWS:
        row = rows.get(name)
        if not row:
            continue
        opened = ", ".join(f"{n:,}" for n in row["upstream_connections_opened_per_set"]) or "—"
        calls = row["upstream_requests_total"]
        per = "—" if calls is None or not row["requests_total"] else f'{calls / row["requests_total"]:.3f}'
        snaps = "; ".join(f'{c["gateway_to_upstream"]} / {c["gateway_to_redis"]} / {c["gateway_clients"]}'
                          for c in row["connections_mid_run"]) or "—"
        w(f"| {name} | {opened} | {per} | {snaps} |")
    log = next((r for r in report["raw"] if r["kind"] == "gateway_log"), None)
    if log is not None:
        w("")
        w(f'Gateway log during the load runs (`log.level: warning`): {log["lines"]:,} lines'
          + (":" if log["lines"] else "."))
        if log["lines"]:
            w("")
            w("```")
            out.extend(log["head"])
            w("```")
    if memory:
        w("")
        w("## Gateway memory")
        w("")
        w("Peak = the highest VmRSS sampled every 50 ms during the set's gateway rows, or the kernel's VmHWM "
          "if higher (Linux updates VmHWM lazily, so on its own it is not a reliable peak). "
          "Current = VmRSS right after the set.")
        w("")
        w("| set | peak RSS MiB | current RSS after the set MiB | VmHWM after the set MiB | threads |")
        w("|---:|---:|---:|---:|---:|")
        for s in memory["per_set"]:
            w(f'| {s["set"]} | {s["peak_mib"]:.1f} | {s["current_mib"]:.1f} | {s["vmhwm_mib"]:.1f} | {s["threads"]} |')
        w("")
        w(f'Growth from set 1 to the last set: peak {fmt_pct(memory["peak_growth_percent"])}, '
          f'current {fmt_pct(memory["current_growth_percent"])}.')
    if callgrind:
        w("")
        w("## Instructions per request (callgrind)")
        w("")
        w("The same gateway and configuration under `valgrind --tool=callgrind` (a copy of the binary without "
          "DWARF, which valgrind 3.19 cannot read, and `bench/valgrind/sigsuspend-copy.c` preloaded), driven by "
          "`curl --parallel --parallel-max 4` with exactly N requests per path, then stopped with SIGTERM. "
          f'**Ir per request** = (total Ir − the Ir of a run that starts and stops without serving anything, '
          f'{fmt(callgrind["baseline_ir"], 0)} Ir) / N. **Marginal** = (total Ir at N − total Ir at N/10) / (0.9 N): '
          "the steady-state cost, without the one-time work of the first requests on a path (lazy binding, "
          "conformance caches, connections). The replay runs store their key with one extra request first "
          "(in the totals, not in N; it cancels out of the marginal figure). Valgrind serialises threads, so "
          "this counts work, not latency. Per-function profiles: `bench/results/callgrind/`.")
        w("")
        w("The change that moved each path's figure, lever by lever with its before and after counts, and the "
          "levers measured and not kept: [docs/benchmarks.md, What moved each figure]"
          "(docs/benchmarks.md#what-moved-each-figure).")
        w("")
        nginx = callgrind.get("nginx")
        if nginx:
            w("")
            w("**nginx proxy** is the nginx row's configuration (one process, `master_process off`) under the same "
              "tool and the same curl driver; its figure is the marginal one, and **marginal ÷ nginx** divides each "
              "gateway path's marginal figure by it: the instruction ratio to the yardstick, steady on a noisy machine.")
        w("")
        floor = callgrind.get("floor")
        if floor:
            w(f"**{FLOOR}** is the floor row's server under the same tool, driver and valgrind workarounds; "
              "**above the floor** is a gateway path's marginal figure minus the floor's: what the gateway "
              "adds to NIO's own HTTP/1 server (the upstream call, the store, the gateway's logic).")
            w("")
        w("| path | N | responses | total Ir | Ir per request | marginal Ir per request | marginal ÷ nginx "
          "| above the floor | run |")
        w("|---|---:|---|---:|---:|---:|---:|---:|---|")
        w(f'| baseline (start + stop) | 0 | — | {fmt(callgrind["baseline_ir"], 0)} | — | — | — | — | '
          f'{callgrind["baseline_status"]} |')
        for name, e in callgrind["paths"].items():
            marginal = fmt(e.get("marginal_ir_per_request"), 0)
            if "short_requests" in e:
                marginal += f' (N/10 = {e["short_requests"]:,})'
            ratio = e.get("marginal_ratio_to_nginx")
            w(f'| {name} | {e["requests"]:,} | {e["codes"] or "—"} | {fmt(e.get("total_ir"), 0)} | '
              f'{fmt(e.get("ir_per_request"), 0)} | {marginal} | {f"{ratio:.1f}×" if ratio else "—"} | '
              f'{fmt(e.get("marginal_above_floor"), 0)} | {e["status"]} |')
        for label, entry, ratio in (("nginx proxy", nginx, 1.0),
                                    (FLOOR, floor, (floor or {}).get("marginal_ratio_to_nginx"))):
            if entry:
                w(f'| {label} | {entry["requests"]:,} | {entry["codes"]} | — | — | '
                  f'{fmt(entry["marginal_ir_per_request"], 0)} (N/10 = {entry["short_requests"]:,}) | '
                  f'{f"{ratio:.1f}×" if ratio else "—"} | — | {entry["status"]} |')
    profiles = [r for r in report["raw"] if r["kind"] == "callgrind_profile"]
    if profiles:
        w("")
        w("### Where the instructions go (steady state)")
        w("")
        w("The N run's profile minus the N/10 run's, per function, over 0.9 N: Ir per request. *Self* is "
          "spent in the function itself (any library); *inclusive* lists the gateway's own functions with "
          "everything they call (a function and its callers overlap, so these do not add up). Thread entry "
          "points such as `CurlMultiLoop.run` cover everything on that thread. Full names and profiles: "
          "`bench/results/latest.json`, `bench/results/callgrind/*.out` (open with `callgrind_annotate` "
          "or KCachegrind).")
        for profile in profiles:
            w("")
            w(f'**{profile["path"]}** ({fmt(profile["ir_per_request"], 0)} Ir per request):')
            w("")
            w("| self Ir/req | share | function | | inclusive Ir/req | share | gateway function |")
            w("|---:|---:|---|---|---:|---:|---|")
            for i in range(max(len(profile["self"]), len(profile["inclusive"]))):
                cells = []
                for column in ("self", "inclusive"):
                    entries = profile[column]
                    if i < len(entries):
                        e = entries[i]
                        name = e["function"].replace("|", "\\|")
                        cells += [fmt(e["ir_per_request"], 0), f'{e["share"] * 100:.1f}%', f"`{name}`"]
                    else:
                        cells += ["", "", ""]
                w("| " + " | ".join(cells[:3]) + " | | " + " | ".join(cells[3:]) + " |")
    latency = report.get("latency")
    if latency:
        w("")
        w("## Latency at a fixed offered load (open loop)")
        w("")
        w("`bench/openloop` (a small epoll client in C: h2load cannot give each request its own Idempotency-Key) "
          f'sends requests on {meta["connections"]} connections at a fixed rate whatever the server does, and '
          "measures each from the moment it was scheduled, so a server that falls behind pays for its queue (no "
          "coordinated omission). Each row is offered half the peer's closed-loop maximum for its kind of path: "
          "the first-execution rate for the plain and first-execution rows, the replay rate for the replay rows. "
          "1 s warm-up, then the measured window; medians over the sets, ms.")
        w("")
        w("| row | offered req/s | achieved req/s | p50 | p99 | p99.9 | max | p99 ÷ peer | errors / unfinished / non-2xx |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for name in ROWS:
            row = latency.get(name)
            if not row:
                continue
            w(f'| {name} | {fmt(row["offered_rps"], 0)} | {fmt(row["achieved_rps"], 0)} | {fmt(row["p50_ms"], 3)} | '
              f'{fmt(row["p99_ms"], 3)} | {fmt(row["p999_ms"], 3)} | {fmt(row["max_ms"], 3)} | '
              f'{fmt_ratio(row.get("p99_ratio_to_yardstick")) if name in YARDSTICK else "—"} | '
              f'{row["errors"]} / {row["unfinished"]} / {row["non2xx"]} |')
    w("")
    w("## The issue's bars")
    w("")
    w("| bar | measured | result |")
    w("|---|---|---|")
    for b in report["bars"]:
        w(f'| {b["bar"]} | {b["measured"]} | {verdict(b)} |')
    if report.get("budgets"):
        w("")
        w("### The bars as CPU budgets")
        w("")
        cores = report["meta"]["machine"]["nproc"]
        w(f"Every process of a row (the proxy, the upstream, Redis, wrk itself) shares the {cores} cores, so a "
          f"row's req/s is at most {cores} cores ÷ the CPU they all spend per request. A bar of R × the yardstick's "
          f"req/s (nginx for pass-through, the peer for the keyed paths) is therefore out of reach unless the "
          f"gateway's own CPU per request stays within "
          f"({cores} cores ÷ the yardstick's req/s) ÷ R − (what the others spend per request in the gateway's row). "
          "That is necessary, not sufficient: a row that leaves the cores idle part of the time (waiting on "
          f"thread hops) is slower still. *Cores busy* = req/s × all CPU per request, out of {cores}. Medians "
          "of this run, µs per request:")
        w("")
        w(f"| bar | {cores} cores ÷ the yardstick's req/s | all but the gateway, gateway row | the gateway may spend "
          "| of which above the floor | for | the gateway spends | cores busy: yardstick row / gateway row |")
        w("|---|---:|---:|---:|---:|---|---:|---:|")
        for b in report["budgets"]:
            w(f'| {b["bar"]} | {b["cpu_per_nginx_request_us"]:.1f} | {b["others_us"]:.1f} | {b["allowed_us"]:.1f} | '
              f'{fmt(b["above_floor_us"], 1)} | {b["work"]} | {b["spends_us"]:.1f} | '
              f'{fmt(b["cores_busy_nginx_row"], 2)} / {fmt(b["cores_busy_gateway_row"], 2)} |')
        floor = report["rows"].get(FLOOR)
        w("")
        w(f'The p99 bar has no budget of its own: wrk keeps {report["meta"]["connections"]} requests in flight, '
          f'so the mean latency is {report["meta"]["connections"]} ÷ req/s (Little\'s law) and the p99 follows '
          "the req/s"
          + (f'; the floor\'s own p99 was {fmt_ratio(floor.get("p99_ratio_to_nginx"))} nginx\'s.' if floor else "."))
    w("")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("raw")
    parser.add_argument("--json", required=True)
    parser.add_argument("--markdown")
    parser.add_argument("--command", default="bash bench/run.sh")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--gateway-binary", default="")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    records = load(args.raw)
    rows = summarize_rows(records)
    memory = summarize_memory(records)
    callgrind = summarize_callgrind(records)
    report = {
        "meta": {
            "command": args.command,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "source": source_revision(),
            "gateway_binary": args.gateway_binary,
            "repeat": args.repeat, "duration_s": args.duration,
            "connections": args.connections, "warmup_s": args.warmup, "workers": args.workers,
            # bench/gateway-conf.sh reads the same variable.
            "replay_cache": os.environ.get("BENCH_REPLAY_CACHE", "1s"),
        },
        "rows": rows,
        "memory": memory,
        "callgrind": callgrind,
        "latency": summarize_latency(records),
        "raw": records,
    }
    report["bars"] = bars(rows, memory, report["latency"])
    report["budgets"] = budgets(rows, report["meta"]["machine"]["nproc"])
    with open(args.json, "w") as f:
        json.dump(report, f, indent=2, sort_keys=False)
        f.write("\n")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown(report))
    print_table(rows, memory, callgrind, report["bars"])
    if args.markdown:
        print(f"\nwrote {args.json} and {args.markdown}", file=sys.stderr)


if __name__ == "__main__":
    main()

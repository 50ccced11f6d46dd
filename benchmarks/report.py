#!/usr/bin/env python3
"""Markdown report of one benchmarks/run.sh run, from its JSONL (one JSON object per line: the run's settings, one
line per measurement, the end), ready to paste into BENCHMARKS.md.

Usage: python3 benchmarks/report.py RESULTS.jsonl [--out FILE]   (prints to stdout without --out)
"""

import argparse
import json
import math
import statistics
import sys

TARGETS = {"throughput_ratio": 0.95, "p99_ratio": 1.5, "cpu_ratio": 1.15, "steady_s": 10, "lag_p99_ms": 25.0,
           "memory_kib": 4.0}


def load(path):
    meta, end, rows = {}, {}, []
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        kind = r.get("type", "result")
        if kind == "run":
            meta = r
        elif kind == "end":
            end = r
        else:
            rows.append(r)
    return meta, end, rows


def num(x, digits=None):
    """1,234 for large numbers, 12.3 or 1.23 for small ones, '-' for none."""
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if isinstance(x, int) and digits is None:
        return f"{x:,}"
    if digits is not None:
        return f"{x:,.{digits}f}"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def ms(us):
    return None if us is None else us / 1000.0


def ratio(a, b):
    return None if a is None or not b else a / b


def cpu_per_update(r):
    return r["window"]["gateway_cpu_us_per_update"]


def med(values):
    v = [x for x in values if isinstance(x, (int, float))]
    return statistics.median(v) if v else None


def label(load):
    """'1000x4' as '1,000 x 4'."""
    c, _, w = load.partition("x")
    return f"{int(c):,} x {w}" if c.isdigit() else load


def pct(values, q):
    """The q-th percentile (nearest rank) of `values`, None when empty."""
    v = sorted(values)
    if not v:
        return None
    return v[min(len(v) - 1, max(0, math.ceil(q / 100.0 * len(v)) - 1))]


def yes(ok):
    return "-" if ok is None else ("**met**" if ok else "**not met**")


class Report:
    def __init__(self, meta, end, rows):
        self.meta, self.end = meta, end
        self.ok = [r for r in rows if "error" not in r]
        self.failed = [r for r in rows if "error" in r]
        self.variants = [v["name"] for v in meta.get("variants", [])] or sorted({r["variant"] for r in rows})
        self.base = self.variants[0] if self.variants else "embedded"
        self.lines = []

    def w(self, s=""):
        self.lines.append(s)

    def rows(self, scenario, load=None, variant=None):
        return [r for r in self.ok if r["scenario"] == scenario and (load is None or r.get("load") == load)
                and (variant is None or r["variant"] == variant)]

    def loads(self, scenario):
        seen = []
        for r in self.ok:
            if r["scenario"] == scenario and r.get("load") not in seen:
                seen.append(r["load"])
        return seen

    def pair(self, r):
        """The baseline's row of the same scenario, load and repetition."""
        return next((x for x in self.ok if x["scenario"] == r["scenario"] and x.get("load") == r.get("load")
                     and x["rep"] == r["rep"] and x["variant"] == self.base), None)

    # -----------------------------------------------------------------------------------------------------------

    def header(self):
        m, mach = self.meta, self.meta.get("machine", {})
        self.w(f"## Run of {m.get('started', '?')} at commit `{m.get('commit', '?')}`"
               + (" (with uncommitted changes)" if m.get("dirty") else "") + (" — quick smoke run" if m.get("quick")
                                                                              else ""))
        self.w()
        self.w(f"- Command: `{m.get('command', '')}`; finished {self.end.get('finished', '?')}"
               + (f"; **{len(self.failed)} measurement(s) failed** (listed at the end)" if self.failed else ""))
        self.w(f"- Machine: {mach.get('cpu', '?')}, {mach.get('cores', '?')} cores, {mach.get('memory_gib', '?')} GiB, "
               f"kernel {mach.get('kernel', '?')}; load average at start `{mach.get('loadavg', '?')}`, at end "
               f"`{self.end.get('loadavg', '?')}`")
        self.w(f"- {mach.get('java', '?')}; {mach.get('redis', '?')}")
        self.w(f"- Gateway JVM flags: `{' '.join(m.get('gateway_jvm', []))}` (plus `-Xlog:gc:file=...`; in the memory "
               "scenario `-XX:NativeMemoryTracking=summary`); load generator: `" + " ".join(m.get("loadgen_jvm", []))
               + "`")
        self.w("- Servers: " + "; ".join(f"**{v['name']}**: {v['describe']}" for v in m.get("variants", []))
               + ". Redis: `redis-server --save \"\" --appendonly no" + (f" {m['redis_args']}" if m.get("redis_args")
                                                                           else "") + "` on loopback.")
        if any(r["scenario"].startswith("fleet") for r in self.ok):
            self.w("- Fleet servers: " + "; ".join(f"**{v['name']}**: {v['describe']}"
                                                   for v in m.get("fleet_variants", []))
                   + " (fleet mode, heartbeat 1 s, lease 10 s: the defaults). Each fleet scenario names the servers it "
                     "runs; the fleet-100k one gives every gateway `-Xms512m -Xmx<--fleet-heap>`.")
        self.w(f"- Every measurement starts fresh processes: ramp-up {num(m.get('ramp_s'))} s, warm-up "
               f"{num(m.get('warmup_s'))} s at the measured load, measured {num(m.get('duration_s'))} s. "
               f"{m.get('reps')} repetition(s); within each, the servers run one after the other, the order rotating "
               "from one repetition to the next. Figures are medians of the repetitions unless per repetition.")
        self.w("- Latency is in ms: window mode from send to ack (closed loop); at a fixed rate from each message's "
               "intended send time to its ack (no coordinated omission). Per update: CPU time over the measured "
               "window (process CPU from /proc, Redis's from INFO) divided by the updates acknowledged in it. "
               "*Other CPU*: cores busy with anything but the gateway, the load generator and redis-server (noise).")
        self.w()

    def targets(self):
        """One row per target of issue 14: the baseline's own figure, and each other variant's against it."""
        others = [v for v in self.variants if v != self.base]
        if not others or not any(r["scenario"] in ("throughput", "rate", "restart", "memory") for r in self.ok):
            return
        self.w(f"### Targets of issue 14 (this run; ratios against {self.base})")
        self.w()
        self.w(f"| target | {self.base} | " + " | ".join(others) + " |")
        self.w("|---|---|" + "---|" * len(others))
        t = TARGETS
        for load in self.loads("throughput"):
            base = med([r["loadgen"]["acks_per_s"] for r in self.rows("throughput", load, self.base)])
            cells = []
            for v in others:
                rr = self.ratio_of_medians("throughput", load, v, lambda r: r["loadgen"]["acks_per_s"])
                cells.append(f"{num(rr)} {yes(None if rr is None else rr >= t['throughput_ratio'])}")
            self.row(f"max throughput at {label(load)}: at least {t['throughput_ratio']}x", f"{num(base)} acks/s",
                     cells)
        for load in self.loads("rate"):
            p99s = [r["loadgen"]["latency_us"]["p99"] / 1000 for r in self.rows("rate", load, self.base)]
            cells, cpu_cells = [], []
            for v in others:
                rs = [self.per_rep_ratio(r, lambda x: x["loadgen"]["latency_us"]["p99"])
                      for r in sorted(self.rows("rate", load, v), key=lambda x: x["rep"])]
                rs = [x for x in rs if x is not None]
                cells.append(" / ".join(num(x) for x in rs) + " " + yes(
                    None if not rs else all(x <= t["p99_ratio"] for x in rs)))
                cr = self.ratio_of_medians("rate", load, v, lambda r: r["window"]["gateway_cpu_us_per_update"])
                cpu_cells.append(f"{num(cr)} {yes(None if cr is None else cr <= t['cpu_ratio'])}")
            cpu = med([r["window"]["gateway_cpu_us_per_update"] for r in self.rows("rate", load, self.base)])
            self.row(f"{load}: p99 at most {t['p99_ratio']}x, in every repetition",
                     "p99 " + " / ".join(num(x) for x in p99s) + " ms", cells)
            self.row(f"{load}: gateway CPU per update at most {t['cpu_ratio']}x", f"{num(cpu)} µs", cpu_cells)
        for load in self.loads("restart"):
            cells = []
            for v in self.variants:
                xs = [r["restart"].get("steady_after_s") for r in sorted(self.rows("restart", load, v),
                                                                          key=lambda x: x["rep"])]
                cells.append(" / ".join("never" if x is None else f"{x} s" for x in xs) + " " + yes(
                    None if not xs else all(x is not None and x <= t["steady_s"] for x in xs)))
            under = load.replace(", restarted", "")
            self.row(f"restarted under {under}: steady p99 within {t['steady_s']} s, in every repetition", cells[0],
                     cells[1:])
        cells = []
        for v in others:
            ws = [r["window"] for r in self.ok if r["variant"] == v and r["scenario"] in ("throughput", "rate")]
            worst = max((w.get("write_lag_p99_ms") for w in ws if w.get("write_lag_p99_ms") is not None),
                        default=None)
            unbounded = any(w.get("write_lag_p99_bucket_ms") == float("inf") for w in ws)
            cells.append(("beyond the largest bucket " if unbounded else f"worst {num(worst)} ms ")
                         + yes(None if worst is None and not unbounded
                               else not unbounded and worst <= t["lag_p99_ms"]))
        self.row(f"write lag p99 at most {num(t['lag_p99_ms'])} ms at every load above", "-", cells)
        if self.rows("memory"):
            cells = []
            for v in self.variants:
                m = med([r["per_client"][-1]["heap_plus_native_kib_per_client"]
                         for r in self.rows("memory", variant=v) if r.get("per_client")])
                cells.append(f"{num(m)} KiB {yes(None if m is None else m <= t['memory_kib'])}")
            self.row(f"memory per idle registered client (heap after a full GC + native, at the largest count): at "
                     f"most {num(t['memory_kib'])} KiB", cells[0], cells[1:])
        self.w()
        self.w("Redis's own CPU and commands per 1,000 updates stand beside every figure in the tables below.")
        self.w()

    def row(self, target, base, cells):
        self.w(f"| {target} | {base} | " + " | ".join(cells) + " |")

    def ratio_of_medians(self, scenario, load, variant, get):
        a = med([get(r) for r in self.rows(scenario, load, variant)])
        b = med([get(r) for r in self.rows(scenario, load, self.base)])
        return ratio(a, b)

    def per_rep_ratio(self, r, get):
        p = self.pair(r)
        return ratio(get(r), get(p)) if p else None

    # -----------------------------------------------------------------------------------------------------------

    def redis_cells(self, rows):
        if not any("redis_cpu_ms_per_1000" in r["window"] for r in rows):
            return ["-", "-", "-"]
        lag = med([r["window"].get("write_lag_p99_ms") for r in rows])
        bound = max((r["window"].get("write_lag_p99_bucket_ms") or 0 for r in rows), default=0)
        lag_s = ("> largest bucket" if bound == float("inf") else f"{num(lag)} (≤ {num(bound)})") if bound else "-"
        return [num(med([r["window"].get("redis_cpu_ms_per_1000") for r in rows])),
                num(med([r["window"].get("redis_commands_per_1000") for r in rows])), lag_s]

    def commands_note(self, rows):
        by = {}
        for r in rows:
            for k, v in r["window"].get("redis_commands_by_name_per_1000", {}).items():
                by.setdefault(k, []).append(v)
        return ", ".join(f"{k} {num(statistics.median(v))}" for k, v in sorted(by.items(), key=lambda x: -max(x[1])))

    def throughput(self):
        loads = self.loads("throughput")
        if not loads:
            return
        self.w("### Max throughput (window mode: each client keeps W updates in flight)")
        self.w()
        for load in loads:
            c, w = load.split("x")
            self.w(f"**{int(c):,} clients x window {w}**")
            self.w()
            self.w(f"| server | acks/s | vs {self.base} | each repetition (vs {self.base}) | ack p99 ms | gateway CPU "
                   "(cores) | gateway CPU µs per update | Redis CPU ms per 1,000 updates | Redis commands per 1,000 "
                   "updates | write lag p99 ms (bucket) | other CPU (cores) |")
            self.w("|---|---|---|---|---|---|---|---|---|---|---|")
            notes = []
            for v in self.variants:
                rs = self.rows("throughput", load, v)
                if not rs:
                    continue
                acks = med([r["loadgen"]["acks_per_s"] for r in rs])
                each = " / ".join(f"{num(r['loadgen']['acks_per_s'])}"
                                  + (f" ({num(self.per_rep_ratio(r, lambda x: x['loadgen']['acks_per_s']))})"
                                     if v != self.base else "") for r in sorted(rs, key=lambda x: x["rep"]))
                rr = self.ratio_of_medians("throughput", load, v, lambda r: r["loadgen"]["acks_per_s"])
                self.w(f"| {v} | {num(acks)} | {num(rr)} | {each} | "
                       f"{num(ms(med([r['loadgen']['latency_us']['p99'] for r in rs])))} | "
                       f"{num(med([r['window']['gateway_cpu_cores'] for r in rs]))} | "
                       f"{num(med([r['window']['gateway_cpu_us_per_update'] for r in rs]))} | "
                       + " | ".join(self.redis_cells(rs))
                       + f" | {num(med([r['window']['other_cpu_cores'] for r in rs]))} |")
                note = self.commands_note(rs)
                if note:
                    notes.append(f"{v}: {note}")
                bad = [r for r in rs if r["loadgen"].get("errors") or r["loadgen"].get("connect_failures")
                       or r["loadgen"].get("connections_held") != r["loadgen"].get("connections_target")]
                if bad:
                    notes.append(f"{v}: {len(bad)} repetition(s) with errors, connect failures or missing "
                                 "connections")
            if notes:
                self.w()
                self.w("Redis commands per 1,000 updates by command: " + "; ".join(notes) + ".")
            self.w()

    def fixed_rate(self):
        loads = self.loads("rate")
        if not loads:
            return
        self.w("### Fixed rate (latency from the intended send time)")
        self.w()
        for load in loads:
            self.w(f"**{load}**")
            self.w()
            self.w(f"| rep | server | acks/s | p50 | p99 | p99.9 | max | p99 vs {self.base} | p99 timed from the "
                   "actual send | sender lag p99 | gateway CPU % of a core | gateway CPU µs per update | "
                   f"vs {self.base} | Redis CPU ms per 1,000 updates | Redis commands per 1,000 updates | write lag "
                   "p99 ms (bucket) | skipped | other CPU (cores) |")
            self.w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            rows = sorted(self.rows("rate", load), key=lambda r: (r["rep"], r["order"]))
            for r in rows:
                lg, wn = r["loadgen"], r["window"]
                lat = lg["latency_us"]
                p99r = self.per_rep_ratio(r, lambda x: x["loadgen"]["latency_us"]["p99"]) \
                    if r["variant"] != self.base else None
                cpur = self.per_rep_ratio(r, lambda x: x["window"]["gateway_cpu_us_per_update"]) \
                    if r["variant"] != self.base else None
                self.w(f"| {r['rep']} | {r['variant']} | {num(lg['acks_per_s'])} | {num(ms(lat['p50']))} | "
                       f"{num(ms(lat['p99']))} | {num(ms(lat['p999']))} | {num(ms(lat['max']))} | {num(p99r)} | "
                       f"{num(ms(lg.get('latency_from_send_us', {}).get('p99')))} | "
                       f"{num(ms(lg.get('send_lag_us', {}).get('p99')))} | {num(wn['gateway_cpu_cores'] * 100)} | "
                       f"{num(wn['gateway_cpu_us_per_update'])} | {num(cpur)} | " + " | ".join(self.redis_cells([r]))
                       + f" | {num(lg.get('skipped_sends'))} | {num(wn['other_cpu_cores'])} |")
            for v in self.variants:
                rs = self.rows("rate", load, v)
                if len(rs) > 1:
                    self.w(f"| median | {v} | {num(med([r['loadgen']['acks_per_s'] for r in rs]))} | "
                           + " | ".join(num(ms(med([r['loadgen']['latency_us'][k] for r in rs])))
                                        for k in ("p50", "p99", "p999", "max"))
                           + " | | | | "
                           + f"{num(med([r['window']['gateway_cpu_cores'] * 100 for r in rs]))} | "
                           + f"{num(med([r['window']['gateway_cpu_us_per_update'] for r in rs]))} | "
                           + f"{num(self.ratio_of_medians('rate', load, v, cpu_per_update))} | "
                           + " | ".join(self.redis_cells(rs)) + " | | |")
            self.w()
            self.w("*p99 timed from the actual send* is what a sender that times only the messages it managed to "
                   "send would report (the old method); *sender lag* is how late the load generator sent. A run "
                   "with skipped messages (more than `--max-in-flight` unacknowledged per client) is not valid.")
            self.w()

    def restarts(self):
        loads = self.loads("restart")
        if not loads:
            return
        self.w("### A gateway restarted under the fixed-rate load")
        self.w()
        self.w("The gateway is stopped with SIGTERM and a new process started on the same port; the clients keep "
               "their schedule, reconnect (after 100 ms to 1 s, jittered) and register again. Second *k* is the load "
               "generator's one-second interval that ends between k and k+1 s after the new process was started "
               "(so it began after the start; acks that arrived in it, latency from the intended send time). "
               "*Steady from* is the first second k such that seconds k to k+4 each have 90 % of the rate "
               "acknowledged and the p99 of those 5 s together is within 1.2x of the steady p99 (the fixed-rate "
               "scenario's p99 of the same server and repetition, over its measured window).")
        self.w()
        for load in loads:
            rows = sorted(self.rows("restart", load), key=lambda r: (r["rep"], r["order"]))
            self.w(f"**{load}**")
            self.w()
            self.w("| rep | server | old process stopped after s | ready after start s | steady p99 ms | steady from "
                   "second | unacked at close | updates due while disconnected | gateway CPU µs per update | Redis "
                   "CPU ms per 1,000 updates | Redis commands per 1,000 updates | write lag p99 ms (bucket) |")
            self.w("|---|---|---|---|---|---|---|---|---|---|---|---|")
            for r in rows:
                x, lg = r["restart"], r["loadgen"]
                self.w(f"| {r['rep']} | {r['variant']} | {num(x['stopped_after_s'])} | {num(x['ready_after_start_s'])}"
                       f" | {num(x.get('steady_p99_ms'))} | "
                       f"{'never' if x.get('steady_after_s') is None else x['steady_after_s']} | "
                       f"{num(lg.get('unacked_at_close'))} | {num(lg.get('missed_while_disconnected'))} | "
                       f"{num(r['window']['gateway_cpu_us_per_update'])} | " + " | ".join(self.redis_cells([r]))
                       + " |")
            self.w()
            if rows:
                n = max((s["s"] for r in rows for s in r["restart"]["seconds"]), default=0)
                self.w("p99 ms of each second after the start (acks in it; p99 of the 5 s ending with it):")
                self.w()
                self.w("| second | " + " | ".join(f"rep {r['rep']} {r['variant']}" for r in rows) + " |")
                self.w("|---|" + "---|" * len(rows))
                for k in range(1, n + 1):
                    cells = []
                    for r in rows:
                        s = next((s for s in r["restart"]["seconds"] if s["s"] == k), None)
                        cells.append("-" if not s or not s["acks"] else
                                     f"{num(s['p99_ms'])} ({num(s['acks'])}; {num(s.get('p99_trailing_5s_ms'))})")
                    self.w(f"| {k} | " + " | ".join(cells) + " |")
                self.w()

    def memory(self):
        rows = sorted(self.rows("memory"), key=lambda r: (r["rep"], r["order"]))
        if not rows:
            return
        self.w("### Memory per idle registered client")
        self.w()
        self.w("Clients connect, register and stay idle (several load-generator processes). At the start and at "
               "each count: `jcmd GC.run` (a full GC), then the heap in use (`GC.heap_info`), native memory (NMT "
               "summary, committed, without the Java heap), RSS and open files. Per client: the growth from the start "
               "divided by the connections open; *A to B*: the growth between two counts, where one-time costs (JIT, "
               "classes) cancel. Native: NMT's committed memory outside the Java heap, without the JIT's, class "
               "metadata and NMT's own (every category is in the raw results). Nothing is pre-touched, so RSS also "
               "shows heap pages the GC keeps committed; the kernel's socket buffers are in neither.")
        self.w()
        self.w("| rep | server | clients | heap KiB per client | native KiB per client | heap + native | RSS KiB per "
               "client | gateway open files |")
        self.w("|---|---|---|---|---|---|---|---|")
        for r in rows:
            for p in r["per_client"] + r.get("marginal", []):
                what = f"{p['clients']:,}" if not p.get("from_clients") else \
                    f"{p['from_clients']:,} to {p['clients']:,}"
                self.w(f"| {r['rep']} | {r['variant']} | {what} | {num(p['heap_kib_per_client'])} | "
                       f"{num(p['native_kib_per_client'])} | {num(p['heap_plus_native_kib_per_client'])} | "
                       f"{num(p['rss_kib_per_client'])} | {p['gateway_fds']:,} |")
        self.w()

    def dashboard(self):
        rows = sorted(self.rows("dashboard"), key=lambda r: r["rep"])
        if not rows:
            return
        self.w("### Dashboard feed")
        self.w()
        self.w("| rep | server | load | acks/s | ack p99 ms | viewers held | deltas seen | freshness p50 ms | p99 ms | "
               "max ms | feed tick CPU % of a core |")
        self.w("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            lg = r["loadgen"]
            f = lg.get("delta_freshness_us", {})
            self.w(f"| {r['rep']} | {r['variant']} | {r['load']} | {num(lg['acks_per_s'])} | "
                   f"{num(ms(lg['latency_us']['p99']))} | {lg.get('viewers_held', 0)} | {num(lg.get('deltas'))} | "
                   f"{num(ms(f.get('p50')))} | {num(ms(f.get('p99')))} | {num(ms(f.get('max')))} | "
                   f"{num(r['feed_tick_cpu_share'] * 100)} |")
        self.w()
        self.w("Freshness: from the ack of an update to the arrival, at a viewer, of the delta carrying it (4 viewers "
               "measure); the feed ticks every 250 ms.")
        self.w()

    # -----------------------------------------------------------------------------------------------------------
    # Fleet (issue 13)

    def fleet_variants(self):
        return {v["name"]: v for v in self.meta.get("fleet_variants", [])}

    def fleet_throughput(self):
        loads = self.loads("fleet-throughput")
        if not loads:
            return
        fv = self.fleet_variants()
        self.w("### Fleet: throughput over N nodes, and the fencing cost on one node")
        self.w()
        self.w("Window mode; the clients take the nodes in turn; acks/s of all nodes together, CPU of every gateway "
               "process together. **single**: one gateway on standalone Redis with `--fleet=false` (no membership, "
               "the unfenced `HSET` hot path); **fleet-N**: N gateways in fleet mode on one standalone Redis; "
               "**cluster-1**: one gateway in fleet mode on a 3-master Redis Cluster. Ratios of medians, against "
               "single and against fleet-1.")
        self.w()
        for load in loads:
            c, w = load.split("x")
            self.w(f"**{int(c):,} clients x window {w}**")
            self.w()
            self.w("| server | nodes | acks/s (median) | each repetition | vs single | vs fleet-1 | ack p99 ms | "
                   "gateways' CPU (cores) | gateway CPU µs per update | vs single | Redis CPU ms per 1,000 updates | "
                   "Redis commands per 1,000 updates | write lag p99 ms (bucket) | other CPU (cores) |")
            self.w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            base = {k: med([r[k2] for r in self.rows("fleet-throughput", load, "single")
                            for r in [{"a": r["loadgen"]["acks_per_s"],
                                       "c": r["window"]["gateway_cpu_us_per_update"]}]])
                    for k, k2 in (("a", "a"), ("c", "c"))}
            f1 = med([r["loadgen"]["acks_per_s"] for r in self.rows("fleet-throughput", load, "fleet-1")])
            notes = []
            for name in fv:
                rs = self.rows("fleet-throughput", load, name)
                if not rs:
                    continue
                acks = med([r["loadgen"]["acks_per_s"] for r in rs])
                cpu = med([r["window"]["gateway_cpu_us_per_update"] for r in rs])
                each = " / ".join(num(r["loadgen"]["acks_per_s"]) for r in sorted(rs, key=lambda x: x["rep"]))
                self.w(f"| {name} | {fv[name]['nodes']} | {num(acks)} | {each} | {num(ratio(acks, base['a']))} | "
                       f"{num(ratio(acks, f1))} | {num(ms(med([r['loadgen']['latency_us']['p99'] for r in rs])))} | "
                       f"{num(med([r['window']['gateway_cpu_cores'] for r in rs]))} | {num(cpu)} | "
                       f"{num(ratio(cpu, base['c']))} | " + " | ".join(self.redis_cells(rs))
                       + f" | {num(med([r['window']['other_cpu_cores'] for r in rs]))} |")
                note = self.commands_note(rs)
                if note:
                    notes.append(f"{name}: {note}")
            if notes:
                self.w()
                self.w("Redis commands per 1,000 updates by command: " + "; ".join(notes) + ".")
            self.w()

    def fleet_freshness(self):
        rows = sorted(self.rows("fleet-freshness"), key=lambda r: r["rep"])
        if not rows:
            return
        self.w("### Fleet: cross-node delta freshness")
        self.w()
        self.w("Clients spread over two nodes (in turn) at a fixed rate, dashboard viewers on both nodes' "
               "`/ws/dashboard`. *Cross-node*: from a client's send of an update to the delta carrying it at a viewer "
               "on the other node (once per update and viewer): what a user of node B's dashboard sees of a change "
               "on node A, feed interval (250 ms) and fleet publish interval (50 ms) included. *Ack to delta*: the "
               "single-node figure of the dashboard scenario (any viewer, from the update's ack). Target of issue 13: "
               "cross-node p99 at most 500 ms.")
        self.w()
        self.w("| rep | server | load | acks/s | ack p99 ms | cross-node p50 ms | p90 | p99 | max | samples | target | ack to "
               "delta p50 ms | p99 | gateways' CPU (cores) | gateway CPU µs per update | machine busy (cores) | Redis "
               "commands per 1,000 updates | other CPU (cores) |")
        self.w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        rows = sorted(rows, key=lambda r: (r["variant"] != "fleet-2", r["variant"], r["rep"]))
        for r in rows:
            lg = r["loadgen"]
            x, f = lg.get("cross_node_freshness_us", {}), lg.get("delta_freshness_us", {})
            p99 = ms(x.get("p99"))
            self.w(f"| {r['rep']} | {r['variant']} | {r['load']} | {num(lg['acks_per_s'])} | "
                   f"{num(ms(lg['latency_us']['p99']))} | "
                   f"{num(ms(x.get('p50')))} | {num(ms(x.get('p90')))} | {num(p99)} | {num(ms(x.get('max')))} | "
                   f"{num(x.get('samples'))} | {yes(None if p99 is None else p99 <= 500)} | {num(ms(f.get('p50')))} | "
                   f"{num(ms(f.get('p99')))} | {num(r['window']['gateway_cpu_cores'])} | "
                   f"{num(r['window']['gateway_cpu_us_per_update'])} | {num(r['window']['machine_busy_cores'])} | "
                   f"{num(r['window'].get('redis_commands_per_1000'))} | {num(r['window']['other_cpu_cores'])} |")
        for v in sorted({r["variant"] for r in rows}):
            rs = [r for r in rows if r["variant"] == v]
            if len(rs) < 2:
                continue
            xs = [r["loadgen"].get("cross_node_freshness_us", {}) for r in rs]
            fs = [r["loadgen"].get("delta_freshness_us", {}) for r in rs]
            self.w(f"| median | {v} | | {num(med([r['loadgen']['acks_per_s'] for r in rs]))} | "
                   f"{num(ms(med([r['loadgen']['latency_us']['p99'] for r in rs])))} | "
                   f"{num(ms(med([x.get('p50') for x in xs])))} | "
                   f"{num(ms(med([x.get('p90') for x in xs])))} | {num(ms(med([x.get('p99') for x in xs])))} | "
                   f"{num(ms(med([x.get('max') for x in xs])))} | | | {num(ms(med([f.get('p50') for f in fs])))} | "
                   f"{num(ms(med([f.get('p99') for f in fs])))} | "
                   f"{num(med([r['window']['gateway_cpu_cores'] for r in rs]))} | "
                   f"{num(med([r['window']['gateway_cpu_us_per_update'] for r in rs]))} | | | |")
        self.w()

    def fleet_command(self):
        rows = sorted(self.rows("fleet-command"), key=lambda r: r["rep"])
        if not rows:
            return
        self.w("### Fleet: cross-node commands")
        self.w()
        self.w("`FleetCommandProbe`: clients registered on node A, `POST /clients/{id}/pause|resume` on node B one "
               "at a time (no other load); *frame*: from the request's send to the command frame at the client on A; "
               "*answer*: to B's HTTP answer (B answers once A reported the frame written). Target of issue 13: "
               "frame p99 at most 10 ms on loopback.")
        self.w()
        self.w("| rep | load | commands | failures | frame p50 ms | p90 | p99 | max | target | answer p50 ms | p99 | "
               "max |")
        self.w("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            p = r["probe"]
            fr, an = p["frame_latency_us"], p["answer_latency_us"]
            self.w(f"| {r['rep']} | {r['load']} | {num(p['commands'])} | {sum(p['failures'].values())} | "
                   f"{num(ms(fr['p50']))} | {num(ms(fr['p90']))} | {num(ms(fr['p99']))} | {num(ms(fr['max']))} | "
                   f"{yes(ms(fr['p99']) <= 10)} | {num(ms(an['p50']))} | {num(ms(an['p99']))} | "
                   f"{num(ms(an['max']))} |")
        takeovers = [r for r in rows if "takeover_close_latency_us" in r["probe"]]
        if takeovers:
            self.w()
            self.w("Takeovers (issue 13 point 4: the old connection closed within 1 s): a client registered on A "
                   "registers again on B; from B's ack to the close frame (4001) on A's connection.")
            self.w()
            self.w("| rep | takeovers | close p50 ms | p90 | p99 | max | target |")
            self.w("|---|---|---|---|---|---|---|")
            for r in takeovers:
                t = r["probe"]["takeover_close_latency_us"]
                self.w(f"| {r['rep']} | {num(r['probe']['takeovers'])} | {num(ms(t['p50']))} | {num(ms(t['p90']))} | "
                       f"{num(ms(t['p99']))} | {num(ms(t['max']))} | {yes(ms(t['max']) <= 1000)} |")
            self.w()
        if len(rows) > 1:
            fr = [r["probe"]["frame_latency_us"] for r in rows]
            an = [r["probe"]["answer_latency_us"] for r in rows]
            self.w(f"| median | | | | {num(ms(med([x['p50'] for x in fr])))} | {num(ms(med([x['p90'] for x in fr])))}"
                   f" | {num(ms(med([x['p99'] for x in fr])))} | {num(ms(med([x['max'] for x in fr])))} | | "
                   f"{num(ms(med([x['p50'] for x in an])))} | {num(ms(med([x['p99'] for x in an])))} | "
                   f"{num(ms(med([x['max'] for x in an])))} |")
        self.w()

    def script_cost(self):
        rows = sorted(self.rows("script-cost"), key=lambda r: r["rep"])
        if not rows:
            return
        self.w("### Redis's cost of a live client's update")
        self.w()
        self.w("`ScriptCost` on a fresh standalone Redis: the writer's own argument builders, a live client's update "
               "(two attributes and `last_seen`) for every client, each round; *Redis CPU*: the process's user + "
               "system time per client written (`INFO cpu`); *command time*: `INFO commandstats` usec per client "
               "(for the scripts, the whole call). `fenced-v1` is the fenced script as first shipped.")
        self.w()
        self.w("| rep | load | variant | Redis CPU us per client | command time us per client | vs hset |")
        self.w("|---|---|---|---|---|---|")
        for r in rows:
            base = next((x["redis_cpu_us_per_client"] for x in r["script_cost"] if x["variant"] == "hset"), None)
            for x in r["script_cost"]:
                ratio = x["redis_cpu_us_per_client"] / base if base else None
                self.w(f"| {r['rep']} | {r['load']} | {x['variant']} | {num(x['redis_cpu_us_per_client'])} | "
                       f"{num(x['command_us_per_client'])} | {num(ratio)} |")
        self.w()

    def fleet_failover(self):
        rows = sorted(self.rows("fleet-failover"), key=lambda r: r["rep"])
        if not rows:
            return
        self.w("### Fleet: failover detection after `kill -9`")
        self.w()
        self.w("A node holding idle registered clients is killed with SIGKILL; a survivor (up for more than a lease "
               "before the first kill) is asked every 100 ms for the clients it lists as disconnected. Per client: "
               "*from the kill* and *from its last sign of life* (its `disconnect_time`, which the survivor sets to "
               "the client's `last_seen` or the node's last heartbeat) to the first answer that lists it offline. "
               "Defaults: heartbeat 1 s, lease 10 s, reap grace 2 s. Target of issue 13: within 15 s typically, 30 s "
               "at worst.")
        self.w()
        self.w("| rep | kill | clients | offline | `Gateway node lost` | from the kill p50 s | p99 | max | from the "
               "last sign of life p50 s | p99 | max |")
        self.w("|---|---|---|---|---|---|---|---|---|---|---|")
        all_kill, all_sign = [], []
        for r in rows:
            for k, x in enumerate(r["kills"]):
                fk, fs = x["from_kill_s"], x["from_last_sign_s"]
                all_kill += fk
                all_sign += fs
                self.w(f"| {r['rep']} | {k + 1} | {num(x['clients'])} | {num(x['offline'])} | "
                       f"{num(x['status_detail'].get('Gateway node lost', 0))} | {num(pct(fk, 50))} | "
                       f"{num(pct(fk, 99))} | {num(max(fk, default=None))} | {num(pct(fs, 50))} | {num(pct(fs, 99))} | "
                       f"{num(max(fs, default=None))} |")
        n = sum(len(r["kills"]) for r in rows)
        self.w(f"| all | {n} kills | {num(len(all_kill))} | | | {num(pct(all_kill, 50))} | {num(pct(all_kill, 99))} | "
               f"{num(max(all_kill, default=None))} | {num(pct(all_sign, 50))} | {num(pct(all_sign, 99))} | "
               f"{num(max(all_sign, default=None))} |")
        self.w()

    def fleet_100k(self):
        rows = sorted(self.rows("fleet-100k"), key=lambda r: r["rep"])
        if not rows:
            return
        self.w("### Fleet: idle clients over several gateway processes")
        self.w()
        for r in rows:
            self.w(f"**{r['load']}** ({r['loadgen_processes']} load-generator processes): every client registered "
                   f"{num(r['registered_after_s'])} s after the first connect; every node listed them all "
                   f"{num(r['all_listed_after_registered_s'])} s later. Redis: {num(r['redis_used_memory_kib'] / 1024)}"
                   f" MiB used, {num(r['redis_rss_kib'] / 1024)} MiB RSS.")
            self.w()
            self.w("| node | its connections | `matched` (state=connected) | heap used after a full GC MiB | heap "
                   "committed MiB | RSS MiB | open files |")
            self.w("|---|---|---|---|---|---|---|")
            for p in r["per_node"]:
                self.w(f"| {p['node']} | {num(p['ws_connections_open'])} | {num(p['matched_connected'])} | "
                       f"{num(p['heap_used_kib'] / 1024)} | {num(p['heap_committed_kib'] / 1024)} | "
                       f"{num(p['rss_kib'] / 1024)} | {num(p['fds'])} |")
            self.w()

    def failures(self):
        if not self.failed:
            return
        self.w("### Failed measurements")
        self.w()
        for r in self.failed:
            self.w(f"- rep {r['rep']}, {r['scenario']} on {r['variant']}: {r['error']}")
        self.w()

    def render(self):
        self.header()
        self.targets()
        self.throughput()
        self.fixed_rate()
        self.restarts()
        self.memory()
        self.dashboard()
        self.fleet_throughput()
        self.fleet_freshness()
        self.fleet_command()
        self.fleet_failover()
        self.script_cost()
        self.fleet_100k()
        self.failures()
        return "\n".join(self.lines) + "\n"


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results")
    p.add_argument("--out")
    a = p.parse_args(argv)
    text = Report(*load(a.results)).render()
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""The benchmark driver behind benchmarks/run.sh (see its usage, or `benchmarks/run.sh --help`).

A measurement is a scenario's load (and what to read around it) run against a server variant: a Redis topology,
a set of gateway processes and their flags. Within each repetition, every load runs on every variant back to back
(the order rotating from one repetition to the next), so that a ratio compares measurements taken a minute apart on
the same machine, not a whole run apart. Each measurement gets fresh processes; figures are read over the load
generator's measured window only: acks and latency by the load generator, process CPU from /proc/<pid>/stat,
Redis's CPU and commands from INFO, the write lag from the gateway's /metrics.

To add a scenario: a function (run, variant, rep, load) -> dict, registered in SCENARIOS. To add a server variant:
--variant (extra gateway flags, e.g. a durable-ack mode; several gateway processes); a new Redis topology (Sentinel,
Cluster): a Topology subclass registered in TOPOLOGIES.

Only loopback is used. Every process is started by this script, tracked by its PID and stopped by that PID (SIGTERM,
then SIGKILL after a bounded wait); every wait is bounded. Standard library only.
"""

import argparse
import atexit
import json
import math
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
# The gateway's JVM flags by default: the ones its image runs with (Dockerfile ENTRYPOINT), nothing pre-touched.
DEFAULT_GATEWAY_JVM = "-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
# The load generator is not what is measured: a fixed, pre-touched heap keeps its own page faults out of the way.
DEFAULT_LOADGEN_JVM = "-Xms512m -Xmx512m -XX:+AlwaysPreTouch"
GATEWAY_MAIN = "io.serpentis.gateway.GatewayMain"
LOADGEN_MAIN = "io.serpentis.gateway.bench.LoadGenerator"
LOAD_SOURCES = "127.0.0.2-127.0.0.9"
# A load-generator process holds at most this many connections (the open-file limit here is 20,000).
PER_PROCESS = 15000


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_duration(text):
    """Seconds from '250ms', '15s', '2m', or a bare number of seconds."""
    t = str(text).strip().lower()
    m = re.fullmatch(r"([0-9]*\.?[0-9]+)\s*(ms|s|m|h)?", t)
    if not m:
        raise argparse.ArgumentTypeError(f"'{text}' is not a duration (examples: 500ms, 15s, 2m)")
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]


def fmt_duration(seconds):
    """A duration the load generator reads back exactly."""
    return f"{int(round(seconds * 1000))}ms"


# ---------------------------------------------------------------------------------------------------------------
# Processes


class Processes:
    """Every process this script started, so that each can be stopped by its PID and none is left behind."""

    def __init__(self):
        self.live = []
        self.lock = threading.Lock()

    def spawn(self, cmd, log_path, stdin=subprocess.DEVNULL, stdout=None, stderr=None):
        """Starts a process; its output goes to `log_path` unless `stdout`/`stderr` say otherwise."""
        logf = open(log_path, "ab") if log_path else None
        p = subprocess.Popen(cmd, stdin=stdin, stdout=stdout or logf, stderr=stderr or logf, cwd=ROOT)
        p.log_file = logf
        with self.lock:
            self.live.append(p)
        return p

    def stop(self, p, timeout=30.0, sig=signal.SIGTERM):
        """Signals one process (by its PID), waits at most `timeout` seconds, then kills it."""
        if p is None:
            return None
        if p.poll() is None:
            try:
                os.kill(p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log(f"pid {p.pid} did not stop within {timeout:.0f}s: SIGKILL")
                os.kill(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
        self.forget(p)
        return p.returncode

    def forget(self, p):
        with self.lock:
            if p in self.live:
                self.live.remove(p)
        if getattr(p, "log_file", None):
            p.log_file.close()

    def stop_all(self):
        with self.lock:
            procs = list(self.live)
        for p in reversed(procs):
            self.stop(p, timeout=10)


PROCS = Processes()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_seconds(pid):
    """User + system CPU time of a process (all its threads), in seconds, from /proc/<pid>/stat."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14 and 15 of stat)
    except (OSError, IndexError, ValueError):
        return None


def machine_busy_seconds():
    """CPU time the whole machine spent busy (all cores, every process), from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / CLK_TCK  # minus idle and iowait


def proc_status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def http_get(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------------------------------
# Redis (a minimal RESP client: no redis-cli needed)


def redis_call(port, *args, timeout=5.0):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        parts = [str(a).encode() for a in args]
        s.sendall(b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in parts))
        return _resp(s.makefile("rb"))


def _resp(f):
    line = f.readline()
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2].decode()
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_resp(f) for _ in range(n)]
    raise RuntimeError(f"unexpected RESP reply {line!r}")


def redis_info(port):
    """CPU seconds (user + system, whole process) and calls per command, from one INFO call."""
    text = redis_call(port, "INFO", "cpu", "commandstats")
    cpu, calls = 0.0, {}
    for line in text.splitlines():
        if line.startswith(("used_cpu_sys:", "used_cpu_user:")):
            cpu += float(line.split(":")[1])
        m = re.match(r"cmdstat_([^:]+):calls=(\d+)", line)
        if m:
            calls[m.group(1)] = int(m.group(2))
    return cpu, calls


class Topology:
    """Where the gateways keep their records. Subclasses start and stop their Redis processes; a new topology
    (Sentinel, a three-master Cluster) is a new subclass registered in TOPOLOGIES."""

    name = "none"

    def start(self, work):
        pass

    def stop(self):
        pass

    def gateway_flags(self):
        return []

    def redis_ports(self):
        return []


class NoRedis(Topology):
    """The embedded in-memory store."""


class StandaloneRedis(Topology):
    """One redis-server on loopback, fresh for each measurement, without snapshots or AOF."""

    name = "standalone"

    def __init__(self, extra_args):
        self.extra_args = extra_args
        self.port = None
        self.proc = None

    def start(self, work):
        self.port = free_port()
        d = Path(tempfile.mkdtemp(prefix="redis-", dir=work))
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--protected-mode", "no", "--dir", str(d), "--logfile", str(d / "redis.log")] + self.extra_args
        self.proc = PROCS.spawn(cmd, d / "stdout.log")
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if redis_call(self.port, "PING", timeout=1) == "PONG":
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not answer PING within 10 s")

    def stop(self):
        PROCS.stop(self.proc, timeout=10)
        self.proc = None

    def gateway_flags(self):
        return ["--redis-url", f"redis://127.0.0.1:{self.port}"]

    def redis_ports(self):
        return [self.port]


class ClusterRedis(Topology):
    """A Redis Cluster of three masters without replicas (`redis-server --cluster-enabled yes`, joined with
    `redis-cli --cluster create`), fresh for each measurement, without snapshots or AOF; the gateways get the masters
    as seed nodes with --redis-cluster. Its CPU and commands are the three masters' together."""

    name = "cluster"
    MASTERS = 3

    def __init__(self, extra_args):
        self.extra_args = extra_args
        self.ports, self.procs = [], []

    def start(self, work):
        d = Path(tempfile.mkdtemp(prefix="redis-cluster-", dir=work))
        for _ in range(self.MASTERS):
            port = free_port()
            nd = d / str(port)
            nd.mkdir()
            cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--protected-mode", "no", "--dir", str(nd), "--logfile", str(nd / "redis.log"),
                   "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout",
                   "2000", "--cluster-port", str(free_port())] + self.extra_args
            self.procs.append(PROCS.spawn(cmd, nd / "stdout.log"))
            self.ports.append(port)
        for port in self.ports:
            wait_ping(port)
        r = subprocess.run(["redis-cli", "--cluster", "create"] + [f"127.0.0.1:{p}" for p in self.ports]
                           + ["--cluster-replicas", "0", "--cluster-yes"], capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed: {r.stdout}{r.stderr}")
        deadline = time.time() + 30
        while time.time() < deadline:
            if all("cluster_state:ok" in redis_call(p, "CLUSTER", "INFO") for p in self.ports):
                return
            time.sleep(0.1)
        raise RuntimeError("the Redis Cluster did not report cluster_state:ok within 30 s")

    def stop(self):
        for p in self.procs:
            PROCS.stop(p, timeout=10)
        self.procs = []

    def gateway_flags(self):
        return ["--redis-cluster", "--redis-url", "redis://" + ",".join(f"127.0.0.1:{p}" for p in self.ports)]

    def redis_ports(self):
        return list(self.ports)


def wait_ping(port, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if redis_call(port, "PING", timeout=1) == "PONG":
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"redis-server on port {port} did not answer PING within {timeout:.0f} s")


TOPOLOGIES = {"none": lambda s: NoRedis(), "standalone": lambda s: StandaloneRedis(shlex.split(s.redis_args)),
              "cluster": lambda s: ClusterRedis(shlex.split(s.redis_args))}


@dataclass
class Variant:
    """A server configuration measured side by side with the others: a Redis topology, how many gateway processes
    and their extra flags (a durable-ack mode, fleet mode...)."""

    name: str
    topology: str
    nodes: int = 1
    flags: list = field(default_factory=list)

    @staticmethod
    def parse(spec):
        """NAME:TOPOLOGY[*NODES][:GATEWAY FLAGS], e.g. 'durable:standalone:--some-flag value'."""
        parts = spec.split(":", 2)
        if len(parts) < 2:
            raise argparse.ArgumentTypeError(f"--variant '{spec}': expected NAME:TOPOLOGY[*NODES][:FLAGS]")
        topo, _, nodes = parts[1].partition("*")
        if topo not in TOPOLOGIES:
            raise argparse.ArgumentTypeError(f"--variant '{spec}': topology must be one of {sorted(TOPOLOGIES)}")
        return Variant(parts[0], topo, int(nodes or 1), shlex.split(parts[2]) if len(parts) > 2 else [])

    def describe(self):
        s = {"none": "embedded store", "standalone": "standalone Redis",
             "cluster": "Redis Cluster (3 masters)"}.get(self.topology, self.topology)
        s += f", {self.nodes} gateways" if self.nodes > 1 else ", one gateway"
        return s + (f", flags `{' '.join(self.flags)}`" if self.flags else "")


# ---------------------------------------------------------------------------------------------------------------
# Gateways


class Gateway:
    """One gateway process. Restartable on the same port."""

    def __init__(self, settings, index, port, flags, extra_jvm, work, label):
        self.s, self.index, self.port, self.flags, self.extra_jvm = settings, index, port, flags, extra_jvm
        self.work, self.label, self.proc, self.starts = work, label, None, 0

    @property
    def url(self):
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def pid(self):
        return self.proc.pid

    def command(self):
        self.starts += 1
        name = f"{self.label}-gw{self.index}-{self.starts}"
        jvm = self.s.gateway_jvm + self.extra_jvm + [f"-Xlog:gc:file={self.work / (name + '-gc.log')}"]
        main = ["-cp", self.s.classpath, GATEWAY_MAIN] if self.s.classpath else ["-jar", str(self.s.gateway_jar)]
        args = ["--host", "127.0.0.1", "--port", str(self.port), "--node-id", f"bench-{self.index}"] + self.flags
        return ["java"] + jvm + main + args, self.work / (name + ".log")

    def start(self):
        cmd, logp = self.command()
        self.proc = PROCS.spawn(cmd, logp)
        return time.time()

    def wait_ready(self, timeout=60.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited with {self.proc.returncode}; see {self.work}")
            try:
                if http_get(f"http://127.0.0.1:{self.port}/readyz", timeout=1)[0] == 200:
                    return time.time()
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"gateway not ready within {timeout:.0f}s; see {self.work}")

    def stop(self):
        PROCS.stop(self.proc, timeout=30)

    def metrics(self):
        try:
            return http_get(f"http://127.0.0.1:{self.port}/metrics", timeout=5)[1]
        except (OSError, urllib.error.URLError):
            return ""


def metric_samples(text, name):
    """{labels: value} of one metric in a Prometheus text exposition."""
    out = {}
    for line in text.splitlines():
        if line.startswith(name):
            m = re.match(re.escape(name) + r"(\{[^}]*\})?\s+(\S+)", line)
            if m:
                out[m.group(1) or ""] = float(m.group(2))
    return out


class Servers:
    """A variant's running processes: its Redis topology and its gateways."""

    def __init__(self, settings, variant, work, label, extra_jvm=()):
        self.s, self.variant, self.work, self.label = settings, variant, work, label
        self.topology = TOPOLOGIES[variant.topology](settings)
        self.extra_jvm = list(extra_jvm)
        self.gateways = []

    def __enter__(self):
        self.topology.start(self.work)
        flags = self.topology.gateway_flags() + self.variant.flags
        for i in range(self.variant.nodes):
            g = Gateway(self.s, i, free_port(), flags, self.extra_jvm, self.work, self.label)
            g.start()
            self.gateways.append(g)
        for g in self.gateways:
            g.wait_ready()
        return self

    def __exit__(self, *exc):
        for g in self.gateways:
            g.stop()
        self.topology.stop()

    def urls(self):
        return [g.url for g in self.gateways]

    def snapshot(self, loadgens=()):
        """Counters to difference over a measured window."""
        snap = {"t": time.time(), "machine_busy": machine_busy_seconds()}
        snap["gateway_cpu"] = sum(proc_cpu_seconds(g.pid) or 0.0 for g in self.gateways)
        snap["loadgen_cpu"] = sum(proc_cpu_seconds(p.pid) or 0.0 for p in loadgens)
        lag = {}
        if self.topology.redis_ports():
            for g in self.gateways:
                for labels, v in metric_samples(g.metrics(), "gateway_redis_write_lag_seconds_bucket").items():
                    le = re.search(r'le="([^"]+)"', labels).group(1)
                    le = math.inf if le == "+Inf" else float(le)
                    lag[le] = lag.get(le, 0.0) + v
        snap["lag"] = lag
        cpu, calls = 0.0, {}
        for port in self.topology.redis_ports():
            c, k = redis_info(port)
            cpu += c
            for name, n in k.items():
                calls[name] = calls.get(name, 0) + n
        snap["redis_cpu"], snap["redis_calls"] = cpu, calls
        return snap


def lag_p99(before, after):
    """p99 of the write lag between two scrapes, in ms, interpolated within its bucket, and that bucket's bound."""
    les = sorted(after)
    d = [(le, after[le] - before.get(le, 0.0)) for le in les]
    total = d[-1][1] if d else 0
    if total <= 0:
        return None, None, 0
    target, prev_le, prev_c = 0.99 * total, 0.0, 0.0
    for le, c in d:
        if c >= target:
            if le == math.inf:
                return None, math.inf, int(total)
            return round((prev_le + (le - prev_le) * (target - prev_c) / max(c - prev_c, 1e-9)) * 1000, 2), \
                le * 1000, int(total)
        prev_le, prev_c = le, c
    return None, None, int(total)


def window_figures(s0, s1, acks_per_s, redis):
    """What happened between two snapshots, per update acknowledged at `acks_per_s`."""
    wall = max(s1["t"] - s0["t"], 1e-6)
    gw = (s1["gateway_cpu"] - s0["gateway_cpu"]) / wall
    lg = (s1["loadgen_cpu"] - s0["loadgen_cpu"]) / wall
    busy = (s1["machine_busy"] - s0["machine_busy"]) / wall
    w = {"window_s": round(wall, 3), "gateway_cpu_cores": round(gw, 4), "loadgen_cpu_cores": round(lg, 4),
         "machine_busy_cores": round(busy, 3)}
    per = 1.0 / acks_per_s if acks_per_s else None
    w["gateway_cpu_us_per_update"] = round(gw * per * 1e6, 3) if per else None
    others = gw + lg
    if redis:
        rc = (s1["redis_cpu"] - s0["redis_cpu"]) / wall
        others += rc
        calls = {k: v - s0["redis_calls"].get(k, 0) for k, v in s1["redis_calls"].items()}
        calls.pop("info", None)  # this script's own INFO calls
        calls = {k: v for k, v in calls.items() if v > 0}
        total = sum(calls.values())
        p99, bound, n = lag_p99(s0["lag"], s1["lag"])
        w.update({"redis_cpu_cores": round(rc, 4),
                  "redis_cpu_ms_per_1000": round(rc * per * 1e6, 3) if per else None,
                  "redis_commands_per_1000": round(total / wall * per * 1000, 2) if per else None,
                  "redis_commands_by_name_per_1000": {k: round(v / wall * per * 1000, 2)
                                                      for k, v in sorted(calls.items(), key=lambda x: -x[1])}
                  if per else {},
                  "write_lag_p99_ms": p99, "write_lag_p99_bucket_ms": bound, "write_lag_samples": n})
    w["other_cpu_cores"] = round(max(0.0, busy - others), 3)  # everything else on the machine: noise
    return w


# ---------------------------------------------------------------------------------------------------------------
# Load generator


class LoadGen:
    """One load-generator process, driven over its stdin, reporting marks on its stderr. `on` maps a mark's name to
    a callback (called with this object and the mark's epoch ms, on the thread reading stderr)."""

    def __init__(self, settings, work, label, urls, args, ramp, warmup, duration, hold=0.0, on=None):
        self.label = label
        self.marks, self.events, self.callbacks = {}, {}, {}
        for name, cb in (on or {}).items():
            self.on(name, cb)
        self.max_seconds = ramp + warmup + duration + hold + 90
        main = ["-cp", settings.classpath or str(settings.loadgen_jar), LOADGEN_MAIN]
        # -Dbench.work names the run's work directory (as the gateways' GC log paths do): its processes are findable
        url_args = [a for u in urls for a in ("--url", u)]
        self.cmd = (["java"] + settings.loadgen_jvm + [f"-Dbench.work={work}"] + main + url_args
                    + ["--control-stdin", "--ramp-up", fmt_duration(ramp), "--warmup", fmt_duration(warmup),
                       "--duration", fmt_duration(duration), "--hold", fmt_duration(hold)] + args)
        self.out = work / f"{label}.json"
        self.logf = open(work / f"{label}.log", "ab")
        self.outf = open(self.out, "wb")
        self.proc = PROCS.spawn(self.cmd, None, stdin=subprocess.PIPE, stdout=self.outf, stderr=subprocess.PIPE)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def on(self, name, callback):
        self.callbacks[name] = callback
        self.events.setdefault(name, threading.Event())

    def _read(self):
        for raw in self.proc.stderr:
            self.logf.write(raw)
            line = raw.decode("utf-8", "replace").strip()
            if line.startswith("#mark "):
                parts = line.split()
                name, ms = parts[1], int(parts[2])
                self.marks[name] = ms
                cb = self.callbacks.get(name)
                if cb:
                    try:
                        cb(self, ms)
                    except Exception as e:  # noqa: BLE001 - reported with the result
                        self.marks[name + "-error"] = str(e)
                self.events.setdefault(name, threading.Event()).set()
        self.logf.flush()

    def wait_mark(self, name, timeout):
        ev = self.events.setdefault(name, threading.Event())
        return ev.wait(timeout)

    def send(self, line):
        try:
            self.proc.stdin.write((line + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def result(self):
        """Waits (bounded) for the process to end and returns its JSON result line, histogram and all."""
        try:
            self.proc.wait(timeout=self.max_seconds)
        except subprocess.TimeoutExpired:
            log(f"{self.label}: load generator still running after {self.max_seconds:.0f}s: stopping it")
            PROCS.stop(self.proc, timeout=10)
            raise RuntimeError(f"{self.label}: load generator timed out")
        finally:
            self.reader.join(timeout=10)
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            self.outf.close()
            self.logf.close()
            PROCS.forget(self.proc)
        if self.proc.returncode != 0:
            raise RuntimeError(f"{self.label}: load generator exited with {self.proc.returncode}")
        lines = [x for x in self.out.read_text().splitlines() if x.startswith("{")]
        if not lines:
            raise RuntimeError(f"{self.label}: no result line")
        r = json.loads(lines[-1])
        if any(k.endswith("-error") for k in self.marks):
            raise RuntimeError(f"{self.label}: {self.marks}")
        return r


def strip(r):
    r = dict(r)
    r.pop("histogram", None)
    return r


# ---------------------------------------------------------------------------------------------------------------
# Scenarios


class Run:
    """One run of the driver: settings, work directory, results."""

    def __init__(self, settings):
        self.s = settings
        self.work = Path(tempfile.mkdtemp(prefix="serpentis-bench-"))
        self.rows = []
        self.failures = 0
        self.order = 0

    def emit(self, row):
        self.rows.append(row)
        with open(self.s.results_jsonl, "a") as f:
            f.write(json.dumps(row) + "\n")


def snapshots(srv, snaps):
    """Callbacks taking a snapshot at the start (0) and the end (1) of the load generator's measured window."""
    return {"measure-start": lambda lg, ms: snaps.__setitem__(0, srv.snapshot([lg.proc])),
            "measure-end": lambda lg, ms: snaps.__setitem__(1, srv.snapshot([lg.proc]))}


def throughput(run, variant, rep, load):
    s = run.s
    conns, window = load
    label = f"r{rep}-tput-{conns}x{window}-{variant.name}"
    with Servers(s, variant, run.work, label) as srv:
        snaps = {}
        redis = bool(srv.topology.redis_ports())
        lg = LoadGen(s, run.work, label, srv.urls(),
                     ["--connections", str(conns), "--window", str(window), "--source-addresses", LOAD_SOURCES,
                      "--id-prefix", f"t{rep}"], s.ramp, s.warmup, s.duration,
                     on=snapshots(srv, snaps))
        r = lg.result()
    return {"load": f"{conns}x{window}", "loadgen": strip(r),
            "window": window_figures(snaps[0], snaps[1], r["acks_per_s"], redis)}


def fixed_rate(run, variant, rep, load):
    s = run.s
    conns, rate = load
    label = f"r{rep}-rate-{conns}-{rate}-{variant.name}"
    with Servers(s, variant, run.work, label) as srv:
        snaps = {}
        redis = bool(srv.topology.redis_ports())
        lg = LoadGen(s, run.work, label, srv.urls(),
                     ["--connections", str(conns), "--rate", str(rate), "--source-addresses", LOAD_SOURCES,
                      "--id-prefix", f"f{rep}"], s.ramp, s.warmup, s.duration,
                     on=snapshots(srv, snaps))
        r = lg.result()
    return {"load": f"{conns:,} at {rate:,}/s", "target_rate": rate, "loadgen": strip(r),
            "window": window_figures(snaps[0], snaps[1], r["acks_per_s"], redis)}


def restart(run, variant, rep, load):
    """The fixed-rate load on a warm gateway; gateway 0 is stopped (SIGTERM) and started again on the same port while
    the clients keep to their schedule and reconnect. Per-second ack latency from the new process's start."""
    s = run.s
    conns, rate = load
    label = f"r{rep}-restart-{conns}-{rate}-{variant.name}"
    with Servers(s, variant, run.work, label) as srv:
        redis = bool(srv.topology.redis_ports())
        budget = s.restart_pre + 60 + s.restart_observe
        lg = LoadGen(s, run.work, label, srv.urls(),
                     ["--connections", str(conns), "--rate", str(rate), "--source-addresses", LOAD_SOURCES,
                      "--id-prefix", f"s{rep}", "--reconnect", "--timeline"], s.ramp, s.warmup, budget)
        if not lg.wait_mark("measure-start", s.ramp + s.warmup + 60):
            raise RuntimeError(f"{label}: the load generator never started measuring")
        time.sleep(s.restart_pre)
        g = srv.gateways[0]
        t_term = time.time()
        g.stop()
        t_stopped = time.time()
        s0 = srv.snapshot([lg.proc])  # gateway 0 is down: its CPU and write lag count from zero in the new process
        t0 = g.start()
        s0["t"] = t0
        t_ready = g.wait_ready()
        time.sleep(max(0.0, t0 + s.restart_observe - time.time()))
        s1 = srv.snapshot([lg.proc])
        lg.send("stop")
        r = lg.result()
    seconds = []
    for e in r.get("timeline", []):
        # The load generator's second ending at end_ms began at or after t0 for k >= 1, and ended within k + 1 s.
        k = math.floor((e["end_ms"] - t0 * 1000) / 1000.0)
        if 1 <= k <= s.restart_observe:
            seconds.append({"s": k, "acks": e["acks"], "p50_ms": e["p50"] / 1000, "p99_ms": e["p99"] / 1000,
                            "max_ms": e["max"] / 1000, "p99_trailing_5s_ms": e["p99_trailing"] / 1000,
                            "registered": e["registered"]})
    pre = [e["p99"] / 1000 for e in r.get("timeline", [])
           if (t_term - s.restart_pre) * 1000 <= e["end_ms"] <= t_term * 1000]
    acks_after = sum(x["acks"] for x in seconds)
    obs = max(s1["t"] - t0, 1e-6)
    w = window_figures(s0, s1, acks_after / obs, redis)
    return {"load": f"{conns:,} at {rate:,}/s, restarted", "target_rate": rate, "loadgen": strip(r),
            "restart": {"stopped_after_s": round(t_stopped - t_term, 3), "ready_after_start_s": round(t_ready - t0, 3),
                        "downtime_s": round(t_ready - t_term, 3), "observed_s": round(obs, 3),
                        "pre_restart_p99_ms": round(statistics.median(pre), 3) if pre else None,
                        "seconds": seconds},
            "window": w}


def steady_from(seconds, reference_ms, rate, hold=5):
    """The first second k (from the restart) such that seconds k to k + hold - 1 each have at least 90 % of the
    target rate acknowledged and the p99 of those seconds together (the load generator's trailing p99 at the last
    of them) is within 1.2x the reference; None if the observation holds no such stretch."""
    by = {x["s"]: x for x in seconds}
    last = max(by) if by else 0
    for k in range(1, last - hold + 2):
        run = [by.get(j) for j in range(k, k + hold)]
        if all(x and x["acks"] >= 0.9 * rate for x in run) and run[-1]["p99_trailing_5s_ms"] <= 1.2 * reference_ms:
            return k
    return None


def jcmd(pid, *args, timeout=60):
    p = subprocess.run(["jcmd", str(pid)] + list(args), capture_output=True, text=True, timeout=timeout)
    return p.stdout


# NMT categories that do not grow with clients: the JIT's (its arenas come and go with compilations), class
# metadata, and NMT's own bookkeeping. Everything else outside the Java heap counts as native memory per client
# (Netty's direct memory is "Other"; the GC's structures grow with the committed heap, so they count too).
NMT_NOT_PER_CLIENT = {"Java Heap", "Code", "Compiler", "Arena Chunk", "Class", "Metaspace", "Symbol",
                      "Shared class space", "Module", "Native Memory Tracking"}


def memory_point(g, clients):
    """Heap after a full GC, native memory (NMT, committed), RSS and open files."""
    jcmd(g.pid, "GC.run")
    time.sleep(1)
    heap = jcmd(g.pid, "GC.heap_info")
    m = re.search(r"total (\d+)K, used (\d+)K", heap)
    nmt = {k.strip(): int(v) for k, v in
           re.findall(r"^-\s+(.+?) \(reserved=\d+KB, committed=(\d+)KB", jcmd(g.pid, "VM.native_memory", "summary"),
                      re.M)}
    open_now = metric_samples(g.metrics(), "gateway_ws_connections_open")
    return {"clients": clients, "heap_used_kib": int(m.group(2)) if m else None,
            "heap_committed_kib": int(m.group(1)) if m else None,
            "native_kib": sum(v for k, v in nmt.items() if k not in NMT_NOT_PER_CLIENT) if nmt else None,
            "nmt_committed_kib": nmt,
            "rss_kib": proc_status_kib(g.pid, "VmRSS"), "fds": len(os.listdir(f"/proc/{g.pid}/fd")),
            "ws_connections_open": int(sum(open_now.values())) if open_now else None}


def per_client(a, b):
    """Growth per client from point a to point b."""
    n = (b["ws_connections_open"] or b["clients"]) - (a["ws_connections_open"] or a["clients"])
    if n <= 0 or None in (a["heap_used_kib"], b["heap_used_kib"], a["native_kib"], b["native_kib"]):
        return None
    heap = (b["heap_used_kib"] - a["heap_used_kib"]) / n
    native = (b["native_kib"] - a["native_kib"]) / n
    return {"clients": b["ws_connections_open"] or b["clients"], "from_clients": a["ws_connections_open"] or 0,
            "heap_kib_per_client": round(heap, 3), "native_kib_per_client": round(native, 3),
            "heap_plus_native_kib_per_client": round(heap + native, 3),
            "rss_kib_per_client": round((b["rss_kib"] - a["rss_kib"]) / n, 3), "gateway_fds": b["fds"]}


def memory(run, variant, rep, counts):
    """Idle registered clients held open by several load-generator processes, measured at each count in turn."""
    s = run.s
    label = f"r{rep}-memory-{variant.name}"
    with Servers(s, variant, run.work, label, extra_jvm=["-XX:NativeMemoryTracking=summary"]) as srv:
        g = srv.gateways[0]
        time.sleep(1)
        points = [memory_point(g, 0)]
        lgs, held = [], 0
        try:
            for target in counts:
                need = target - held
                while need > 0:
                    n = min(need, PER_PROCESS)
                    k = len(lgs)
                    base = 10 + 8 * k
                    lg = LoadGen(s, run.work, f"{label}-p{k}", srv.urls(),
                                 ["--connections", str(n), "--idle",
                                  "--source-addresses", f"127.0.1.{base}-127.0.1.{base + 7}",
                                  "--id-prefix", f"m{rep}p{k}"], s.idle_ramp, 0, 0, hold=s.idle_hold)
                    lgs.append(lg)
                    need -= n
                    held += n
                for lg in lgs:
                    if not lg.wait_mark("all-registered", s.idle_ramp + 60):
                        raise RuntimeError(f"{lg.label}: not every client registered")
                time.sleep(1)
                points.append(memory_point(g, held))
        finally:
            for lg in lgs:
                lg.send("release")
            for lg in lgs:
                lg.result()
    out = [per_client(points[0], p) for p in points[1:]]  # from the start: every cost, fixed ones included
    marginal = [per_client(a, b) for a, b in zip(points[1:], points[2:])]  # between counts: fixed costs cancel
    return {"load": "idle registered clients", "points": points, "per_client": [x for x in out if x],
            "marginal": [x for x in marginal if x]}


def dashboard(run, variant, rep, load):
    s = run.s
    conns, rate, viewers = load
    label = f"r{rep}-dashboard-{variant.name}"
    with Servers(s, variant, run.work, label) as srv:
        snaps = {}

        def tick(i):
            snaps[i] = (time.time(), sum(metric_samples(srv.gateways[0].metrics(),
                                                       "gateway_dashboard_tick_seconds_sum").values()))
        lg = LoadGen(s, run.work, label, srv.urls(),
                     ["--connections", str(conns), "--rate", str(rate), "--viewers", str(viewers),
                      "--measuring-viewers", "4", "--source-addresses", LOAD_SOURCES, "--id-prefix", f"d{rep}"],
                     s.ramp, s.warmup, s.duration,
                     on={"measure-start": lambda lg, ms: tick(0), "measure-end": lambda lg, ms: tick(1)})
        r = lg.result()
    share = (snaps[1][1] - snaps[0][1]) / max(snaps[1][0] - snaps[0][0], 1e-6)
    return {"load": f"{conns:,} at {rate:,}/s, {viewers} viewers", "loadgen": strip(r),
            "feed_tick_cpu_share": round(share, 5)}

# ---------------------------------------------------------------------------------------------------------------
# Fleet scenarios (issue 13): several gateway nodes on one Redis deployment. Each runs its own server variants
# (FLEET_VARIANTS), not the --variant list; the first named in a scenario is its baseline.

FLEET_VARIANTS = {
    "single": Variant("single", "standalone", 1, ["--fleet=false"]),
    "fleet-1": Variant("fleet-1", "standalone", 1),
    "fleet-2": Variant("fleet-2", "standalone", 2),
    "fleet-4": Variant("fleet-4", "standalone", 4),
    "cluster-1": Variant("cluster-1", "cluster", 1),
}
FLEET_THROUGHPUT = [FLEET_VARIANTS[k] for k in ("single", "fleet-1", "cluster-1", "fleet-2", "fleet-4")]


def api(g, path, timeout=5.0):
    return json.loads(http_get(f"http://127.0.0.1:{g.port}{path}", timeout=timeout)[1])


def matched(g, state, prefix):
    """How many clients whose id holds `prefix` a node lists in `state` (its view of the fleet)."""
    q = f"&q={urllib.parse.quote(prefix)}" if prefix else ""
    return api(g, f"/api/v1/clients?state={state}&limit=1{q}")["matched"]


def listed(g, state, prefix):
    """Every client whose id holds `prefix` a node lists in `state`: {id: fields}, page by page."""
    out, cursor = {}, None
    for _ in range(1000):
        page = api(g, f"/api/v1/clients?state={state}&limit=1000&q={urllib.parse.quote(prefix)}"
                      + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""))
        for c in page["clients"]:
            out[c["client_id"]] = c["fields"]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return out


def wait_for(what, check, timeout, every=0.1):
    """Polls `check` (bounded) until it returns a true value; returns it, or raises naming `what`."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = check()
            if last:
                return last
        except (OSError, urllib.error.URLError, ValueError, KeyError) as e:
            last = e
        time.sleep(every)
    raise RuntimeError(f"{what}: not within {timeout:.0f} s (last: {last})")


def parse_time(text):
    """Epoch seconds of the gateway's ISO timestamps (2026-11-28T17:45:20.001234+00:00)."""
    from datetime import datetime
    return datetime.fromisoformat(text).timestamp()


def pct(values, q):
    """The q-th percentile (nearest rank) of `values`, None when empty."""
    v = sorted(values)
    if not v:
        return None
    return v[min(len(v) - 1, max(0, math.ceil(q / 100.0 * len(v)) - 1))]


def fleet_throughput(run, variant, rep, load):
    """Max throughput (window mode) with the clients spread over the variant's nodes (they take the nodes in turn):
    total acks/s, CPU of every gateway together and Redis's commands per 1,000 updates."""
    row = throughput(run, variant, rep, load)
    row["nodes"] = variant.nodes
    return row


def fleet_freshness(run, variant, rep, load):
    """Clients spread over two nodes updating at a fixed rate (10,000 at once a second in the full run), viewers on
    each node's dashboard feed: the time from a client's send of an update to the delta carrying it at a viewer on
    the other node (what a user of node B's dashboard sees of a change on node A), feed interval included. On one
    node (fleet-1, single) the same load gives the ack-to-delta freshness and the CPU it costs without a peer."""
    s = run.s
    conns, rate, viewers = load
    label = f"r{rep}-ffresh-{variant.name}"
    with Servers(s, variant, run.work, label) as srv:
        snaps = {}
        lg = LoadGen(s, run.work, label, srv.urls(),
                     ["--connections", str(conns), "--rate", str(rate), "--viewers", str(viewers),
                      "--measuring-viewers", str(viewers), "--source-addresses", LOAD_SOURCES,
                      "--id-prefix", f"x{rep}"], s.ramp, s.warmup, s.duration, on=snapshots(srv, snaps))
        r = lg.result()
    if variant.nodes > 1 and not r.get("cross_node_freshness_us", {}).get("samples"):
        raise RuntimeError(f"{label}: no cross-node freshness sample")
    where = f"over {variant.nodes} nodes" if variant.nodes > 1 else "on one node"
    return {"load": f"{conns:,} at {rate:,}/s {where}, {viewers} viewers", "nodes": variant.nodes,
            "loadgen": strip(r), "window": window_figures(snaps[0], snaps[1], r["acks_per_s"], True)}


def fleet_command(run, variant, rep, load):
    """Cross-node command latency: FleetCommandProbe registers clients on node 0 and POSTs pause/resume on node 1,
    one at a time; from each request's send to its frame at the client, and to the HTTP answer. Then takeovers: a
    client of node 0 registers again on node 1; from that ack to the close (4001) of its connection on node 0."""
    s = run.s
    clients, commands, warmup, rate = load
    label = f"r{rep}-fcmd-{variant.name}"
    with Servers(s, variant, run.work, label) as srv:
        a, b = srv.gateways[0], srv.gateways[1]
        main = ["-cp", s.classpath or str(s.loadgen_jar), "io.serpentis.gateway.bench.FleetCommandProbe"]
        cmd = (["java"] + s.loadgen_jvm + [f"-Dbench.work={run.work}"] + main
               + ["--client-url", a.url, "--command-url", f"http://127.0.0.1:{b.port}", "--clients", str(clients),
                  "--commands", str(commands), "--warmup", str(warmup), "--rate", str(rate), "--id-prefix",
                  f"c{rep}", "--takeover-url", b.url, "--takeovers", str(max(20, commands // 5))])
        out = run.work / f"{label}.json"
        with open(out, "wb") as f:
            p = PROCS.spawn(cmd, run.work / f"{label}.log", stdout=f)
            try:
                p.wait(timeout=120 + (commands + warmup) / rate * 3)
            except subprocess.TimeoutExpired:
                PROCS.stop(p, timeout=10)
                raise RuntimeError(f"{label}: the probe did not finish in time")
            PROCS.forget(p)
        lines = [x for x in out.read_text().splitlines() if x.startswith("{")]
        if not lines:
            raise RuntimeError(f"{label}: the probe exited with {p.returncode} and no result line")
        r = json.loads(lines[-1])
        if p.returncode != 0:
            raise RuntimeError(f"{label}: the probe exited with {p.returncode}: {r.get('failures')}")
        m = metric_samples(b.metrics(), "gateway_fleet_commands_total")
    return {"load": f"{commands:,} commands at most {rate:g}/s to {clients} clients", "nodes": variant.nodes,
            "probe": r, "requester_commands_total": m}


def script_cost(run, variant, rep, load):
    """Redis's own CPU per client written by a live client's update: the plain pipelined HSET (single node), the
    fenced write script (fleet) and its first version, on a fresh standalone Redis (ScriptCost; the gateway's side
    and the network are not in the figure)."""
    s = run.s
    clients, per_call, rounds = load
    label = f"r{rep}-script-{variant.name}"
    redis = StandaloneRedis(shlex.split(s.redis_args))
    redis.start(run.work)
    try:
        main = ["-cp", s.classpath or str(s.loadgen_jar), "io.serpentis.gateway.store.ScriptCost"]
        cmd = (["java"] + s.loadgen_jvm + main + ["--redis-url", f"redis://127.0.0.1:{redis.port}", "--clients",
                                                 str(clients), "--per-call", str(per_call), "--rounds", str(rounds),
                                                 "--reps", "1"])
        out = run.work / f"{label}.json"
        with open(out, "wb") as f:
            p = PROCS.spawn(cmd, run.work / f"{label}.log", stdout=f)
            try:
                p.wait(timeout=300)
            except subprocess.TimeoutExpired:
                PROCS.stop(p, timeout=10)
                raise RuntimeError(f"{label}: ScriptCost did not finish in time")
            PROCS.forget(p)
        rows = [json.loads(x) for x in out.read_text().splitlines() if x.startswith("{")]
        if p.returncode != 0 or not rows:
            raise RuntimeError(f"{label}: ScriptCost exited with {p.returncode}")
    finally:
        redis.stop()
    return {"load": f"{clients:,} clients x {rounds} rounds, {per_call} a call", "script_cost": rows}


def fleet_failover(run, variant, rep, load):
    """kill -9 of a node holding idle registered clients, repeated: a survivor (node 0, up for longer than a lease
    first, as in a running fleet) is polled every 100 ms for the clients it lists as disconnected. Per client: from
    the kill, and from its last sign of life (its disconnect_time, which the survivor sets to it), to the first poll
    that shows it offline; and whether its status_detail is `Gateway node lost`. Each kill gets a fresh node (new
    id) and fresh clients."""
    s = run.s
    kills, clients = load
    label = f"r{rep}-ffail-{variant.name}"
    out = {"load": f"{kills} kill(s) of a node holding {clients:,} clients", "nodes": variant.nodes, "kills": []}
    with Servers(s, variant, run.work, label) as srv:
        survivor = srv.gateways[0]
        up_since = time.time()
        flags = srv.topology.gateway_flags() + srv.variant.flags
        for k in range(kills):
            victim = Gateway(s, 10 * rep + 100 + k, free_port(), flags, [], run.work, label)
            victim.start()
            try:
                victim.wait_ready()
            except RuntimeError:
                victim.stop()
                raise
            prefix = f"v{rep}k{k}-"
            lg = LoadGen(s, run.work, f"{label}-k{k}", [victim.url],
                         ["--connections", str(clients), "--idle", "--source-addresses", LOAD_SOURCES, "--id-prefix",
                          prefix[:-1]], 1 if s.quick else 3, 0, 0, hold=120)
            try:
                if not lg.wait_mark("all-registered", 60):
                    raise RuntimeError(f"{label}: kill {k}: not every client registered")
                wait_for(f"kill {k}: the survivor lists the victim's clients",
                         lambda: matched(survivor, "connected", prefix) >= clients, 30)
                # The survivor must have held its lease for a whole lease (10 s) before it may declare anyone lost.
                time.sleep(max(2.0, up_since + 13 - time.time()))
                os.kill(victim.pid, signal.SIGKILL)
                t_kill = time.time()
                victim.proc.wait(timeout=10)
                PROCS.forget(victim.proc)
                seen = {}
                deadline = t_kill + 60
                while len(seen) < clients and time.time() < deadline:
                    t = time.time()
                    for cid, fields in listed(survivor, "disconnected", prefix).items():
                        if cid not in seen:
                            seen[cid] = (t, fields)
                    time.sleep(max(0.0, t + 0.1 - time.time()))
            finally:
                victim.stop()  # by its PID; a no-op once killed
                lg.send("release")
                try:
                    lg.result()
                except RuntimeError as e:
                    log(f"{label}: kill {k}: {e}")
            from_kill = [t - t_kill for t, _ in seen.values()]
            from_sign = [t - parse_time(f["disconnect_time"]) for t, f in seen.values() if f.get("disconnect_time")]
            details = {}
            for _, f in seen.values():
                details[f.get("status_detail")] = details.get(f.get("status_detail"), 0) + 1
            sign_before_kill = [t_kill - parse_time(f["disconnect_time"]) for _, f in seen.values()
                                if f.get("disconnect_time")]
            out["kills"].append({
                "clients": clients, "offline": len(seen), "status_detail": details,
                "from_kill_s": [round(x, 3) for x in sorted(from_kill)],
                "from_last_sign_s": [round(x, 3) for x in sorted(from_sign)],
                "last_sign_before_kill_s": {"min": round(min(sign_before_kill), 3) if sign_before_kill else None,
                                            "max": round(max(sign_before_kill), 3) if sign_before_kill else None}})
            if len(seen) < clients:
                raise RuntimeError(f"{label}: kill {k}: only {len(seen)} of {clients} clients offline after 60 s")
    return out


def fleet_100k(run, variant, rep, load):
    """Point 8 of issue 13: `clients` idle registered clients over `nodes` gateway processes (fleet mode, one
    standalone Redis), from several load-generator processes of at most 15,000 connections each, every one on its
    own eight loopback source addresses. Then every node's `GET /api/v1/clients?state=connected` must report
    `matched` = clients; then each node's heap after a full GC, RSS and open files, and Redis's memory."""
    s = run.s
    nodes, clients = load
    v = Variant(f"fleet-{nodes}", "standalone", nodes)
    label = f"r{rep}-f100k-{nodes}"
    heap = ["-Xms512m", f"-Xmx{s.fleet_heap}"]
    ramp = max(2.0, clients / s.fleet_connect_rate)
    with Servers(s, v, run.work, label, extra_jvm=heap) as srv:
        lgs = []
        t0 = time.time()
        try:
            per = math.ceil(clients / math.ceil(clients / PER_PROCESS))
            k, left = 0, clients
            while left > 0:
                n = min(per, left)
                base = 10 + 8 * k
                # --reconnect: a client whose upgrade timed out on a starved node comes back until the release
                lgs.append(LoadGen(s, run.work, f"{label}-p{k}", srv.urls(),
                                   ["--connections", str(n), "--idle", "--reconnect",
                                    "--source-addresses", f"127.0.2.{base}-127.0.2.{base + 7}",
                                    "--id-prefix", f"h{rep}p{k}"], ramp, 0, 0, hold=2 * ramp + 900))
                left -= n
                k += 1
            for lg in lgs:
                if not lg.wait_mark("all-registered", max(0.0, t0 + 2 * ramp + 300 - time.time())):
                    raise RuntimeError(f"{lg.label}: not every client registered within twice the ramp + 300 s")
            t_registered = time.time()
            counts = {}

            def every_node_sees_all():
                for g in srv.gateways:
                    counts[g.index] = matched(g, "connected", "")
                return all(c == clients for c in counts.values())
            wait_for(f"every node lists {clients:,} connected", every_node_sees_all, 180, every=1.0)
            t_seen = time.time()
            per_node = []
            for g in srv.gateways:
                p = memory_point(g, clients)
                p.pop("nmt_committed_kib", None)
                p.pop("native_kib", None)
                p["node"] = f"bench-{g.index}"
                p["matched_connected"] = matched(g, "connected", "")
                per_node.append(p)
            redis_mem = redis_call(srv.topology.redis_ports()[0], "INFO", "memory")
            used = re.search(r"used_memory:(\d+)", redis_mem)
            rss = re.search(r"used_memory_rss:(\d+)", redis_mem)
        finally:
            for lg in lgs:
                lg.send("release")
            results = []
            for lg in lgs:
                try:
                    results.append(strip(lg.result()))
                except RuntimeError as e:
                    log(str(e))
    return {"load": f"{clients:,} idle clients over {nodes} nodes", "nodes": nodes, "clients": clients,
            "loadgen_processes": len(lgs), "registered_after_s": round(t_registered - t0, 1),
            "all_listed_after_registered_s": round(t_seen - t_registered, 1), "per_node": per_node,
            "redis_used_memory_kib": int(used.group(1)) // 1024 if used else None,
            "redis_rss_kib": int(rss.group(1)) // 1024 if rss else None,
            "loadgen": [{k: x.get(k) for k in ("connections_target", "registrations", "reconnects", "connect_failures",
                                               "errors")} for x in results]}


# name -> (function, which variants (all, baseline, or a list of fleet variants), loads in a full run, loads in a
# quick run)
SCENARIOS = {
    "throughput": (throughput, "all", [(100, 1), (100, 16), (1000, 4), (10000, 1)],
                   [(100, 1), (100, 16), (1000, 4)]),
    "rate": (fixed_rate, "all", [(1000, 20000)], [(500, 5000)]),
    "restart": (restart, "all", [(1000, 20000)], [(500, 5000)]),
    "memory": (memory, "all", [[10000, 19000]], [[1000, 2000]]),
    "dashboard": (dashboard, "baseline", [(10000, 10000, 50)], [(500, 500, 5)]),
    "fleet-throughput": (fleet_throughput, FLEET_THROUGHPUT, [(1000, 4)], [(200, 4)]),
    # fleet-1 and single: the same load on one node, with and without the fleet (no cross-node figure): what the
    # load costs this machine before any peer
    "fleet-freshness": (fleet_freshness, [FLEET_VARIANTS[k] for k in ("fleet-2", "fleet-1", "single")],
                        [(10000, 10000, 4)], [(500, 500, 2)]),
    "fleet-command": (fleet_command, [FLEET_VARIANTS["fleet-2"]], [(20, 1000, 100, 100)], [(10, 100, 20, 100)]),
    "fleet-failover": (fleet_failover, [FLEET_VARIANTS["fleet-1"]], [(2, 1000)], [(1, 100)]),
    "fleet-100k": (fleet_100k, "fleet", [(6, 100000)], [(3, 3000)]),
    "script-cost": (script_cost, [FLEET_VARIANTS["fleet-1"]], [(1000, 128, 100)], [(200, 128, 5)]),
}
# Run unless --scenarios says otherwise (fleet-100k, heavy, only when named).
DEFAULT_SCENARIOS = "throughput,rate,restart,memory,dashboard,fleet-throughput,fleet-freshness,fleet-command," \
                    "fleet-failover,script-cost"


def run_all(run):
    s = run.s
    variants = s.variants
    for rep in range(1, s.reps + 1):
        for name in s.scenarios:
            fn, which, full, quick = SCENARIOS[name]
            for load in (quick if s.quick else full):
                vs = variants if which == "all" else variants[:1] if which == "baseline" else \
                    [Variant(f"fleet-{load[0]}", "standalone", load[0])] if which == "fleet" else which
                k = (rep - 1) % len(vs)
                for v in vs[k:] + vs[:k]:  # each repetition starts with the next variant
                    run.order += 1
                    log(f"rep {rep}/{s.reps}: {name} {load} on {v.name}")
                    row = {"type": "result", "scenario": name, "variant": v.name, "rep": rep, "order": run.order,
                           "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
                    try:
                        row.update(fn(run, v, rep, load))
                        if name == "restart":
                            ref = next((x["loadgen"]["latency_us"]["p99"] / 1000 for x in run.rows
                                        if x.get("scenario") == "rate" and x["variant"] == v.name and x["rep"] == rep
                                        and x.get("target_rate") == load[1] and "loadgen" in x), None)
                            ref_from = "fixed-rate scenario, same repetition"
                            if ref is None:
                                ref, ref_from = row["restart"]["pre_restart_p99_ms"], "before the restart"
                            row["restart"]["steady_p99_ms"], row["restart"]["steady_from"] = ref, ref_from
                            row["restart"]["steady_after_s"] = steady_from(row["restart"]["seconds"], ref, load[1]) \
                                if ref else None
                    except Exception as e:  # noqa: BLE001 - recorded, the run goes on
                        run.failures += 1
                        row["error"] = f"{type(e).__name__}: {e}"
                        log(f"FAILED: {row['error']}")
                    run.emit(row)


# ---------------------------------------------------------------------------------------------------------------
# Main


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine():
    cpu = sh("lscpu | sed -n 's/^Model name:[ ]*//p'") or platform.processor()
    mem = sh("awk '/^MemTotal/ {printf \"%.1f\", $2 / 1048576}' /proc/meminfo")
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem, "kernel": platform.release(),
            "java": sh("java -version 2>&1 | head -2 | tail -1"),
            "redis": sh("redis-server --version"), "loadavg": sh("cat /proc/loadavg"),
            "open_files_limit": sh("ulimit -n")}


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="benchmarks/run.sh",
        description="Side-by-side benchmark of the gateway's server variants (embedded store, Redis, ...).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Scenarios: throughput (max acks/s, window mode), rate (fixed rate, latency from the intended send "
               "time, CPU per update), restart (a gateway restarted under the fixed-rate load), memory (idle "
               "registered clients: heap after a full GC, native, RSS), dashboard (feed freshness, baseline only); fleet "
               "scenarios on their own servers (single node with --fleet=false, 1, 2 and 4 fleet nodes, one node on "
               "a 3-master Cluster): fleet-throughput, fleet-freshness (cross-node dashboard freshness), "
               "fleet-command (cross-node command latency), fleet-failover (kill -9 detection), script-cost (Redis CPU "
               "per client written: plain HSET against the fenced script), and fleet-100k "
               "(100,000 idle clients over 6 nodes; only when named).")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run of every scenario with small loads and short windows (a minute or two)")
    p.add_argument("--reps", type=int, help="repetitions (default 3; 1 with --quick)")
    p.add_argument("--scenarios", default=DEFAULT_SCENARIOS,
                   help=f"comma-separated scenarios to run, in this order (default: {DEFAULT_SCENARIOS}; also "
                        "fleet-100k)")
    p.add_argument("--fleet-heap", default="2g", help="fleet-100k: each gateway's -Xmx (default 2g)")
    p.add_argument("--fleet-connect-rate", type=float, default=500.0,
                   help="fleet-100k: new connections a second over all load generators (default 500)")
    p.add_argument("--variant", action="append", type=Variant.parse, default=[], metavar="NAME:TOPOLOGY[*N][:FLAGS]",
                   help="an extra server variant beside embedded and redis (topologies: %s), e.g. "
                        "'durable:standalone:--redis-ack-mode durable'; repeatable" % ", ".join(sorted(TOPOLOGIES)))
    p.add_argument("--only-variants", help="comma-separated variant names to run (the first is the baseline)")
    p.add_argument("--ramp", type=parse_duration, help="ramp-up (default 5s; quick 1s)")
    p.add_argument("--warmup", type=parse_duration, help="warm-up at the measured load (default 15s; quick 1s)")
    p.add_argument("--duration", type=parse_duration, help="measured window (default 15s; quick 2s)")
    p.add_argument("--restart-observe", type=parse_duration, help="observation after a restart (default 30s; quick 6s)")
    p.add_argument("--gateway-jvm", default=os.environ.get("GATEWAY_JVM", DEFAULT_GATEWAY_JVM),
                   help=f"gateway JVM flags (default: the image's, '{DEFAULT_GATEWAY_JVM}')")
    p.add_argument("--loadgen-jvm", default=os.environ.get("LOADGEN_JVM", DEFAULT_LOADGEN_JVM),
                   help=f"load generator JVM flags (default '{DEFAULT_LOADGEN_JVM}')")
    p.add_argument("--redis-args", default="", help="extra redis-server arguments")
    p.add_argument("--classpath", help="run the gateway and the load generator from this class path (no jars, no "
                                       "build), as the smoke test does")
    p.add_argument("--no-build", action="store_true", help="use the jars as they are")
    p.add_argument("--results-dir", type=Path,
                   help="where the JSONL and Markdown go (default benchmarks/results; with --quick "
                        "benchmarks/target/bench-results)")
    p.add_argument("--keep-work", action="store_true", help="keep the logs and GC logs of every process")
    s = p.parse_args(argv)
    s.quick_defaults = {"ramp": 1, "warmup": 1, "duration": 2, "restart_observe": 6, "reps": 1}
    full = {"ramp": 5, "warmup": 15, "duration": 15, "restart_observe": 30, "reps": 3}
    for k, v in (s.quick_defaults if s.quick else full).items():
        if getattr(s, k) is None:
            setattr(s, k, v)
    s.restart_pre = 1 if s.quick else 3
    s.idle_ramp = 2 if s.quick else 20
    s.idle_hold = 300
    s.scenarios = [x.strip() for x in s.scenarios.split(",") if x.strip()]
    for x in s.scenarios:
        if x not in SCENARIOS:
            p.error(f"unknown scenario '{x}' (known: {', '.join(SCENARIOS)})")
    s.variants = [Variant("embedded", "none"), Variant("redis", "standalone")] + s.variant
    if s.only_variants:
        keep = [x.strip() for x in s.only_variants.split(",")]
        s.variants = [v for name in keep for v in s.variants if v.name == name]
        if not s.variants:
            p.error("--only-variants names no known variant")
    s.gateway_jvm = shlex.split(s.gateway_jvm)
    s.loadgen_jvm = shlex.split(s.loadgen_jvm)
    if s.results_dir is None:
        s.results_dir = ROOT / ("benchmarks/target/bench-results" if s.quick else "benchmarks/results")
    s.gateway_jar = ROOT / "gateway/target/serpentis-gateway.jar"
    s.loadgen_jar = ROOT / "benchmarks/target/benchmarks.jar"
    return s


def check_tools(s):
    need = ["java"]
    if any(v.topology != "none" for v in s.variants) or any(x.startswith("fleet") for x in s.scenarios):
        need.append("redis-server")
    if "fleet-throughput" in s.scenarios:
        need.append("redis-cli")
    if "memory" in s.scenarios or "fleet-100k" in s.scenarios:
        need.append("jcmd")
    if not s.classpath and not s.no_build:
        need.append("mvn")
    missing = [t for t in need if shutil.which(t) is None]
    if missing:
        sys.exit(f"run.sh needs {', '.join(missing)} on PATH")


def main(argv):
    s = parse_args(argv)
    check_tools(s)
    atexit.register(PROCS.stop_all)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda n, f: sys.exit(128 + n))
    if not s.classpath and not s.no_build:
        log("building (mvn -B -q -DskipTests -Pbench package)")
        subprocess.run(["mvn", "-B", "-q", "-DskipTests", "-Pbench", "package"], cwd=ROOT, check=True,
                       stdout=sys.stderr)  # stdout carries the report only
    if not s.classpath:
        for jar in (s.gateway_jar, s.loadgen_jar):
            if not jar.exists():
                sys.exit(f"{jar} is missing: build with mvn -Pbench package, or pass --classpath")
    commit = sh(f"git -C {shlex.quote(str(ROOT))} rev-parse --short HEAD") or "unknown"
    dirty = bool(sh(f"git -C {shlex.quote(str(ROOT))} status --porcelain --untracked-files=no"))
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    s.results_dir.mkdir(parents=True, exist_ok=True)
    name = f"{stamp}-{commit}{'-dirty' if dirty else ''}{'-quick' if s.quick else ''}"
    s.results_jsonl = s.results_dir / f"{name}.jsonl"
    run = Run(s)
    shown = ["<classpath>" if i > 0 and argv[i - 1] == "--classpath" else a for i, a in enumerate(argv)]
    meta = {"type": "run", "command": "benchmarks/run.sh " + " ".join(shlex.quote(a) for a in shown),
            "commit": commit, "dirty": dirty, "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": machine(), "quick": s.quick, "reps": s.reps, "ramp_s": s.ramp, "warmup_s": s.warmup,
            "duration_s": s.duration, "restart_observe_s": s.restart_observe, "restart_pre_s": s.restart_pre,
            "gateway_jvm": s.gateway_jvm, "loadgen_jvm": s.loadgen_jvm, "redis_args": s.redis_args,
            "gateway": (["java", "<gateway jvm>", "-cp", "<classpath>", GATEWAY_MAIN] if s.classpath else
                        ["java", "<gateway jvm>", "-jar", "gateway/target/serpentis-gateway.jar"])
            + ["--host", "127.0.0.1", "--port", "<free port>", "--node-id", "bench-<n>", "<topology flags>",
               "<variant flags>"],
            "loadgen": ["java", "<loadgen jvm>", "-cp", "benchmarks/target/benchmarks.jar", LOADGEN_MAIN,
                        "--url", "ws://127.0.0.1:<port>/ws", "--control-stdin", "--source-addresses", LOAD_SOURCES],
            "variants": [{"name": v.name, "topology": v.topology, "nodes": v.nodes, "flags": v.flags,
                          "describe": v.describe()} for v in s.variants],
            "fleet_variants": [{"name": v.name, "topology": v.topology, "nodes": v.nodes, "flags": v.flags,
                                "describe": v.describe()} for v in FLEET_VARIANTS.values()],
            "scenarios": s.scenarios}
    run.emit(meta)
    log(f"results: {s.results_jsonl}; work directory: {run.work}")
    try:
        run_all(run)
    finally:
        PROCS.stop_all()
    run.emit({"type": "end", "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "loadavg": sh("cat /proc/loadavg"), "failures": run.failures})
    md = s.results_dir / f"{name}.md"
    subprocess.run([sys.executable, str(ROOT / "benchmarks/report.py"), str(s.results_jsonl), "--out", str(md)],
                   check=True)
    sys.stdout.write(md.read_text())
    log(f"wrote {s.results_jsonl} and {md}")
    if s.keep_work or run.failures:
        log(f"logs kept in {run.work}")
    else:
        shutil.rmtree(run.work, ignore_errors=True)
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

import json, os, platform, statistics, subprocess, sys
"""Writes the benchmark report (markdown) from run.sh's results: one JSON object per line, one per repetition."""
results, out, started, finished, reps, duration, warmup, ramp, gw_jvm, lg_jvm = sys.argv[1:11]
rows = [json.loads(l) for l in open(results)]

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return "n/a"

def med(scenario, store, key, sub=None):
    v = [(r[key][sub] if sub else r[key]) for r in rows if r["scenario"] == scenario and r["store"] == store]
    v = [x for x in v if isinstance(x, (int, float))]
    return statistics.median(v) if v else None

def fmt(x, unit=""):
    if x is None:
        return "n/a"
    if isinstance(x, float) and x >= 100:
        x = round(x)
    return f"{x:,}{unit}" if isinstance(x, int) else f"{x:,.1f}{unit}"

cpu = sh("lscpu | sed -n 's/^Model name:[ ]*//p'") or platform.processor()
lines = []
w = lines.append
w("# Benchmarks")
w("")
w("Produced by `benchmarks/run.sh`; do not edit the figures by hand. The load generator runs on the same machine as")
w("the gateway and takes about half the CPU, so compare figures measured in one run, not absolute figures across")
w("runs or machines. Each figure is the median of the repetitions; latency is send to ack, in milliseconds.")
w("")
w("## Machine and settings")
w("")
w(f"- Run: {started} to {finished}, commit `{sh('git rev-parse --short HEAD')}`")
mem = sh("free -g | awk '/^Mem/ {print $2}'")
w(f"- CPU: {cpu}, {os.cpu_count()} cores; memory: {mem} GiB; kernel {platform.release()}")
w(f"- JVM: {sh('java -version 2>&1 | head -2 | tail -1')}")
w(f"- Redis: {sh('redis-server --version')}")
w(f"- Gateway JVM flags: `{gw_jvm}`; load generator JVM flags: `{lg_jvm}`")
w(f"- Each scenario: {reps} repetition(s), ramp-up {ramp}, warm-up {warmup}, measured {duration}; a fresh gateway per repetition")
w("- Gateway: `java <flags> -jar gateway/target/serpentis-gateway.jar --host 127.0.0.1 --port 18080 [--redis-url redis://127.0.0.1:16379]`")
w("- Load: `java <flags> -cp benchmarks/target/benchmarks.jar io.serpentis.gateway.bench.LoadGenerator --url ws://127.0.0.1:18080/ws --connections N (--window W | --rate R | --idle) --source-addresses 127.0.0.2-127.0.0.9`")
w("")
w("## Ack throughput and latency (window mode)")
w("")
w("| scenario | store | acks/s | p50 ms | p99 ms | p99.9 ms | errors | Redis commands per 1,000 updates | Redis writes per 1,000 updates | write lag p99 ms |")
w("|---|---|---|---|---|---|---|---|---|---|")
for sc in ["throughput 100x16", "throughput 1000x4", "throughput 10000x1"]:
    for st in ["embedded", "redis"]:
        acks = med(sc, st, "acks_per_s")
        if acks is None:
            continue
        runs = [r for r in rows if r["scenario"] == sc and r["store"] == st and "redis_commands" in r]
        # Redis counters cover the whole run (ramp-up and warm-up too): divide by every ack of the run.
        per_k = statistics.median([r["redis_commands"] * 1000.0 / r["acks_total"] for r in runs]) if runs else None
        wps = statistics.median([r["redis_writes"] * 1000.0 / r["acks_total"] for r in runs]) if runs else None
        w(f"| {sc.split()[1].replace('x', ' x window ')} | {st} | {fmt(acks)} | {fmt(med(sc, st, 'latency_us', 'p50') / 1000.0)} | "
          f"{fmt(med(sc, st, 'latency_us', 'p99') / 1000.0)} | {fmt(med(sc, st, 'latency_us', 'p999') / 1000.0)} | "
          f"{fmt(med(sc, st, 'errors'))} | {fmt(per_k) if per_k is not None else '-'} | {fmt(wps) if wps is not None else '-'} | "
          f"{fmt(med(sc, st, 'write_lag_p99_ms')) if st == 'redis' else '-'} |")
w("")
e = med("throughput 1000x4", "embedded", "acks_per_s")
r = med("throughput 1000x4", "redis", "acks_per_s")
if e and r:
    w(f"Redis at 1,000 x 4 reaches {100.0 * r / e:.0f}% of the embedded store's throughput in the same run.")
    w("With Redis every acknowledged update is persisted: updates of one client between two bursts are coalesced into")
    w("one write, so Redis sees far fewer writes than updates. A write is one client's hash written (one `HSET`, sent")
    w("directly or from the version-guard script); commands count everything Redis executed, script internals included.")
    w("")
w("Write lag: from an acknowledged update to its write reaching Redis (the gateway's `gateway_redis_write_lag_seconds`")
w("histogram over the measured period, interpolated within its buckets).")
w("")
w("## Latency at a fixed rate (1,000 connections)")
w("")
w("| scenario | store | target/s | acks/s | p50 ms | p99 ms | p99.9 ms | max ms | Redis write lag p99 ms |")
w("|---|---|---|---|---|---|---|---|---|")
for sc in ["half of max rate", "fixed 20000/s"]:
    for st in ["embedded", "redis"]:
        acks = med(sc, st, "acks_per_s")
        if acks is None:
            continue
        w(f"| {sc} | {st} | {fmt(med(sc, st, 'target_rate'))} | {fmt(acks)} | {fmt(med(sc, st, 'latency_us', 'p50') / 1000.0)} | "
          f"{fmt(med(sc, st, 'latency_us', 'p99') / 1000.0)} | {fmt(med(sc, st, 'latency_us', 'p999') / 1000.0)} | "
          f"{fmt(med(sc, st, 'latency_us', 'max') / 1000.0)} | {fmt(med(sc, st, 'write_lag_p99_ms')) if st == 'redis' else '-'} |")
w("")
w("## Dashboard feed: 10,000 clients updating once a second, 50 viewers")
w("")
w("| acks/s | ack p99 ms | viewers held | deltas seen | delta freshness p50 ms | p99 ms | max ms | feed thread CPU |")
w("|---|---|---|---|---|---|---|---|")
for rr in [x for x in rows if x["scenario"].startswith("dashboard")]:
    f = rr.get("delta_freshness_us", {})
    w(f"| {rr['acks_per_s']:,.0f} | {rr['latency_us']['p99'] / 1000.0:.1f} | {rr.get('viewers_held', 0)} | "
      f"{rr.get('deltas', 0):,} | {f.get('p50', 0) / 1000.0:.0f} | {f.get('p99', 0) / 1000.0:.0f} | "
      f"{f.get('max', 0) / 1000.0:.0f} | {rr.get('feed_cpu_percent', 'n/a')}% of one core |")
w("")
w("Freshness: from the ack of an update to the arrival, at a viewer, of the delta that carries it (measured by")
w("the load generator on 4 of the 50 viewers). The feed ticks every 250 ms, so about 125 ms is the expected median.")
w("")
w("## Idle connections held by one gateway process")
w("")
w("| connections held | registered | gateway RSS before | after | per connection | heap before | heap after | gateway fds |")
w("|---|---|---|---|---|---|---|---|")
for rr in [x for x in rows if x["scenario"] == "idle connections"]:
    held = rr["connections_held"]
    per = (rr["rss_after_kib"] - rr["rss_before_kib"]) / held if held else 0
    w(f"| {held:,} | {rr['registered']:,} | {rr['rss_before_kib'] / 1024:.0f} MiB | {rr['rss_after_kib'] / 1024:.0f} MiB | "
      f"{per:.1f} KiB | {rr['heap_before_mib']} MiB | {rr['heap_after_mib']} MiB | {rr['gateway_fds']:,} |")
w("")
w("RSS is measured after a full GC at idle baseline and again with every connection open and registered; the")
w("gateway's heap is fixed (`-Xms1g -Xmx1g -XX:+AlwaysPreTouch`), so RSS growth is direct memory, thread stacks and")
w("kernel-side socket buffers are not counted.")
w("")
w("## Raw results")
w("")
w("<details><summary>one JSON line per repetition</summary>")
w("")
w("```")
for rr in rows:
    w(json.dumps(rr))
w("```")
w("</details>")
w("")
open(out + ".run", "w").write("\n".join(lines) + "\n")

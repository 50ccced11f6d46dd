#!/usr/bin/env bash
# Side-by-side benchmark of the gateway's server variants: the embedded store (the baseline), Redis, and any extra
# variant given with --variant. Builds the gateway and benchmarks jars, then for each repetition runs every scenario
# on every variant one after the other (fresh processes each time, the order rotating between repetitions), and
# writes one JSON line per measurement plus a Markdown report (one table per scenario, ratios against the embedded
# store, Redis's own CPU, commands and write lag beside every Redis figure) under benchmarks/results/, ready to
# paste into BENCHMARKS.md. It does not edit BENCHMARKS.md.
#
# Usage: benchmarks/run.sh                  the full run: 3 repetitions of every scenario (about an hour)
#        benchmarks/run.sh --quick          every scenario once, small and short (a minute or two; results under
#                                           benchmarks/target/bench-results)
#        benchmarks/run.sh --help           every option (scenarios, variants, durations, JVM flags)
# Scenarios: max throughput at 100 x 1, 100 x 16, 1,000 x 4 and 10,000 x 1 (clients x window); a fixed 20,000/s over
# 1,000 clients (latency from the intended send time); a gateway restarted under that load; memory per idle
# registered client at 10,000 and 19,000; the dashboard feed (baseline only). Fleet scenarios (issue 13; their own
# servers: one gateway with --fleet=false, 1, 2 and 4 fleet nodes on one standalone Redis, one node on a 3-master
# Redis Cluster): total throughput and Redis commands over N nodes, cross-node dashboard freshness (10,000 clients
# once a second over 2 nodes), cross-node command latency, failover detection after kill -9 of a node; and, only
# when named (--scenarios fleet-100k), 100,000 idle clients over 6 gateway processes with each node's heap and RSS.
# Needs: python3 (the driver, benchmarks/bench.py, and report.py: standard library only), a JDK 17+ (java, and jcmd
# for the memory and fleet-100k scenarios), redis-server for Redis variants and fleet scenarios (redis-cli for the
# Cluster), Maven unless --no-build or --classpath.
# Everything binds to loopback; every wait and every load is bounded in time; the script stops only the processes
# it started, by PID.
set -euo pipefail
command -v python3 >/dev/null || { echo "run.sh needs python3 on PATH" >&2; exit 2; }
exec python3 "$(cd "$(dirname "$0")" && pwd)/bench.py" "$@"

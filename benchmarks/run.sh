#!/usr/bin/env bash
# Reproducible benchmark report: builds the gateway and the benchmarks jar, starts redis-server and the gateway on
# loopback with fixed JVM settings, runs a fixed scenario matrix with the load generator, stops everything it
# started, and writes the results (machine, JVM, command lines, medians of repeated runs) into BENCHMARKS.md.
#
# Usage: benchmarks/run.sh            the full matrix (about 30 minutes)
#        QUICK=1 benchmarks/run.sh    one short repetition of each scenario (a few minutes; for trying it out)
# Needs: a JDK 17+, Maven, redis-server and redis-cli on PATH, python3 (for the summary), curl.
# Everything binds to loopback; every load loop is bounded in count and time.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${OUT:-$ROOT/BENCHMARKS.md}
REPS=${REPS:-3}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-15s}
RAMP=${RAMP:-5s}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-19000}
if [[ "${QUICK:-0}" == 1 ]]; then
  REPS=1; DURATION=5s; WARMUP=2s; RAMP=3s; IDLE_CONNECTIONS=${IDLE_CONNECTIONS_QUICK:-4000}
fi
GW_JVM=(-Xms1g -Xmx1g -XX:MaxDirectMemorySize=512m -XX:+UseG1GC -XX:+AlwaysPreTouch)
LG_JVM=(-Xms512m -Xmx1g)
GW_PORT=${GW_PORT:-18080}
REDIS_PORT=${REDIS_PORT:-16379}
WORK=$(mktemp -d -t serpentis-bench.XXXXXX)
GW_PID=""
REDIS_PID=""

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

cleanup() {
  [[ -n "$GW_PID" ]] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null || true
  [[ -n "$REDIS_PID" ]] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null || true
  pkill -f "io.serpentis.gateway.bench.LoadGenerator" 2>/dev/null || true
}
trap cleanup EXIT

for tool in java mvn redis-server redis-cli python3 curl; do
  command -v "$tool" >/dev/null || { echo "run.sh needs $tool on PATH" >&2; exit 2; }
done

log "building (mvn -Pbench package)"
mvn -B -q -DskipTests -Pbench package
GW_JAR=$ROOT/gateway/target/serpentis-gateway.jar
LG_JAR=$ROOT/benchmarks/target/benchmarks.jar

start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --protected-mode no \
    --dir "$WORK" --logfile "$WORK/redis.log" &
  REDIS_PID=$!
  for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "redis-server did not start" >&2; exit 1
}

# start_gateway <embedded|redis> [extra gateway flags...]
start_gateway() {
  local store=$1; shift
  local flags=(--host 127.0.0.1 --port "$GW_PORT" "$@")
  if [[ "$store" == redis ]]; then
    redis-cli -p "$REDIS_PORT" flushall >/dev/null
    redis-cli -p "$REDIS_PORT" config resetstat >/dev/null
    flags+=(--redis-url "redis://127.0.0.1:$REDIS_PORT")
  fi
  java "${GW_JVM[@]}" -jar "$GW_JAR" "${flags[@]}" >"$WORK/gateway.log" 2>&1 &
  GW_PID=$!
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$GW_PORT/readyz" >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "gateway did not become ready; see $WORK/gateway.log" >&2; exit 1
}

stop_gateway() {
  kill "$GW_PID" 2>/dev/null || true
  wait "$GW_PID" 2>/dev/null || true
  GW_PID=""
}

# loadgen <result file> <args...>: one load-generator process
loadgen() {
  local out=$1; shift
  java "${LG_JVM[@]}" -cp "$LG_JAR" io.serpentis.gateway.bench.LoadGenerator \
    --url "ws://127.0.0.1:$GW_PORT/ws" --ramp-up "$RAMP" --warmup "$WARMUP" --duration "$DURATION" "$@" \
    >"$out" 2>>"$WORK/loadgen.log"
}

RESULTS=$WORK/results.jsonl
: >"$RESULTS"
# record <scenario> <store> <result file> [extra json]
record() {
  python3 - "$1" "$2" "$3" "${4:-{\}}" >>"$RESULTS" <<'PY'
import json, sys
scenario, store, path, extra = sys.argv[1:5]
line = [l for l in open(path) if l.startswith("{")][-1]
r = json.loads(line); r.pop("histogram", None)
r.update({"scenario": scenario, "store": store}); r.update(json.loads(extra))
print(json.dumps(r))
PY
}

secs() { local d=$1; d=${d%s}; echo "$d"; }

# lag_scrape <file>: the write-lag histogram's buckets from the gateway's /metrics
lag_scrape() {
  curl -sf "http://127.0.0.1:$GW_PORT/metrics" | grep '^gateway_redis_write_lag_seconds_bucket' >"$1" || true
}

# lag_p99 <before> <after>: p99 (ms, interpolated within buckets) and the share under 50 ms, between two scrapes
lag_p99() {
  python3 - "$1" "$2" <<'PY'
import re, sys
def load(path):
    b = {}
    for line in open(path):
        m = re.search(r'le="([^"]+)"\}\s+(\S+)', line)
        if m:
            b[float("inf") if m.group(1) == "+Inf" else float(m.group(1))] = float(m.group(2))
    return b
a, z = load(sys.argv[1]), load(sys.argv[2])
les = sorted(z)
d = [(le, z[le] - a.get(le, 0.0)) for le in les]
total = d[-1][1] if d else 0
if total <= 0:
    print('{"write_lag_p99_ms": null, "write_lag_under_50ms": null}'); sys.exit()
target, prev_le, prev_c, p99 = 0.99 * total, 0.0, 0.0, None
for le, c in d:
    if c >= target:
        p99 = le if le == float("inf") else prev_le + (le - prev_le) * (target - prev_c) / max(c - prev_c, 1e-9)
        break
    prev_le, prev_c = le, c
under = dict(d).get(0.05, 0) / total
print('{"write_lag_p99_ms": %s, "write_lag_under_50ms": %.4f}' % ("null" if p99 in (None, float("inf")) else round(p99 * 1000, 1), under))
PY
}

redis_stat() { redis-cli -p "$REDIS_PORT" info "$1" | tr -d '\r'; }
commands_total() { redis_stat stats | awk -F: '/^total_commands_processed/ {print $2}'; }
# One HSET per client written, whether sent directly (a live client's update) or from the version-guard script.
hset_calls() { redis_stat commandstats | sed -n 's/^cmdstat_hset:calls=\([0-9]*\).*/\1/p'; }

# throughput <store> <connections> <window>
throughput() {
  local store=$1 conns=$2 window=$3
  for rep in $(seq "$REPS"); do
    start_gateway "$store"
    local c0=0 e0=0
    [[ "$store" == redis ]] && { c0=$(commands_total); e0=$(hset_calls); e0=${e0:-0}; }
    log "throughput $store ${conns}x${window} rep $rep"
    [[ "$store" == redis ]] && (sleep "$(( $(secs "$RAMP") + $(secs "$WARMUP") ))"; lag_scrape "$WORK/lag0") &
    loadgen "$WORK/r.json" --connections "$conns" --window "$window" \
      --source-addresses 127.0.0.2-127.0.0.9 --id-prefix "t$rep"
    local extra='{}'
    if [[ "$store" == redis ]]; then
      lag_scrape "$WORK/lag1"
      sleep 1 # let the write-behind finish the last burst
      local c1 e1; c1=$(commands_total); e1=$(hset_calls); e1=${e1:-0}
      local lag; lag=$(lag_p99 "$WORK/lag0" "$WORK/lag1")
      extra=$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); d.update(redis_commands=$((c1 - c0)), redis_writes=$((e1 - e0))); print(json.dumps(d))" "$lag")
    fi
    record "throughput ${conns}x${window}" "$store" "$WORK/r.json" "$extra"
    stop_gateway
  done
}

# rate <store> <connections> <rate> <label>
rate() {
  local store=$1 conns=$2 rate=$3 label=$4
  for rep in $(seq "$REPS"); do
    start_gateway "$store"
    log "$label $store ${conns} clients at ${rate}/s rep $rep"
    [[ "$store" == redis ]] && (sleep "$(( $(secs "$RAMP") + $(secs "$WARMUP") ))"; lag_scrape "$WORK/lag0") &
    loadgen "$WORK/r.json" --connections "$conns" --rate "$rate" --source-addresses 127.0.0.2-127.0.0.9 \
      --id-prefix "r$rep"
    local extra="{\"target_rate\": $rate}"
    if [[ "$store" == redis ]]; then
      lag_scrape "$WORK/lag1"
      extra=$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); d.update(target_rate=$rate); print(json.dumps(d))" "$(lag_p99 "$WORK/lag0" "$WORK/lag1")")
    fi
    record "$label" "$store" "$WORK/r.json" "$extra"
    stop_gateway
  done
}

median_acks() {
  python3 - "$RESULTS" "$1" "$2" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
v = [r["acks_per_s"] for r in rows if r["scenario"] == sys.argv[2] and r["store"] == sys.argv[3]]
print(int(statistics.median(v)) if v else 0)
PY
}

metric_sum() { # metric_sum <name>: the sum of every sample of one metric on /metrics
  curl -sf "http://127.0.0.1:$GW_PORT/metrics" | awk -v m="$1" '$1 ~ "^"m"({|$)" {s += $NF} END {printf "%.6f", s}'
}

dashboard() {
  for rep in $(seq "$REPS"); do
    start_gateway embedded
    log "dashboard: 10000 clients at 10000/s with 50 viewers, rep $rep"
    local t0 w0; t0=$(metric_sum gateway_dashboard_tick_seconds_sum); w0=$(date +%s.%N)
    loadgen "$WORK/r.json" --connections 10000 --rate 10000 --viewers 50 --measuring-viewers 4 \
      --source-addresses 127.0.0.2-127.0.0.9 --id-prefix "d$rep"
    local t1 w1; t1=$(metric_sum gateway_dashboard_tick_seconds_sum); w1=$(date +%s.%N)
    local share; share=$(python3 -c "print(round(100 * ($t1 - $t0) / ($w1 - $w0), 2))")
    record "dashboard 10000 clients, 50 viewers" embedded "$WORK/r.json" "{\"feed_cpu_percent\": $share}"
    stop_gateway
  done
}

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$GW_PID/status"; }
heap_used_mib() {
  jcmd "$GW_PID" GC.heap_info 2>/dev/null | sed -n 's/.*heap.*used \([0-9]*\)K.*/\1/p' | head -1 \
    | awk '{printf "%.1f", $1 / 1024}'
}
gc_gateway() { jcmd "$GW_PID" GC.run >/dev/null 2>&1 || true; sleep 2; }

idle() {
  local total=$IDLE_CONNECTIONS half=$((IDLE_CONNECTIONS / 2))
  for rep in $(seq "$REPS"); do
    start_gateway embedded
    sleep 2; gc_gateway
    local rss0 heap0; rss0=$(rss_kib); heap0=$(heap_used_mib)
    log "idle: $total connections over 2 load-generator processes, rep $rep"
    # Two processes (one would reach the 20,000 open-file cap), each over its own source addresses.
    java "${LG_JVM[@]}" -cp "$LG_JAR" io.serpentis.gateway.bench.LoadGenerator --url "ws://127.0.0.1:$GW_PORT/ws" \
      --connections "$half" --idle --ramp-up 20s --warmup 5s --duration 5s --hold 20s \
      --source-addresses 127.0.0.10-127.0.0.13 --id-prefix "ia$rep" >"$WORK/ia.json" 2>>"$WORK/loadgen.log" &
    local pa=$!
    java "${LG_JVM[@]}" -cp "$LG_JAR" io.serpentis.gateway.bench.LoadGenerator --url "ws://127.0.0.1:$GW_PORT/ws" \
      --connections "$((total - half))" --idle --ramp-up 20s --warmup 5s --duration 5s --hold 20s \
      --source-addresses 127.0.0.14-127.0.0.17 --id-prefix "ib$rep" >"$WORK/ib.json" 2>>"$WORK/loadgen.log" &
    local pb=$!
    sleep 35 # ramp-up + warm-up + measurement: every connection is open and registered
    gc_gateway
    local rss1 heap1 fds; rss1=$(rss_kib); heap1=$(heap_used_mib); fds=$(ls "/proc/$GW_PID/fd" | wc -l)
    wait "$pa" "$pb" || true
    java -cp "$LG_JAR" io.serpentis.gateway.bench.LoadGenerator merge "$WORK/ia.json" "$WORK/ib.json" >"$WORK/idle.json"
    record "idle connections" embedded "$WORK/idle.json" \
      "{\"rss_before_kib\": $rss0, \"rss_after_kib\": $rss1, \"heap_before_mib\": \"$heap0\", \"heap_after_mib\": \"$heap1\", \"gateway_fds\": $fds}"
    stop_gateway
  done
}

STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
start_redis
for store in embedded redis; do
  throughput "$store" 100 16
  throughput "$store" 1000 4
  throughput "$store" 10000 1
done
MAX_EMBEDDED=$(median_acks "throughput 1000x4" embedded)
MAX_REDIS=$(median_acks "throughput 1000x4" redis)
rate embedded 1000 $((MAX_EMBEDDED / 2)) "half of max rate"
rate redis 1000 $((MAX_REDIS / 2)) "half of max rate"
rate embedded 1000 20000 "fixed 20000/s"
rate redis 1000 20000 "fixed 20000/s"
dashboard
idle
FINISHED=$(date -u +%Y-%m-%dT%H:%M:%SZ)

log "writing $OUT"
mkdir -p "$ROOT/benchmarks/results"
cp "$RESULTS" "$ROOT/benchmarks/results/$(date -u +%Y%m%d-%H%M%S)-$(git rev-parse --short HEAD).jsonl"
python3 "$ROOT/benchmarks/report.py" "$RESULTS" "$OUT" "$STARTED" "$FINISHED" "$REPS" "$DURATION" "$WARMUP" "$RAMP" \
  "${GW_JVM[*]}" "${LG_JVM[*]}"
# Keep hand-written sections (JMH results, profiles) below the generated part.
if [[ -f "$OUT" ]] && grep -q '^<!-- hand-written -->' "$OUT"; then
  sed -n '/^<!-- hand-written -->/,$p' "$OUT" >>"$OUT.run"
fi
mv "$OUT.run" "$OUT"
log "done: $OUT"

#!/usr/bin/env bash
# How long a fresh standby takes to be ready behind a primary holding many nodes, and what the sync costs in memory.
#   bash bench/server/standby-sync.sh [FILL_SECONDS] [ROUNDS]      e.g.  bash bench/server/standby-sync.sh 8 2
# With STANDBY_SYNC_DATA=DIR the filled primary's data directory is kept there and reused by later runs (to compare
# two builds on the same registry).
# A primary is filled by `registry loadgen --op register` for FILL_SECONDS (about 40k nodes a second here), stopped,
# and restarted with its saves off; then, ROUNDS times, a new standby subscribes and the script waits until the
# standby's /readyz says ready. One JSON line per round: nodes, ready_ms, the primary's capture pause under the
# registry lock, the resident memory of both afterwards, and the peaks (VmHWM) of both during the sync (the primary's
# peak is reset before each round through /proc/PID/clear_refs), and what the round cost the primary's collector (bytes
# allocated, gen2 collections, pause time). Not part of CI; numbers in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
fill=${1:-8}; rounds=${2:-2}
dotnet build -c Release src/Registry.Cli -v quiet -nologo >/dev/null
bin=src/Registry.Cli/bin/Release/net10.0/registry
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_line() { for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
peak_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
metric() { curl -s "127.0.0.1:$1/metrics" | awk -v name="$2" '$1 == name {print $2}'; }
gc_sample() { # allocated bytes, gen2 collections, pause seconds of the process behind metrics port $1
  echo "$(metric "$1" dotnet_gc_heap_total_allocated_bytes_total) $(metric "$1" 'dotnet_gc_collections_total{gc_heap_generation="gen2"}') $(metric "$1" dotnet_gc_pause_time_seconds_total)"
}

if [[ -n "${STANDBY_SYNC_DATA:-}" && -d "$STANDBY_SYNC_DATA" ]]; then
  cp -r "$STANDBY_SYNC_DATA" "$work/p"
else
  port=$(free_port)
  Registry__RateLimit=false "$bin" serve --data "$work/p" --listen "127.0.0.1:$port" >"$work/fill.log" 2>&1 &
  fill_pid=$!
  wait_line "$work/fill.log" "listening"
  "$bin" loadgen --server "127.0.0.1:$port" --clients 64 --duration "$fill" --op register --json >/dev/null
  kill -TERM "$fill_pid"; wait "$fill_pid" || true
  [[ -z "${STANDBY_SYNC_DATA:-}" ]] || cp -r "$work/p" "$STANDBY_SYNC_DATA"
fi

port=$(free_port); metrics=$(free_port)
Registry__RateLimit=false Registry__SaveInterval=01:00:00 Registry__SnapshotAfterEntries=100000000 Registry__StaleAfter=24:00:00 \
  "$bin" serve --data "$work/p" --listen "127.0.0.1:$port" --replication-token bench --metrics-listen "127.0.0.1:$metrics" >"$work/p.log" 2>&1 &
primary=$!
wait_line "$work/p.log" "listening"
nodes=$(grep -o 'last_seq=[0-9]*' "$work/p.log" | head -1 | cut -d= -f2)

for round in $(seq "$rounds"); do
  rm -rf "$work/s"
  sport=$(free_port); smetrics=$(free_port)
  pause_before=$(metric "$metrics" registry_snapshot_capture_pause_seconds_sum); pause_before=${pause_before:-0}
  echo 5 >"/proc/$primary/clear_refs"
  gc_before=$(gc_sample "$metrics")
  start=$(date +%s%N)
  "$bin" serve --data "$work/s" --listen "127.0.0.1:$sport" --replication-token bench --standby-of "127.0.0.1:$port" \
    --metrics-listen "127.0.0.1:$smetrics" >"$work/s.log" 2>&1 &
  standby=$!
  until [[ "$(curl -s "127.0.0.1:$smetrics/readyz")" == "ready" ]]; do sleep 0.05; done
  ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  pause_after=$(metric "$metrics" registry_snapshot_capture_pause_seconds_sum)
  gc_after=$(gc_sample "$metrics")
  python3 - "$round" "$nodes" "$ready_ms" "$pause_before" "$pause_after" "$(rss_kb "$primary")" "$(peak_kb "$primary")" "$(rss_kb "$standby")" "$(peak_kb "$standby")" "$gc_before" "$gc_after" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
r, nodes, ready, before, after, prss, ppeak, srss, speak, gc_before, gc_after, load = sys.argv[1:]
gc = [float(a) - float(b) for a, b in zip(gc_after.split(), gc_before.split())]
print(json.dumps({"round": int(r), "sequence": int(nodes), "ready_ms": int(ready),
                  "capture_pause_ms": round((float(after) - float(before)) * 1000, 1),
                  "primary_rss_mb": round(int(prss) / 1024), "primary_peak_rss_mb": round(int(ppeak) / 1024), "standby_rss_mb": round(int(srss) / 1024),
                  "standby_peak_rss_mb": round(int(speak) / 1024),
                  "primary_allocated_mb": round(gc[0] / 2**20), "primary_gen2": int(gc[1]), "primary_gc_pause_ms": round(gc[2] * 1000),
                  "load_average": float(load)}))
PY
  kill -TERM "$standby"; wait "$standby" || true
done

#!/usr/bin/env bash
# The latency tail right after a restart: a server started on a copy of DATA_DIR (a filled registry, e.g. the one
# `STANDBY_SYNC_DATA=DIR bash bench/server/standby-sync.sh` keeps) is loaded at once, before any warm-up.
#   bash bench/server/restart-tail.sh DATA_DIR [ROUNDS]
# One JSON line per round: ms to the "listening" line, register throughput and tail over the first 3 s, requests
# the server took over 100 ms to answer, and GC pause time during start-up and during those 3 s. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:?usage: restart-tail.sh DATA_DIR [ROUNDS]}; rounds=${2:-2}
dotnet build -c Release src/Registry.Cli -v quiet -nologo >/dev/null
bin=src/Registry.Cli/bin/Release/net10.0/registry
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
scrape() { curl -s "127.0.0.1:$1/metrics"; }

for round in $(seq "$rounds"); do
  rm -rf "$work/d"; cp -r "$data" "$work/d"
  port=$(free_port); metrics=$(free_port)
  start=$(date +%s%N)
  Registry__RateLimit=false "$bin" serve --data "$work/d" --listen "127.0.0.1:$port" --metrics-listen "127.0.0.1:$metrics" >"$work/log" 2>&1 &
  server=$!
  until grep -q listening "$work/log"; do sleep 0.02; done
  ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  scrape "$metrics" >"$work/before"
  # The load generator without server GC, as in loadgen.sh.
  report=$(DOTNET_gcServer=0 "$bin" loadgen --server "127.0.0.1:$port" --clients 64 --duration 3 --op register --json)
  scrape "$metrics" >"$work/after"
  python3 - "$round" "$ready_ms" "$report" "$work/before" "$work/after" <<'PY'
import json, re, sys
r, ready, report, before, after = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4], sys.argv[5]
def metric(path, pattern):
    for line in open(path):
        if re.match(pattern, line):
            return float(line.split()[-1])
    return 0.0
pause = r'^dotnet_gc_pause_time_seconds_total '
over = metric(after, r'^registry_server_request_duration_seconds_bucket\{type="register",le="\+Inf"\}') - \
       metric(after, r'^registry_server_request_duration_seconds_bucket\{type="register",le="0.1"\}')
print(json.dumps({"round": int(r), "ready_ms": ready, "ops_per_s": report["ops_per_s"], "p99_ms": report["p99_ms"],
                  "p999_ms": report["p999_ms"], "requests_over_100ms": int(over),
                  "gc_pause_startup_ms": round(metric(before, pause) * 1000), "gc_pause_serving_ms": round((metric(after, pause) - metric(before, pause)) * 1000)}))
PY
  kill -TERM "$server"; wait "$server" || true
done

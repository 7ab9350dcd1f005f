#!/usr/bin/env bash
# Server throughput with the CPU each side spends per acknowledged operation, one JSON line per op.
#   bash bench/server/loadgen.sh [SECONDS] [OPS...]        e.g.  bash bench/server/loadgen.sh 5 register set_tags mixed
#   STANDBY=1 bash bench/server/loadgen.sh 10 register     also runs a standby and reports ack-to-visible lag
#   BINARY=1 bash bench/server/loadgen.sh 5 heartbeat lookup   the binary protocol (§1.3) instead of JSON frames
#   TLS=1 bash bench/server/loadgen.sh 5 register          a --tls-self-signed server, loadgen pinning the logged pin
# Each op gets a fresh `registry serve --durability always` on a temporary data directory, 64 clients and a 2 s
# warm-up (`loadgen --warmup`). The per-connection rate rule (wire-protocol §1.4: throttle above 100 requests/s per
# connection, close above 500, after 5 s) is turned off with Registry__RateLimit=false on both servers: left on, it
# caps each load-generator connection near 100 requests/s after the grace period and measures the rule, not the server. CPU comes from /proc (utime+stime) over the whole loadgen run, warm-up included, and
# is divided by the operations of the whole run assuming the warm-up ran at the measured rate: approximate, good for
# comparisons made in the same run. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-5}; shift || true
ops=("${@:-register}")
clients=${CLIENTS:-64}
dotnet build -c Release src/Registry.Cli -v quiet -nologo >/dev/null
bin=src/Registry.Cli/bin/Release/net10.0/registry
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }

for op in "${ops[@]}"; do
  rm -rf "$work/p" "$work/s"
  port=$(free_port)
  tls_args=(); client_args=()
  [[ -n "${TLS:-}" ]] && tls_args=(--tls-self-signed)
  [[ -n "${BINARY:-}" ]] && client_args+=(--binary)
  Registry__RateLimit=false "$bin" serve --data "$work/p" --listen "127.0.0.1:$port" --replication-token bench "${tls_args[@]}" >"$work/p.log" 2>&1 &
  primary=$!
  wait_port "$port"
  if [[ -n "${TLS:-}" ]]; then
    pin=$(grep -o 'pin (sha256 of the DER) [0-9a-f]*' "$work/p.log" | awk '{print $NF}')
    client_args+=(--tls-pin "$pin")
  fi
  standby_args=()
  if [[ -n "${STANDBY:-}" ]]; then
    sport=$(free_port)
    Registry__RateLimit=false "$bin" serve --data "$work/s" --listen "127.0.0.1:$sport" --replication-token bench --standby-of "127.0.0.1:$port" >"$work/s.log" 2>&1 &
    standby=$!
    wait_port "$sport"
    standby_args=(--standby "127.0.0.1:$sport")
  fi
  before=$(cpu_ticks "$primary")
  # The load generator is the same executable as the server, whose runtime settings pick server GC (ADR 0008); a
  # client gains nothing from it and its collector threads compete with the server for the two cores.
  report=$(DOTNET_gcServer=0 /usr/bin/env time -f '%U %S' -o "$work/time" "$bin" loadgen --server "127.0.0.1:$port" --clients "$clients" \
    --warmup 2 --duration "$seconds" --op "$op" "${standby_args[@]}" "${client_args[@]}" --json)
  after=$(cpu_ticks "$primary")
  hz=$(getconf CLK_TCK)
  python3 - "$report" "$before" "$after" "$hz" "$(cat "$work/time")" "$(cat /proc/loadavg | cut -d' ' -f1)" <<'PY'
import json, sys
report = json.loads(sys.argv[1]); before, after, hz = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
user, system = (float(x) for x in sys.argv[5].split())
total_ops = report["ops_per_s"] * (report["duration_s"] + 2)  # the warm-up's operations cost CPU too
report["server_cpu_us_per_op"] = round((after - before) / hz / total_ops * 1e6, 1)
report["loadgen_cpu_us_per_op"] = round((user + system) / total_ops * 1e6, 1)
report["load_average"] = float(sys.argv[6])
print(json.dumps(report))
PY
  kill -TERM "$primary" ${standby:+"$standby"} 2>/dev/null || true
  wait "$primary" 2>/dev/null || true
  [[ -n "${standby:-}" ]] && { wait "$standby" 2>/dev/null || true; unset standby; }
done

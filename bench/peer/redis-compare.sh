#!/usr/bin/env bash
# Durable writes per second: Redis (appendonly yes, appendfsync always) vs registry serve (durability always),
# same machine, same run, 1 and 64 clients. Prints one JSON object. Not part of CI.
# Usage: bench/peer/redis-compare.sh [seconds-per-phase]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-5}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

source bench/peer/redis-lib.sh
ensure_redis

dotnet build src/Registry.Cli -c Release -v q >/dev/null
registry="dotnet src/Registry.Cli/bin/Release/net10.0/registry.dll"

start_durable_redis
# The per-connection rate rule (§1.4) would throttle each load-generator connection after 5 s; Redis has none.
Registry__RateLimit=false $registry serve --data "$work/registry" --listen 127.0.0.1:16400 --durability always >"$work/registry.log" 2>&1 &
for _ in $(seq 1 60); do grep -q "listening on" "$work/registry.log" && break; sleep 0.5; done

# The load generator runs on workstation GC: the executable's own setting (server GC) is for the server (ADR 0008).
registry_rate() { # clients op -> acknowledged ops per second
  DOTNET_gcServer=0 $registry loadgen --server 127.0.0.1:16400 --clients "$1" --warmup 1 --duration "$secs" --op "$2" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["ops_per_s"])'
}

r1=$(redis_set_rate 1); r64=$(redis_set_rate 64)
g1=$(registry_rate 1 register); g64=$(registry_rate 64 register)
t64=$(registry_rate 64 set_tags)
python3 - "$r1" "$r64" "$g1" "$g64" "$t64" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
r1, r64, g1, g64, t64, load = map(float, sys.argv[1:])
print(json.dumps({
    "redis_set_1": r1, "redis_set_64": r64,
    "registry_register_1": g1, "registry_register_64": g64, "registry_set_tags_64": t64,
    "ratio_register_1": round(g1 / r1, 3), "ratio_register_64": round(g64 / r64, 3),
    "load_average": load,
}))
PY

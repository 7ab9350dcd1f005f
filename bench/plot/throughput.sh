#!/usr/bin/env bash
# Measures durable writes/s at 1, 4, 16, 64 clients for our log, the lock-per-append baseline and Redis
# (appendfsync always) in one run, and draws docs/throughput.svg. Not part of CI.
# Usage: bench/plot/throughput.sh [seconds-per-point]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-2}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/peer/redis-lib.sh
ensure_redis
dotnet build src/Registry.Cli -c Release -v q >/dev/null
sweep=$(dotnet src/Registry.Cli/bin/Release/net10.0/registry.dll bench wal --sweep --seconds "$secs")
start_durable_redis
redis="{"
for c in 1 4 16 64; do
  redis+="\"$c\":$(redis_set_rate "$c"),"
done
redis="${redis%,}}"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["redis"]=json.loads(sys.argv[2]); print(json.dumps(d))' "$sweep" "$redis" \
  | tee "$work/points.json" | python3 bench/plot/throughput_svg.py docs/throughput.svg
cat "$work/points.json"

#!/usr/bin/env bash
# Measures durable writes/s at 1, 4, 16, 64 clients for our log, the lock-per-append baseline and Redis
# (appendfsync always) in one run, and draws docs/throughput.svg. Not part of CI.
# Usage: bench/plot/throughput.sh [seconds-per-point]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-2}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools) >/dev/null
fi
dotnet build src/Registry.Cli -c Release -v q >/dev/null
sweep=$(dotnet src/Registry.Cli/bin/Release/net10.0/registry.dll bench wal --sweep --seconds "$secs")
redis-server --port 16399 --bind 127.0.0.1 --dir "$work" --appendonly yes --appendfsync always --save "" >"$work/redis.log" 2>&1 &
for _ in $(seq 1 40); do redis-cli -p 16399 ping >/dev/null 2>&1 && break; sleep 0.25; done
redis="{"
for c in 1 4 16 64; do
  n=$(( c == 1 ? 10000 : 100000 ))
  rate=$(redis-benchmark -p 16399 -c "$c" -n "$n" -t set -d 200 -r 1000000 --csv -q | awk -F'"' '/SET/ {print $4}')
  redis+="\"$c\":$rate,"
done
redis="${redis%,}}"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["redis"]=json.loads(sys.argv[2]); print(json.dumps(d))' "$sweep" "$redis" \
  | tee "$work/points.json" | python3 bench/plot/throughput_svg.py docs/throughput.svg
cat "$work/points.json"

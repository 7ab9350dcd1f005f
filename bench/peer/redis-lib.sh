# Shared by the peer benchmark scripts (sourced, not run): install Redis if needed, build the CLI, and start a
# Redis with appendfsync always on 127.0.0.1:16399 with its files in $work.
ensure_redis() {
  if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools) >/dev/null
  fi
}

start_durable_redis() {
  redis-server --port 16399 --bind 127.0.0.1 --dir "$work" --appendonly yes --appendfsync always --save "" >"$work/redis.log" 2>&1 &
  for _ in $(seq 1 40); do redis-cli -p 16399 ping >/dev/null 2>&1 && return 0; sleep 0.25; done
  echo "redis did not start" >&2
  return 1
}

redis_set_rate() { # clients -> SET requests per second
  local n=$(( $1 == 1 ? 20000 : 200000 ))
  redis-benchmark -p 16399 -c "$1" -n "$n" -t set -d 200 -r 1000000 --csv -q | awk -F'"' '/SET/ {print $4}'
}

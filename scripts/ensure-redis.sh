#!/usr/bin/env bash
# Makes sure a Redis answers and prints its URL on stdout (progress goes to stderr).
#   ensure-redis.sh URL DATA_DIR PORT
# If URL answers, it is used as is. Otherwise a local redis-server is started on PORT with its
# data under DATA_DIR (installing Debian's redis-server package first if it is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
url=${1:-redis://127.0.0.1:6379}
data_dir=${2:-.data/redis}
port=${3:-6379}
if node scripts/redis-ping.js "$url"; then
  echo "$url"
  exit 0
fi
local_url="redis://127.0.0.1:${port}"
if node scripts/redis-ping.js "$local_url"; then
  echo "$local_url"
  exit 0
fi
scripts/ensure-debian-package.sh redis-server redis-server
mkdir -p "$data_dir"
data_dir=$(cd "$data_dir" && pwd)
echo "==> starting redis-server on 127.0.0.1:${port} (data in ${data_dir})" >&2
redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$data_dir" \
  --appendonly yes --maxmemory-policy noeviction --pidfile "$data_dir/redis.pid" --logfile "$data_dir/redis.log" >&2
for _ in $(seq 1 50); do
  if node scripts/redis-ping.js "$local_url"; then
    echo "$local_url"
    exit 0
  fi
  sleep 0.1
done
echo "redis-server did not answer on port ${port}; see ${data_dir}/redis.log" >&2
exit 1

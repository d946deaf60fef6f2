#!/usr/bin/env bash
# Racket's web server doing the same work (dispatch/servlet hello, send/suspend round trips), installed from
# Debian when missing. Called by scripts/bench. Usage: racket.sh SECONDS
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
if ! command -v racket >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq racket >/dev/null
fi
port=18767
for mode in hello suspend; do
  racket scripts/benchmarks/racket/servers.rkt $port $mode >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
  if [ $mode = suspend ]; then args=(-t8 -c8 -s scripts/benchmarks/follow.lua); else args=(-t1 -c32); fi
  wrk "${args[@]}" -d2s "http://127.0.0.1:$port/" >/dev/null
  rps=$(wrk "${args[@]}" -d"${seconds}s" "http://127.0.0.1:$port/" | awk '/^Requests\/sec/{print $2}')
  rss=$(awk '/^VmRSS/{print int($2/1024)}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  printf 'Racket %s (%s): %s req/s, RSS after the run %s MiB\n' "$(racket --version | grep -o 'v[0-9.]*' | head -1)" "$mode" "$rps" "$rss"
done

#!/usr/bin/env bash
# Bytes allocated per request and the collections they cost, under wrk -c32 (loopback only): bare Kestrel hello,
# Server.Serve hello, servlet hello, a 1 KiB file through Dispatchers.Files, and the resumable SendSuspend round trip
# (one k resumed again and again: each resumption copies the frames and suspends anew, so the manager keeps a new
# continuation per request). The server counts its own allocations (GC.GetTotalAllocatedBytes, printed with
# GCSTATS=1 when it stops); start-up is included, and is small against the requests.
# Usage: scripts/benchmarks/alloc.sh [seconds]      (default 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 GCSTATS=1
seconds=${1:-10}
. scripts/benchmarks/lib.sh

# row LABEL MODE [PATH|walk]: one server, a 2 s warm-up and a measured run; prints bytes per request and GC counts.
row() {
  local fifo out err pid port path=${3:-/} n1 n2
  fifo=$(mktemp -u); mkfifo "$fifo"; out=$(mktemp); err=$(mktemp)
  dotnet "$app" "$2" <"$fifo" >"$out" 2>"$err" &
  pid=$!; exec 3>"$fifo"; rm -f "$fifo"
  for _ in $(seq 1 100); do grep -q '^PORT ' "$out" && break; sleep 0.1; done
  port=$(awk '/^PORT /{print $2}' "$out")
  if [ "$path" = walk ]; then
    path=$(curl -s "http://127.0.0.1:$port/" | grep -o 'href="[^"]*"' | head -1 | cut -d'"' -f2)
  fi
  n1=$(wrk -t1 -c32 -d2s "http://127.0.0.1:$port$path" | awk '/requests in/{print $1}')
  n2=$(wrk -t1 -c32 -d"${seconds}s" "http://127.0.0.1:$port$path" | awk '/requests in/{print $1}')
  exec 3>&-; wait "$pid" || true
  awk -v label="$1" -v n=$((n1 + n2)) '/^GC allocated/ {
      printf "%-44s %8d B/request  %9d requests  gen0 %s gen1 %s gen2 %s, paused %s ms\n", label, $3 / n, n, $6, $8, $10, $12 }' "$err"
  rm -f "$out" "$err"
}

row "bare Kestrel hello" bare
row "Server.Serve + Dispatchers.Lift hello" serve
row "Servlets.DispatchServlet hello" servlet
row "Dispatchers.Files, 1 KiB file" files /1k.bin
row "resumable SendSuspend round trip (one k)" suspend-resumable walk

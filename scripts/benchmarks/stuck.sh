#!/usr/bin/env bash
# How many servlet requests stuck in blocking code the server tolerates: N connections keep requests in flight to a
# servlet that blocks its thread (Thread.Sleep, 2 min; 503 after the 5 s response timeout) while wrk measures hello
# beside them. Prints hello's req/s and p99 latency, and the server's threads and RSS, for each N.
# Usage: scripts/benchmarks/stuck.sh [seconds] [N ...]      (defaults: 10, then 0 40 200 500 1000)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(0 40 200 500 1000)
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
dotnet build scripts/benchmarks/HelloServers -c Release -nologo -v quiet >/dev/null
app=scripts/benchmarks/HelloServers/bin/Release/net10.0/HelloServers.dll
printf '%-8s %12s %12s %9s %9s\n' stuck "hello req/s" "hello p99" threads "RSS MiB"
for n in "${counts[@]}"; do
  work=$(mktemp -d); mkfifo "$work/in"
  dotnet "$app" stuck <"$work/in" >"$work/out" & pid=$!
  exec 3>"$work/in"
  for _ in $(seq 1 100); do grep -q '^PORT ' "$work/out" && break; sleep 0.1; done
  port=$(awk '/^PORT /{print $2}' "$work/out")
  [ -n "$port" ] || { echo "the server did not start" >&2; exit 1; }
  wrk -t1 -c8 -d2s "http://127.0.0.1:$port/" >/dev/null
  if [ "$n" -gt 0 ]; then
    wrk -t1 -c"$n" -d"$((seconds + 4))s" --timeout 30s "http://127.0.0.1:$port/stuck" >/dev/null & stuck=$!
    sleep 3
  fi
  out=$(wrk -t1 -c8 -d"${seconds}s" --latency "http://127.0.0.1:$port/")
  threads=$(ls "/proc/$pid/task" | wc -l)
  rss=$(awk '/^VmRSS/{print int($2/1024)}' "/proc/$pid/status")
  [ "$n" -gt 0 ] && wait "$stuck" || true
  exec 3>&-
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  rm -rf "$work"
  printf '%-8s %12s %12s %9s %9s\n' "$n" "$(awk '/^Requests\/sec/{print $2}' <<<"$out")" "$(awk '/ 99%/{print $2}' <<<"$out")" "$threads" "$rss"
done

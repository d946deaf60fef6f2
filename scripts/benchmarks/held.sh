#!/usr/bin/env bash
# Latency while many continuations are held (issue 16): N = 1k / 100k / 1M continuations of a one-question servlet are
# held, and wrk -c32 resumes k-urls picked at random from them (at most a random 100k of them) (each resumption copies the frames and answers, so the
# count held stays N). Prints req/s, p50 and p99 latency, the server's RSS and heap bytes per continuation. Racket's
# web server runs the same servlet at 1k and 100k in the same run (its k-urls made over HTTP first).
# GC settings go in through the environment (DOTNET_gcServer, DOTNET_GCConserveMemory, DOTNET_GCgen0size, LATENCY_MODE=
# SustainedLowLatency...); by default the server runs with what devserve ships (see GC below).
# Usage: scripts/benchmarks/held.sh [seconds] [counts...]      (defaults: 10 1000 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
seconds=${1:-10}
shift || true
[ $# -gt 0 ] && counts=("$@") || counts=(1000 100000 1000000)
. scripts/benchmarks/lib.sh
# GC: what devserve ships (src/DevServe.Cli/DevServe.Cli.csproj) unless the caller sets otherwise.
export DOTNET_gcServer=${DOTNET_gcServer:-0} DOTNET_GCConserveMemory=${DOTNET_GCConserveMemory:-7} DOTNET_GCgen0size=${DOTNET_GCgen0size:-0x800000}
echo "GC: gcServer=$DOTNET_gcServer ConserveMemory=$DOTNET_GCConserveMemory gen0size=$DOTNET_GCgen0size ${LATENCY_MODE:+latency mode $LATENCY_MODE}"
links=$(mktemp)
trap 'rm -f "$links"' EXIT

rss() { awk '/^VmRSS/{print int($2/1024)}' "/proc/$1/status"; }
# latency URL: one wrk run resuming random k-urls from $links; prints "req/s p50 p99 non-2xx"
latency() {
  wrk -t1 -c32 -d2s -s scripts/benchmarks/random-k.lua "$1" -- "$links" >/dev/null
  wrk -t1 -c32 -d"${seconds}s" --latency -s scripts/benchmarks/random-k.lua "$1" -- "$links" | awk '
    /^Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
    END {printf "%s %s %s %s", rps, p50, p99, (bad == "" ? 0 : bad)}'
}

printf '%-28s %10s %10s %10s %8s %10s %8s\n' "server, continuations held" "req/s" "p50" "p99" "non-2xx" "RSS MiB" "B each"
for n in "${counts[@]}"; do
  fifo=$(mktemp -u); mkfifo "$fifo"; out=$(mktemp)
  dotnet "$app" held "$n" "$links" <"$fifo" >"$out" 2>"$out.gc" &
  pid=$!; exec 3>"$fifo"; rm -f "$fifo"
  for _ in $(seq 1 1200); do grep -q '^PORT ' "$out" && break; sleep 0.1; done
  port=$(awk '/^PORT /{print $2}' "$out"); each=$(awk '/^HELD /{print $3}' "$out")
  # The client resumes at most 100k of them (a random sample, spread over the whole heap): a Lua table of a million
  # strings makes wrk's own garbage collector stall its event loop, and that shows up as server latency.
  if [ "$n" -gt 100000 ]; then shuf -n 100000 "$links" -o "$links"; fi
  read -r rps p50 p99 bad <<<"$(latency "http://127.0.0.1:$port")"
  printf '%-28s %10s %10s %10s %8s %10s %8s\n' "DevServe, $n" "$rps" "$p50" "$p99" "$bad" "$(rss $pid)" "$each"
  exec 3>&-; wait "$pid" || true; [ -n "${GCSTATS:-}" ] && cat "$out.gc"; rm -f "$out" "$out.gc"

  if [ "$n" -le 100000 ]; then
    if ! command -v racket >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq racket >/dev/null
    fi
    port=18768
    racket scripts/benchmarks/racket/servers.rkt $port ask >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
    # wrk's thread:stop() leaves wrk itself waiting out -d: stop it once the file has them all.
    wrk -t1 -c8 -d900s -s scripts/benchmarks/prefill.lua "http://127.0.0.1:$port/" -- "$links" "$n" >/dev/null &
    prefill=$!
    until [ "$(wc -l <"$links")" -ge "$n" ] || ! kill -0 "$prefill" 2>/dev/null; do sleep 0.5; done
    kill "$prefill" 2>/dev/null; wait "$prefill" 2>/dev/null || true
    read -r rps p50 p99 bad <<<"$(latency "http://127.0.0.1:$port")"
    printf '%-28s %10s %10s %10s %8s %10s %8s\n' "Racket, $n" "$rps" "$p50" "$p99" "$bad" "$(rss $pid)" "-"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  fi
done

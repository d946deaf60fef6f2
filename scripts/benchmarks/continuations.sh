#!/usr/bin/env bash
# Real continuations against their ceilings, in one run, alternating rounds (loopback only):
#  - a SendSuspend round trip, resumable (every resume copies the frame) and live (a lambda, resumed once), against
#    bare Kestrel hello: with a link-following client (8 chains), and resuming one k again and again with the bare
#    hello's own client (32 connections, no script; each resume copies the frames and suspends anew);
#  - a stateless conversation whose link carries its frames, at step 1 and at step 100 (a fixed link, resumed again and
#    again), against the same conversation carried as a replay log;
#  - the link's length at step 10, and memory per suspended continuation.
# Usage: scripts/benchmarks/continuations.sh [seconds-per-round] [rounds]      (defaults: 10 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
seconds=${1:-10}
rounds=${2:-3}
. scripts/benchmarks/lib.sh

# walk STEP: follows STEP links from / on the running server, prints the link reached.
walk() {
  local k="/"
  for _ in $(seq 1 "$1"); do
    k=$(curl -s "http://127.0.0.1:$server_port$k" | grep -o 'href="[^"]*"' | head -1 | cut -d'"' -f2)
  done
  echo "$k"
}

# fixed MODE STEP [CONNECTIONS]: requests/s resuming the link of step STEP again and again (default 8 connections).
fixed() {
  local k c=${3:-8}
  start "$1"
  k=$(walk "$2")
  wrk_rps -t1 -c"$c" -d2s "http://127.0.0.1:$server_port$k" >/dev/null
  wrk_rps -t1 -c"$c" -d"${seconds}s" "http://127.0.0.1:$server_port$k"
  stop
}

# followed MODE: requests/s of 8 link-following chains.
followed() {
  start "$1"
  if [ "$1" = bare ]; then
    wrk_rps -t1 -c32 -d2s "http://127.0.0.1:$server_port/" >/dev/null
    wrk_rps -t1 -c32 -d"${seconds}s" "http://127.0.0.1:$server_port/"
  else
    wrk_rps -t8 -c8 -d2s -s "$follow" "http://127.0.0.1:$server_port/" >/dev/null
    wrk_rps -t8 -c8 -d"${seconds}s" -s "$follow" "http://127.0.0.1:$server_port/"
  fi
  stop
}

declare -A results
rows=(bare bare-link suspend suspend-resumable resumed frames-1 frames-100 replay-1 replay-100)
for r in $(seq 1 "$rounds"); do
  for row in "${rows[@]}"; do
    case $row in
      resumed) rps=$(fixed suspend-resumable 1 32) ;;
      frames-*) rps=$(fixed steps-stateless "${row#frames-}") ;;
      replay-*) rps=$(fixed steps-stateless-replay "${row#replay-}") ;;
      *) rps=$(followed "$row") ;;
    esac
    results[$row]+="$rps "
    printf 'round %d  %-18s %12s req/s\n' "$r" "$row" "$rps"
  done
done

m() { echo "${results[$1]}" | tr ' ' '\n' | grep . | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
declare -A label=([bare]="bare Kestrel hello (32 connections)" [bare-link]="bare Kestrel page, link-following client"
  [suspend]="SendSuspend round trip, live lambda" [suspend-resumable]="SendSuspend round trip, resumable"
  [resumed]="resumable round trip, one k, 32 connections"
  [frames-1]="stateless frames link, step 1" [frames-100]="stateless frames link, step 100"
  [replay-1]="stateless replay link, step 1" [replay-100]="stateless replay link, step 100")
echo
printf '%-44s %10s  %s\n' "median of $rounds rounds of ${seconds} s" "req/s" "x bare Kestrel"
for row in "${rows[@]}"; do
  printf '%-44s %10.0f  %s\n' "${label[$row]}" "$(m "$row")" "$(ratio "$(m "$row")" "$(m bare)")"
done
echo
echo "resumable SendSuspend round trip / bare hello, same client: $(ratio "$(m resumed)" "$(m bare)") (target >= 0.75); link-following: $(ratio "$(m suspend-resumable)" "$(m bare)")"
echo "stateless frames, step 100 / step 1: $(ratio "$(m frames-100)" "$(m frames-1)") (target >= 0.8); replay: $(ratio "$(m replay-100)" "$(m replay-1)")"
echo "stateless frames step 100 / resumable stateful round trip: $(ratio "$(m frames-100)" "$(m suspend-resumable)") (target >= 0.6)"

start steps-stateless; k10=$(walk 10); stop
echo "stateless frames link at step 10: ${#k10} characters, path included (target <= 250)"
for kind in live resumable; do dotnet "$app" memory "$kind" 50000; done

#!/usr/bin/env bash
# What scale-out costs, in one run, alternating rounds (loopback only): stateless round trips of servlets/steps.csx
#  - through HAProxy with 1 and with 3 nodes, against one node asked directly (the proxy's cost);
#  - resuming a link kept in the store: the Redis store against the directory store, each node asked directly (the
#    store's cost).
# Every request resumes one fixed link (GET, so the servlet's step runs with an empty word) and gets the next page,
# whose link is signed (and, for a stored link, stored) anew. Clusters come from scripts/cluster, in their own dirs.
# Usage: scripts/benchmarks/cluster.sh [seconds-per-round] [rounds] [connections]      (defaults: 10 3 32)
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
seconds=${1:-10}
rounds=${2:-3}
connections=${3:-32}
if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

work=$(mktemp -d)
dirnode=""
cleanup() {
  for c in one three; do DEVSERVE_CLUSTER_DIR="$work/$c" scripts/cluster down >/dev/null 2>&1 || true; done
  [ -z "$dirnode" ] || kill "$dirnode" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

url_of() { DEVSERVE_CLUSTER_DIR="$work/$1" scripts/cluster up --stateless --nodes "$2" | sed -n 's/^cluster: //p'; }
one=$(url_of one 1)
three=$(url_of three 3)
direct="http://127.0.0.1:$(cat "$work/one/node1.port")"

# A node with the directory store (and a key file), asked directly.
DEVSERVE_URL_STORE="$work/urls" DEVSERVE_STUFFER_KEY="$work/stuffer.key" setsid scripts/devserve run servlets/steps.csx --stateless \
  --no-browser --no-quit --port 0 >"$work/dirnode.log" 2>&1 </dev/null &
dirnode=$!
for _ in $(seq 600); do grep -q 'running at' "$work/dirnode.log" && break; sleep 0.1; done
dirstore="http://127.0.0.1:$(sed -nE 's#.*running at https?://[^ /]+:([0-9]+).*#\1#p' "$work/dirnode.log" | head -1)"

link_of() { curl -s "$1" | grep -o 'action="[^"]*"' | head -1 | cut -d'"' -f2; }
# stored BASE: a link at the step where the conversation's words no longer fit in a URL (kept in the store).
stored() {
  local k next word
  k=$(link_of "$1/")
  while :; do
    word=$(head -c 150 /dev/urandom | od -An -tx1 | tr -d ' \n')
    next=$(curl -s -d "word=$word" "$1$k" | grep -o 'action="[^"]*"' | head -1 | cut -d'"' -f2)
    [ -n "$next" ] || { echo "no stored link on $1" >&2; exit 1; }
    [ ${#next} -lt $(( ${#k} / 2 )) ] && { echo "$next"; return; }
    k=$next
  done
}
# Plain assignments first: a failed lookup stops the script here (inside declare it would not).
small=$(link_of "$direct/")
small3=$(link_of "$three")   # its own Redis and key ring: a link the other cluster signed is invalid there
stored_redis=$(stored "$direct")
stored_dir=$(stored "$dirstore")
[ -n "$small" ] && [ -n "$small3" ] || { echo "no link on the start page" >&2; exit 1; }
declare -A target=(
  [direct]="$direct$small"
  [haproxy-1]="$one${small#/}"
  [haproxy-3]="$three${small3#/}"
  [stored-redis]="$direct$stored_redis"
  [stored-dir]="$dirstore$stored_dir"
)
echo "link lengths: small ${#small}, stored (Redis) $(( ${#target[stored-redis]} - ${#direct} )), stored (directory) $(( ${#target[stored-dir]} - ${#dirstore} ))"

rows=(direct haproxy-1 haproxy-3 stored-redis stored-dir)
declare -A results
for r in $(seq 1 "$rounds"); do
  for row in "${rows[@]}"; do
    wrk -t1 -c"$connections" -d2s "${target[$row]}" >/dev/null
    out=$(wrk -t1 -c"$connections" -d"${seconds}s" "${target[$row]}")
    if grep -q "Non-2xx" <<<"$out"; then echo "$row: error responses: $(grep Non-2xx <<<"$out")" >&2; exit 1; fi
    rps=$(awk '/^Requests\/sec/{print $2}' <<<"$out")
    results[$row]+="$rps "
    echo "round $r $row: $rps req/s"
  done
done

echo
echo "| stateless round trip ($connections connections) | req/s (median of $rounds rounds of ${seconds} s) | ratio |"
echo "|---|---|---|"
m_direct=$(echo "${results[direct]}" | tr ' ' '\n' | grep . | median)
m_dir=$(echo "${results[stored-dir]}" | tr ' ' '\n' | grep . | median)
for row in "${rows[@]}"; do
  m=$(echo "${results[$row]}" | tr ' ' '\n' | grep . | median)
  case $row in
    stored-redis) ratio=$(awk -v a="$m" -v b="$m_dir" 'BEGIN{printf "%.2f × stored-dir", a/b}') ;;
    stored-dir) ratio="1.00 × stored-dir" ;;
    *) ratio=$(awk -v a="$m" -v b="$m_direct" 'BEGIN{printf "%.2f × direct", a/b}') ;;
  esac
  echo "| $row | $m | $ratio |"
done

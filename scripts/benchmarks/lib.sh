#!/usr/bin/env bash
# Shared by scripts/bench and scripts/benchmarks/*.sh: installs wrk, builds HelloServers, and starts and stops its
# servers on 127.0.0.1. Source it from the repository root.
if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
dotnet build scripts/benchmarks/HelloServers -c Release -nologo -v quiet >/dev/null
app=scripts/benchmarks/HelloServers/bin/Release/net10.0/HelloServers.dll
follow=scripts/benchmarks/follow.lua

server_pid=""
server_port=""
# start MODE: runs a server in the background, sets server_pid and server_port; fd 3 keeps its stdin open.
start() {
  local fifo out
  fifo=$(mktemp -u); mkfifo "$fifo"
  out=$(mktemp)
  dotnet "$app" "$1" <"$fifo" >"$out" &
  server_pid=$!
  exec 3>"$fifo"
  rm -f "$fifo"
  for _ in $(seq 1 100); do grep -q '^PORT ' "$out" && break; sleep 0.1; done
  server_port=$(awk '/^PORT /{print $2}' "$out")
  rm -f "$out"
  [ -n "$server_port" ] || { echo "server $1 did not start" >&2; exit 1; }
}
stop() { exec 3>&-; wait "$server_pid" || true; }

# wrk_rps ARGS...: requests/s of one wrk run
wrk_rps() { wrk "$@" | awk '/^Requests\/sec/{print $2}'; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

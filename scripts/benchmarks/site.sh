#!/usr/bin/env bash
# A configured site (devserve serve, Server.ServeWebConfig) against devserve run, both serving a static file and a
# servlet, with a bare Kestrel hello in the same run. Called by scripts/bench; runs the published CLI; loopback only.
# Usage: scripts/benchmarks/site.sh [seconds] [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
rounds=${2:-2}
connections=${CONNECTIONS:-32}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
scripts/devserve --help >/dev/null
dotnet build scripts/benchmarks/HelloServers -c Release -nologo -v quiet >/dev/null
cli=artifacts/devserve/DevServe.Cli.dll
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; rm -rf "$work"' EXIT
port=18768
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# The same two resources for both: htdocs/index.html and the hello servlet.
export DEVSERVE_CACHE="$work/cache"
dotnet "$cli" new-site "$work/site" >/dev/null
sed -i 's/"logFile": "log"/"logFile": null/' "$work/site/site.json"   # devserve run logs nothing either
mkdir -p "$work/run/htdocs"
cp "$work/site/htdocs/index.html" "$work/run/htdocs/index.html"
cp "$work/site/htdocs/servlets/hello.csx" "$work/run/hello.csx"

start() {   # start NAME: a server in the background, ready once / answers; sets pid and url
  url=http://127.0.0.1:$port
  case "$1" in
    bare)   # HelloServers picks a free port, prints "PORT n", and stops when its standard input closes (fd 3)
      local fifo out
      fifo=$(mktemp -u); mkfifo "$fifo"; out=$(mktemp)
      dotnet scripts/benchmarks/HelloServers/bin/Release/net10.0/HelloServers.dll bare <"$fifo" >"$out" &
      pid=$!
      exec 3>"$fifo"; rm -f "$fifo"
      until grep -q '^PORT ' "$out"; do sleep 0.05; done
      url=http://127.0.0.1:$(awk '/^PORT /{print $2}' "$out"); rm -f "$out" ;;
    serve) dotnet "$cli" serve --config "$work/site/site.json" -p "$port" >/dev/null 2>&1 & ;;
    run) dotnet "$cli" run "$work/run/hello.csx" --port "$port" --no-browser --no-banner --no-quit >/dev/null 2>&1 & ;;
  esac
  [ "$1" = bare ] || pid=$!
  until curl -sf -o /dev/null "$url/"; do sleep 0.05; done
}
stop() { if [ "$1" = bare ]; then exec 3>&-; else kill -TERM "$pid"; fi; wait "$pid" || true; pid=""; }
rps() { wrk -t1 -c"$connections" -d"${seconds}s" "$url$1" | awk '/^Requests\/sec/{print int($2)}'; }

declare -A results
for round in $(seq 1 "$rounds"); do
  for server in bare serve run; do
    start "$server"
    if [ "$server" = bare ]; then
      wrk -t1 -c"$connections" -d2s "$url/" >/dev/null
      results[bare]+="$(rps /) "
    else
      servlet=$([ "$server" = serve ] && echo /servlets/hello.csx || echo /hello)
      wrk -t1 -c"$connections" -d2s "$url$servlet" >/dev/null   # compile and warm up
      results[$server-file]+="$(rps /index.html) "
      results[$server-servlet]+="$(rps "$servlet") "
    fi
    stop "$server"
  done
done
bare=$(echo ${results[bare]} | tr ' ' '\n' | median)
echo "requests/s, median of $rounds rounds of ${seconds}s (wrk -t1 -c$connections):"
for key in bare serve-file run-file serve-servlet run-servlet; do
  m=$(echo ${results[$key]} | tr ' ' '\n' | median)
  printf '  %-14s %s -> median %s (%.2f x bare)\n' "$key" "${results[$key]}" "$m" "$(awk -v a="$m" -v b="$bare" 'BEGIN {print a / b}')"
done

#!/usr/bin/env bash
# Static files, in one run, alternating rounds (loopback only): DevServe's Dispatchers.Files against ASP.NET Core's
# UseStaticFiles (the slim host) on the same 1 KiB, 64 KiB and 10 MiB files, with bare Kestrel hello as the ceiling.
# wrk -c32 for the small files, -c8 for the 10 MiB one. Prints medians and Files / UseStaticFiles.
# Usage: scripts/benchmarks/files.sh [seconds-per-round] [rounds]      (defaults: 10 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
seconds=${1:-10}
rounds=${2:-3}
. scripts/benchmarks/lib.sh

declare -A results
for r in $(seq 1 "$rounds"); do
  start bare
  wrk_rps -t1 -c32 -d2s "http://127.0.0.1:$server_port/" >/dev/null
  results[bare]+="$(wrk_rps -t1 -c32 -d"${seconds}s" "http://127.0.0.1:$server_port/") "
  stop
  for server in files aspnet-static; do
    start "$server"
    for file in 1k 64k 10m; do
      c=32; [ $file = 10m ] && c=8
      wrk_rps -t1 -c$c -d2s "http://127.0.0.1:$server_port/$file.bin" >/dev/null
      rps=$(wrk_rps -t1 -c$c -d"${seconds}s" "http://127.0.0.1:$server_port/$file.bin")
      results[$server-$file]+="$rps "
      printf 'round %d  %-14s %-4s %12s req/s\n' "$r" "$server" "$file" "$rps"
    done
    stop
  done
done

m() { echo "${results[$1]}" | tr ' ' '\n' | grep . | median; }
echo
printf '%-10s %16s %16s %10s %16s\n' "file" "Files req/s" "UseStaticFiles" "ratio" "x bare hello"
for file in 1k 64k 10m; do
  printf '%-10s %16.0f %16.0f %10.2f %16.2f\n' "$file" "$(m files-$file)" "$(m aspnet-static-$file)" \
    "$(awk -v a="$(m files-$file)" -v b="$(m aspnet-static-$file)" 'BEGIN {print a / b}')" \
    "$(awk -v a="$(m files-$file)" -v b="$(m bare)" 'BEGIN {print a / b}')"
done
echo "bare Kestrel hello: $(m bare) req/s (targets: 1k and 64k >= 1.2 x UseStaticFiles, 10m >= 1.0 x)"

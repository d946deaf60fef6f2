#!/usr/bin/env bash
# Plugins and NuGet references: rebuild -> new plugin version served (.dll and .csproj modes), and devserve run of a
# script with a #r "nuget:" reference (restore cached) -> first 200. Called by scripts/bench; runs the published CLI.
set -euo pipefail
cd "$(dirname "$0")/../.."
builds=${1:-5}
runs=${2:-5}

scripts/devserve --help >/dev/null   # publishes the build users run
root=$(pwd)
cli=$root/artifacts/devserve/DevServe.Cli.dll
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; rm -rf "$work"' EXIT
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
port=18766
wait_for() { until [ "$(curl -s "http://127.0.0.1:$port/")" = "$1" ]; do sleep 0.005; done; }

# A plugin as a user outside this repository writes it: DevServe.dll referenced from the installed devserve.
plugin=$work/plugin
mkdir -p "$plugin"
cat > "$plugin/Bench.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><EnableDynamicLoading>true</EnableDynamicLoading></PropertyGroup>
  <ItemGroup><Reference Include="DevServe" HintPath="$root/artifacts/devserve/DevServe.dll" Private="false" /></ItemGroup>
</Project>
XML
version() { echo "public static class S { public static DevServe.Response Start(DevServe.Request r) => DevServe.Response.Text(\"v$1\"); }" > "$plugin/S.cs"; }
version 0
dotnet build "$plugin/Bench.csproj" -c Debug -nologo -v quiet >/dev/null
dll=$plugin/bin/Debug/net10.0/Bench.dll

dotnet "$cli" run "$dll" --port $port --no-browser --no-banner >/dev/null 2>&1 &
pid=$!
wait_for v0
build=""; load=""
for n in $(seq 1 "$builds"); do
  version "$n"
  t0=$(now_ms)
  dotnet build "$plugin/Bench.csproj" -c Debug -nologo -v quiet >/dev/null
  t1=$(now_ms)
  wait_for "v$n"
  t2=$(now_ms)
  build+="$((t1 - t0)) "; load+="$((t2 - t1)) "
done
kill -TERM "$pid"; wait "$pid" || true; pid=""
echo "devserve run Bench.dll, dotnet build in another terminal ($builds builds, ms):"
echo "  dotnet build:                $build -> median $(echo $build | tr ' ' '\n' | median)"
echo "  build exit -> new version:   $load -> median $(echo $load | tr ' ' '\n' | median)"

dotnet "$cli" run "$plugin/Bench.csproj" --port $port --no-browser --no-banner >/dev/null 2>&1 &
pid=$!
wait_for "v$builds"
saved=""
for n in $(seq $((builds + 1)) $((builds * 2))); do
  t0=$(now_ms)
  version "$n"
  wait_for "v$n"
  saved+="$(( $(now_ms) - t0 )) "
  sleep 0.3
done
kill -TERM "$pid"; wait "$pid" || true; pid=""
echo "devserve run Bench.csproj, save -> new version served (devserve builds; $builds saves, ms): $saved -> median $(echo $saved | tr ' ' '\n' | median)"

# A script with a NuGet reference: the first start restores; later ones find the restore (and the compile) cached.
cp servlets/sqlite-notes.csx "$work/notes.csx"
start_ms() {
  local t0 t1
  t0=$(now_ms)
  DEVSERVE_CACHE="$work/cache" dotnet "$cli" run "$work/notes.csx" --port $port --no-browser --no-banner "$@" >/dev/null 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.005; done
  t1=$(now_ms)
  kill -TERM "$pid"; wait "$pid" || true; pid=""
  echo $((t1 - t0))
}
first=$(start_ms)
compile=""; cached=""
for _ in $(seq 1 "$runs"); do
  compile+="$(start_ms --no-cache) "
  cached+="$(start_ms) "
done
echo "devserve run sqlite-notes.csx (#r \"nuget: Microsoft.Data.Sqlite\"), process start -> first 200 (ms):"
echo "  first start (dotnet restore, packages already in ~/.nuget): $first"
echo "  restore cached, compiled:        $compile -> median $(echo $compile | tr ' ' '\n' | median)"
echo "  restore and compile cached:      $cached -> median $(echo $cached | tr ' ' '\n' | median)"

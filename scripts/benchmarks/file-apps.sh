#!/usr/bin/env bash
# File-based apps (issue 17; start-up and reload rows of issue 16): one hello servlet as a .cs app and as a .csx
# script. Process start -> first 200 for devserve run app.cs and app.csx (cold: a file never compiled, with no compile
# server and with one running; cached), and for dotnet run app.cs (first run of a new file; cached re-run), rounds
# alternating; then save ->
# new version served for devserve (both kinds) and for dotnet watch app.cs (hot reload). The .cs app names DevServe
# by package (scripts/pack's local feed) so dotnet run can cache its build (#:project never caches), and sets
# PublishAot=false (dotnet watch restarts on every edit otherwise). Loopback only; bounded counts.
# Usage: scripts/benchmarks/file-apps.sh [runs] [saves]      (default 5 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
runs=${1:-5}
saves=${2:-10}

scripts/devserve --help >/dev/null   # publishes the build users run
feed=$(dirname "$(scripts/pack)")
dotnet build scripts/benchmarks/HelloServers -c Release -nologo -v quiet >/dev/null
poller=scripts/benchmarks/HelloServers/bin/Release/net10.0/HelloServers.dll
cli=artifacts/devserve/DevServe.Cli.dll
work=$(mktemp -d)
runfiles=~/.local/share/dotnet/runfile
before=$(ls "$runfiles" 2>/dev/null || true)
cleanup() {
  pkill -KILL -f "$work/" 2>/dev/null || true
  rm -rf "$work"
  # dotnet run's build folders for this run's files (a new folder per path): not left behind.
  for d in $(ls "$runfiles" 2>/dev/null); do echo "$before" | grep -qx "$d" || rm -rf "${runfiles:?}/$d"; done
}
trap cleanup EXIT
export NUGET_PACKAGES="$work/nuget"   # a private package folder: DevServe comes from this build's feed
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
port=18775

app() {   # app VERSION → the .cs app's text
  cat <<CS
#:sdk Microsoft.NET.Sdk.Web
#:property PublishAot=false
#:package DevServe@0.1.0
#:property RestoreAdditionalProjectSources=$feed
using DevServe;

await Launch.ServeServlet(Start, servletPath: "/", port: int.Parse(args[0]), launchBrowser: false);

static Response Start(Request request) => Response.Text("$1");
CS
}
script() { echo "Response Start(Request request) => Response.Text(\"$1\");"; }

# stop PID: TERM, a few seconds' grace (dotnet watch does not always end on TERM), then KILL; the app a runner started too.
stop() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pkill -KILL -f "$work/" 2>/dev/null || true   # dotnet watch's own processes
  pkill -KILL -f "bin/debug/app $port" 2>/dev/null || true   # the app dotnet run or dotnet watch started (built under ~/.local/share/dotnet/runfile)
  while curl -s -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.01; done
}

# first_200 COMMAND...: ms from exec to the first 200 on /, then stops the process (HelloServers first200: one process
# polls every 2 ms; a curl per poll took ~30 ms of CPU each from the process measured, and added ~200 ms to a start).
first_200() {
  dotnet "$poller" first200 "$port" "$@"
  pkill -KILL -f "bin/debug/app $port" 2>/dev/null || true   # what dotnet run started, should it outlive the kill
  while curl -s -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.01; done
}

# Cold starts, each of a file devserve has never compiled: with no compile server (a fresh cache; as on the first run on
# a machine, which starts one), and with a compile server running for the shared cache (started below).
mkdir -p "$work/src"
app v0 >"$work/src/app.cs"; script v0 >"$work/src/app.csx"
new_file() { mkdir -p "$work/new/$1"; $2 v0 >"$work/new/$1/$3"; echo "$work/new/$1/$3"; }   # a new path: a cache miss
# The server, started as devserve starts it (which it does 2 s after its first compile: first_200 stops it sooner).
mkdir -p "$work/shared"
(cd "$work/shared" && setsid dotnet "$OLDPWD/$cli" compile-server --cache "$work/shared" </dev/null >/dev/null 2>&1 &)
for _ in $(seq 1 300); do [ -S "$work/shared/compile-server/"*.sock ] 2>/dev/null && break; sleep 0.1; done
[ -S "$work/shared/compile-server/"*.sock ] || { echo "file-apps.sh: the compile server did not start" >&2; exit 1; }
sleep 3   # its warm-up compile
declare -A t
for i in $(seq 1 "$runs"); do
  t[cs_first]+="$(DEVSERVE_COMPILE_SERVER=0 DEVSERVE_CACHE="$work/c$i" first_200 dotnet "$cli" run "$work/src/app.cs" --port $port --no-browser --no-banner) "
  t[cs_cached]+="$(DEVSERVE_CACHE="$work/c$i" first_200 dotnet "$cli" run "$work/src/app.cs" --port $port --no-browser --no-banner) "
  t[cs_cold]+="$(DEVSERVE_CACHE="$work/shared" first_200 dotnet "$cli" run "$(new_file "cs$i" app app.cs)" --port $port --no-browser --no-banner) "
  t[csx_first]+="$(DEVSERVE_COMPILE_SERVER=0 DEVSERVE_CACHE="$work/x$i" first_200 dotnet "$cli" run "$work/src/app.csx" --port $port --no-browser --no-banner) "
  t[csx_cached]+="$(DEVSERVE_CACHE="$work/x$i" first_200 dotnet "$cli" run "$work/src/app.csx" --port $port --no-browser --no-banner) "
  t[csx_cold]+="$(DEVSERVE_CACHE="$work/shared" first_200 dotnet "$cli" run "$(new_file "csx$i" script app.csx)" --port $port --no-browser --no-banner) "
  mkdir -p "$work/run$i"; app v0 >"$work/run$i/app.cs"   # a new path: dotnet run builds it from nothing
  t[run_first]+="$(first_200 dotnet run "$work/run$i/app.cs" -- $port) "
  t[run_cached]+="$(first_200 dotnet run "$work/run$i/app.cs" -- $port) "
done
rm -f "$work/shared/compile-server/"*.sock   # the server stops within a second of its socket going
row() { printf '  %-58s %s-> median %s\n' "$1" "$2" "$(echo $2 | tr ' ' '\n' | median)"; }
echo "process start -> first 200 (ms, $runs rounds, alternating):"
row "devserve run app.cs, cold, no compile server (first run)" "${t[cs_first]}"
row "devserve run app.cs, cold, compile server running" "${t[cs_cold]}"
row "devserve run app.cs, compiled cache" "${t[cs_cached]}"
row "devserve run app.csx, cold, no compile server (first run)" "${t[csx_first]}"
row "devserve run app.csx, cold, compile server running" "${t[csx_cold]}"
row "devserve run app.csx, compiled cache" "${t[csx_cached]}"
row "dotnet run app.cs, first run" "${t[run_first]}"
row "dotnet run app.cs, cached re-run" "${t[run_cached]}"

# save_to_served FILE MAKE: editor-style saves (temp file + rename) of versions 1..n, each polled until served, by
# HelloServers saves: one process and one kept-alive connection polling every millisecond (a curl per poll costs
# ~30 ms on this machine, more than some of what is measured).
save_to_served() {
  local file=$1 make=$2 n versions
  versions=$(mktemp -d "$work/versions.XXXX")
  for n in $(seq 1 "$saves"); do $make "v$n" >"$versions/$n"; done
  dotnet "$poller" saves "http://127.0.0.1:$port/" "$file" "$versions" "$saves"
}
serve_then_saves() {   # serve_then_saves FILE MAKE COMMAND...
  local file=$1 make=$2 pid times
  shift 2
  $make v0 >"$file"
  "$@" >/dev/null 2>&1 &
  pid=$!
  until [ "$(curl -s "http://127.0.0.1:$port/")" = "v0" ]; do sleep 0.02; done
  times=$(save_to_served "$file" "$make")
  stop "$pid"
  echo "$times"
}
mkdir -p "$work/live" "$work/watch"
echo "save -> new version served (ms, $saves saves):"
# No compile server for the save rows: they are the in-process save loop, and one starting would share the cores.
row "devserve run app.cs" "$(DEVSERVE_COMPILE_SERVER=0 DEVSERVE_CACHE="$work/live-cache" serve_then_saves "$work/live/app.cs" app dotnet "$cli" run "$work/live/app.cs" --port $port --no-browser --no-banner)"
row "devserve run app.csx" "$(DEVSERVE_COMPILE_SERVER=0 DEVSERVE_CACHE="$work/live-cache" serve_then_saves "$work/live/app.csx" script dotnet "$cli" run "$work/live/app.csx" --port $port --no-browser --no-banner)"
row "dotnet watch app.cs (hot reload)" "$(serve_then_saves "$work/watch/app.cs" app dotnet watch --non-interactive "$work/watch/app.cs" -- $port)"

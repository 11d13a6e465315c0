#!/usr/bin/env bash
# Runs every test: unit (parsers on every amd-smi fixture, catalog, simulation, process runner, placement properties),
# gateway (request readers, no processes), grains (in-process clusters), KServe (watcher against the fake API server),
# integration (silos, gateway, run.sh and the fake amd-smi as real processes; a multi-silo cluster on Azurite), end to
# end (the gpushare CLI and the web page in Debian's Chromium against ./run.sh's system) and the chaos suites' short
# mode (silo kills, storage outages and a fuzzer on a cluster of processes on Azurite).
# Installs what the tests need (Azurite with npm ci; Debian's prometheus and chromium when missing), builds once
# (Release, the build ./run.sh runs), runs the test projects — those that mostly wait on processes beside the
# in-process ones, which run one after another — shows progress, and prints the totals read from the test results as
# one line: "N passed, N failed, N skipped".
# Extra arguments go to every `dotnet test` (e.g. --filter).
set -uo pipefail
cd "$(dirname "$0")"

RESULTS=.run/test-results
CONFIGURATION=Release
mkdir -p .run
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
started=$(date +%s)
elapsed() { local s=$(( $(date +%s) - started )); printf '%d:%02d' $((s / 60)) $((s % 60)); }
say() { printf '[%s] %s\n' "$(elapsed)" "$*"; }

command -v dotnet >/dev/null || { echo "test.sh: the .NET SDK (dotnet) is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "test.sh: Node.js and npm are required (for Azurite)" >&2; exit 1; }
[ -d ../shared/fixtures ] || { echo "test.sh: the tests read ../shared/fixtures (a sibling of this repository); it is missing" >&2; exit 1; }
if [ ! -f tools/azurite/node_modules/.package-lock.json ] || [ tools/azurite/package-lock.json -nt tools/azurite/node_modules/.package-lock.json ]; then
  say "installing Azurite (npm ci)…"
  (cd tools/azurite && npm ci --no-audit --no-fund --loglevel=error) || { echo "test.sh: npm ci failed" >&2; exit 1; }
fi

if ! command -v promtool >/dev/null; then
  say "installing Prometheus (promtool) from Debian…"
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null) || { echo "test.sh: apt-get install prometheus failed" >&2; exit 1; }
  else
    echo "test.sh: promtool is required (the alert rules' tests): sudo apt-get install prometheus" >&2; exit 1
  fi
fi

if [ ! -x /usr/bin/chromium ]; then
  say "installing Chromium from Debian (the browser tests)…"
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null) || { echo "test.sh: apt-get install chromium failed" >&2; exit 1; }
  else
    echo "test.sh: /usr/bin/chromium is required (the browser tests): sudo apt-get install chromium" >&2; exit 1
  fi
fi

# Dozens of short-lived .NET processes (test hosts, silos, gateways) share two cores here: no tiered-PGO
# instrumentation and one GC heap each cost less CPU; neither changes what the code does.
export DOTNET_TieredPGO=0 DOTNET_gcServer=0

say "building (dotnet build -c $CONFIGURATION)…"
dotnet build Orleans.sln -c "$CONFIGURATION" --nologo -v quiet -clp:ErrorsOnly || { echo "0 passed, 1 failed (the build failed)"; exit 1; }
say "built"

counts() { # passed failed skipped of one report
  grep -ho "<Counters [^>]*>" "$@" 2>/dev/null | awk '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); gsub(/"/, "", kv[2]); c[kv[1]] += kv[2] } }
    END { printf "%d %d %d", c["passed"], c["failed"] + c["error"] + c["timeout"] + c["aborted"], c["notExecuted"] }'
}

run_project() {
  local project=$1 name; name=$(basename "$project" .csproj)
  local begun; begun=$(date +%s)
  say "$name: running"
  dotnet test "$project" -c "$CONFIGURATION" --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" --results-directory "$RESULTS" "${extra[@]}" \
    >"$RESULTS/$name.log" 2>&1
  local rc=$?
  read -r p f s <<<"$(counts "$RESULTS/$name.trx")"
  say "$name: ${p:-0} passed, ${f:-0} failed, ${s:-0} skipped in $(( $(date +%s) - begun )) s$([ $rc -ne 0 ] && echo " — see $RESULTS/$name.log")"
  if [ $rc -ne 0 ]; then
    grep -E '^\s+Failed ' "$RESULTS/$name.log" | head -n 20
  fi
  return $rc
}

extra=("$@")
projects=$(find tests -name '*.Tests.csproj' | sort)
background=$(printf '%s\n' $projects | grep -E '(Integration|Chaos|EndToEnd)\.Tests\.csproj' || true)
foreground=$(printf '%s\n' $projects | grep -vE '(Integration|Chaos|EndToEnd)\.Tests\.csproj')
status=0

pids=()
for project in $background; do
  run_project "$project" & pids+=($!)
done

# A heartbeat while anything runs, so that a long stretch is never silent.
(
  while sleep 30; do
    line=""
    for log in "$RESULTS"/*.log; do
      [ -f "$log" ] || continue
      name=$(basename "$log" .log)
      [ -f "$RESULTS/$name.trx" ] && continue
      line="$line $name $(grep -cE '^\s+(Passed|Failed|Skipped) ' "$log") tests done;"
    done
    [ -n "$line" ] && say "still running:$line"
  done
) & heartbeat=$!

for project in $foreground; do
  run_project "$project" || status=1
done
for pid in "${pids[@]}"; do
  wait "$pid" || status=1
done
kill "$heartbeat" 2>/dev/null
wait "$heartbeat" 2>/dev/null

projects_count=$(printf '%s\n' $projects | grep -c .)
reports=$(find "$RESULTS" -name '*.trx' | wc -l)
read -r passed failed skipped <<<"$(counts "$RESULTS"/*.trx)"
if [ "$reports" -lt "$projects_count" ]; then
  echo "test.sh: only $reports of $projects_count test projects wrote results" >&2
  failed=$((failed + projects_count - reports))
  status=1
fi
say "all tests done"
echo "$passed passed, $failed failed, $skipped skipped"
exit $status

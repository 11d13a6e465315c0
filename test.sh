#!/usr/bin/env bash
# Runs every test: unit (parsers on every amd-smi fixture, catalog, simulation, process runner), grains (in-process
# cluster), integration (silo, gateway and fake amd-smi as real processes; a multi-silo cluster on Azurite).
# Installs Azurite (npm ci) for the tests that start it, builds, runs `dotnet test` on the solution, and prints the
# totals read from the test results as one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"

RESULTS=.run/test-results
mkdir -p .run
rm -rf "$RESULTS"

command -v dotnet >/dev/null || { echo "test.sh: the .NET SDK (dotnet) is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "test.sh: Node.js and npm are required (for Azurite)" >&2; exit 1; }
if [ ! -f tools/azurite/node_modules/.package-lock.json ] || [ tools/azurite/package-lock.json -nt tools/azurite/node_modules/.package-lock.json ]; then
  (cd tools/azurite && npm ci --no-audit --no-fund --loglevel=error) || { echo "test.sh: npm ci failed" >&2; exit 1; }
fi

dotnet build Orleans.sln --nologo -v quiet -clp:ErrorsOnly || { echo "0 passed, 1 failed (the build failed)"; exit 1; }
# One project after another (each writes its own report): on two cores, parallel test hosts only fight for CPU.
status=0
projects=0
for project in $(find tests -name '*.Tests.csproj' | sort); do
  projects=$((projects + 1))
  name=$(basename "$project" .csproj)
  dotnet test "$project" --no-build --nologo --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS" "$@" || status=1
done

reports=$(find "$RESULTS" -name '*.trx' 2>/dev/null | wc -l)
totals=$(find "$RESULTS" -name '*.trx' -exec grep -ho '<Counters [^>]*>' {} + 2>/dev/null | awk '
  { for (i = 1; i <= NF; i++) { split($i, kv, "="); gsub(/"/, "", kv[2]); c[kv[1]] += kv[2] } }
  END { printf "%d %d %d", c["passed"], c["failed"] + c["error"] + c["timeout"] + c["aborted"], c["notExecuted"] }')
read -r passed failed skipped <<<"${totals:-0 0 0}"
if [ "$reports" -lt "$projects" ]; then
  echo "test.sh: only $reports of $projects test projects wrote results" >&2
  failed=$((failed + projects - reports))
  [ "$status" -eq 0 ] && status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status

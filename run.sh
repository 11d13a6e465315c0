#!/usr/bin/env bash
# Starts the whole system locally and prints where to look:
#   Azurite (storage and clustering), one silo (role "all", two simulated MI300X), the gateway (API + dashboard).
# Usage: ./run.sh [start|stop|status]      Settings: GPUS=MI300X:2  NODE=local  GATEWAY_PORT=5080  SILO_HTTP_PORT=5090
set -euo pipefail
cd "$(dirname "$0")"

RUN_DIR=.run
GPUS=${GPUS:-MI300X:2}
NODE=${NODE:-local}
GATEWAY_PORT=${GATEWAY_PORT:-5080}
SILO_HTTP_PORT=${SILO_HTTP_PORT:-5090}
CONFIGURATION=Release
mkdir -p "$RUN_DIR"

say() { printf '%s\n' "$*"; }
fail() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
alive() { [ -f "$RUN_DIR/$1.pid" ] && kill -0 "$(cat "$RUN_DIR/$1.pid")" 2>/dev/null; }

stop_one() {
  local name=$1
  if alive "$name"; then
    local pid; pid=$(cat "$RUN_DIR/$name.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    say "stopped $name (pid $pid)"
  fi
  rm -f "$RUN_DIR/$name.pid"
}

wait_ready() {
  local name=$1 url=$2 log=$3
  for _ in $(seq 1 120); do
    if curl -fsS "$url" >/dev/null 2>&1; then return 0; fi
    alive "$name" || { tail -n 40 "$log" >&2; fail "$name exited; see $log"; }
    sleep 0.5
  done
  tail -n 40 "$log" >&2
  fail "$name was not ready at $url within 60 s; see $log"
}

start() {
  command -v dotnet >/dev/null || fail "the .NET SDK (dotnet) is required"
  command -v node >/dev/null && command -v npm >/dev/null || fail "Node.js and npm are required (for Azurite)"

  # Azurite, pinned by tools/azurite/package-lock.json
  if [ ! -f tools/azurite/node_modules/.package-lock.json ] || [ tools/azurite/package-lock.json -nt tools/azurite/node_modules/.package-lock.json ]; then
    say "installing Azurite (npm ci)…"
    (cd tools/azurite && npm ci --no-audit --no-fund --loglevel=error)
  fi

  say "building (dotnet build -c $CONFIGURATION)…"
  dotnet build src/Silo/Silo.csproj -c "$CONFIGURATION" --nologo -v quiet -clp:ErrorsOnly
  dotnet build src/Gateway/Gateway.csproj -c "$CONFIGURATION" --nologo -v quiet -clp:ErrorsOnly

  if alive azurite || listening 10002; then
    say "Azurite already listening on 127.0.0.1:10000-10002"
  else
    nohup node tools/azurite/node_modules/azurite/dist/src/azurite.js \
      --blobHost 127.0.0.1 --blobPort 10000 --queueHost 127.0.0.1 --queuePort 10001 --tableHost 127.0.0.1 --tablePort 10002 \
      --location "$RUN_DIR/azurite" --skipApiVersionCheck --loose --silent >"$RUN_DIR/azurite.log" 2>&1 &
    echo $! >"$RUN_DIR/azurite.pid"
    for _ in $(seq 1 100); do listening 10002 && listening 10000 && break; sleep 0.1; done
    listening 10002 || fail "Azurite did not start; see $RUN_DIR/azurite.log"
    say "Azurite started (data in $RUN_DIR/azurite)"
  fi

  export ConnectionStrings__AzureStorage="UseDevelopmentStorage=true"
  export GpuSharing__Storage=azure GpuSharing__Clustering=localhost

  if alive silo; then
    say "silo already running (pid $(cat "$RUN_DIR/silo.pid"))"
  else
    GpuSharing__Silo__Role=all \
    GpuSharing__Node__Name="$NODE" \
    GpuSharing__Node__Backend=simulated \
    GpuSharing__Node__SimulatedGpus="$GPUS" \
    GpuSharing__Node__SimulatedStateFile="$PWD/$RUN_DIR/simulated-$NODE.json" \
      nohup dotnet "src/Silo/bin/$CONFIGURATION/net10.0/Silo.dll" --urls "http://127.0.0.1:$SILO_HTTP_PORT" >"$RUN_DIR/silo.log" 2>&1 &
    echo $! >"$RUN_DIR/silo.pid"
  fi
  wait_ready silo "http://127.0.0.1:$SILO_HTTP_PORT/readyz" "$RUN_DIR/silo.log"

  if alive gateway; then
    say "gateway already running (pid $(cat "$RUN_DIR/gateway.pid"))"
  else
    nohup dotnet "src/Gateway/bin/$CONFIGURATION/net10.0/Gateway.dll" --urls "http://127.0.0.1:$GATEWAY_PORT" >"$RUN_DIR/gateway.log" 2>&1 &
    echo $! >"$RUN_DIR/gateway.pid"
  fi
  wait_ready gateway "http://127.0.0.1:$GATEWAY_PORT/readyz" "$RUN_DIR/gateway.log"

  cat <<TXT

The GPU sharing control plane is running: node '$NODE' with simulated $GPUS.

  GPUs        curl http://127.0.0.1:$GATEWAY_PORT/api/v1/gpus
  Nodes       curl http://127.0.0.1:$GATEWAY_PORT/api/v1/nodes
  Repartition curl -X PUT http://127.0.0.1:$GATEWAY_PORT/api/v1/gpus/$NODE/0/partitioning \\
                   -H 'Content-Type: application/json' -d '{"computeMode":"CPX","memoryMode":"NPS4"}'
  OpenAPI     http://127.0.0.1:$GATEWAY_PORT/openapi/v1.json
  Dashboard   http://127.0.0.1:$GATEWAY_PORT/dashboard/
  Health      http://127.0.0.1:$GATEWAY_PORT/readyz   (silo: http://127.0.0.1:$SILO_HTTP_PORT/readyz)
  Logs        $RUN_DIR/silo.log  $RUN_DIR/gateway.log  $RUN_DIR/azurite.log

Stop everything with: ./run.sh stop
TXT
}

case "${1:-start}" in
  start) start ;;
  stop) stop_one gateway; stop_one silo; stop_one azurite ;;
  status)
    for name in azurite silo gateway; do
      if alive "$name"; then say "$name running (pid $(cat "$RUN_DIR/$name.pid"))"; else say "$name stopped"; fi
    done ;;
  *) fail "usage: ./run.sh [start|stop|status]" ;;
esac

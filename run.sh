#!/usr/bin/env bash
# Starts the whole system locally and prints where to look:
#   Azurite (storage and clustering), one silo (role "all", two simulated MI300X), the gateway (API + dashboard).
# Usage: ./run.sh [start|stop|status] [--no-build]
# Settings (environment):
#   GPUS=MI300X:2          simulated GPUs of the node          NODE=local          the node's name
#   RUNTIME=simulated      what serves placed replicas: simulated (a SIMULATED inference server each) or none
#   GATEWAY_PORT=5080      the gateway's HTTP port              SILO_HTTP_PORT=5090 the silo's HTTP port (health)
#   SILO_PORT=11111        Orleans silo-to-silo port           SILO_GATEWAY_PORT=30000  Orleans port the gateway dials
#   AZURITE_BLOB_PORT=10000  AZURITE_QUEUE_PORT=10001  AZURITE_TABLE_PORT=10002
#   RUN_DIR=.run           where pids, logs and data go (a second RUN_DIR and other ports give a second system)
#   CONFIGURATION=Release  the build the processes run (./test.sh builds the same one)
#   PROMETHEUS_PORT=9090   Prometheus (Debian's package, when installed) scraping the silo and the gateway
#   PROMETHEUS=on          off: do not start Prometheus
set -euo pipefail
cd "$(dirname "$0")"

RUN_DIR=${RUN_DIR:-.run}
GPUS=${GPUS:-MI300X:2}
NODE=${NODE:-local}
RUNTIME=${RUNTIME:-simulated}
GATEWAY_PORT=${GATEWAY_PORT:-5080}
SILO_HTTP_PORT=${SILO_HTTP_PORT:-5090}
SILO_PORT=${SILO_PORT:-11111}
SILO_GATEWAY_PORT=${SILO_GATEWAY_PORT:-30000}
AZURITE_BLOB_PORT=${AZURITE_BLOB_PORT:-10000}
AZURITE_QUEUE_PORT=${AZURITE_QUEUE_PORT:-10001}
AZURITE_TABLE_PORT=${AZURITE_TABLE_PORT:-10002}
CONFIGURATION=${CONFIGURATION:-Release}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
PROMETHEUS=${PROMETHEUS:-on}
BUILD=1
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)

say() { printf '%s\n' "$*"; }
fail() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_of() { cat "$RUN_DIR/$1.pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

# Inodes of the sockets listening on a TCP port (Linux /proc/net), to tell which process holds it.
socket_inodes() {
  awk -v p="$(printf ':%04X' "$1")" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u
}

# The pids that listen on a TCP port (Linux /proc; lsof elsewhere).
listeners() {
  local port=$1 inode
  if [ -r /proc/net/tcp ]; then
    for inode in $(socket_inodes "$port"); do
      { find /proc/[0-9]*/fd -maxdepth 1 -lname "socket:\[$inode\]" 2>/dev/null || true; } | cut -d/ -f3
    done | sort -u
  elif command -v lsof >/dev/null; then
    lsof -nP -iTCP:"$port" -sTCP:LISTEN -t 2>/dev/null || true
  fi
}

# Whether the process we started as $1 is the one listening on port $2.
owns_port() {
  local pid inode
  pid=$(pid_of "$1")
  [ -n "$pid" ] || return 1
  if [ -r /proc/net/tcp ]; then
    for inode in $(socket_inodes "$2"); do
      find "/proc/$pid/fd" -maxdepth 1 -lname "socket:\[$inode\]" 2>/dev/null | grep -q . && return 0
    done
    return 1
  fi
  listeners "$2" | grep -qx "$pid"
}

# A port we are about to use must be free, or held by the service of ours that is meant to hold it.
require_port() {
  local name=$1 port=$2 what=$3
  if listening "$port" && ! { alive "$name" && owns_port "$name" "$port"; }; then
    local who; who=$(listeners "$port" | head -n 1) || true
    fail "port $port ($what) is held by another process${who:+ (pid $who: $(tr '\0' ' ' <"/proc/$who/cmdline" 2>/dev/null | cut -c1-80))}; stop it or choose another port (see the settings at the top of run.sh)"
  fi
}

stop_one() {
  local name=$1
  if alive "$name"; then
    local pid; pid=$(pid_of "$name")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    say "stopped $name (pid $pid)"
  fi
  rm -f "$RUN_DIR/$name.pid" "$RUN_DIR/$name.settings"
}

# Waits until $url answers and the process we started is the one listening on $port.
wait_ready() {
  local name=$1 url=$2 port=$3 log=$4
  for _ in $(seq 1 120); do
    alive "$name" || { tail -n 40 "$log" >&2; fail "$name exited; see $log"; }
    if curl -fsS "$url" >/dev/null 2>&1; then
      owns_port "$name" "$port" && return 0
      fail "something answers on port $port, but not the $name this script started (pid $(pid_of "$name")); see $log"
    fi
    sleep 0.5
  done
  tail -n 40 "$log" >&2
  fail "$name was not ready at $url within 60 s; see $log"
}

# A service already running with other settings is not silently reused: say so.
require_same_settings() {
  local name=$1 wanted=$2
  local running; running=$(cat "$RUN_DIR/$name.settings" 2>/dev/null || true)
  if [ "$running" != "$wanted" ]; then
    local differ; differ=$(comm -13 <(tr ' ' '\n' <<<"$running" | sort) <(tr ' ' '\n' <<<"$wanted" | sort) | tr '\n' ' ')
    fail "the $name already running (pid $(pid_of "$name")) was started with other settings ($running); asked for ${differ% }. Run './run.sh stop' first, or choose another RUN_DIR and other ports for a second system"
  fi
}

start() {
  command -v dotnet >/dev/null || fail "the .NET SDK (dotnet) is required"
  command -v node >/dev/null && command -v npm >/dev/null || fail "Node.js and npm are required (for Azurite)"
  command -v curl >/dev/null || fail "curl is required"

  local silo_settings="GPUS=$GPUS NODE=$NODE RUNTIME=$RUNTIME SILO_PORT=$SILO_PORT SILO_GATEWAY_PORT=$SILO_GATEWAY_PORT SILO_HTTP_PORT=$SILO_HTTP_PORT AZURITE_TABLE_PORT=$AZURITE_TABLE_PORT"
  local gateway_settings="GATEWAY_PORT=$GATEWAY_PORT SILO_GATEWAY_PORT=$SILO_GATEWAY_PORT"
  alive silo && require_same_settings silo "$silo_settings"
  alive gateway && require_same_settings gateway "$gateway_settings"

  # Every port is checked before anything starts: nothing half-started, and never "running" on someone else's port.
  require_port azurite "$AZURITE_BLOB_PORT" "Azurite blob"
  require_port azurite "$AZURITE_QUEUE_PORT" "Azurite queue"
  require_port azurite "$AZURITE_TABLE_PORT" "Azurite table"
  require_port silo "$SILO_PORT" "Orleans silo"
  require_port silo "$SILO_GATEWAY_PORT" "Orleans gateway"
  require_port silo "$SILO_HTTP_PORT" "silo HTTP"
  require_port gateway "$GATEWAY_PORT" "gateway HTTP"

  # Azurite, pinned by tools/azurite/package-lock.json
  if [ ! -f tools/azurite/node_modules/.package-lock.json ] || [ tools/azurite/package-lock.json -nt tools/azurite/node_modules/.package-lock.json ]; then
    say "installing Azurite (npm ci)…"
    (cd tools/azurite && npm ci --no-audit --no-fund --loglevel=error)
  fi

  if [ "$BUILD" = 1 ]; then
    say "building (dotnet build -c $CONFIGURATION)…"
    dotnet build src/Silo/Silo.csproj -c "$CONFIGURATION" --nologo -v quiet -clp:ErrorsOnly
    dotnet build src/Gateway/Gateway.csproj -c "$CONFIGURATION" --nologo -v quiet -clp:ErrorsOnly
    dotnet build src/Cli/Cli.csproj -c "$CONFIGURATION" --nologo -v quiet -clp:ErrorsOnly
  fi

  if alive azurite; then
    say "Azurite already running (pid $(pid_of azurite))"
  else
    nohup node tools/azurite/node_modules/azurite/dist/src/azurite.js \
      --blobHost 127.0.0.1 --blobPort "$AZURITE_BLOB_PORT" --queueHost 127.0.0.1 --queuePort "$AZURITE_QUEUE_PORT" \
      --tableHost 127.0.0.1 --tablePort "$AZURITE_TABLE_PORT" \
      --location "$RUN_DIR/azurite" --skipApiVersionCheck --loose --silent >"$RUN_DIR/azurite.log" 2>&1 &
    echo $! >"$RUN_DIR/azurite.pid"
    # Seconds on an idle machine; up to a minute on a busy one (Node.js starting beside builds and tests). It stops
    # waiting as soon as Azurite exits.
    for _ in $(seq 1 600); do
      listening "$AZURITE_TABLE_PORT" && listening "$AZURITE_BLOB_PORT" && break
      kill -0 "$(cat "$RUN_DIR/azurite.pid")" 2>/dev/null || break
      sleep 0.1
    done
    owns_port azurite "$AZURITE_TABLE_PORT" || fail "Azurite did not start on port $AZURITE_TABLE_PORT; see $RUN_DIR/azurite.log"
    say "Azurite started (data in $RUN_DIR/azurite)"
  fi

  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  export ConnectionStrings__AzureStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$AZURITE_BLOB_PORT/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$AZURITE_QUEUE_PORT/devstoreaccount1;TableEndpoint=http://127.0.0.1:$AZURITE_TABLE_PORT/devstoreaccount1;"
  export GpuSharing__Storage=azure GpuSharing__Clustering=localhost

  if alive silo; then
    say "silo already running (pid $(pid_of silo)): $silo_settings"
  else
    GpuSharing__Silo__Role=all \
    GpuSharing__Silo__SiloPort="$SILO_PORT" \
    GpuSharing__Silo__GatewayPort="$SILO_GATEWAY_PORT" \
    GpuSharing__Node__Name="$NODE" \
    GpuSharing__Node__Backend=simulated \
    GpuSharing__Node__SimulatedGpus="$GPUS" \
    GpuSharing__Node__SimulatedStateFile="$RUN_DIR/simulated-$NODE.json" \
    GpuSharing__Node__Runtime="$RUNTIME" \
      nohup dotnet "src/Silo/bin/$CONFIGURATION/net10.0/Silo.dll" --urls "http://127.0.0.1:$SILO_HTTP_PORT" >"$RUN_DIR/silo.log" 2>&1 &
    echo $! >"$RUN_DIR/silo.pid"
    echo "$silo_settings" >"$RUN_DIR/silo.settings"
  fi
  wait_ready silo "http://127.0.0.1:$SILO_HTTP_PORT/readyz" "$SILO_HTTP_PORT" "$RUN_DIR/silo.log"

  if alive gateway; then
    say "gateway already running (pid $(pid_of gateway))"
  else
    GpuSharing__Gateway__SiloGatewayPorts__0="$SILO_GATEWAY_PORT" \
      nohup dotnet "src/Gateway/bin/$CONFIGURATION/net10.0/Gateway.dll" --urls "http://127.0.0.1:$GATEWAY_PORT" >"$RUN_DIR/gateway.log" 2>&1 &
    echo $! >"$RUN_DIR/gateway.pid"
    echo "$gateway_settings" >"$RUN_DIR/gateway.settings"
  fi
  wait_ready gateway "http://127.0.0.1:$GATEWAY_PORT/readyz" "$GATEWAY_PORT" "$RUN_DIR/gateway.log"

  # Prometheus scraping this system, when Debian's package is installed; the system runs without it.
  local prometheus_line
  if [ "$PROMETHEUS" = off ]; then
    prometheus_line="off (PROMETHEUS=off)"
  elif ! command -v prometheus >/dev/null; then
    prometheus_line="not installed: sudo apt-get install prometheus, then ./run.sh again"
  elif alive prometheus; then
    prometheus_line="http://127.0.0.1:$PROMETHEUS_PORT/  (already running, pid $(pid_of prometheus))"
  elif listening "$PROMETHEUS_PORT"; then
    prometheus_line="not started: port $PROMETHEUS_PORT is taken (PROMETHEUS_PORT=… picks another)"
  else
    sed -e "s/127.0.0.1:5080/127.0.0.1:$GATEWAY_PORT/; s/127.0.0.1:5090/127.0.0.1:$SILO_HTTP_PORT/" deploy/prometheus/prometheus-local.yml >"$RUN_DIR/prometheus.yml"
    cp deploy/prometheus/alerts.yml "$RUN_DIR/alerts.yml"
    nohup prometheus --config.file="$RUN_DIR/prometheus.yml" --storage.tsdb.path="$RUN_DIR/prometheus" \
      --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" >"$RUN_DIR/prometheus.log" 2>&1 &
    echo $! >"$RUN_DIR/prometheus.pid"
    for _ in $(seq 1 50); do listening "$PROMETHEUS_PORT" && break; alive prometheus || break; sleep 0.2; done
    if listening "$PROMETHEUS_PORT"; then
      prometheus_line="http://127.0.0.1:$PROMETHEUS_PORT/  (scrapes the silo and the gateway every 15 s; alert rules loaded)"
    else
      prometheus_line="did not start; see $RUN_DIR/prometheus.log (the rest runs without it)"
    fi
  fi

  cli_prefix=""
  [ "$GATEWAY_PORT" = 5080 ] || cli_prefix="GPUSHARE_SERVER=http://127.0.0.1:$GATEWAY_PORT "
  cat <<TXT

The GPU sharing control plane is running: node '$NODE' with simulated $GPUS.

  Web page    http://127.0.0.1:$GATEWAY_PORT/   (the fleet map, deployments, what-if, chat)
  GPUs        curl http://127.0.0.1:$GATEWAY_PORT/api/v1/gpus
  Nodes       curl http://127.0.0.1:$GATEWAY_PORT/api/v1/nodes
  Repartition curl -X PUT http://127.0.0.1:$GATEWAY_PORT/api/v1/gpus/$NODE/0/partitioning \\
                   -H 'Content-Type: application/json' -d '{"computeMode":"CPX","memoryMode":"NPS4"}'
  A model     curl -X PUT http://127.0.0.1:$GATEWAY_PORT/api/v1/models/team-a/qwen \\
                   -H 'Content-Type: application/json' -d '{"model":"qwen2.5-7b"}'
  Served      curl http://127.0.0.1:$GATEWAY_PORT/v1/models      (replicas served by: $RUNTIME)
  Chat        curl -N http://127.0.0.1:$GATEWAY_PORT/v1/chat/completions -H 'Content-Type: application/json' \\
                   -d '{"model":"team-a/qwen","stream":true,"messages":[{"role":"user","content":"Hello"}]}'
  CLI         $cli_prefix./gpushare gpus      (also: models, plan, slo, chat; ./gpushare --help)
  OpenAPI     http://127.0.0.1:$GATEWAY_PORT/openapi/v1.json
  Dashboard   http://127.0.0.1:$GATEWAY_PORT/dashboard/
  Health      http://127.0.0.1:$GATEWAY_PORT/readyz   (silo: http://127.0.0.1:$SILO_HTTP_PORT/readyz)
  Metrics     curl http://127.0.0.1:$GATEWAY_PORT/metrics   (silo: curl http://127.0.0.1:$SILO_HTTP_PORT/metrics)
  Prometheus  $prometheus_line
  Logs        $RUN_DIR/silo.log  $RUN_DIR/gateway.log  $RUN_DIR/azurite.log  $RUN_DIR/prometheus.log

Stop everything with: ./run.sh stop
TXT
}

command=start
for arg in "$@"; do
  case "$arg" in
    start|stop|status) command=$arg ;;
    --no-build) BUILD=0 ;;
    *) fail "usage: ./run.sh [start|stop|status] [--no-build]" ;;
  esac
done

case "$command" in
  start) start ;;
  stop) stop_one prometheus; stop_one gateway; stop_one silo; stop_one azurite ;;
  status)
    for name in azurite silo gateway prometheus; do
      if alive "$name"; then say "$name running (pid $(pid_of "$name")) $(cat "$RUN_DIR/$name.settings" 2>/dev/null || true)"; else say "$name stopped"; fi
    done ;;
esac

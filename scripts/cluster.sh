#!/usr/bin/env bash
# A three-node VanguardHub cluster on this machine, behind nginx, for development and failover drills.
#
#   scripts/cluster.sh up [DIR]     # PostgreSQL + three Dashboard nodes + nginx; prints the URL last
#   scripts/cluster.sh down [DIR]   # stops nginx, the nodes (SIGTERM, then waits) and PostgreSQL
#
# DIR (default .cluster in the repository) holds everything: pg/ (the PostgreSQL data directory, via
# scripts/postgres.sh), data/ (the nodes' shared Storage:DataDirectory: the session-cookie key ring), node-N.log and
# node-N.pid, and nginx/ (generated nginx.conf, its pid, logs and temp folders).
#
# Layout (ports configurable through the environment):
#   PostgreSQL          127.0.0.1:${VANGUARDHUB_CLUSTER_PG_PORT:-55432}
#   node 1..3 HTTP      127.0.0.1:5081-5083   silo 11111-11113   gateway 30000-30002
#   nginx               127.0.0.1:${VANGUARDHUB_CLUSTER_PORT:-5080}
# All nodes: Storage:Engine=PostgreSql, Cluster:Mode=AdoNet (membership in the same database), one ServiceId
# and ClusterId. The first admin's password is VANGUARDHUB_ADMIN_PASSWORD (when unset, node 1 generates one and
# prints it once to DIR/node-1.log).
#
# nginx comes from Debian's package; as root this script installs it when /usr/sbin/nginx is missing, otherwise it
# stops with a message. nginx runs as the invoking user with its own prefix under DIR (no root needed to run it).
set -euo pipefail

readonly ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
readonly PG_PORT=${VANGUARDHUB_CLUSTER_PG_PORT:-55432}
readonly PROXY_PORT=${VANGUARDHUB_CLUSTER_PORT:-5080}
readonly HTTP_PORTS=(5081 5082 5083)
readonly SILO_PORTS=(11111 11112 11113)
readonly GATEWAY_PORTS=(30000 30001 30002)
readonly SERVICE_ID=${VANGUARDHUB_CLUSTER_SERVICE_ID:-vanguardhub}
readonly CLUSTER_ID=${VANGUARDHUB_CLUSTER_ID:-vanguardhub}
readonly NGINX=/usr/sbin/nginx
readonly DLL=$ROOT/Dashboard/bin/Release/net10.0/VanguardHub.Dashboard.dll

say() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
    cat >&2 <<'EOF'
usage: scripts/cluster.sh up [DIR]
       scripts/cluster.sh down [DIR]
EOF
    exit 2
}

is_root() { [[ $(id -u) -eq 0 ]]; }

ensure_nginx() {
    [[ -x $NGINX ]] && return 0
    is_root || die "nginx is not installed and this is not root; install Debian's 'nginx' package (sudo apt-get install nginx) or run ./test.sh as root, then run again."
    say "installing Debian's nginx package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends nginx >&2
    [[ -x $NGINX ]] || die "nginx was installed but $NGINX is missing"
}

build_if_needed() {
    # Rebuild when any source is newer than the assembly (or it is missing).
    if [[ -f $DLL ]] && [[ -z $(find "$ROOT/Dashboard" "$ROOT/Silo" "$ROOT/Grains" \
        \( -path '*/bin' -o -path '*/obj' -o -path '*/node_modules' \) -prune -o -type f -newer "$DLL" -print -quit 2>/dev/null) ]]; then
        return 0
    fi
    say "building the Dashboard (Release)"
    dotnet build "$ROOT/Dashboard" --configuration Release >&2 || die "the build failed"
}

pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_node() {
    local n=$1 connection=$2
    local i=$((n - 1))
    local pidfile=$DIR/node-$n.pid log=$DIR/node-$n.log
    if pid_alive "$pidfile"; then
        say "node $n already running (pid $(cat "$pidfile"))"
        return 0
    fi
    say "starting node $n on http://127.0.0.1:${HTTP_PORTS[i]} (silo ${SILO_PORTS[i]}, gateway ${GATEWAY_PORTS[i]})"
    # From the Dashboard folder so that wwwroot is found; setsid so the node outlives this shell and its group.
    (
        cd "$ROOT/Dashboard"
        export ASPNETCORE_URLS="http://127.0.0.1:${HTTP_PORTS[i]}"
        export ASPNETCORE_ENVIRONMENT=Production
        export Storage__Engine=PostgreSql
        export Storage__PostgreSqlConnectionString="$connection"
        export Storage__DataDirectory="$DIR/data"
        export Cluster__Mode=AdoNet
        export Orleans__SiloPort="${SILO_PORTS[i]}"
        export Orleans__GatewayPort="${GATEWAY_PORTS[i]}"
        export Orleans__ServiceId="$SERVICE_ID"
        export Orleans__ClusterId="$CLUSTER_ID"
        exec setsid dotnet "$DLL" >"$log" 2>&1 </dev/null
    ) &
    echo $! >"$pidfile"
}

wait_ready() {
    local n=$1 port=$2 deadline=$((SECONDS + 120))
    until curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$port/readyz" 2>/dev/null; do
        pid_alive "$DIR/node-$n.pid" || { tail -n 30 "$DIR/node-$n.log" >&2 || true; die "node $n exited; see $DIR/node-$n.log"; }
        ((SECONDS < deadline)) || { tail -n 30 "$DIR/node-$n.log" >&2 || true; die "node $n is not ready after 120 s; see $DIR/node-$n.log"; }
        sleep 0.5
    done
    say "node $n is ready"
}

write_nginx_conf() {
    local conf=$DIR/nginx/nginx.conf servers="" port
    for port in "${HTTP_PORTS[@]}"; do
        servers+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
    done
    mkdir -p "$DIR/nginx/logs" "$DIR/nginx/temp"
    cat >"$conf" <<EOF
# Generated by scripts/cluster.sh; rewritten on every "up".
worker_processes 1;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/logs/error.log warn;

events {
    worker_connections 1024;
}

http {
    access_log $DIR/nginx/logs/access.log;
    client_body_temp_path $DIR/nginx/temp/body;
    proxy_temp_path $DIR/nginx/temp/proxy;
    fastcgi_temp_path $DIR/nginx/temp/fastcgi;
    uwsgi_temp_path $DIR/nginx/temp/uwsgi;
    scgi_temp_path $DIR/nginx/temp/scgi;
    # Bodies are capped at 1 MiB by the app: keep them in memory, never in temp files.
    client_max_body_size 1m;
    client_body_buffer_size 1m;
    proxy_max_temp_file_size 0;

    # WebSocket upgrade for the hub; an empty Connection header otherwise, so upstream keepalive works.
    map \$http_upgrade \$connection_upgrade {
        default upgrade;
        ''      '';
    }

    # API, pages and probes: any node will do (sessions and tokens are valid on every node).
    upstream vanguardhub {
        least_conn;
$servers        keepalive 16;
    }

    # The SignalR hub: sticky. A client's negotiate and the connection (WebSocket, SSE or each long-polling
    # request) that carries its connection id must reach the same node, which alone knows that id.
    # hash \$remote_addr consistent rather than ip_hash: it hashes the whole address (ip_hash takes only the first
    # three octets of an IPv4 address, so a whole /24 behind one NAT lands on one node, and IPv6 clients too), and the
    # consistent (ketama) ring moves only the failed node's clients to a survivor and back when it returns, instead
    # of reshuffling everyone's connections. A client on a failed node simply reconnects and negotiates anew.
    upstream vanguardhub_hub {
        hash \$remote_addr consistent;
$servers        keepalive 16;
    }

    server {
        listen 127.0.0.1:$PROXY_PORT;

        proxy_http_version 1.1;
        proxy_set_header Host \$http_host;
        proxy_set_header X-Real-IP \$remote_addr;
        proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto \$scheme;
        # Set here, not in a location: a location with any proxy_set_header of its own inherits none of these.
        proxy_set_header Upgrade \$http_upgrade;
        proxy_set_header Connection \$connection_upgrade;
        proxy_connect_timeout 2s;
        # A node that refuses, times out, or answers 502/503 (not ready): try the next one. nginx never retries a
        # non-idempotent request (POST) once it reached a node; the client resends it with the same id instead.
        proxy_next_upstream error timeout http_502 http_503;
        proxy_next_upstream_tries 3;
        proxy_next_upstream_timeout 10s;
        # Which node answered; for drills and failover tests.
        add_header X-Upstream \$upstream_addr always;

        location /hubs/ {
            proxy_pass http://vanguardhub_hub;
            # WebSocket, SSE and long polling hold the request open: no buffering, a long read timeout.
            proxy_buffering off;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }

        location / {
            proxy_pass http://vanguardhub;
            proxy_read_timeout 60s;
        }
    }
}
EOF
    printf '%s\n' "$conf"
}

nginx_running() { pid_alive "$DIR/nginx/nginx.pid"; }

start_nginx() {
    ensure_nginx
    local conf
    conf=$(write_nginx_conf)
    "$NGINX" -p "$DIR/nginx" -c "$conf" -e "$DIR/nginx/logs/error.log" -t -q \
        || die "nginx rejected $conf"
    if nginx_running; then
        say "nginx already running; reloading its configuration"
        "$NGINX" -p "$DIR/nginx" -c "$conf" -e "$DIR/nginx/logs/error.log" -s reload
    else
        say "starting nginx on http://127.0.0.1:$PROXY_PORT"
        "$NGINX" -p "$DIR/nginx" -c "$conf" -e "$DIR/nginx/logs/error.log"
    fi
}

up() {
    mkdir -p "$DIR/data"
    ensure_nginx
    build_if_needed
    local connection
    connection=$("$ROOT/scripts/postgres.sh" start "$DIR/pg" "$PG_PORT" | tail -n 1)
    [[ -n $connection ]] || die "scripts/postgres.sh printed no connection string"

    # Node 1 first: it creates the schema (and the first admin) before the others race for them.
    start_node 1 "$connection"
    wait_ready 1 "${HTTP_PORTS[0]}"
    start_node 2 "$connection"
    start_node 3 "$connection"
    wait_ready 2 "${HTTP_PORTS[1]}"
    wait_ready 3 "${HTTP_PORTS[2]}"

    start_nginx
    curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$PROXY_PORT/readyz" || die "nginx does not answer on port $PROXY_PORT; see $DIR/nginx/logs/error.log"
    printf 'http://127.0.0.1:%s\n' "$PROXY_PORT"
}

stop_pidfile() {
    local pidfile=$1 name=$2 pid deadline
    [[ -f $pidfile ]] || return 0
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        say "stopping $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        deadline=$((SECONDS + 60))
        while kill -0 "$pid" 2>/dev/null; do
            if ((SECONDS >= deadline)); then
                say "$name did not stop within 60 s; killing it"
                kill -KILL "$pid" 2>/dev/null || true
                break
            fi
            sleep 0.2
        done
    fi
    rm -f "$pidfile"
}

down() {
    [[ -d $DIR ]] || { say "$DIR does not exist; nothing to stop"; return 0; }
    if nginx_running; then
        say "stopping nginx"
        "$NGINX" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$DIR/nginx/logs/error.log" -s quit 2>/dev/null \
            || kill -TERM "$(cat "$DIR/nginx/nginx.pid")" 2>/dev/null || true
        local deadline=$((SECONDS + 15))
        while nginx_running && ((SECONDS < deadline)); do sleep 0.2; done
    fi
    # All three at once (each gets SIGTERM), then wait for each.
    local n
    for n in 3 2 1; do
        [[ -f $DIR/node-$n.pid ]] && kill -TERM "$(cat "$DIR/node-$n.pid")" 2>/dev/null || true
    done
    for n in 3 2 1; do
        stop_pidfile "$DIR/node-$n.pid" "node $n"
    done
    "$ROOT/scripts/postgres.sh" stop "$DIR/pg"
}

[[ $# -ge 1 && $# -le 2 ]] || usage
DIR=${2:-$ROOT/.cluster}
case $1 in
    up) mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd -P); up ;;
    down) [[ -d $DIR ]] && DIR=$(cd "$DIR" && pwd -P); down ;;
    *) usage ;;
esac

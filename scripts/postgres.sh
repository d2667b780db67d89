#!/usr/bin/env bash
# A private PostgreSQL server for VanguardHub's development and tests.
#
#   scripts/postgres.sh start DIR PORT   # init DIR if it is new, start it, ensure role + database; prints the
#                                        # Npgsql connection string as the only line on stdout
#   scripts/postgres.sh stop DIR         # fast shutdown; no error when it is not running
#   scripts/postgres.sh remove DIR       # stop, then delete DIR
#
# What it sets up:
# - The server binaries of Debian's `postgresql` package (newest /usr/lib/postgresql/*/bin, else initdb/pg_ctl on
#   PATH). When they are missing it installs the package with apt-get, as root only (otherwise it stops with a
#   message). The package's default "main" cluster is not wanted, so create_main_cluster is switched off first when
#   postgresql-common has no configuration yet.
# - DIR is the data directory, initialised on the first start (UTF8, C locale). The log is DIR/log and the Unix socket
#   lives in DIR (never /var/run). The server listens on 127.0.0.1:PORT only; fsync stays on; max_connections=500
#   (a full test run, its many clusters and processes each with a connection pool of its own, ran out of 200).
# - Authentication (pg_hba.conf, written by this script):
#     local (the socket in DIR)  peer           only the OS account that owns DIR, as the superuser
#     host 127.0.0.1/32, ::1     scram-sha-256  every TCP login needs a password
#   The superuser (the owning OS account's name) has no password at all, so it cannot log in over TCP; the
#   script reaches it through the socket to create the login role `vanguardhub` (password `vanguardhub`) and the
#   database `vanguardhub` it owns, when they are missing.
# - As root, initdb and pg_ctl refuse to run, so they run as the `postgres` OS user (runuser) and DIR is chowned to
#   it; DIR's parent must be reachable by that user (e.g. /tmp/..., not /root/...). Not as root: the current user.
# - Idempotent: start on an initialised DIR just starts it (or finds it running) and checks the role and database.
#
# All progress and server output goes to stderr; stdout carries only the connection string.
set -euo pipefail

readonly ROLE=vanguardhub
readonly DATABASE=vanguardhub
readonly PASSWORD=vanguardhub

say() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
    cat >&2 <<'EOF'
usage: scripts/postgres.sh start DIR PORT
       scripts/postgres.sh stop DIR
       scripts/postgres.sh remove DIR
EOF
    exit 2
}

is_root() { [[ $(id -u) -eq 0 ]]; }

# Runs a server tool as the account that owns the cluster: postgres when we are root, else ourselves.
# From / so that a working directory the postgres user cannot read draws no warnings.
as_owner() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

find_bindir() {
    local dir
    # Newest installed major version first.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -V -r); do
        if [[ -x $dir/initdb && -x $dir/pg_ctl ]]; then
            printf '%s\n' "$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dir=$(dirname "$(readlink -f "$(command -v initdb)")")
        if [[ -x $dir/pg_ctl ]]; then
            printf '%s\n' "$dir"
            return 0
        fi
    fi
    return 1
}

install_postgresql() {
    # As root, or through sudo when it needs no password (as scripts/prerequisites.sh installs the rest).
    local as=()
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null \
            || die "PostgreSQL's server binaries (initdb, pg_ctl) are not installed, this is not root and sudo asks for a password; install Debian's 'postgresql' package (sudo apt-get install postgresql) and run again."
        as=(sudo -n)
    fi
    say "installing Debian's postgresql package"
    # Do not let the package create and start its own cluster on port 5432.
    if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
        "${as[@]}" mkdir -p /etc/postgresql-common
        printf 'create_main_cluster = false\n' | "${as[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
    fi
    "${as[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    "${as[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold postgresql >&2
}

bindir() {
    local dir
    if ! dir=$(find_bindir); then
        install_postgresql
        dir=$(find_bindir) || die "postgresql was installed but initdb/pg_ctl are still not found"
    fi
    [[ -x $dir/psql ]] || die "no psql next to $dir/pg_ctl"
    printf '%s\n' "$dir"
}

is_running() {
    as_owner "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1
}

init_cluster() {
    local port=$1
    say "initialising a new cluster in $DIR"
    # Local logins use peer; TCP is rejected until pg_hba.conf below replaces the file.
    # --no-sync: initdb's own flush of the ~1000 new files costs 2-3 s here. They reach the disk by the kernel's
    # normal write-back within about 30 s; only a power loss inside that window after creating an empty cluster
    # could damage it (delete DIR and start again). The running server keeps fsync on for everything it writes.
    as_owner "$BIN/initdb" -D "$DIR" -E UTF8 --locale=C --auth-local=peer --auth-host=reject --no-sync >&2
    as_owner tee "$DIR/pg_hba.conf" >/dev/null <<'EOF'
# Written by scripts/postgres.sh.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 peer
host    all       all   127.0.0.1/32  scram-sha-256
host    all       all   ::1/128       scram-sha-256
EOF
    # Later settings win over initdb's defaults above them.
    as_owner tee -a "$DIR/postgresql.conf" >/dev/null <<EOF

# --- scripts/postgres.sh ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$DIR'
max_connections = 500
fsync = on
password_encryption = 'scram-sha-256'
EOF
}

running_port() {
    # Line 4 of postmaster.pid is the port.
    sed -n 4p "$DIR/postmaster.pid" 2>/dev/null || true
}

ensure_role_and_database() {
    local port=$1
    as_owner "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$port" -d postgres >&2 <<EOF
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '$ROLE', '$PASSWORD')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE')
\gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$DATABASE', '$ROLE')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DATABASE')
\gexec
EOF
}

start() {
    local port=$2
    [[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || die "PORT must be a number from 1 to 65535, not '$port'"
    mkdir -p "$1"
    DIR=$(cd "$1" && pwd -P)
    BIN=$(bindir)

    if is_root; then
        chown postgres:postgres "$DIR"
        runuser -u postgres -- test -x "$(dirname "$DIR")" \
            || die "the postgres user cannot reach $DIR; choose a directory it can enter (e.g. under /tmp or /var/lib)"
    fi
    chmod 700 "$DIR"

    if [[ ! -s $DIR/PG_VERSION ]]; then
        [[ -z $(ls -A "$DIR") ]] || die "$DIR is not empty and holds no PostgreSQL cluster"
        init_cluster "$port"
    fi

    if is_running; then
        local current
        current=$(running_port)
        [[ $current == "$port" ]] || die "the server in $DIR is already running on port $current, not $port"
        say "already running in $DIR on port $port"
    else
        say "starting the server in $DIR on 127.0.0.1:$port"
        # -p overrides the port written at init, so an existing DIR can be started on another port.
        as_owner "$BIN/pg_ctl" -D "$DIR" -l "$DIR/log" -w -t 60 -o "-p $port" start >&2 \
            || { tail -n 20 "$DIR/log" >&2 || true; die "the server did not start; see $DIR/log"; }
    fi

    ensure_role_and_database "$port"
    printf 'Host=127.0.0.1;Port=%s;Database=%s;Username=%s;Password=%s\n' "$port" "$DATABASE" "$ROLE" "$PASSWORD"
}

stop() {
    [[ -d $1 ]] || { say "$1 does not exist; nothing to stop"; return 0; }
    DIR=$(cd "$1" && pwd -P)
    if [[ ! -s $DIR/PG_VERSION ]]; then
        say "$DIR holds no PostgreSQL cluster; nothing to stop"
        return 0
    fi
    BIN=$(find_bindir) || { say "PostgreSQL is not installed; nothing to stop"; return 0; }
    if ! is_running; then
        say "not running in $DIR"
        return 0
    fi
    say "stopping the server in $DIR"
    as_owner "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >&2
}

# Stops the server and deletes DIR (owned by the postgres user when we are root, so only the script can).
remove() {
    stop "$1"
    [[ -d $1 ]] || return 0
    say "removing $1"
    rm -rf -- "$1"
}

DIR=
BIN=
case ${1:-} in
    start) [[ $# -eq 3 ]] || usage; start "$2" "$3" ;;
    stop) [[ $# -eq 2 ]] || usage; stop "$2" ;;
    remove) [[ $# -eq 2 ]] || usage; remove "$2" ;;
    *) usage ;;
esac

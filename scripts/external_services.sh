#!/usr/bin/env bash
# Private, throw-away servers for `make test-external` (README "Production" section):
# a stock Debian PostgreSQL 15 primary, a streaming replica made with pg_basebackup, PgBouncer
# in transaction pooling mode in front of the primary, and Redis. Everything listens on
# loopback ports only, runs as an unprivileged OS user, and lives under one state directory.
#
#   scripts/external_services.sh install        apt packages, if missing (root only)
#   scripts/external_services.sh start          install, then start all four (idempotent)
#   scripts/external_services.sh stop           stop all four and delete the state directory
#   scripts/external_services.sh replica-stop   stop only the replica (tests of degradation)
#   scripts/external_services.sh replica-start  start it again
#   scripts/external_services.sh envfile        print the path of the file of URLs to source
set -euo pipefail

STATE="${CHATCORE_EXTERNAL_DIR:-/tmp/chatcore-external}"
# Below Linux's ephemeral range (32768-60999): a port in it can be held as the local end of
# any outgoing connection of the suite that just ran, and postgres then cannot bind it.
PRIMARY_PORT="${CHATCORE_PG_PRIMARY_PORT:-25415}"
REPLICA_PORT="${CHATCORE_PG_REPLICA_PORT:-25416}"
BOUNCER_PORT="${CHATCORE_PGBOUNCER_PORT:-26432}"
REDIS_PORT="${CHATCORE_REDIS_PORT:-26379}"
PG_BIN="${CHATCORE_PG_BIN:-/usr/lib/postgresql/15/bin}"
DB_USER=chatcore
# As root (CI) the servers run as this unprivileged account; otherwise as the caller.
RUN_AS="${CHATCORE_EXTERNAL_USER:-chatcore}"

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u "$RUN_AS" -- "$@"; else "$@"; fi
}

install() {
    local missing=()
    [ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15)
    command -v pgbouncer >/dev/null || missing+=(pgbouncer)
    command -v redis-server >/dev/null || missing+=(redis-server)
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" != 0 ]; then
            echo "missing ${missing[*]}: install them (apt-get install -y ${missing[*]})" >&2
            exit 1
        fi
        # No default cluster on 5432 and no system services started by the packages; both
        # switches are removed again afterwards (an existing policy-rc.d is left alone).
        local no_cluster=/etc/postgresql-common/createcluster.d/chatcore-no-main.conf policy=""
        mkdir -p "$(dirname "$no_cluster")"
        echo "create_main_cluster = false" >"$no_cluster"
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            policy=/usr/sbin/policy-rc.d
            printf '#!/bin/sh\nexit 101\n' >"$policy"
            chmod +x "$policy"
        fi
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
        rm -f "$no_cluster" ${policy:+"$policy"}
    fi
    if [ "$(id -u)" = 0 ] && ! getent passwd "$RUN_AS" >/dev/null; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_AS"
    fi
}

port_free() {  # port: refuse early, by name, rather than let a server die on bind
    if ! python3 -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null; then
        echo "port $1 on 127.0.0.1 is in use; set the CHATCORE_*_PORT variables to free ones" >&2
        exit 1
    fi
}

pg_ctl_start() {  # data directory, port
    port_free "$2"
    if ! as_owner "$PG_BIN/pg_ctl" -D "$1" -l "$1.log" -w -t 60 \
        -o "-p $2 -c listen_addresses=127.0.0.1 -c unix_socket_directories=$STATE" start >/dev/null; then
        # The log is deleted with the state directory on exit: show why before it goes.
        echo "== last lines of $1.log" >&2
        tail -n 30 "$1.log" >&2 || true
        exit 1
    fi
}

running() {  # data directory
    as_owner "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

start_primary() {
    if [ ! -f "$STATE/primary/PG_VERSION" ]; then
        as_owner "$PG_BIN/initdb" -D "$STATE/primary" -U "$DB_USER" --pwfile="$STATE/password" \
            --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
            >/dev/null
        # Throw-away test clusters: durability off, enough connections for the suite plus
        # two web hosts; UTC like Django (no per-connection SET TIME ZONE through PgBouncer).
        cat >>"$STATE/primary/postgresql.conf" <<EOF
fsync = off
synchronous_commit = off
max_connections = 300
max_wal_senders = 5
wal_keep_size = 256MB
hot_standby = on
timezone = 'UTC'
log_min_messages = warning
EOF
    fi
    running "$STATE/primary" || pg_ctl_start "$STATE/primary" "$PRIMARY_PORT"
}

start_replica() {
    if [ ! -f "$STATE/replica/PG_VERSION" ]; then
        # -R writes standby.signal and primary_conninfo: a real streaming replica.
        as_owner env PGPASSWORD="$(cat "$STATE/password")" "$PG_BIN/pg_basebackup" \
            -h 127.0.0.1 -p "$PRIMARY_PORT" -U "$DB_USER" -D "$STATE/replica" -R -X stream \
            --checkpoint=fast
    fi
    running "$STATE/replica" || pg_ctl_start "$STATE/replica" "$REPLICA_PORT"
}

start_pgbouncer() {
    if [ ! -f "$STATE/pgbouncer.ini" ]; then
        printf '"%s" "%s"\n' "$DB_USER" "$(cat "$STATE/password")" >"$STATE/userlist.txt"
        cat >"$STATE/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$PRIMARY_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $STATE/userlist.txt
pool_mode = transaction
admin_users = $DB_USER
max_client_conn = 1000
default_pool_size = 40
pidfile = $STATE/pgbouncer.pid
logfile = $STATE/pgbouncer.log
EOF
        chmod 600 "$STATE/userlist.txt"
        [ "$(id -u)" != 0 ] || chown "$RUN_AS" "$STATE/userlist.txt" "$STATE/pgbouncer.ini"
    fi
    if ! { [ -f "$STATE/pgbouncer.pid" ] && kill -0 "$(cat "$STATE/pgbouncer.pid")" 2>/dev/null; }; then
        port_free "$BOUNCER_PORT"
        as_owner pgbouncer -d -q "$STATE/pgbouncer.ini"
    fi
}

start_redis() {
    if ! { [ -f "$STATE/redis.pid" ] && kill -0 "$(cat "$STATE/redis.pid")" 2>/dev/null; }; then
        port_free "$REDIS_PORT"
        mkdir -p "$STATE/redis"
        [ "$(id -u)" != 0 ] || chown "$RUN_AS" "$STATE/redis"
        as_owner redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
            --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log" --dir "$STATE/redis" \
            --save '' --appendonly no --requirepass "$(cat "$STATE/password")" >/dev/null
        for _ in $(seq 50); do [ -f "$STATE/redis.pid" ] && break; sleep 0.1; done
    fi
}

write_env() {
    local pw
    pw="$(cat "$STATE/password")"
    cat >"$STATE/env" <<EOF
export CHATCORE_EXTERNAL_DIR=$STATE
export CHATCORE_EXTERNAL_PRIMARY_URL=postgres://$DB_USER:$pw@127.0.0.1:$PRIMARY_PORT/chatcore
export CHATCORE_EXTERNAL_REPLICA_URL=postgres://$DB_USER:$pw@127.0.0.1:$REPLICA_PORT/chatcore
export CHATCORE_EXTERNAL_PGBOUNCER_URL=postgres://$DB_USER:$pw@127.0.0.1:$BOUNCER_PORT/chatcore
export CHATCORE_EXTERNAL_REDIS_URL=redis://:$pw@127.0.0.1:$REDIS_PORT/0
EOF
}

start() {
    install
    mkdir -p "$STATE"
    chmod 700 "$STATE"
    [ -f "$STATE/password" ] || head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$STATE/password"
    [ "$(id -u)" != 0 ] || chown -R "$RUN_AS" "$STATE"
    start_primary
    as_owner "$PG_BIN/psql" -h "$STATE" -p "$PRIMARY_PORT" -U "$DB_USER" -d postgres -qtA \
        -c "SELECT 1 FROM pg_database WHERE datname = 'chatcore'" | grep -q 1 ||
        as_owner "$PG_BIN/createdb" -h "$STATE" -p "$PRIMARY_PORT" -U "$DB_USER" chatcore
    # Through PgBouncer chatcore sends no startup options: the role carries the timeout.
    as_owner "$PG_BIN/psql" -h "$STATE" -p "$PRIMARY_PORT" -U "$DB_USER" -d postgres -qtA \
        -c "ALTER ROLE $DB_USER SET statement_timeout = '30s'" >/dev/null
    start_replica
    start_pgbouncer
    start_redis
    write_env
    echo "external services up under $STATE (source $STATE/env)"
}

stop() {
    [ -d "$STATE" ] || return 0
    for pidfile in "$STATE/pgbouncer.pid" "$STATE/redis.pid"; do
        if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
    done
    for cluster in replica primary; do
        if running "$STATE/$cluster"; then
            as_owner "$PG_BIN/pg_ctl" -D "$STATE/$cluster" -m fast -w stop >/dev/null
        fi
    done
    for _ in $(seq 50); do
        { [ -f "$STATE/redis.pid" ] || [ -f "$STATE/pgbouncer.pid" ]; } || break
        sleep 0.1
    done
    rm -rf "$STATE"
}

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    replica-stop) as_owner "$PG_BIN/pg_ctl" -D "$STATE/replica" -m fast -w stop >/dev/null ;;
    replica-start) running "$STATE/replica" || pg_ctl_start "$STATE/replica" "$REPLICA_PORT" ;;
    envfile) echo "$STATE/env" ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac

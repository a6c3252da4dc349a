#!/usr/bin/env bash
# Runs a command with TEST_DATABASE_URL set to a reachable PostgreSQL, for tests that must
# run against both SQLite and PostgreSQL:
#
#   scripts/with-postgres.sh cargo test -p store
#
# Where the PostgreSQL comes from, in order:
#   1. TEST_DATABASE_URL, if already set;
#   2. a local server at 127.0.0.1:5432 (user postgres, database test, no password);
#   3. otherwise a throwaway cluster: initdb into a temporary directory (trust auth), started
#      on a free port from 55432, with database `test`; stopped and deleted when the command
#      ends. Debian's `postgresql` package is installed with apt-get if no initdb is found.
#
# FORCE_THROWAWAY_PG=1 skips 1 and 2 (to test the throwaway path). The script exits with
# the command's exit status.

set -euo pipefail

log() { printf 'with-postgres: %s\n' "$*" >&2; }

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi

FORCE="${FORCE_THROWAWAY_PG:-0}"

if [ "$FORCE" != 1 ] && [ -n "${TEST_DATABASE_URL:-}" ]; then
    exec "$@"
fi

local_postgres_ready() {
    if command -v psql >/dev/null 2>&1; then
        PGCONNECT_TIMEOUT=3 psql -w -X -q -h 127.0.0.1 -p 5432 -U postgres -d test \
            -tAc 'SELECT 1' >/dev/null 2>&1
    elif command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -t 3 -h 127.0.0.1 -p 5432 -U postgres -d test
    else
        return 1
    fi
}

if [ "$FORCE" != 1 ] && local_postgres_ready; then
    export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/test"
    log "using the PostgreSQL at 127.0.0.1:5432"
    exec "$@"
fi

# --- A throwaway cluster. ---

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        log "need root (or sudo) to run: $*"
        return 1
    fi
}

find_bindir() {
    local dir
    # Debian keeps the server tools out of PATH, one directory per major version.
    for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

if ! BINDIR="$(find_bindir)"; then
    log "no initdb found: installing Debian's postgresql package"
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; then
        as_root apt-get update -q >&2
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
    fi
    BINDIR="$(find_bindir)" || {
        log "postgresql installed but initdb still not found"
        exit 1
    }
fi

# initdb and postgres refuse to run as root: run them as an unprivileged user.
if [ "$(id -u)" -eq 0 ]; then
    if id postgres >/dev/null 2>&1; then
        PG_USER=postgres
    else
        PG_USER=nobody
    fi
    if command -v runuser >/dev/null 2>&1; then
        as_pg() { runuser -u "$PG_USER" -- "$@"; }
    else
        as_pg() { su "$PG_USER" -s /bin/sh -c "$(printf '%q ' "$@")"; }
    fi
    TMP_PARENT=/tmp
else
    as_pg() { "$@"; }
    TMP_PARENT="${TMPDIR:-/tmp}"
fi

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

PORT=55432
while port_in_use "$PORT"; do
    PORT=$((PORT + 1))
    if [ "$PORT" -gt 55531 ]; then
        log "no free port in 55432-55531"
        exit 1
    fi
done

PGTMP="$(mktemp -d "$TMP_PARENT/with-postgres.XXXXXX")"
DATA="$PGTMP/data"
SOCK="$PGTMP/socket"
mkdir -p "$SOCK"
if [ "$(id -u)" -eq 0 ]; then
    chown -R "$PG_USER" "$PGTMP"
fi

STARTED=0
CHILD=
cleanup() {
    local status=$?
    set +e
    if [ "$STARTED" = 1 ]; then
        (cd "$PGTMP" && as_pg "$BINDIR/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1)
    fi
    rm -rf "$PGTMP"
    exit "$status"
}
# On a signal, pass it on to the command, let it finish, then clean up.
on_signal() {
    if [ -n "$CHILD" ]; then
        kill -s "$1" "$CHILD" 2>/dev/null
        wait "$CHILD" 2>/dev/null
    fi
    exit "$2"
}
trap cleanup EXIT
trap 'on_signal HUP 129' HUP
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

cd_pg() { (cd "$PGTMP" && as_pg "$@"); }

log "starting a throwaway PostgreSQL ($BINDIR) on port $PORT in $PGTMP"
if ! cd_pg "$BINDIR/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C \
    --no-sync >"$PGTMP/initdb.log" 2>&1; then
    cat "$PGTMP/initdb.log" >&2
    log "initdb failed"
    exit 1
fi
STARTED=1
if ! cd_pg "$BINDIR/pg_ctl" -D "$DATA" -l "$PGTMP/server.log" -w -t 60 \
    -o "-p $PORT -k $SOCK -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null; then
    cat "$PGTMP/server.log" >&2
    log "the server did not start"
    exit 1
fi
if ! cd_pg "$BINDIR/psql" -X -q -h "$SOCK" -p "$PORT" -U postgres -d postgres \
    -c 'CREATE DATABASE test' >&2; then
    log "could not create database test"
    exit 1
fi

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/test"
# In the background, so that a signal to this script is handled at once (bash runs traps
# only between commands); standard input is passed on explicitly.
set +e
"$@" <&0 &
CHILD=$!
wait "$CHILD"
STATUS=$?
CHILD=
exit "$STATUS"

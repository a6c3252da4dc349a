#!/usr/bin/env bash
# Load benchmark: the clinic page (40 appointments), the clinic list and the appointment
# page, signed in, on SQLite and on PostgreSQL, at 8 and 32 connections, with wrk on this
# same machine. Prints a Markdown table (also written to target/bench-results.md).
#
#   scripts/bench.sh                 # both backends, 10 s per run
#   DURATION=30s BACKENDS=sqlite scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10s}"
BACKENDS="${BACKENDS:-sqlite postgres}"
CONNECTIONS="${CONNECTIONS:-8 32}"
PORT="${PORT:-8199}"
PG_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
TARGET="${CARGO_TARGET_DIR:-target}"
BIN="$TARGET/release/screening"
BASE="http://localhost:$PORT"

command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y wrk >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y wrk >/dev/null); }
cargo build --release -p screening >&2
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

start_server() {
  local backend="$1"
  local url; schema=""
  if [ "$backend" = sqlite ]; then
    url="sqlite://$WORK/bench.db?mode=rwc"
  else
    url="$PG_URL"; schema="bench_$(date +%s)_$$"
  fi
  DATABASE_URL="$url" DATABASE_SCHEMA="$schema" RUST_LOG=warn \
    "$BIN" serve --demo --bind "127.0.0.1:$PORT" --public-url "$BASE" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fs "$BASE/sign-in" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
    sleep 0.2
  done
  echo "server did not start"; cat "$WORK/server.log"; exit 1
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  if [ -n "${schema_to_drop:-}" ]; then psql "$PG_URL" -qc "DROP SCHEMA $schema_to_drop CASCADE" >/dev/null 2>&1 || true; fi
}

# Signs in as the demo mammographer and prints the session cookie.
sign_in() {
  local jar="$WORK/jar" page csrf user
  rm -f "$jar"
  page="$(curl -fs -c "$jar" -b "$jar" "$BASE/sign-in/personas")"
  csrf="$(grep -o 'name="csrf_token" value="[^"]*"' <<<"$page" | head -1 | sed 's/.*value="//;s/"$//')"
  user="$(grep -A6 'Jane Hargreaves' <<<"$page" | grep -o 'name="user_id" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')"
  curl -fs -o /dev/null -c "$jar" -b "$jar" -d "csrf_token=$csrf&user_id=$user" "$BASE/sign-in/personas"
  awk '$6 == "screening_session" { print "screening_session=" $7 }' "$jar"
}

run_wrk() {
  local c="$1" url="$2"
  wrk -t2 -c"$c" -d"$DURATION" --latency -H "Cookie: $COOKIE" "$url" >"$WORK/wrk.txt" 2>&1
  local rps p99 non2xx
  rps="$(awk '/Requests\/sec/ { print $2 }' "$WORK/wrk.txt")"
  p99="$(awk '$1 == "99%" { print $2 }' "$WORK/wrk.txt")"
  non2xx="$(awk '/Non-2xx/ { print $5 }' "$WORK/wrk.txt")"
  echo "$rps|$p99|${non2xx:-0}"
}

RESULTS="$TARGET/bench-results.md"
{
  echo "| Backend | Page | Connections | Requests/s | p99 latency | Non-2xx |"
  echo "| --- | --- | ---: | ---: | ---: | ---: |"
} >"$RESULTS"
for backend in $BACKENDS; do
  start_server "$backend"
  [ "$backend" = postgres ] && schema_to_drop="$schema" || schema_to_drop=""
  COOKIE="$(sign_in)"
  clinic="$(curl -fs -H "Cookie: $COOKIE" "$BASE/clinics" | grep -o 'href="/clinics/[0-9a-f-]*"' | head -1 | sed 's/href="//;s/"$//')"
  rows="$(curl -fs -H "Cookie: $COOKIE" "$BASE$clinic?filter=all" | grep -c 'data-testid="appointment-row"')"
  appointment="$(curl -fs -H "Cookie: $COOKIE" "$BASE$clinic?filter=all" | grep -o 'href="/appointments/[0-9a-f-]*"' | head -1 | sed 's/href="//;s/"$//')"
  [ "$rows" = 40 ] || { echo "expected a 40-appointment clinic, found $rows rows"; exit 1; }
  for page in "clinic page (40 appointments)|$clinic?filter=all" "clinic list|/clinics" "appointment page|$appointment"; do
    name="${page%%|*}"; path="${page#*|}"
    for c in $CONNECTIONS; do
      IFS='|' read -r rps p99 non2xx <<<"$(run_wrk "$c" "$BASE$path")"
      echo "| $backend | $name | $c | $rps | $p99 | $non2xx |" | tee -a "$RESULTS"
    done
  done
  stop_server
done
echo
cat "$RESULTS"

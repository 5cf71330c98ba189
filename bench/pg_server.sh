#!/usr/bin/env bash
# A PostgreSQL 15 server for the benchmarks' `storage.backend: postgresql` runs (Debian's
# `postgresql` package, as the tests use): initdb and pg_ctl in a new temporary directory,
# a Unix socket there and no TCP port, server defaults otherwise (fsync and
# synchronous_commit on, as a production server runs). As root the cluster belongs to
# `nobody` (PostgreSQL refuses to run as root). Unlike bench/pg_server.py it outlives one
# command, so SQLite and PostgreSQL runs can alternate (A B A B) on one server, and it reads
# the server's CPU between runs:
#
#   FEEDPOP_PG_URL=$(bench/pg_server.sh createdb "$dir") bench/pop3/run_feedpop.sh
#
#   bench/pg_server.sh start            prints DIR; the maintenance URL is `host=DIR user=feedpop dbname=postgres`
#   bench/pg_server.sh createdb DIR     prints the URL of a new empty database
#   bench/pg_server.sh cpu DIR          CPU seconds (user+sys) the server's processes used so far
#   bench/pg_server.sh sessions URL     server sessions (connections) opened to URL's database so far
#   bench/pg_server.sh stop DIR
#
# `cpu` counts the postmaster, its live children and the children it has reaped, so the
# sessions of a finished `fetch --once` are included. The benchmark harnesses measure only
# feedpop's process tree; add the difference of two `cpu` readings to compare backends.
set -euo pipefail
bin=${FEEDPOP_PG_BIN:-/usr/lib/postgresql/15/bin}
owner=()
[[ $(id -u) -eq 0 ]] && owner=(runuser -u nobody --)

clock_ticks=$(getconf CLK_TCK)
cpu() {
  local pid ticks=0
  pid=$(head -n1 "$1/data/postmaster.pid")
  # Fields 14-17 of /proc/PID/stat: utime stime cutime cstime (after the ")" of comm).
  for p in "$pid" $(pgrep -P "$pid"); do
    [[ -r /proc/$p/stat ]] || continue
    local fields
    fields=$(sed 's/^.*) //' "/proc/$p/stat")
    ticks=$((ticks + $(awk '{print $12 + $13 + $14 + $15}' <<<"$fields")))
  done
  awk -v t="$ticks" -v hz="$clock_ticks" 'BEGIN { printf "%.2f\n", t / hz }'
}

case "${1:-}" in
  start)
    dir=$(mktemp -d /tmp/feedpop-benchpg-XXXXXX) # short: socket paths are ≤ 107 bytes
    [[ ${#owner[@]} -gt 0 ]] && chown nobody "$dir"
    "${owner[@]}" "$bin/initdb" -D "$dir/data" -A trust -U feedpop -E UTF8 --locale=C \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    "${owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-k $dir -c listen_addresses='' -c max_connections=300" start >/dev/null
    echo "$dir"
    ;;
  createdb)
    name="bench_$(date +%s%N)"
    psql "host=$2 user=feedpop dbname=postgres" -q -c "CREATE DATABASE $name"
    echo "host=$2 user=feedpop dbname=$name"
    ;;
  cpu) cpu "$2" ;;
  sessions) # counted when a session ends: wait a moment for the client's last one
    sleep 1
    "$bin/psql" "$2" -Atc "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
    ;;
  stop)
    "${owner[@]}" "$bin/pg_ctl" -D "$2/data" -m fast stop >/dev/null
    rm -rf "$2"
    ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac

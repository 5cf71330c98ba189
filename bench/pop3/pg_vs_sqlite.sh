#!/usr/bin/env bash
# pg_vs_sqlite.sh [WORKLOADS]
#
# ../shared/bench/pop3/measure.sh against `feedpop serve` (run_feedpop.sh) twice in one
# run: the SQLite store, then storage.backend postgresql on a throwaway PostgreSQL 15
# (bench/pg_server.py). measure.sh counts the feedpop process's CPU; the PostgreSQL
# server's CPU over the same measurement (all its processes, from /proc) is printed after.
# WORKLOADS: measure.sh --only (default download).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${FEEDPOP_SHARED_DIR:-$root/../shared}/bench/pop3
only=${1:-download}

run() {
  local target
  target=$("$root/bench/pop3/run_feedpop.sh" "${FEEDPOP:-$root/build/release/feedpop}" | tail -n1)
  target=${target#TARGET=}
  "$shared/measure.sh" --only "$only" "$target"
  kill "$(cat "$(dirname "$target")/server.pid")"
}

echo "== SQLite"
run
coproc PG { "$root/bench/pg_server.py" pop3; }
read -r line <&"${PG[0]}"
export FEEDPOP_PG_URL=${line#URL=}
dir=$(sed -E 's/^host=([^ ]+).*/\1/' <<< "$FEEDPOP_PG_URL")
# The server's CPU seconds so far: the postmaster, its live backends and those it reaped
# (bench/pg_server.sh cpu; a backend's command line does not name the directory).
pg_cpu() {
  "$root/bench/pg_server.sh" cpu "$dir"
}
echo "== PostgreSQL ($FEEDPOP_PG_URL)"
before=$(pg_cpu)
run
after=$(pg_cpu)
echo "PostgreSQL sessions opened (feedpop's connections, over the whole run): $("$root/bench/pg_server.sh" sessions "$FEEDPOP_PG_URL")"
echo "PostgreSQL server CPU (ingest of the corpus + the measurement): $(echo "$after - $before" | bc) s"
echo >&"${PG[1]}"
wait "$PG_PID" || true

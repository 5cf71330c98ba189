#!/usr/bin/env bash
# pg_vs_sqlite.sh [SCENARIOS]
#
# The shared ingest bench (../shared/bench/ingest/measure.sh, 1,000 feeds) with
# targets/feedpop.sh twice in one run: SQLite, then storage.backend postgresql on a throwaway
# PostgreSQL 15 (bench/pg_server.py). measure.sh's CPU s is feedpop's process tree only, so
# the PostgreSQL server's CPU (all its processes, from /proc) is printed beside it.
# SCENARIOS: measure.sh -S (default cold,warm2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${FEEDPOP_SHARED_DIR:-$root/../shared}/bench/ingest
scenarios=${1:-cold,warm2}
port=${PORT:-18086}
export FEEDPOP=${FEEDPOP:-$root/build/release/feedpop}

echo "== SQLite"
"$shared/measure.sh" -p "$port" -S "$scenarios" -t "$here/targets/feedpop.sh"

coproc PG { "$root/bench/pg_server.py" bench; }
read -r line <&"${PG[0]}"
export FEEDPOP_PG_URL=${line#URL=}
dir=$(sed -E 's/^host=([^ ]+).*/\1/' <<< "$FEEDPOP_PG_URL")
# The server's CPU seconds so far: the postmaster, its live backends and those it reaped
# (bench/pg_server.sh cpu; a backend's command line does not name the directory).
pg_cpu() {
  "$root/bench/pg_server.sh" cpu "$dir"
}
before=$(pg_cpu)
echo "== PostgreSQL ($FEEDPOP_PG_URL)"
"$shared/measure.sh" -p "$port" -S "$scenarios" -t "$here/targets/feedpop.sh"
after=$(pg_cpu)
echo "PostgreSQL sessions opened (feedpop's connections, over the whole run): $("$root/bench/pg_server.sh" sessions "$FEEDPOP_PG_URL")"
echo "PostgreSQL server CPU over those polls (backends still running at the end): $(echo "$after - $before" | bc) s"
echo >&"${PG[1]}"
wait "$PG_PID" || true

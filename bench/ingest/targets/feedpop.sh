# Target definition for ../shared/bench/ingest/measure.sh -t (sourced by bash; do not execute).
# feedpop `fetch --once` on the 1000-feed workload, `initial: all` so every entry of the
# first poll is stored (and counted) like newsboat's. State (feeds.yaml, data/feedpop.db)
# lives in $BENCH_STATE.
#
# FEEDPOP: the binary (default: build/release/feedpop of this checkout).
# FEEDPOP_CONCURRENCY / FEEDPOP_PER_HOST: fetch.concurrency / fetch.per_host (default 8 / 8:
# all 1000 feeds sit on one loopback host, newsboat runs 8 reload threads).
# FEEDPOP_PG_URL: a libpq connection string: storage.backend postgresql there instead of
# SQLite (bench/pg_server.py starts a throwaway server; each setup empties its tables).

FEEDPOP_TARGET_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${FEEDPOP:=$FEEDPOP_TARGET_DIR/../../../build/release/feedpop}"

target_setup() {
  {
    echo "data_dir: \"$BENCH_STATE/data\""
    echo "log_level: warn"
    echo "fetch:"
    echo "  concurrency: ${FEEDPOP_CONCURRENCY:-8}"
    echo "  per_host: ${FEEDPOP_PER_HOST:-8}"
    echo "  timeout: 30s"
    if [ -n "${FEEDPOP_PG_URL:-}" ]; then
      echo "storage:"
      echo "  backend: postgresql"
      echo "  postgresql:"
      echo "    url: \"$FEEDPOP_PG_URL\""
    fi
    echo "users:"
    echo "  bench:"
    echo "    password: \"bench\""
    echo "    feeds: all"
    echo "feeds:"
    local n=0 url
    while IFS= read -r url; do
      [ -n "$url" ] || continue
      n=$((n + 1))
      printf '  f%04d:\n    url: "%s"\n    initial: all\n' "$n" "$url"
    done < "$BENCH_URLS"
  } > "$BENCH_STATE/feeds.yaml"
  if [ -n "${FEEDPOP_PG_URL:-}" ]; then
    psql -q "$FEEDPOP_PG_URL" -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" > /dev/null
  fi
}

target_version() {
  "$FEEDPOP" --version | head -n1
}

# Exit status 2 means some feeds failed: measure.sh flags it under the table.
target_run() {
  "$FEEDPOP" --config "$BENCH_STATE/feeds.yaml" --log-format human fetch --once < /dev/null \
    > "$BENCH_STATE/fetch.log" 2>&1
}

# Per-feed counts ("URL<TAB>N") of every entry stored, delivered or not.
target_count() {
  if [ -n "${FEEDPOP_PG_URL:-}" ]; then
    psql -At -F "$(printf '\t')" "$FEEDPOP_PG_URL" \
      -c "SELECT f.config_url, count(*) FROM entries e JOIN feeds f ON f.id = e.feed_id GROUP BY f.id;"
    return
  fi
  sqlite3 -separator "$(printf '\t')" "$BENCH_STATE/data/feedpop.db" \
    "SELECT f.config_url, count(*) FROM entries e JOIN feeds f ON f.id = e.feed_id GROUP BY f.id;"
}

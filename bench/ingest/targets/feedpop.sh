# Target definition for ../shared/bench/ingest/measure.sh -t (sourced by bash; do not execute).
# feedpop `fetch --once` on the 1000-feed workload, `initial: all` so every entry of the
# first poll is stored (and counted) like newsboat's. State (feeds.yaml, data/feedpop.db)
# lives in $BENCH_STATE.
#
# FEEDPOP: the binary (default: build/release/feedpop of this checkout).
# FEEDPOP_CONCURRENCY / FEEDPOP_PER_HOST: fetch.concurrency / fetch.per_host (default 8 / 8:
# all 1000 feeds sit on one loopback host, newsboat runs 8 reload threads).
# FEEDPOP_PG_SERVER: a directory printed by bench/pg_server.sh start: `storage.backend:
# postgresql` on a new database of that server per repetition (SQLite when unset).

FEEDPOP_TARGET_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${FEEDPOP:=$FEEDPOP_TARGET_DIR/../../../build/release/feedpop}"

target_setup() {
  if [ -n "${FEEDPOP_PG_SERVER:-}" ]; then
    "$FEEDPOP_TARGET_DIR/../../pg_server.sh" createdb "$FEEDPOP_PG_SERVER" > "$BENCH_STATE/pg_url"
  fi
  {
    echo "data_dir: \"$BENCH_STATE/data\""
    echo "log_level: warn"
    if [ -n "${FEEDPOP_PG_SERVER:-}" ]; then
      echo "storage:"
      echo "  backend: postgresql"
      echo "  postgresql: {url: \"$(cat "$BENCH_STATE/pg_url")\"}"
    fi
    echo "fetch:"
    echo "  concurrency: ${FEEDPOP_CONCURRENCY:-8}"
    echo "  per_host: ${FEEDPOP_PER_HOST:-8}"
    echo "  timeout: 30s"
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
}

target_version() {
  echo "$("$FEEDPOP" --version | head -n1) (storage: $([ -n "${FEEDPOP_PG_SERVER:-}" ] && echo postgresql || echo sqlite))"
}

# Exit status 2 means some feeds failed: measure.sh flags it under the table.
target_run() {
  "$FEEDPOP" --config "$BENCH_STATE/feeds.yaml" --log-format human fetch --once < /dev/null \
    > "$BENCH_STATE/fetch.log" 2>&1
}

# Per-feed counts ("URL<TAB>N") of every entry stored, delivered or not.
target_count() {
  if [ -n "${FEEDPOP_PG_SERVER:-}" ]; then
    psql "$(cat "$BENCH_STATE/pg_url")" -At -F "$(printf '\t')" -c \
      "SELECT f.config_url, count(*) FROM entries e JOIN feeds f ON f.id = e.feed_id GROUP BY f.id;"
    return
  fi
  sqlite3 -separator "$(printf '\t')" "$BENCH_STATE/data/feedpop.db" \
    "SELECT f.config_url, count(*) FROM entries e JOIN feeds f ON f.id = e.feed_id GROUP BY f.id;"
}

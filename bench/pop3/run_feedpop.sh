#!/usr/bin/env bash
# Starts `feedpop serve` (the real product: SQLite store, POP3 engine, fetcher thread) on
# the benchmark corpus of ../shared/bench/pop3, so its measure.sh compares feedpop with
# Dovecot on the same 50 users x 200 blog posts. The corpus's RSS feeds are ingested
# first with `feedpop fetch --once` (file: URLs, initial: all); every user is subscribed
# to the feed of their group, as subscriptions.tsv says. Prints TARGET=<dir>/target.env
# last, like run_dovecot.sh. Stop it with: kill "$(cat <dir>/server.pid)".
#
#   bench/pop3/run_feedpop.sh [FEEDPOP_BINARY]     (default: build/release/feedpop)
#
# Ports: $PORT (default 13110) and $TLS_PORT (default 13995), so Dovecot (run_dovecot.sh,
# 12110/12995) can run at the same time and the two be measured alternately (A B A B).
# $THREADS sets pop3.threads (default 0: one per core).
# $FEEDPOP_PG_URL (a libpq connection string): storage.backend postgresql there instead of
# SQLite (bench/pg_server.py starts a throwaway server).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
feedpop=${1:-$root/build/release/feedpop}
shared=${FEEDPOP_SHARED_DIR:-$root/../shared}/bench/pop3
[[ -x $feedpop ]] || { echo "build feedpop first ($feedpop)" >&2; exit 1; }
[[ -d $shared ]] || { echo "no benchmark harness at $shared" >&2; exit 1; }
port=${PORT:-13110}
tls_port=${TLS_PORT:-13995}
state=$(mktemp -d "${TMPDIR:-/tmp}/pop3bench-feedpop.XXXXXX")
python3 "$shared/gen_mailboxes.py" --out "$state/data" --no-maildir >/dev/null
# RSA-2048 self-signed, as run_dovecot.sh uses, for comparable TLS figures.
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" \
  -keyout "$state/key.pem" -out "$state/cert.pem" >/dev/null 2>&1
{
  echo "data_dir: \"$state/store\""
  echo "hostname: feedpop.bench"
  # Dovecot logs two lines per session at its default level; feedpop's info level logs
  # each login and logout too.
  echo "log_level: info"
  echo "pop3:"
  echo "  listen: [\"127.0.0.1:$port\"]"
  echo "  tls_listen: [\"127.0.0.1:$tls_port\"]"
  echo "  tls: {cert: \"$state/cert.pem\", key: \"$state/key.pem\"}"
  echo "  plaintext_auth: always"
  # The idle workload holds 2000 connections from 127.0.0.1.
  echo "  limits: {connections: 10000, per_address: 10000}"
  echo "  threads: ${THREADS:-0}"
  if [[ -n ${FEEDPOP_PG_URL:-} ]]; then
    echo "storage:"
    echo "  backend: postgresql"
    echo "  postgresql:"
    echo "    url: \"$FEEDPOP_PG_URL\""
  fi
  echo "fetch:"
  echo "  interval: 1d"
  echo "users:"
  while IFS=: read -r user password _ _; do
    group=$(awk -F'\t' -v u="$user" '$1 == u { sub(/^feeds\//, "", $2); sub(/\.xml$/, "", $2); print $2 }' \
      "$state/data/subscriptions.tsv")
    printf '  %s:\n    password: "%s"\n    feeds: [%s]\n' "$user" "$password" "$group"
  done < "$state/data/users.txt"
  echo "feeds:"
  for f in "$state"/data/feeds/*.xml; do
    key=$(basename "$f" .xml)
    printf '  %s:\n    url: "file://%s"\n    initial: all\n' "$key" "$f"
  done
} > "$state/feeds.yaml"
"$feedpop" --config "$state/feeds.yaml" fetch --once > "$state/fetch.log" 2>&1
ulimit -n "$(ulimit -Hn)"
"$feedpop" --config "$state/feeds.yaml" --log-format human serve > "$state/server.log" 2>&1 &
echo $! > "$state/server.pid"
for _ in $(seq 300); do
  "$feedpop" health --quiet --port "$port" >/dev/null 2>&1 && break
  sleep 0.1
done
"$feedpop" health --quiet --port "$port" >/dev/null 2>&1 || { echo "server did not start" >&2; cat "$state/server.log" >&2; exit 1; }
cat > "$state/target.env" <<ENV
NAME="feedpop serve $("$feedpop" --version | head -n1)"
HOST=127.0.0.1
PORT=$port
TLS_PORT=$tls_port
USERS_FILE="$state/data/users.txt"
SERVER_PID=$(cat "$state/server.pid")
# feedpop renders the entries itself (multipart/alternative with its own headers), so the
# octet totals differ from Dovecot's maildir copies; RETR/LIST/STAT consistency is still
# checked exactly. Compare per-MB costs.
OCTET_TOLERANCE=-1
ENV
echo "TARGET=$state/target.env"

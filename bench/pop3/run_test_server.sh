#!/usr/bin/env bash
# Starts pop3_test_server (tests/pop3/test_server.cpp: feedpop's POP3 engine over an
# in-memory maildrop) on the benchmark corpus of ../shared/bench/pop3, so measure.sh can
# compare the engine with Dovecot on the same messages. Prints TARGET=<dir>/target.env
# last, like run_dovecot.sh. Stop it with: kill "$(cat <dir>/server.pid)".
#
#   bench/pop3/run_test_server.sh [BUILD_DIR]     (default: build/release)
#
# This measures the POP3 engine, not `feedpop serve` (no SQLite store behind it).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
shared=${FEEDPOP_SHARED_DIR:-$root/../shared}/bench/pop3
server=$build/tests/pop3_test_server
[[ -x $server ]] || { echo "build pop3_test_server first ($server)" >&2; exit 1; }
[[ -d $shared ]] || { echo "no benchmark harness at $shared" >&2; exit 1; }
state=$(mktemp -d "${TMPDIR:-/tmp}/pop3bench-feedpop.XXXXXX")
# The same corpus as run_dovecot.sh: 50 users x 200 messages, same seed.
python3 "$shared/gen_mailboxes.py" --out "$state/data" >/dev/null
# RSA-2048 self-signed, as run_dovecot.sh uses, for comparable TLS figures.
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" \
  -keyout "$state/key.pem" -out "$state/cert.pem" >/dev/null 2>&1
ulimit -n "$(ulimit -Hn)"
"$server" --port 12110 --tls-port 12995 --cert "$state/cert.pem" --key "$state/key.pem" \
  --corpus "$state/data" --quiet > "$state/ready" 2> "$state/server.log" &
echo $! > "$state/server.pid"
for _ in $(seq 300); do grep -q READY "$state/ready" && break; sleep 0.1; done
grep -q READY "$state/ready" || { echo "server did not start" >&2; cat "$state/server.log" >&2; exit 1; }
cat > "$state/target.env" <<ENV
NAME="feedpop-pop3-engine"
HOST=127.0.0.1
PORT=12110
TLS_PORT=12995
USERS_FILE="$state/data/users.txt"
SERVER_PID=$(cat "$state/server.pid")
OCTET_TOLERANCE=0
ENV
echo "TARGET=$state/target.env"

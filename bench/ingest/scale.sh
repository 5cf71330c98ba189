#!/usr/bin/env bash
# scale.sh FEEDS USERS [WORK_DIR]
#
# The many-feeds bench (bench/RESULTS.md, "100,000 feeds"): gen_scale.py writes FEEDS small
# feeds and USERS users into WORK_DIR (default /tmp/feedpop-scale-FEEDS; kept, so a second
# run reuses the files), the shared bench's nginx serves them (../shared/bench/ingest/
# serve.sh, port $PORT, default 18087), and it measures, printing one line per figure:
#   cold / warm   `fetch --once` from an empty database, then again (every feed 304):
#                 CPU s (user + sys, GNU time), per feed, peak RSS, requests by status
#   serve start   wall s from launching `serve` on the full database to `health` answering,
#                 and the CPU s it used meanwhile
#   pop3 big      login + UIDL + QUIT of user `big` (all entries of 20 tags: 10,000
#                 messages at 100,000 feeds), server CPU ms per session over SESSIONS
#   serve RSS     the serve process's peak RSS (VmHWM) after those sessions
# CPU time, not wall time, is the measure: the machine is shared.
#
# FEEDPOP: the binary (default build/release/feedpop of this checkout).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
feeds=${1:?usage: scale.sh FEEDS USERS [WORK_DIR]}
users=${2:?usage: scale.sh FEEDS USERS [WORK_DIR]}
work=${3:-/tmp/feedpop-scale-$feeds}
feedpop=${FEEDPOP:-$root/build/release/feedpop}
shared=${FEEDPOP_SHARED_DIR:-$root/../shared}/bench/ingest
port=${PORT:-18087}
pop3_port=${POP3_PORT:-13210}
sessions=${SESSIONS:-50}
python=${PYTHON:-/usr/bin/python3}

mkdir -p "$work"
rm -rf "$work/data"
"$python" "$here/gen_scale.py" "$work" --feeds "$feeds" --users "$users" \
  --base-url "http://127.0.0.1:$port" --data-dir "$work/data" --pop3-port "$pop3_port"
prefix=$("$shared/serve.sh" "$work" "$port")
server_pid=
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  "$shared/stop.sh" "$prefix" --rm 2>/dev/null || true
}
trap cleanup EXIT
log=$prefix/access.log
config=$work/feeds.yaml

# One `fetch --once`: CPU, RSS and the access-log slice it wrote.
poll() {
  local label=$1 before after
  before=$(wc -l < "$log")
  /usr/bin/time -f '%e %U %S %M' -o "$work/$label.time" \
    "$feedpop" --config "$config" fetch --once > "$work/$label.log" 2>&1 || true
  after=$(wc -l < "$log")
  read -r wall user sys rss < "$work/$label.time"
  "$python" - "$label" "$feeds" "$wall" "$user" "$sys" "$rss" "$log" "$before" "$after" <<'PY'
import sys, collections
label, feeds, wall, user, sys_, rss, log, before, after = sys.argv[1:]
feeds, before, after = int(feeds), int(before), int(after)
cpu = float(user) + float(sys_)
status = collections.Counter()
with open(log) as f:
    for i, line in enumerate(f):
        if before <= i < after:
            status[line.split("\t")[1]] += 1
print(f"{label}: {feeds} feeds, wall {float(wall):.1f} s, CPU {cpu:.2f} s "
      f"(user {user}, sys {sys_}), {cpu / feeds * 1000:.3f} ms CPU/feed, "
      f"peak RSS {int(rss) // 1024} MB, requests {dict(status)}")
PY
}

poll cold
poll warm
echo "database: $(du -m "$work/data/feedpop.db" | cut -f1) MB"

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
start=$(date +%s.%N)
"$feedpop" --config "$config" --log-format human serve > "$work/serve.log" 2>&1 &
server_pid=$!
until "$feedpop" health --quiet --port "$pop3_port" > /dev/null 2>&1; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.05
done
ready=$(date +%s.%N)
hz=$(getconf CLK_TCK)
echo "serve start: $(echo "$ready - $start" | bc) s wall to health, CPU $(echo "scale=2; $(ticks "$server_pid") / $hz" | bc) s"

# The fetcher reads its schedule at start: measure sessions once the process is idle.
idle=$(ticks "$server_pid")
while sleep 2; do
  now=$(ticks "$server_pid")
  [ $((now - idle)) -gt 2 ] || break
  idle=$now
done
"$python" - "$pop3_port" "$server_pid" "$sessions" "$hz" <<'PY'
import poplib, sys
port, pid, sessions, hz = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def ticks():
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
for user in ("big", "u0"):
    def session():
        box = poplib.POP3("127.0.0.1", port, timeout=60)
        box.user(user)
        box.pass_("pw")
        n = len(box.uidl()[1])
        box.quit()
        return n
    n = session()  # warm-up (the page cache)
    t0 = ticks()
    for _ in range(sessions):
        session()
    ms = (ticks() - t0) * 1000 / hz / sessions
    print(f"pop3 {user}: {n} messages, login + UIDL + QUIT {ms:.2f} ms server CPU per session "
          f"({sessions} sessions)")
PY
echo "serve peak RSS: $(awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$server_pid/status") MB"

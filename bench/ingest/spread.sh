#!/usr/bin/env bash
# spread.sh FEEDS INTERVAL SECONDS [WORK_DIR]
#
# How `serve` spreads polls over time (bench/RESULTS.md, "100,000 feeds"): FEEDS small feeds
# (gen_scale.py, 100 users) with fetch.interval INTERVAL, served by the shared bench's nginx
# (port $PORT, default 18088), `serve` from an empty database for SECONDS; then the
# requests per 10 s from nginx's access log, and from one interval after the first full cycle
# on the mean, minimum and maximum per 10 s (even spreading: max and min close to the mean,
# which is FEEDS / INTERVAL).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
feeds=${1:?usage: spread.sh FEEDS INTERVAL SECONDS [WORK_DIR]}
interval=${2:?usage}
seconds=${3:?usage}
work=${4:-/tmp/feedpop-spread-$feeds}
feedpop=${FEEDPOP:-$root/build/release/feedpop}
shared=${FEEDPOP_SHARED_DIR:-$root/../shared}/bench/ingest
port=${PORT:-18088}
python=${PYTHON:-/usr/bin/python3}

mkdir -p "$work"
rm -rf "$work/data"
"$python" "$here/gen_scale.py" "$work" --feeds "$feeds" --users 100 --interval "$interval" \
  --base-url "http://127.0.0.1:$port" --data-dir "$work/data" --pop3-port "${POP3_PORT:-13212}"
prefix=$("$shared/serve.sh" "$work" "$port")
server_pid=
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  "$shared/stop.sh" "$prefix" --rm 2>/dev/null || true
}
trap cleanup EXIT
"$feedpop" --config "$work/feeds.yaml" --log-format human serve > "$work/serve.log" 2>&1 &
server_pid=$!
sleep "$seconds"
kill "$server_pid"
wait "$server_pid" || true
server_pid=
"$python" - "$prefix/access.log" "$feeds" "$interval" <<'PY'
import sys, collections
log, feeds = sys.argv[1], int(sys.argv[2])
interval = int(sys.argv[3][:-1]) * {"s": 1, "m": 60, "h": 3600}[sys.argv[3][-1]]
times = sorted(float(line.split("\t")[0]) for line in open(log))
t0 = times[0]
buckets = collections.Counter(int((t - t0) // 10) for t in times)
last = max(buckets)
print("requests per 10 s from the first request:")
print(" ".join(f"{buckets.get(b, 0)}" for b in range(last + 1)))
# One interval after the first cycle (every feed polled once) has ended, every feed is on
# its own phase: the rest is the schedule's steady rhythm (the last window is partial).
first_cycle_end = times[feeds - 1] - t0
print(f"first cycle (every feed once): {feeds} requests in {first_cycle_end:.0f} s; "
      f"expected steady rate {feeds / interval * 10:.0f} per 10 s")
steady = [buckets.get(b, 0) for b in range(int((first_cycle_end + interval) // 10) + 1, last)]
if steady:
    mean = sum(steady) / len(steady)
    print(f"after it: {len(steady)} windows of 10 s, mean {mean:.0f}, min {min(steady)}, "
          f"max {max(steady)} requests (max/mean {max(steady) / mean:.2f})")
PY

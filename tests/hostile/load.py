#!/usr/bin/env python3
"""Load: N concurrent POP3 sessions against `feedpop serve` while it fetches F feeds.

F feed files (4 entries each) are served by a loopback HTTP server and polled every
second; U users subscribe to all of them. N asyncio clients hold their sessions open at
the same time (they log in, then wait at a barrier until all N are logged in), then each
does STAT, UIDL, LIST, RETR of 3 messages and QUIT. Reported: protocol errors, p50/p99/max
time from the moment all are logged in to each session's QUIT reply, the server's peak RSS and its RSS per idle logged-in connection.

usage: load.py FEEDPOP_BINARY [--sessions 1000] [--feeds 500] [--users 50]
"""
import argparse
import asyncio
import functools
import http.server
import os
import resource
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Serve, free_port, write_feed  # noqa: E402


async def session(port, user, barrier, errors, times, source, released):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))

        async def cmd(text, multi=False):
            writer.write(text.encode() + b"\r\n")
            await writer.drain()
            line = await reader.readline()
            if not line.startswith(b"+OK"):
                raise RuntimeError(f"{text!r} -> {line!r}")
            if multi:
                while (await reader.readline()) != b".\r\n":
                    pass
            return line

        greet = await reader.readline()
        if not greet.startswith(b"+OK"):
            raise RuntimeError(f"greeting {greet!r}")
        await cmd("USER " + user)
        await cmd("PASS pw")
        await barrier.wait()
        stat = await cmd("STAT")
        count = int(stat.split()[1])
        await cmd("UIDL", multi=True)
        await cmd("LIST", multi=True)
        for n in range(1, min(count, 3) + 1):
            await cmd(f"RETR {n}", multi=True)
        await cmd("QUIT")
        writer.close()
        times.append(time.perf_counter() - released[0])
    except Exception as e:  # noqa: BLE001
        errors.append(repr(e))
        try:
            await barrier.wait()
        except Exception:  # noqa: BLE001
            pass


class Barrier:
    def __init__(self, n, on_full):
        self.n, self.count, self.event, self.on_full = n, 0, asyncio.Event(), on_full

    async def wait(self):
        self.count += 1
        if self.count >= self.n:
            self.on_full()
            self.event.set()
        await self.event.wait()


async def run(port, sessions, users, srv):
    errors, times, sample = [], [], {}

    released = [0.0]

    def full():
        sample["rss_kb"] = srv.rss_kb()
        released[0] = time.perf_counter()

    barrier = Barrier(sessions, full)
    tasks = [session(port, f"u{i % users}", barrier, errors, times, f"127.0.{1 + i // 250}.{1 + i % 250}", released)
             for i in range(sessions)]
    t0 = time.perf_counter()
    await asyncio.gather(*tasks)
    return errors, times, sample, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--feeds", type=int, default=500)
    ap.add_argument("--users", type=int, default=50)
    args = ap.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    folder = tempfile.mkdtemp(prefix="feedpop-load-")
    feeds_dir = os.path.join(folder, "feeds")
    os.makedirs(feeds_dir)
    for i in range(args.feeds):
        write_feed(os.path.join(feeds_dir, f"f{i}.xml"), 1, 4, key=f"f{i}")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=feeds_dir)
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    hport = httpd.server_address[1]
    srv = Serve(args.binary, folder, {}, {f"u{i}": "pw" for i in range(args.users)},
                extra_pop3="  limits: {connections: 20000, per_address: 64}\n", fetch_interval="1s")
    # Feeds over HTTP (the harness writes file:// feeds; rewrite the feeds section).
    with open(srv.config) as f:
        text = f.read()
    text = text.rstrip("\n") + "\n" + "".join(
        f"  f{i}:\n    url: http://127.0.0.1:{hport}/f{i}.xml\n    initial: all\n    interval: 1s\n"
        for i in range(args.feeds))
    text = text.replace("feeds:\n\n", "feeds:\n")
    with open(srv.config, "w") as f:
        f.write(text)
    srv.start()
    time.sleep(3)  # first polls under way
    base_rss = srv.rss_kb()
    errors, times, sample, wall = asyncio.run(run(srv.port, args.sessions, args.users, srv))
    peak = srv.rss_kb("VmHWM")
    code = srv.stop()
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))] if times else float("nan")  # noqa: E731
    per_conn = (sample.get("rss_kb", base_rss) - base_rss) / max(1, args.sessions)
    print(f"sessions {args.sessions}, feeds {args.feeds} polled every 1 s, users {args.users}")
    print(f"protocol errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(f"session time after all logged in: p50 {p(0.5)*1000:.0f} ms, p99 {p(0.99)*1000:.0f} ms, max {p(1.0)*1000:.0f} ms; wall {wall:.1f} s")
    print(f"server RSS before {base_rss/1024:.1f} MB, with all sessions logged in "
          f"{sample.get('rss_kb', 0)/1024:.1f} MB (+{per_conn:.1f} KB per connection), peak {peak/1024:.1f} MB")
    print(f"exit status after SIGTERM: {code}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

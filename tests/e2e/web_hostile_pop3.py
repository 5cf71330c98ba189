#!/usr/bin/env python3
"""Hostile HTTP against the real `feedpop serve` has no effect on POP3 (issue 20).

While the web port takes oversized headers, slowloris connections, path traversal, bad
cookies and then a flood of up to 10,000 connections (as many as the descriptor limit
allows, raised to its hard limit), a POP3 client keeps logging in, LISTing and RETRieving
every message. Each round must complete within 5 s (it takes milliseconds unloaded) and
return the same bytes as before the attack. The web server's bounds must hold: each hostile
request gets its 4xx or is cut at the read timeout, connections over web.limits.connections
are closed at once, the server's descriptors stay near that limit, and it serves /healthz
again afterwards.

usage: web_hostile_pop3.py FEEDPOP_BINARY
"""

import os
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "web"))
import harness as h  # noqa: E402
from web_http_test import Client, raise_fd_limit  # noqa: E402  (tests/web's helpers)

POP3_BOUND = 5.0        # seconds for login + LIST + RETR all + QUIT while under attack
WEB_LIMIT = 1000        # web.limits.connections in the config below
READ_TIMEOUT = 10       # web::Options::read_timeout (not configurable)


class Pop3Prober(threading.Thread):
    """Runs POP3 rounds back to back until stopped; records each round's duration."""

    def __init__(self, port, expected):
        super().__init__(daemon=True)
        self.port, self.expected = port, expected
        self.durations, self.errors = [], []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                got = h.mailbox(self.port, "alice", "pw")
                if got != self.expected:
                    self.errors.append("different messages under attack")
            except Exception as e:  # noqa: BLE001 — any failure is a finding
                self.errors.append(repr(e))
            self.durations.append(time.monotonic() - started)
            self.stop.wait(0.2)


def raw(port, data, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        return out
    finally:
        s.close()


def oversized_headers(port, rounds):
    for _ in range(rounds):
        out = raw(port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n")
        if not (out == b"" or out.startswith(b"HTTP/1.1 431")):
            h.fail(f"oversized header answered {out[:60]!r}")


def traversal(port, rounds):
    paths = [b"/../../etc/passwd", b"/%2e%2e/%2e%2e/etc/passwd", b"/style.css/../../x",
             b"//etc/passwd", b"/..%2f..%2fetc%2fpasswd"]
    for _ in range(rounds):
        for path in paths:
            out = raw(port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            if not out.startswith(b"HTTP/1.1 404") or b"root:" in out:
                h.fail(f"traversal {path!r} answered {out[:60]!r}")


def bad_cookies(port, rounds):
    cookies = ["feedpop_session=" + "0" * 64, "feedpop_session=../../etc",
               "feedpop_session=" + "a" * 4000, ";;;==;feedpop_session", "x=" + "%00" * 100]
    for _ in range(rounds):
        for cookie in cookies:
            r, page = Client(port).request("GET", "/", headers={"Cookie": cookie})
            if r.status != 200 or 'action="/login"' not in page:
                h.fail(f"bad cookie {cookie[:30]!r}: {r.status}, not the sign-in page")
            r, _ = Client(port).request("POST", "/feeds/action",
                                        {"feed": "blog", "action": "pause", "csrf": "0" * 64},
                                        headers={"Cookie": cookie})
            if r.status != 403:
                h.fail(f"bad cookie {cookie[:30]!r} on an action: {r.status}, not 403")


def slowloris(port, count, result):
    """`count` connections trickling a header a byte every 0.5 s; result: seconds until the
    server closed each (None when it never did within 3 read timeouts)."""
    socks = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]
    started = time.monotonic()
    closed = [None] * count
    request = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
    for i in range(len(request)):
        if all(c is not None for c in closed) or time.monotonic() - started > 3 * READ_TIMEOUT:
            break
        for n, s in enumerate(socks):
            if closed[n] is not None:
                continue
            try:
                s.sendall(request[i:i + 1])
                s.setblocking(False)
                try:
                    if s.recv(1024) == b"":
                        closed[n] = time.monotonic() - started
                except BlockingIOError:
                    pass
                finally:
                    s.setblocking(True)
            except (BrokenPipeError, ConnectionResetError):
                closed[n] = time.monotonic() - started
        time.sleep(0.5)
    for s in socks:
        s.close()
    result.extend(closed)


def flood(port, count):
    socks = []
    for _ in range(count):
        try:
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        except OSError:
            break
    return socks


def descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def main(binary):
    limit = raise_fd_limit()  # for this script's flood; serve raises its own
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        feeds = h.FeedServer(www)
        items = [(f"b{i}", f"Post {i}", "<p>" + ("lorem ipsum " * 4000) + "</p>") for i in range(5)]
        feeds.write("blog.xml", h.rss("Blog", items))
        config = os.path.join(work, "feeds.yaml")
        text = h.yaml_config(os.path.join(work, "data"),
                             {"blog": {"url": feeds.url("blog.xml"), "initial": "all"}},
                             {"alice": ("pw", "all")})
        text = text.replace("web:\n", f"web:\n  limits:\n    connections: {WEB_LIMIT}\n", 1)
        with open(config, "w") as f:
            f.write(text)
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            port = int(fp.wait_log(r"status page at http://127\.0\.0\.1:(\d+)/").group(1))
            h.wait_until(lambda: h.count(fp.plain_port, "alice", "pw") == 5, 20, "5 entries")
            expected = h.mailbox(fp.plain_port, "alice", "pw")
            size = sum(len(m) for _, m in expected)
            started = time.monotonic()
            h.mailbox(fp.plain_port, "alice", "pw")
            quiet = time.monotonic() - started
            base_fds = descriptors(fp.proc.pid)

            prober = Pop3Prober(fp.plain_port, expected)
            prober.start()
            # Phase 1: hostile requests, slowloris trickling at the same time.
            slow = []
            loris = threading.Thread(target=slowloris, args=(port, 100, slow))
            loris.start()
            workers = [threading.Thread(target=f, args=(port, 20))
                       for f in (oversized_headers, traversal, bad_cookies)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            loris.join()
            cut = [t for t in slow if t is not None]
            if len(cut) != len(slow) or max(cut) > READ_TIMEOUT + 5:
                h.fail(f"slowloris not cut at the read timeout: {sorted(slow)[-5:]}")
            phase1 = list(prober.durations)

            # Phase 2: the flood, held while POP3 keeps working.
            count = min(10000, limit - 1000)
            socks = flood(port, count)
            if len(socks) < WEB_LIMIT + 100:
                h.fail(f"only {len(socks)} connections could be opened")
            probe = socket.create_connection(("127.0.0.1", port), timeout=10)
            probe.settimeout(5)
            try:
                refused = probe.recv(1) == b""
            except (ConnectionResetError, socket.timeout):
                refused = True
            probe.close()
            if not refused:
                h.fail("a connection over web.limits.connections was not closed at once")
            flood_fds = descriptors(fp.proc.pid)
            if flood_fds > base_fds + WEB_LIMIT + 50:
                h.fail(f"serve holds {flood_fds} descriptors under the flood "
                       f"({base_fds} before, limit {WEB_LIMIT})")
            mark = len(prober.durations)
            deadline = time.monotonic() + 5
            while len(prober.durations) < mark + 3 and time.monotonic() < deadline + 10:
                time.sleep(0.2)
            phase2 = prober.durations[mark:]
            for s in socks:
                s.close()
            prober.stop.set()
            prober.join(30)

            if prober.errors:
                h.fail(f"POP3 failed under attack: {prober.errors[:3]}")
            if len(phase1) < 3 or len(phase2) < 3:
                h.fail(f"too few POP3 rounds under attack: {len(phase1)}, {len(phase2)}")
            worst = max(phase1 + phase2)
            if worst > POP3_BOUND:
                h.fail(f"a POP3 round took {worst:.2f}s under attack (bound {POP3_BOUND}s)")
            h.wait_until(lambda: Client(port).request("GET", "/healthz")[0].status == 200, 30,
                         "/healthz after the attack")
            print(f"ok: {len(phase1) + len(phase2)} POP3 rounds (login, LIST, RETR {size} bytes) "
                  f"under attack, worst {worst * 1000:.0f} ms (quiet {quiet * 1000:.0f} ms); "
                  f"slowloris cut after {min(cut):.1f}-{max(cut):.1f}s; flood of {len(socks)} "
                  f"connections held serve at {flood_fds} descriptors ({base_fds} before)",
                  flush=True)
        finally:
            rc = fp.stop()
            feeds.close()
        if rc != 0:
            h.fail(f"feedpop exited {rc}")


if __name__ == "__main__":
    main(sys.argv[1])

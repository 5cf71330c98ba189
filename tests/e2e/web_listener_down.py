#!/usr/bin/env python3
"""/healthz says "listener down" when a configured listener stops accepting (issue 20).

`feedpop serve` runs with a small descriptor limit (256, soft and hard). A flood of web
connections uses up its descriptors, so its acceptors fail with EMFILE: a POP3 client's
connection then waits in the kernel's backlog, unaccepted. Over a keep-alive connection
opened before, /healthz must answer 503 naming the HTTP and the POP3 listener and the
reason; once the flood lets go, the listeners accept again and /healthz answers 200.

usage: web_listener_down.py FEEDPOP_BINARY
"""

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

NOFILE = 256


class KeepAlive:
    """One HTTP/1.1 connection reused for every request."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def get(self, path):
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        while b"\r\n\r\n" not in self.buf:
            self.buf += self._recv()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        length = next(int(l.split(":", 1)[1]) for l in lines
                      if l.lower().startswith("content-length:"))
        while len(self.buf) < length:
            self.buf += self._recv()
        body, self.buf = self.buf[:length].decode(), self.buf[length:]
        return status, body

    def _recv(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            h.fail("the keep-alive connection was closed")
        return chunk


def main(binary, sanitized=False):
    if sanitized:
        # Under ASan the server closes the open keep-alive connection when its descriptors
        # run out (the sanitizer runtime's own descriptor use changes where EMFILE lands);
        # the release build runs this test.
        h.skip("descriptor exhaustion is exercised in the release build only")
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        feeds = h.FeedServer(www)
        feeds.write("blog.xml", h.rss("Blog", [("b1", "Post", "x")]))
        config = os.path.join(work, "feeds.yaml")
        with open(config, "w") as f:
            f.write(h.yaml_config(os.path.join(work, "data"), {"blog": feeds.url("blog.xml")},
                                  {"alice": ("pw", "all")}))
        fp = h.Feedpop(binary, config, command=[
            "prlimit", f"--nofile={NOFILE}:{NOFILE}", "--", binary, "--config", config,
            "--log-format", "json", "serve"]).wait_ready()
        flood = []
        try:
            port = int(fp.wait_log(r"status page at http://127\.0\.0\.1:(\d+)/").group(1))
            h.wait_until(lambda: h.count(fp.plain_port, "alice", "pw") == 1, 20, "the entry")
            health = KeepAlive(port)
            status, body = health.get("/healthz")
            if status != 200:
                h.fail(f"/healthz before the flood: {status} {body!r}")

            for _ in range(2 * NOFILE):
                flood.append(socket.create_connection(("127.0.0.1", port), timeout=10))
            # The kernel completes the flood's handshakes faster than the server accepts
            # them: the POP3 client connects only once the web acceptor has run out of
            # descriptors (CI connected while some were still free, and was served).
            deadline = time.monotonic() + 20
            while True:
                status, body = health.get("/healthz")
                if status == 503 and f"HTTP listener 127.0.0.1:{port}" in body:
                    break
                if time.monotonic() > deadline:
                    h.fail(f"the flood did not exhaust the descriptors: {status} {body!r}")
                time.sleep(0.1)
            pop3 = socket.create_connection(("127.0.0.1", fp.plain_port), timeout=10)
            pop3.settimeout(1)
            try:
                greeting = pop3.recv(100)
            except socket.timeout:
                greeting = b""
            if greeting.startswith(b"+OK"):
                h.fail("the POP3 listener still accepted with no descriptor left")

            # The POP3 acceptor notices at its next accept, which the waiting client starts.
            deadline = time.monotonic() + 10
            while True:
                status, body = health.get("/healthz")
                if status != 503:
                    h.fail(f"/healthz with the listeners out of descriptors: {status} {body!r}")
                if f"POP3 listener 127.0.0.1:{fp.plain_port}" in body or \
                        time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            for listener in (f"HTTP listener 127.0.0.1:{port}",
                             f"POP3 listener 127.0.0.1:{fp.plain_port}"):
                want = f"listener down: {listener}: not accepting connections"
                if want not in body:
                    h.fail(f"/healthz does not say {want!r}:\n{body}")
            if "Too many open files" not in body:
                h.fail("/healthz does not give the reason (EMFILE):\n" + body)

            for s in flood:
                s.close()
            flood.clear()
            # The waiting POP3 client is accepted now and greeted.
            pop3.settimeout(10)
            if not pop3.recv(100).startswith(b"+OK"):
                h.fail("the POP3 client waiting in the backlog was not served after recovery")
            pop3.close()
            deadline = time.monotonic() + 20
            while True:
                status, body = health.get("/healthz")
                if status == 200:
                    break
                if time.monotonic() > deadline:
                    h.fail(f"/healthz did not recover: {status} {body!r}")
                time.sleep(0.2)
            # Logged once per outage (the recovery may briefly run out again), not at every
            # retry: the outage lasted over a second of 100 ms retries.
            fp.wait_log(rf"web: HTTP listener 127\.0\.0\.1:{port}: accepting again")
            with fp.cond:
                downs = [l for l in fp.lines
                         if f"HTTP listener 127.0.0.1:{port}: accept failed" in l]
            if not 1 <= len(downs) <= 3:
                h.fail(f"the outage was logged {len(downs)} times")
            print(f"ok: with {NOFILE} descriptors exhausted /healthz named both listeners "
                  "down (EMFILE); 200 again once the flood let go", flush=True)
        finally:
            for s in flood:
                s.close()
            rc = fp.stop()
            feeds.close()
        if rc != 0:
            h.fail(f"feedpop exited {rc}")


if __name__ == "__main__":
    main(sys.argv[1], "--sanitized" in sys.argv[2:])

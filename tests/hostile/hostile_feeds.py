#!/usr/bin/env python3
"""Hostile feeds against `feedpop fetch --once` (issue 9).

A loopback HTTP server serves one well-behaved feed and eight hostile ones: a gzip bomb,
a billion-laughs document, a 2 GB Content-Length, an endless chunked body, a redirect
loop, invalid UTF-8, 100,000-deep nesting and a million tiny entries. For each hostile
feed, feedpop runs once with that feed next to the good one; the test checks that the
hostile feed ends with a clear per-feed error (or, for invalid UTF-8, is recovered with
replacement characters; for absurd nesting and entry counts, the parser's bounds cut the
document and what came before the cut is kept), that the good feed is still stored, and records the process's
peak RSS. The last line is "N passed, M failed"; --report FILE writes a Markdown table.

usage: hostile_feeds.py FEEDPOP_BINARY [--report FILE] [--max-rss-mb N]
"""
import argparse
import gzip
import http.server
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time

GOOD = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Good</title><link>http://example.com/</link>
<item><title>One</title><guid>good-1</guid><description>first</description></item>
<item><title>Two</title><guid>good-2</guid><description>second</description></item>
<item><title>Three</title><guid>good-3</guid><description>third</description></item>
</channel></rss>
"""


def billion_laughs():
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE rss [", ' <!ENTITY lol "lol">']
    for i in range(1, 10):
        prev = "lol" if i == 1 else "lol%d" % (i - 1)
        lines.append(' <!ENTITY lol%d "%s">' % (i, ("&%s;" % prev) * 10))
    lines.append("]>")
    lines.append('<rss version="2.0"><channel><title>&lol9;</title>'
                 "<item><title>&lol9;</title><guid>bl</guid></item></channel></rss>")
    return "\n".join(lines).encode()


def deep_nesting(depth=100_000):
    return (b'<?xml version="1.0"?><rss version="2.0"><channel><title>deep</title><item>'
            + b"<div>" * depth + b"x" + b"</div>" * depth + b"</item></channel></rss>")


def million_entries(n=1_000_000):
    return (b'<?xml version="1.0"?><rss version="2.0"><channel><title>many</title>'
            + b"<item/>" * n + b"</channel></rss>")


def invalid_utf8():
    return (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            b"<title>bad \xff\xfe bytes</title><item><title>caf\xe9 \xc3\x28 x</title>"
            b"<guid>u1</guid></item></channel></rss>")


def gzip_bomb(megabytes=512):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as z:
        block = b"\0" * (1 << 20)
        for _ in range(megabytes):
            z.write(block)
    return out.getvalue()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    bodies = {}

    def log_message(self, *args):
        pass

    def send_body(self, body, ctype="application/rss+xml", extra=None):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        p = self.path
        try:
            if p == "/good.xml":
                self.send_body(GOOD)
            elif p == "/gzip-bomb.xml":
                self.send_body(self.bodies["bomb"], extra={"Content-Encoding": "gzip"})
            elif p == "/billion-laughs.xml":
                self.send_body(billion_laughs())
            elif p == "/deep.xml":
                self.send_body(self.bodies["deep"])
            elif p == "/million.xml":
                self.send_body(self.bodies["million"])
            elif p == "/invalid-utf8.xml":
                self.send_body(invalid_utf8())
            elif p == "/redirect-loop.xml":
                self.send_response(302)
                self.send_header("Location", "/redirect-loop-2.xml")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif p == "/redirect-loop-2.xml":
                self.send_response(302)
                self.send_header("Location", "/redirect-loop.xml")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif p == "/huge-length.xml":
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(2 * 1024 ** 3))
                self.end_headers()
                self.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel>')
                self.wfile.write(b" " * (1 << 20))
                self.wfile.flush()
                time.sleep(2)
                self.close_connection = True
            elif p == "/endless-chunked.xml":
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"<item><title>again</title></item>" * 1000
                head = b'<?xml version="1.0"?><rss version="2.0"><channel>'
                self.wfile.write(b"%x\r\n%s\r\n" % (len(head), head))
                deadline = time.time() + 60
                while time.time() < deadline:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.close_connection = True
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


CASES = [
    # name, path, expectation: "error" = a per-feed error; "recovered" = stored entries
    ("gzip bomb (512 MB of zeros, 0.5 MB gzip)", "gzip-bomb", "error"),
    ("billion laughs", "billion-laughs", "no-expansion"),
    ("2 GB Content-Length", "huge-length", "error"),
    ("endless chunked body", "endless-chunked", "error"),
    ("redirect loop", "redirect-loop", "error"),
    ("invalid UTF-8", "invalid-utf8", "recovered"),
    ("100,000-deep nesting", "deep", "error-or-bounded"),
    ("a million tiny entries", "million", "error-or-bounded"),
]


def write_config(folder, port, path):
    cfg = os.path.join(folder, "feeds.yaml")
    with open(cfg, "w") as f:
        f.write(f"""data_dir: {folder}/data
pop3:
  listen: ["127.0.0.1:0"]
  tls_listen: []
smtp:
  listen: []
  tls_listen: []
fetch:
  timeout: 20s
  max_size: 10MB
users:
  u:
    password: pw
    feeds: all
feeds:
  good:
    url: http://127.0.0.1:{port}/good.xml
    initial: all
  hostile:
    url: http://127.0.0.1:{port}/{path}.xml
    initial: all
""")
    return cfg


def run_case(binary, port, path):
    folder = tempfile.mkdtemp(prefix="feedpop-hostile-")
    cfg = write_config(folder, port, path)
    start = time.time()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(binary, [binary, "--config", cfg, "fetch", "--once"])
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.time() - start
    code = os.waitstatus_to_exitcode(status)
    stats = subprocess.run([binary, "--config", cfg, "stats", "--json"], capture_output=True,
                           text=True, timeout=60)
    data = json.loads(stats.stdout) if stats.returncode == 0 else {"feeds": []}
    feeds = {f["key"]: f for f in data.get("feeds", [])}
    return code, usage.ru_maxrss / 1024.0, elapsed, feeds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--report")
    ap.add_argument("--max-rss-mb", type=float, default=256.0)
    args = ap.parse_args()

    Handler.bodies = {"bomb": gzip_bomb(), "deep": deep_nesting(), "million": million_entries()}
    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # clients cutting hostile bodies short is the point of the test

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    passed = failed = 0
    rows = []
    for name, path, expect in CASES:
        code, rss, elapsed, feeds = run_case(args.binary, port, path)
        good = feeds.get("good", {})
        bad = feeds.get("hostile", {})
        problems = []
        if code not in (0, 2):
            problems.append(f"exit status {code}")
        if good.get("entries") != 3 or good.get("last_status") not in ("ok",):
            problems.append(f"good feed not stored: {good}")
        err = bad.get("last_error") or ""
        if expect == "error" and (bad.get("last_status") == "ok" or not err):
            problems.append(f"no per-feed error: {bad}")
        if expect == "recovered" and bad.get("entries", 0) < 1:
            problems.append(f"not recovered: {bad}")
        if expect == "no-expansion" and bad.get("last_status") == "ok" and bad.get("entries", 0) > 1:
            problems.append(f"unexpected entries: {bad}")
        if rss > args.max_rss_mb:
            problems.append(f"peak RSS {rss:.0f} MB over {args.max_rss_mb:.0f} MB")
        outcome = err if err else f"{bad.get('last_status')} ({bad.get('entries', 0)} entries)"
        rows.append((name, outcome, f"{rss:.1f}", f"{elapsed:.1f}", "ok" if not problems else "FAIL"))
        if problems:
            failed += 1
            print(f"FAIL: {name}: " + "; ".join(problems))
        else:
            passed += 1
            print(f"PASS: {name}: {outcome} — peak RSS {rss:.1f} MB, {elapsed:.1f} s")
    server.shutdown()
    if args.report:
        with open(args.report, "w") as f:
            f.write("| hostile feed | outcome (last_error) | peak RSS MB | seconds | result |\n")
            f.write("|---|---|---|---|---|\n")
            for r in rows:
                f.write("| " + " | ".join(x.replace("|", "/") for x in r) + " |\n")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

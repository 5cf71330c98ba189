#!/usr/bin/env python3
"""Loopback HTTP(S) server for feedpop's fetch tests (started by the tests on port 0).

Usage: http_server.py [--root DIR] [--cert PEM --key PEM] [--http10]
Prints "PORT <n>" on stdout once listening, then serves until SIGTERM / stdin EOF.
--http10 answers as an HTTP/1.0 server: one request per connection, closed after it.

Endpoints (every response carries Content-Length; HTTP/1.1 keep-alive unless --http10):
  /files/NAME            file from --root; strong ETag = sha1 of the bytes, Last-Modified =
                         file mtime; If-None-Match / If-Modified-Since -> 304. A sibling
                         NAME.status (e.g. "410") overrides the status, NAME.headers adds
                         "Name: value" lines (repeatable; a Content-Type there replaces
                         the default application/rss+xml).
  /status/CODE           that status; ?retry_after=N adds Retry-After: N
  /redirect/CODE/N       N hops of CODE, then /files/feed.xml (?to=PATH overrides the end)
  /loop/a, /loop/b       a redirects to b, b to a (302)
  /gzip                  a feed body gzip-encoded when the client accepts gzip
  /slow?seconds=S        sends headers, then trickles the body over S seconds
  /big?bytes=N           N bytes of body
  /bomb                  Content-Encoding: gzip of 16 MiB of zeros (about 16 KiB on the wire)
  /cache?max_age=N       Cache-Control: max-age=N
  /echo                  the request headers, one "Name: value" a line
  /hold?ms=N             waits N ms then answers (with /files/NAME when &file=NAME);
                         /max_concurrent reports the peak number of /hold requests in
                         flight at once (and resets it)
  /count?path=P          how many requests path P got
"""

import argparse
import email.utils
import gzip
import hashlib
import os
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b'<item><guid>1</guid><title>one</title></item></channel></rss>')

lock = threading.Lock()
counts = {}
holding = 0
max_holding = 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "feedpop-test"
    # Headers and body go out in two writes; with Nagle on, a kept-alive connection waits
    # for the client's delayed ACK (about 40 ms) between them.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        global holding, max_holding
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        parts = [p for p in url.path.split("/") if p]
        with lock:
            counts[url.path] = counts.get(url.path, 0) + 1
        head = parts[0] if parts else ""
        if head == "files" and len(parts) == 2:
            return self.serve_file(parts[1])
        if head == "status" and len(parts) == 2:
            headers = []
            if "retry_after" in query:
                headers.append(("Retry-After", query["retry_after"]))
            return self.reply(int(parts[1]), b"status body\n", headers)
        if head == "redirect" and len(parts) == 3:
            code, hops = int(parts[1]), int(parts[2])
            target = query.get("to", "/files/feed.xml")
            if hops > 1:
                target = "/redirect/%d/%d%s" % (code, hops - 1,
                                                 "?" + url.query if url.query else "")
            return self.reply(code, b"", [("Location", target)])
        if head == "loop" and len(parts) == 2:
            return self.reply(302, b"", [("Location", "/loop/b" if parts[1] == "a" else "/loop/a")])
        if head == "gzip":
            if "gzip" in self.headers.get("Accept-Encoding", ""):
                return self.reply(200, gzip.compress(FEED),
                                  [("Content-Encoding", "gzip"), ("Content-Type", "application/rss+xml")])
            return self.reply(200, FEED, [("Content-Type", "application/rss+xml")])
        if head == "slow":
            seconds = float(query.get("seconds", "5"))
            body = FEED
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            step = seconds / len(body)
            try:
                for b in body:
                    self.wfile.write(bytes([b]))
                    self.wfile.flush()
                    time.sleep(step)
            except OSError:
                pass
            return
        if head == "big":
            return self.reply(200, b"x" * int(query.get("bytes", "100")))
        if head == "bomb":
            return self.reply(200, bomb(), [("Content-Encoding", "gzip")])
        if head == "cache":
            return self.reply(200, FEED, [("Cache-Control", "public, max-age=" + query.get("max_age", "60"))])
        if head == "echo":
            body = "".join("%s: %s\n" % (k, v) for k, v in self.headers.items())
            return self.reply(200, body.encode())
        if head == "hold":
            with lock:
                holding += 1
                max_holding = max(max_holding, holding)
            time.sleep(int(query.get("ms", "200")) / 1000)
            with lock:
                holding -= 1
            if "file" in query:
                return self.serve_file(query["file"])
            return self.reply(200, FEED)
        if head == "max_concurrent":
            with lock:
                value, max_holding = max_holding, 0
            return self.reply(200, str(value).encode())
        if head == "count":
            with lock:
                value = counts.get(query.get("path", ""), 0)
            return self.reply(200, str(value).encode())
        return self.reply(404, b"not found\n")

    def serve_file(self, name):
        root = self.server.root
        path = os.path.join(root, name)
        status_file = path + ".status"
        extra = []
        if os.path.exists(path + ".headers"):
            with open(path + ".headers") as f:
                for line in f:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        extra.append((k.strip(), v.strip()))
        if os.path.exists(status_file):
            with open(status_file) as f:
                code = int(f.read().strip())
            return self.reply(code, b"", extra)
        try:
            with open(path, "rb") as f:
                body = f.read()
        except OSError:
            return self.reply(404, b"not found\n")
        etag = '"%s"' % hashlib.sha1(body).hexdigest()
        mtime = int(os.stat(path).st_mtime)
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        headers = [("ETag", etag), ("Last-Modified", last_modified)]
        if not any(k.lower() == "content-type" for k, _ in extra):
            headers.append(("Content-Type", "application/rss+xml"))
        headers += extra
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        # RFC 9110 §13.1.2: If-None-Match wins over If-Modified-Since.
        if inm is not None:
            if etag in [t.strip() for t in inm.split(",")]:
                return self.reply(304, b"", headers)
        elif ims is not None:
            since = email.utils.parsedate_to_datetime(ims).timestamp()
            if mtime <= since:
                return self.reply(304, b"", headers)
        return self.reply(200, body, headers)


_bomb = None


def bomb():
    global _bomb
    if _bomb is None:
        _bomb = gzip.compress(b"\0" * (16 << 20), compresslevel=6)
    return _bomb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--http10", action="store_true")
    args = ap.parse_args()
    if args.http10:
        Handler.protocol_version = "HTTP/1.0"
    ThreadingHTTPServer.request_queue_size = 128  # bursts of new connections (--http10)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.root = args.root
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("PORT %d" % server.server_address[1], flush=True)
    # The test owns us: when its end of stdin closes, we go too.
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()

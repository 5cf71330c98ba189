#!/usr/bin/env python3
"""Hostile SMTP clients against smtp_test_server (issue 19).

Each scenario runs against one server that also serves a well-behaved user from another
loopback address; it passes when the server answers the hostile client as specified, the
well-behaved user submits a message (EHLO, AUTH, MAIL, RCPT, DATA) within 1 s, and memory
stays bounded. Prints PASS/FAIL lines and the server's peak RSS; exit 1 on any failure.

usage: hostile_smtp.py SMTP_TEST_SERVER [--sanitized]
"""
import argparse
import base64
import socket
import ssl
import subprocess
import sys
import threading
import time

PLAIN_ALICE = base64.b64encode(b"\0alice\0secret").decode()
PLAIN_WRONG = base64.b64encode(b"\0alice\0wrong").decode()


class Raw:
    def __init__(self, port, source=None, timeout=20):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def reply(self):
        """One complete reply (all lines), b"" at EOF."""
        out = b""
        while True:
            while b"\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return out
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            out += line + b"\n"
            if len(line) < 4 or line[3:4] != b"-":
                return out

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def start_tls(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")

    def close(self):
        self.sock.close()


def login(port, source=None):
    c = Raw(port, source)
    assert c.reply().startswith(b"220")
    assert c.cmd("EHLO client.example").startswith(b"250")
    assert c.cmd("AUTH PLAIN " + PLAIN_ALICE).startswith(b"235"), "alice cannot log in"
    return c


def good_user_time(port):
    start = time.time()
    c = login(port, "127.0.0.3")
    assert c.cmd("MAIL FROM:<alice@example.org>").startswith(b"250")
    assert c.cmd("RCPT TO:<feedpop@localhost>").startswith(b"250")
    assert c.cmd("DATA").startswith(b"354")
    assert c.cmd("list\r\n.").startswith(b"250"), "good message refused"
    c.cmd("QUIT")
    c.close()
    return time.time() - start


def rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def slowloris(srv):
    conns = [Raw(srv.port, "127.0.0.2") for _ in range(8)]
    for c in conns:
        c.reply()
    stop = time.time() + 4
    while time.time() < stop:
        for c in conns:
            try:
                c.send(b"N")
            except OSError:
                pass
        time.sleep(0.5)
    answers = [c.reply() for c in conns]
    assert all(a.startswith(b"421 4.4.2") or a == b"" for a in answers), answers
    return "8 connections writing 2 bytes/s without a line end; all closed at the 2 s login deadline"


def huge_line(srv):
    c = login(srv.port, "127.0.0.2")
    before = rss_kb(srv.pid)
    block = b"A" * (1 << 20)
    for _ in range(10):
        c.send(block)
    r = c.cmd("")
    assert r.startswith(b"500 5.5.2 Line too long"), r
    assert c.cmd("NOOP").startswith(b"250")
    grown = (rss_kb(srv.pid) - before) / 1024
    assert srv.sanitized or grown < 4, f"RSS grew {grown:.1f} MB"
    return f"10 MB command line: `500 5.5.2 Line too long`, session goes on; RSS {grown:+.1f} MB"


def oversized_data(srv):
    c = login(srv.port, "127.0.0.2")
    before = rss_kb(srv.pid)
    assert c.cmd("MAIL FROM:<alice@example.org>").startswith(b"250")
    assert c.cmd("RCPT TO:<feedpop@localhost>").startswith(b"250")
    assert c.cmd("DATA").startswith(b"354")
    line = b"x" * 998 + b"\r\n"
    for _ in range(10):
        c.send(line * 1024)  # 10 MB in all
    r = c.cmd(".")
    assert r.startswith(b"552 5.3.4"), r
    assert c.cmd("NOOP").startswith(b"250")
    grown = (rss_kb(srv.pid) - before) / 1024
    assert srv.sanitized or grown < 4, f"RSS grew {grown:.1f} MB"
    return f"10 MB DATA over a 1 MB limit: `552 5.3.4` after the dot; RSS {grown:+.1f} MB"


def bare_lf(srv):
    c = login(srv.port, "127.0.0.2")
    c.cmd("MAIL FROM:<alice@example.org>")
    c.cmd("RCPT TO:<feedpop@localhost>")
    assert c.cmd("DATA").startswith(b"354")
    c.send(b"Subject: x\n\nlist\n.\nNOOP\r\n")
    r = c.reply()
    assert r.startswith(b"554 5.6.0"), r
    assert c.reply().startswith(b"250 2.0.0 OK")
    return "bare-LF content ending in `\\n.\\n`: `554 5.6.0`, nothing accepted"


def starttls_injection(srv):
    c = Raw(srv.port, "127.0.0.2")
    c.reply()
    c.cmd("EHLO client.example")
    c.send("STARTTLS\r\nEHLO x\r\nAUTH PLAIN " + PLAIN_ALICE + "\r\n")
    assert c.reply().startswith(b"220 2.0.0")
    c.start_tls()
    r = c.cmd("MAIL FROM:<alice@example.org>")
    assert r.startswith(b"503 5.5.1 Send EHLO first"), r
    return "STARTTLS with EHLO and AUTH pipelined behind it: both discarded (`503` inside TLS)"


def never_reads(srv):
    before = rss_kb(srv.pid)
    conns = []
    for _ in range(4):
        c = Raw(srv.port, "127.0.0.2", timeout=2)
        c.reply()
        c.sock.setblocking(False)
        sent = 0
        payload = b"NOOP\r\n" * 200000
        deadline = time.time() + 3
        while sent < len(payload) and time.time() < deadline:
            try:
                sent += c.sock.send(payload[sent:sent + 65536])
            except BlockingIOError:
                time.sleep(0.05)
        conns.append(c)
    grown = (rss_kb(srv.pid) - before) / 1024
    for c in conns:
        c.close()
    assert srv.sanitized or grown < 8, f"RSS grew {grown:.1f} MB"
    return f"4 clients pipelining up to 200,000 NOOPs each, never reading: RSS {grown:+.1f} MB"


def brute_force(srv):
    c = Raw(srv.port, "127.0.0.4")
    c.reply()
    c.cmd("EHLO client.example")
    delays = []
    for _ in range(3):
        start = time.time()
        assert c.cmd("AUTH PLAIN " + PLAIN_WRONG).startswith(b"535 5.7.8")
        delays.append(time.time() - start)
    assert delays[0] >= 0.9 and delays[1] >= 1.8 and delays[2] >= 3.6, delays
    return "wrong password 3 times: replies after " + ", ".join(f"{d:.1f}" for d in delays) + " s"


def flood(srv):
    conns, refused = [], 0
    for _ in range(24):
        c = Raw(srv.port, "127.0.0.5")
        if c.reply().startswith(b"421 4.7.0"):
            refused += 1
        conns.append(c)
    for c in conns:
        c.close()
    assert refused == 8, refused
    return "24 connections from one address, limit 16: 8 refused with `421 4.7.0`"


class Server:
    def __init__(self, binary, sanitized):
        self.proc = subprocess.Popen([binary, "--login-timeout", "2", "--per-address", "16",
                                      "--quiet"], stdout=subprocess.PIPE, text=True)
        ready = self.proc.stdout.readline().split()
        assert ready and ready[0] == "READY", ready
        self.port, self.pid, self.sanitized = int(ready[1]), self.proc.pid, sanitized


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("--sanitized", action="store_true", help="ASan build: skip RSS bounds")
    args = ap.parse_args()
    srv = Server(args.server, args.sanitized)
    failed = 0
    try:
        for scenario in (slowloris, huge_line, oversized_data, bare_lf, starttls_injection,
                         never_reads, brute_force, flood):
            result = {}
            t = threading.Thread(target=lambda: result.update(text=scenario(srv)))
            try:
                t.start()
                time.sleep(0.3)
                good = good_user_time(srv.port)
                t.join(30)
                assert not t.is_alive(), "scenario hung"
                assert "text" in result, "scenario failed (see above)"
                assert good < 1.0, f"good user took {good:.2f} s"
                print(f"PASS {scenario.__name__}: {result['text']}; good user {good * 1000:.0f} ms")
            except AssertionError as e:
                failed += 1
                print(f"FAIL {scenario.__name__}: {e}")
        print(f"server peak RSS {rss_kb(srv.pid, 'VmHWM') / 1024:.1f} MB")
    finally:
        srv.proc.terminate()
        rc = srv.proc.wait(10)
    print(f"server exit status {rc}")
    return 1 if failed or rc != 0 else 0


if __name__ == "__main__":
    sys.exit(main())

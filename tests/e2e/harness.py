"""Shared pieces of feedpop's end-to-end tests: feed files on a loopback HTTP server, a
`feedpop serve` process on free ports (learned from its JSON startup log), and small POP3
helpers on Python's poplib (an independent client).

Every test script exits 0 on success, 77 to skip (CTest SKIP_RETURN_CODE), 1 on failure.
"""

import email
import email.policy
import json
import os
import poplib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.path.join(HERE, "..", ".."))
SKIP = 77

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "support"))
from folder_server import FolderServer  # noqa: E402


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def skip(message):
    print("SKIP: " + message, flush=True)
    sys.exit(SKIP)


def wait_until(predicate, timeout, what):
    """Polls predicate() until it returns a truthy value; fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (OSError, poplib.error_proto) as e:
            last = e
        time.sleep(0.1)
    fail(f"{what}: not within {timeout}s (last: {last!r})")


def rss(title, items):
    """An RSS 2.0 document; items are (guid, title, body) tuples, newest last."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
             f"<title>{title}</title><link>http://example.org/</link>"
             f"<description>{title}</description>"]
    for n, (guid, item_title, body) in enumerate(items):
        day = 1 + n
        parts.append(f"<item><guid isPermaLink=\"false\">{guid}</guid><title>{item_title}</title>"
                     f"<link>http://example.org/{guid}</link>"
                     f"<pubDate>Mon, {day:02d} Jan 2024 10:00:00 +0000</pubDate>"
                     f"<description><![CDATA[{body}]]></description></item>")
    parts.append("</channel></rss>\n")
    return "".join(parts)


class FeedServer(FolderServer):
    """Serves the files of a folder on 127.0.0.1:<free port> (tests/support/folder_server.py:
    request counts, headers and types per path)."""

    def write(self, name, text):
        with open(os.path.join(self.root, name), "w", encoding="utf-8") as f:
            f.write(text)


def yaml_config(data_dir, feeds, users, extra=""):
    """feeds.yaml text. feeds: {key: url or dict}; users: {name: (password, feeds[, keys])}."""
    lines = [f"data_dir: {data_dir}", "log_level: debug", "pop3:",
             '  listen: ["127.0.0.1:0"]', '  tls_listen: ["127.0.0.1:0"]',
             "  grace_period: 3s", "web:", '  listen: ["127.0.0.1:0"]', "smtp:", '  listen: ["127.0.0.1:0"]',
             '  tls_listen: ["127.0.0.1:0"]', "fetch:", "  interval: 1h", "  timeout: 10s", "users:"]
    for name, (password, subs, *more) in users.items():
        lines.append(f"  {name}:")
        lines.append(f"    password: {password}")
        lines.append(f"    feeds: {subs if isinstance(subs, str) else json.dumps(subs)}")
        for k, v in (more[0] if more else {}).items():  # e.g. {"may_subscribe": True}
            lines.append(f"    {k}: {json.dumps(v)}")
    lines.append("feeds:")
    for key, spec in feeds.items():
        spec = spec if isinstance(spec, dict) else {"url": spec}
        lines.append(f"  {key}:")
        for k, v in spec.items():
            lines.append(f"    {k}: {json.dumps(v)}")
    return "\n".join(lines) + "\n" + extra


def replace_file(path, text):
    """Writes like vim and sed -i do: a new file renamed over the old one."""
    tmp = path + ".new~"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.rename(tmp, path)


class Feedpop:
    """A running `feedpop [--config FILE] serve ARGS...` with JSON logs collected."""

    def __init__(self, binary, config, args=(), env=None, cwd=None, command=None):
        self.lines = []
        self.cond = threading.Condition()
        argv = command or [binary, "--config", config, "--log-format", "json", "serve", *args]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env=env, cwd=cwd)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.plain_port = None
        self.tls_port = None
        self.smtp_port = None
        self.smtps_port = None

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            try:
                msg = json.loads(line).get("msg", line)
            except ValueError:
                msg = line
            with self.cond:
                self.lines.append(msg)
                self.cond.notify_all()

    def wait_log(self, pattern, timeout=10, start=0):
        """The first log message at index ≥ start matching the regex; fails on timeout."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(start, len(self.lines)):
                    m = rx.search(self.lines[i])
                    if m:
                        return m
                left = deadline - time.monotonic()
                # After exit, once the reader has drained the pipe, nothing more can come.
                if left <= 0 or (self.proc.poll() is not None and not self.reader.is_alive()):
                    break
                self.cond.wait(min(left, 0.2))
        self.dump()
        fail(f"no log line matching {pattern!r} within {timeout}s")

    def log_count(self):
        with self.cond:
            return len(self.lines)

    def wait_ready(self, timeout=20):
        m = self.wait_log(r"POP3 \(STARTTLS\): 127\.0\.0\.1:(\d+)", timeout)
        self.plain_port = int(m.group(1))
        m = self.wait_log(r"POP3S \(TLS\): +127\.0\.0\.1:(\d+)", timeout)
        self.tls_port = int(m.group(1))
        m = self.wait_log(r"SMTP \(STARTTLS\): (?:127\.0\.0\.1:(\d+)|none)", timeout)
        self.smtp_port = int(m.group(1)) if m.group(1) else None
        m = self.wait_log(r"SMTPS \(TLS\): +(?:127\.0\.0\.1:(\d+)|none)", timeout)
        self.smtps_port = int(m.group(1)) if m.group(1) else None
        return self

    def dump(self):
        with self.cond:
            print("---- feedpop log ----\n" + "\n".join(self.lines[-80:]) + "\n----", flush=True)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.dump()
            fail(f"feedpop did not exit within {timeout}s of signal {sig}")
        self.reader.join(5)
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def pop3(port, user, password):
    conn = poplib.POP3("127.0.0.1", port, timeout=10)
    conn.user(user)
    conn.pass_(password)
    return conn


def mailbox(port, user, password):
    """[(uidl, message bytes)] of a mailbox, without deleting anything."""
    conn = pop3(port, user, password)
    try:
        uidls = [line.split()[1].decode() for line in conn.uidl()[1]]
        out = []
        for n, uidl in enumerate(uidls, start=1):
            out.append((uidl, b"\r\n".join(conn.retr(n)[1]) + b"\r\n"))
        return out
    finally:
        conn.quit()


def uidls(port, user, password):
    conn = pop3(port, user, password)
    try:
        return [line.split()[1].decode() for line in conn.uidl()[1]]
    finally:
        conn.quit()


def count(port, user, password):
    conn = pop3(port, user, password)
    try:
        return conn.stat()[0]
    finally:
        conn.quit()


def subject_of(message_bytes):
    return str(email.message_from_bytes(message_bytes, policy=email.policy.default)["Subject"])


def port_is_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="feedpop-e2e-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)

"""Shared pieces of the hostile and crash suites: free ports, feed files, a running
`feedpop serve` with its config, and a minimal raw POP3 client."""
import os
import socket
import subprocess
import time


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def write_feed(path, first, count, key="feed"):
    """An RSS 2.0 file with entries first..first+count-1 (newest last in the file order)."""
    items = []
    for n in range(first, first + count):
        body = "<p>Entry %d of %s.</p>\n<p>.a line that starts with a dot</p>" % (n, key)
        items.append(
            "<item><title>%s entry %d</title><guid>%s-%d</guid>"
            "<link>http://example.com/%s/%d</link>"
            "<pubDate>Mon, 01 Jan 2024 %02d:%02d:00 GMT</pubDate>"
            "<description><![CDATA[%s]]></description></item>"
            % (key, n, key, n, key, n, (n // 60) % 24, n % 60, body))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                "<title>%s</title><link>http://example.com/</link>%s</channel></rss>\n"
                % (key, "".join(items)))
    os.replace(tmp, path)


class Serve:
    """feedpop serve on free loopback ports with a config written into `folder`."""

    def __init__(self, binary, folder, feeds, users, extra_pop3="", fetch_interval="1s",
                 tls=False):
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.tls_port = free_port() if tls else None
        self.config = os.path.join(folder, "feeds.yaml")
        feed_lines = "".join(
            f"  {k}:\n    url: file://{p}\n    initial: all\n    interval: {fetch_interval}\n"
            for k, p in feeds.items())
        user_lines = "".join(
            f"  {u}:\n    password: {pw}\n    feeds: all\n" for u, pw in users.items())
        tls_listen = f'["127.0.0.1:{self.tls_port}"]' if tls else "[]"
        with open(self.config, "w") as f:
            f.write(f"""data_dir: {folder}/data
pop3:
  listen: ["127.0.0.1:{self.port}"]
  tls_listen: {tls_listen}
  plaintext_auth: local
{extra_pop3}smtp:
  listen: []
  tls_listen: []
fetch:
  interval: {fetch_interval}
users:
{user_lines}feeds:
{feed_lines}""")
        self.proc = None
        self.log = open(os.path.join(folder, "serve.log"), "ab")

    def start(self, wait=True):
        self.proc = subprocess.Popen([self.binary, "--config", self.config, "serve"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=20.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("feedpop serve exited with %s (see %s/serve.log)"
                                   % (self.proc.returncode, self.folder))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(512).startswith(b"+OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("feedpop serve did not answer on port %d" % self.port)

    def rss_kb(self, field="VmRSS"):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            return self.proc.wait(timeout=timeout)
        return self.proc.returncode if self.proc else None


class Raw:
    """A raw POP3 connection: send bytes, read single- or multi-line replies."""

    def __init__(self, port, host="127.0.0.1", source=None, timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by server")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def cmd(self, text):
        self.send(text.encode() + b"\r\n")
        return self.line()

    def multi(self):
        lines = []
        while True:
            line = self.line()
            if line == b".":
                return lines
            lines.append(line[1:] if line.startswith(b"..") else line)

    def closed(self, timeout=5):
        """True when the server closes the connection within `timeout` seconds."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
        except socket.timeout:
            return False
        except OSError:
            return True

    def close(self):
        self.sock.close()

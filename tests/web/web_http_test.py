#!/usr/bin/env python3
"""The web server over real sockets on loopback (issue 20): sign-in, CSRF, cookies, limits,
slowloris, many connections, client autoconfiguration documents, /metrics via promtool.

usage: web_http_test.py WEB_TEST_SERVER BUILD_DIR"""
import http.client
import os
import plistlib
import re
import resource
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

SERVER = sys.argv[1] if len(sys.argv) > 1 else "build/release/tests/web_test_server"


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Server:
    def __init__(self, *args):
        self.proc = subprocess.Popen([SERVER, *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True,
                                     preexec_fn=raise_fd_limit)
        self.ports = {}
        want = 2 if "--tls" in args else 1
        while len(self.ports) < want:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("web_test_server exited before listening")
            kind, port = line.split()
            self.ports[kind] = int(port)
        self.port = self.ports["http"]

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=15)
        self.proc.stdout.close()
        return self.proc.returncode


class Client:
    """A browser-like client: keeps the session cookie, reads CSRF tokens from forms."""

    def __init__(self, port):
        self.port = port
        self.cookie = None

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        if body is not None:
            body = urllib.parse.urlencode(body)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read().decode()
        set_cookie = r.getheader("Set-Cookie")
        if set_cookie:
            self.cookie = set_cookie.split(";")[0]
        conn.close()
        return r, data

    @staticmethod
    def csrf(page):
        m = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
        assert m, page
        return m.group(1)

    def sign_in(self, user, password):
        _, page = self.request("GET", "/")
        r, _ = self.request("POST", "/login",
                            {"user": user, "password": password, "csrf": self.csrf(page)})
        assert r.status == 303, r.status
        r, page = self.request("GET", "/")
        return page


class WebHttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--read-timeout", "3", "--idle-timeout", "5",
                            "--max-connections", "1000", "--fail-delay-ms", "200")

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def client(self):
        return Client(self.server.port)

    def raw(self, data, read_timeout=10):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=read_timeout)
        s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        s.close()
        return out

    def test_sign_in_shows_the_users_feeds_with_states(self):
        page = self.client().sign_in("alice", "alice-pass")
        self.assertIn("Alice&#39;s blog", page)
        self.assertIn("LWN.net headlines", page)
        self.assertIn('class="state state-ok"', page)
        self.assertNotIn("broken", page)

    def test_pause_and_resume_with_csrf_and_forged_token_is_403(self):
        c = self.client()
        page = c.sign_in("alice", "alice-pass")
        token = c.csrf(page)
        r, _ = c.request("POST", "/feeds/action",
                         {"feed": "alice-blog", "action": "pause", "csrf": token})
        self.assertEqual(r.status, 303)
        _, page = c.request("GET", "/")
        self.assertIn("Paused alice-blog.", page)
        self.assertIn('value="resume"', page)
        forged = "f" * 64
        r, body = c.request("POST", "/feeds/action",
                            {"feed": "alice-blog", "action": "resume", "csrf": forged})
        self.assertEqual(r.status, 403)
        _, page = c.request("GET", "/")
        self.assertIn('value="resume"', page)  # still paused
        r, _ = c.request("POST", "/feeds/action",
                         {"feed": "alice-blog", "action": "resume", "csrf": c.csrf(page)})
        self.assertEqual(r.status, 303)
        _, page = c.request("GET", "/")
        self.assertIn('value="pause"', page)

    def test_wrong_password_is_refused_after_a_delay(self):
        c = self.client()
        _, page = c.request("GET", "/")
        started = time.monotonic()
        r, page = c.request("POST", "/login",
                            {"user": "alice", "password": "wrong", "csrf": c.csrf(page)})
        self.assertGreaterEqual(time.monotonic() - started, 0.19)
        self.assertIn("Wrong user name or password.", page)
        self.assertIn('action="/login"', c.request("GET", "/")[1])

    def test_bad_cookies_are_just_not_signed_in(self):
        for cookie in ["feedpop_session=" + "0" * 64, "feedpop_session=../../etc",
                       "feedpop_session=" + "a" * 4000, ";;;==;feedpop_session"]:
            r, page = self.client().request("GET", "/", headers={"Cookie": cookie})
            self.assertEqual(r.status, 200, cookie)
            self.assertIn('action="/login"', page)
            r, _ = self.client().request("POST", "/feeds/action",
                                         {"feed": "alice-blog", "action": "pause",
                                          "csrf": "0" * 64}, headers={"Cookie": cookie})
            self.assertEqual(r.status, 403, cookie)
        # Control characters are not a valid header value at all (RFC 9110 §5.5).
        out = self.raw(b"GET / HTTP/1.1\r\nHost: x\r\nCookie: \x7f=\x01\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 400"), out[:80])

    def test_path_traversal_is_404(self):
        for path in [b"/../../etc/passwd", b"/%2e%2e/%2e%2e/etc/passwd", b"/style.css/../../x",
                     b"//etc/passwd"]:
            out = self.raw(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            self.assertTrue(out.startswith(b"HTTP/1.1 404"), out[:80])
            self.assertNotIn(b"root:", out)

    def test_oversized_header_gets_431_and_close(self):
        out = self.raw(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        self.assertTrue(out == b"" or out.startswith(b"HTTP/1.1 431"), out[:80])

    def test_oversized_body_gets_413(self):
        out = self.raw(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" +
                       b"a" * 70000)
        self.assertTrue(out.startswith(b"HTTP/1.1 413"), out[:80])

    def test_garbage_gets_400(self):
        out = self.raw(b"\x00\x01 BLAH\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 400"), out[:80])

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        for _ in range(3):
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            self.assertEqual(r.read(), b"ok\n")
            self.assertFalse(r.will_close)
        conn.close()

    def test_slowloris_is_cut_at_the_read_timeout(self):
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        started = time.monotonic()
        request = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40 + b"\r\n\r\n"
        closed_at = None
        for byte in request:
            try:
                s.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed_at = time.monotonic()
                break
            s.settimeout(1.0)
            try:
                if s.recv(1024) == b"":
                    closed_at = time.monotonic()
                    break
            except socket.timeout:
                pass
        s.close()
        self.assertIsNotNone(closed_at, "the server never closed the slow connection")
        self.assertLess(closed_at - started, 6.0)  # read timeout 3 s (+ scheduling slack)

    def test_many_connections_are_bounded_and_service_recovers(self):
        # A server of its own whose read timeout outlasts opening 10,000 connections on a
        # loaded machine: with the class's 3 s the first held connections time out (and
        # free their slots) before the probe, and the test measures the timeout instead.
        server = Server("--read-timeout", "120", "--max-connections", "1000")
        try:
            self.bounded_connections(server.port)
        finally:
            self.assertEqual(server.stop(), 0)

    def bounded_connections(self, port):
        limit = raise_fd_limit()
        count = min(10000, limit - 200)
        socks = []
        for _ in range(count):
            try:
                socks.append(socket.create_connection(("127.0.0.1", port),
                                                      timeout=10))
            except OSError:
                break
        self.assertGreater(len(socks), 1000)
        # Over the limit (1000) the server closes new connections at once; the held ones
        # still get answers.
        probe = socket.create_connection(("127.0.0.1", port), timeout=10)
        probe.settimeout(5)
        try:
            refused = probe.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            refused = True
        probe.close()
        self.assertTrue(refused)
        socks[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        socks[0].settimeout(10)
        self.assertTrue(socks[0].recv(100).startswith(b"HTTP/1.1 200"))
        for s in socks:
            s.close()
        deadline = time.monotonic() + 20
        while True:
            try:
                r, body = Client(port).request("GET", "/healthz")
                if r.status == 200:
                    break
            except (ConnectionError, http.client.HTTPException, socket.timeout):
                pass
            self.assertLess(time.monotonic(), deadline, "service did not recover")
            time.sleep(0.2)
        self.assertEqual(body, "ok\n")

    def test_thunderbird_autoconfig_has_what_thunderbird_reads(self):
        for path in ["/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=alice%40example.test",
                     "/mail/config-v1.1.xml?emailaddress=alice%40example.test"]:
            r, body = self.client().request("GET", path)
            self.assertEqual(r.status, 200)
            root = ET.fromstring(body)
            self.assertEqual(root.tag, "clientConfig")
            self.assertEqual(root.get("version"), "1.1")
            provider = root.find("emailProvider")
            self.assertEqual(provider.get("id"), "example.test")
            self.assertEqual(provider.findtext("domain"), "example.test")
            incoming = provider.findall("incomingServer")
            self.assertEqual([s.get("type") for s in incoming], ["pop3", "pop3"])
            got = [(s.findtext("hostname"), s.findtext("port"), s.findtext("socketType"))
                   for s in incoming]
            self.assertEqual(got, [("pop.example.test", "1995", "SSL"),
                                   ("pop.example.test", "1110", "STARTTLS")])
            for s in incoming + provider.findall("outgoingServer"):
                self.assertEqual(s.findtext("username"), "%EMAILLOCALPART%")
                self.assertEqual(s.findtext("authentication"), "password-cleartext")
            outgoing = provider.findall("outgoingServer")
            self.assertEqual([(s.get("type"), s.findtext("hostname"), s.findtext("port"),
                               s.findtext("socketType")) for s in outgoing],
                             [("smtp", "smtp.example.test", "1465", "SSL"),
                              ("smtp", "smtp.example.test", "1587", "STARTTLS")])

    def test_outlook_autodiscover_answers_pox(self):
        request = ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.'
                   'microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request>'
                   '<EMailAddress>alice@example.test</EMailAddress><AcceptableResponseSchema>'
                   'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/'
                   '2006a</AcceptableResponseSchema></Request></Autodiscover>')
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        conn.request("POST", "/autodiscover/autodiscover.xml", body=request,
                     headers={"Content-Type": "text/xml"})
        r = conn.getresponse()
        body = r.read()
        self.assertEqual(r.status, 200)
        ns = {"a": "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006",
              "r": "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"}
        root = ET.fromstring(body)
        account = root.find("r:Response/r:Account", ns)
        self.assertEqual(account.findtext("r:AccountType", namespaces=ns), "email")
        self.assertEqual(account.findtext("r:Action", namespaces=ns), "settings")
        protocols = {p.findtext("r:Type", namespaces=ns): p
                     for p in account.findall("r:Protocol", ns)}
        self.assertEqual(set(protocols), {"POP3", "SMTP"})
        self.assertEqual(protocols["POP3"].findtext("r:Server", namespaces=ns), "pop.example.test")
        self.assertEqual(protocols["POP3"].findtext("r:Port", namespaces=ns), "1995")
        self.assertEqual(protocols["POP3"].findtext("r:SSL", namespaces=ns), "on")
        self.assertEqual(protocols["POP3"].findtext("r:LoginName", namespaces=ns), "alice")
        self.assertEqual(protocols["SMTP"].findtext("r:Port", namespaces=ns), "1465")
        r, body = self.client().request("GET", "/autodiscover/autodiscover.xml")
        self.assertEqual(r.status, 200)
        ET.fromstring(body)

    def test_mobileconfig_names_the_right_hosts_and_ports(self):
        c = self.client()
        c.sign_in("alice", "alice-pass")
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        conn.request("GET", "/profile.mobileconfig", headers={"Cookie": c.cookie})
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"), "application/x-apple-aspen-config")
        profile = plistlib.loads(r.read())
        self.assertEqual(profile["PayloadType"], "Configuration")
        self.assertEqual(profile["PayloadVersion"], 1)
        uuid_re = r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$"
        self.assertRegex(profile["PayloadUUID"], uuid_re)
        mail = profile["PayloadContent"][0]
        self.assertEqual(mail["PayloadType"], "com.apple.mail.managed")
        self.assertRegex(mail["PayloadUUID"], uuid_re)
        self.assertNotEqual(mail["PayloadUUID"], profile["PayloadUUID"])
        self.assertEqual(mail["EmailAccountType"], "EmailTypePOP")
        self.assertEqual(mail["EmailAddress"], "alice@example.test")
        self.assertEqual(mail["IncomingMailServerHostName"], "pop.example.test")
        self.assertEqual(mail["IncomingMailServerPortNumber"], 1995)
        self.assertIs(mail["IncomingMailServerUseSSL"], True)
        self.assertEqual(mail["IncomingMailServerUsername"], "alice")
        self.assertEqual(mail["OutgoingMailServerHostName"], "smtp.example.test")
        self.assertEqual(mail["OutgoingMailServerPortNumber"], 1465)
        self.assertNotIn("IncomingPassword", mail)

    def test_metrics_pass_promtool_and_count_requests(self):
        r, before = self.client().request("GET", "/metrics")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        self.client().request("GET", "/no-such-page")
        _, after = self.client().request("GET", "/metrics")
        count = lambda text: int(re.search(r'feedpop_http_requests_total\{code="4xx"\} (\d+)',
                                           text).group(1))
        self.assertGreater(count(after), count(before))
        if shutil.which("promtool") is None:
            print("promtool not installed (Debian package prometheus): lint skipped")
            return
        check = subprocess.run(["promtool", "check", "metrics"], input=after, text=True,
                               capture_output=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_healthz(self):
        r, body = self.client().request("GET", "/healthz")
        self.assertEqual((r.status, body), (200, "ok\n"))


class WebTlsTest(unittest.TestCase):
    def test_https_cookie_is_secure(self):
        if shutil.which("openssl") is None:
            self.skipTest("openssl not installed")
        with tempfile.TemporaryDirectory() as d:
            cert, key = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
                           check=True, capture_output=True)
            server = Server("--tls", cert, key)
            try:
                ctx = ssl.create_default_context(cafile=cert)
                ctx.check_hostname = False
                conn = http.client.HTTPSConnection("127.0.0.1", server.ports["https"],
                                                   context=ctx, timeout=10)
                conn.request("GET", "/")
                r = conn.getresponse()
                r.read()
                conn.close()
                self.assertEqual(r.status, 200)
                self.assertIn("; Secure", r.getheader("Set-Cookie"))
                self.assertIn("HttpOnly", r.getheader("Set-Cookie"))
            finally:
                self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)

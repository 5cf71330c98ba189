#!/usr/bin/env python3
"""`feedpop serve` with its web server (issue 20): /healthz answers 200, /metrics passes
`promtool check metrics` and its counters move after a fetch (entries ingested) and a POP3
download (bytes served, sessions ended by QUIT), and a config user signs in over HTTP on
loopback and sees their feeds with their states. Failed logins count by protocol and
mechanism (POP3 USER, SMTP PLAIN, the web form); an SMTP session and its accepted control
mail count too.

usage: web_serve.py FEEDPOP_BINARY
"""

import base64
import http.cookiejar
import os
import poplib
import smtplib
import re
import time
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def get(opener, url):
    with opener.open(url, timeout=10) as r:
        return r.status, r.read().decode("utf-8", "replace")


def metric(text, name):
    """The value of one series ("name" or 'name{label="x"}'), 0 when absent."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


def check_promtool(text):
    if shutil.which("promtool") is None:
        print("note: promtool not installed; exposition format not checked", flush=True)
        return
    res = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                         capture_output=True, timeout=30)
    if res.returncode != 0:
        h.fail("promtool check metrics: " + res.stdout.decode() + res.stderr.decode())


def check_auth_and_smtp_metrics(fp, base, plain, browser):
    """One failure each over POP3 (USER/PASS), SMTP (AUTH PLAIN) and the sign-in form, and
    one SMTP session that submits a control mail and QUITs: each is counted."""
    series = {"pop3": 'feedpop_auth_failures_total{protocol="pop3",mechanism="USER"}',
              "smtp": 'feedpop_auth_failures_total{protocol="smtp",mechanism="PLAIN"}',
              "web": 'feedpop_auth_failures_total{protocol="web",mechanism="form"}',
              "quit": 'feedpop_smtp_sessions_total{outcome="quit"}',
              "accepted": 'feedpop_smtp_messages_total{result="accepted"}'}
    _, text = get(plain, base + "/metrics")
    before = {k: metric(text, v) for k, v in series.items()}

    conn = poplib.POP3("127.0.0.1", fp.plain_port, timeout=10)
    conn.user("alice")
    try:
        conn.pass_("wrong")
        h.fail("POP3 accepted a wrong password")
    except poplib.error_proto:
        pass
    conn.quit()

    smtp = smtplib.SMTP("127.0.0.1", fp.smtp_port, timeout=30)
    smtp.ehlo("client.example")
    code, _ = smtp.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0alice\0wrong").decode())
    if code != 535:
        h.fail(f"SMTP AUTH with a wrong password answered {code}")
    code, _ = smtp.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0alice\0pw").decode())
    if code != 235:
        h.fail(f"SMTP AUTH answered {code}")
    smtp.sendmail("alice@example.org", ["feedpop@feedpop.test"],
                  b"From: alice@example.org\r\nTo: feedpop@feedpop.test\r\n"
                  b"Subject: list\r\n\r\nlist\r\n")
    smtp.quit()

    _, form = get(browser, base + "/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    if csrf:  # signed in: sign out first, to reach the form
        data = urllib.parse.urlencode({"csrf": csrf.group(1)}).encode()
        browser.open(base + "/logout", data=data, timeout=10).read()
        _, form = get(browser, base + "/")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    data = urllib.parse.urlencode({"csrf": csrf.group(1), "user": "alice",
                                   "password": "wrong"}).encode()
    with browser.open(base + "/login", data=data, timeout=10) as r:
        if "Wrong user name or password." not in r.read().decode():
            h.fail("the sign-in form accepted a wrong password")

    deadline = time.monotonic() + 10
    while True:  # sessions count when their connection has closed
        _, text = get(plain, base + "/metrics")
        after = {k: metric(text, v) for k, v in series.items()}
        if after["quit"] > before["quit"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    check_promtool(text)
    for key in series:
        if after[key] != before[key] + 1:
            h.fail(f"{series[key]}: {before[key]} before, {after[key]} after one event:\n" + text)


def main(binary):
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        feeds = h.FeedServer(www)
        feeds.write("blog.xml", h.rss("Blog", [(f"b{i}", f"Blog {i}", "x") for i in range(3)]))
        config = os.path.join(work, "feeds.yaml")
        spec = {"blog": {"url": feeds.url("blog.xml"), "initial": "all", "title": "The Blog"},
                "broken": {"url": feeds.url("missing.xml"), "title": "Broken Feed"}}
        with open(config, "w") as f:
            f.write(h.yaml_config(os.path.join(work, "data"), spec, {"alice": ("pw", "all")},
                                  "hostname: feedpop.test\n"))
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            m = fp.wait_log(r"status page at http://127\.0\.0\.1:(\d+)/")
            base = f"http://127.0.0.1:{m.group(1)}"
            plain = urllib.request.build_opener()
            status, body = get(plain, base + "/healthz")
            if status != 200 or body.strip() != "ok":
                h.fail(f"/healthz: {status} {body!r}")

            h.wait_until(lambda: h.count(fp.plain_port, "alice", "pw") == 3, 10,
                         "alice's 3 entries")
            # Feeds are polled independently: the broken feed's 404 may be counted a
            # moment after the good feed's entries are stored.
            h.wait_until(lambda: metric(get(plain, base + "/metrics")[1],
                                        'feedpop_fetch_requests_total{class="4xx"}') >= 1, 10,
                         "the broken feed's 404 counted")
            _, before = get(plain, base + "/metrics")
            check_promtool(before)
            if metric(before, "feedpop_entries_ingested_total") < 3:
                h.fail("entries ingested did not count the fetch:\n" + before)
            if metric(before, 'feedpop_fetch_requests_total{class="2xx"}') < 1:
                h.fail("no 2xx fetch request counted")
            if metric(before, 'feedpop_fetch_requests_total{class="4xx"}') < 1:
                h.fail("the broken feed's 404 was not counted")
            quits = metric(before, 'feedpop_pop3_sessions_total{outcome="quit"}')
            served = metric(before, "feedpop_pop3_served_bytes_total")

            messages = h.mailbox(fp.plain_port, "alice", "pw")
            size = sum(len(msg) for _, msg in messages)
            # The server counts a session when its connection has ended, which may be a
            # moment after the client saw +OK to QUIT: scrape until it shows (or 10 s).
            quit_series = 'feedpop_pop3_sessions_total{outcome="quit"}'
            deadline = time.monotonic() + 10
            while True:
                _, after = get(plain, base + "/metrics")
                if metric(after, quit_series) > quits or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            check_promtool(after)
            if metric(after, quit_series) != quits + 1:
                h.fail(f"POP3 sessions ended by QUIT: {quits} before, after:\n{after}")
            if metric(after, "feedpop_pop3_served_bytes_total") < served + size:
                h.fail(f"bytes served grew by less than the {size} bytes downloaded")

            jar = http.cookiejar.CookieJar()
            browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            _, form = get(browser, base + "/")
            csrf = re.search(r'name="csrf" value="([^"]+)"', form)
            if not csrf:
                h.fail("no CSRF token in the sign-in form:\n" + form)
            data = urllib.parse.urlencode({"csrf": csrf.group(1), "user": "alice",
                                           "password": "pw"}).encode()
            with browser.open(base + "/login", data=data, timeout=10) as r:
                page = r.read().decode("utf-8", "replace")
            for needle in ("The Blog", "Broken Feed", "failing", "404"):
                if needle not in page:
                    h.fail(f"status page after sign-in lacks {needle!r}:\n{page}")
            # Actions go through the subscription service of the mail commands: a feed of
            # feeds.yaml is not the user's to pause, and the page says so.
            csrf = re.search(r'name="csrf" value="([^"]+)"', page)
            data = urllib.parse.urlencode({"csrf": csrf.group(1), "feed": "blog",
                                           "action": "pause"}).encode()
            with browser.open(base + "/feeds/action", data=data, timeout=10) as r:
                after_action = r.read().decode("utf-8", "replace")
            if "not available" in after_action or "The Blog" not in after_action:
                h.fail("pausing a config feed was not refused by the subscription "
                       "service:\n" + after_action)
            check_auth_and_smtp_metrics(fp, base, plain, browser)
            print(f"ok: healthz 200, metrics moved (+{size} bytes served), alice sees her "
                  "feeds, failures counted by mechanism", flush=True)
        finally:
            rc = fp.stop()
            feeds.close()
        if rc != 0:
            h.fail(f"feedpop exited {rc}")


if __name__ == "__main__":
    main(sys.argv[1])

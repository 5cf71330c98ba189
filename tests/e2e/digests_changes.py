#!/usr/bin/env python3
"""Digests end to end beyond the configuration's feeds (issue 18), with `feedpop serve`,
its SMTP control mail, the web status page and POP3 (poplib):

- dave has a user-level digest and subscribes to a feed by mail (smtplib, STARTTLS): its
  entries never arrive as single messages; `digest --now --user dave` puts them into his
  one digest with the configuration feed's; the status page counts what POP3 shows;
- a digested feed starts failing (`notify_after: 1s`): the "is failing" notice reaches
  dave at once as a single message, as it reaches erin (no digest), and so does "works
  again"; neither is held back for a digest;
- dave's digest is removed while an entry waits for the next one: that entry arrives as a
  single message, the ones his digest covered do not come back, the digest stays;
- (SQLite run) dave's digest is back, hourly: `serve` builds it on its schedule with his
  own feed's new entry, leaving out what he read and deleted meanwhile (~1-2 minutes).

With --postgresql the store is a real PostgreSQL database (skipped where it is not
installed).

usage: digests_changes.py FEEDPOP_BINARY [--postgresql]
"""

import http.cookiejar
import json
import os
import re
import smtplib
import ssl
import subprocess
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import harness as h  # noqa: E402
import postgres_server  # noqa: E402

HOST = "feedpop.test"
MINE = [f"Mine story {i}" for i in range(5)]
QUIET = [f"Quiet note {i}" for i in range(2)]


def run(binary, config, *args, ok=(0,)):
    res = subprocess.run([binary, "--config", config, *args], capture_output=True, timeout=120)
    if res.returncode not in ok:
        h.fail(f"feedpop {' '.join(args)}: exit {res.returncode}: {res.stderr.decode()}")
    return res.stdout.decode()


STORAGE = ""  # feeds.yaml's storage section (PostgreSQL), empty for SQLite
POSTGRESQL = "--postgresql" in sys.argv[2:]


def write_config(path, data, feeds, dave_digest):
    dave = {"may_subscribe": True}
    if dave_digest:
        dave["digest"] = dave_digest
    users = {"dave": ("pw", "all", dave), "erin": ("pw", "all")}
    text = h.yaml_config(data, {"quiet": {"url": feeds.url("quiet.xml"), "initial": "all"}},
                         users, f"hostname: {HOST}\n{STORAGE}")
    # dave's own feed is on loopback; a failing feed is reported after a second.
    text = text.replace("fetch:\n", "fetch:\n  private_addresses: allow_for_users\n"
                        "  notify_after: 1s\n", 1)
    h.replace_file(path, text)


def subscribe(fp, data, url):
    ctx = ssl.create_default_context(cafile=os.path.join(data, "tls", "ca.pem"))
    conn = smtplib.SMTP("127.0.0.1", fp.smtp_port, timeout=60)
    try:
        conn.starttls(context=ctx)
        conn.login("dave", "pw")
        body = (f"From: dave@example.org\r\nTo: feedpop@{HOST}\r\nSubject: subscribe {url} as "
                f"mine\r\nMessage-ID: <sub@example.org>\r\n\r\n")
        conn.sendmail("dave@example.org", [f"feedpop@{HOST}"], body.encode())
    finally:
        conn.quit()


def subjects(fp, user):
    return [h.subject_of(m) for _, m in h.mailbox(fp.plain_port, user, "pw")]


def stored(binary, config, key):
    out = json.loads(run(binary, config, "stats", "--json"))
    return next((f["entries"] for f in out["feeds"] if f["key"] == key), 0)


def waiting_on_status_page(fp, user):
    port = fp.wait_log(r"status page at http://127\.0\.0\.1:(\d+)/").group(1)
    base = f"http://127.0.0.1:{port}"
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser.open(base + "/", timeout=10) as r:
        csrf = re.search(r'name="csrf" value="([^"]+)"', r.read().decode()).group(1)
    data = urllib.parse.urlencode({"csrf": csrf, "user": user, "password": "pw"}).encode()
    with browser.open(base + "/login", data=data, timeout=10) as r:
        page = r.read().decode("utf-8", "replace")
    m = re.search(r'<p id="mailbox">(\d+) messages waiting', page)
    if not m:
        h.fail(f"no waiting count on {user}'s status page:\n{page}")
    return int(m.group(1))


def check_counts(fp, user):
    pop3 = h.count(fp.plain_port, user, "pw")
    page = waiting_on_status_page(fp, user)
    if page != pop3:
        h.fail(f"{user}'s status page says {page} messages wait, POP3 shows {pop3}")


def singles(found, titles):
    return [s for s in found if s in titles]


def main(binary):
    global STORAGE
    pg = None
    if POSTGRESQL:
        try:
            pg = postgres_server.PostgresServer()
        except postgres_server.Unavailable as e:
            h.skip(str(e))
        url = pg.create_database("digests")
        STORAGE = f"storage:\n  backend: postgresql\n  postgresql:\n    url: \"{url}\"\n"
    try:
        scenario(binary)
    finally:
        if pg:
            pg.stop()
    print("digests_changes: ok")


def scenario(binary):
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        feeds = h.FeedServer(www)
        quiet = h.rss("Quiet", [(f"q{i}", t, "<p>q</p>") for i, t in enumerate(QUIET)])
        feeds.write("quiet.xml", quiet)
        feeds.write("mine.xml", h.rss("Mine", [(f"m{i}", t, "<p>m</p>")
                                               for i, t in enumerate(MINE[:3])]))
        data = os.path.join(work, "data")
        config = os.path.join(work, "feeds.yaml")
        write_config(config, data, feeds, dave_digest={"every": "1d"})

        # 1. A feed dave adds by mail is in his digest, never a single message.
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            subscribe(fp, data, feeds.url("mine.xml"))
            h.wait_until(lambda: stored(binary, config, "dave/mine") == 3, 60,
                         "dave's feed fetched")
            h.wait_until(lambda: any(s.startswith("Re: subscribe") for s in subjects(fp, "dave")),
                         30, "feedpop's reply to dave")
            if singles(subjects(fp, "dave"), MINE + QUIET):
                h.fail(f"dave, digested, got single messages: {subjects(fp, 'dave')}")
            check_counts(fp, "dave")
            out = run(binary, config, "digest", "--now", "--user", "dave")
            if ".digest/user/dave: 5 entries in 1 message" not in out:
                h.fail(f"digest --now --user dave said: {out}")
            dave = subjects(fp, "dave")
            digests = [s for s in dave if s.startswith("dave digest: 5 entries")]
            if len(digests) != 1 or singles(dave, MINE + QUIET):
                h.fail(f"dave's mailbox after the digest: {dave}")
            text = [m for _, m in h.mailbox(fp.plain_port, "dave", "pw")
                    if b"dave digest" in m][0].decode("utf-8", "replace")
            for t in MINE[:3] + QUIET:
                if t not in text:
                    h.fail(f"{t!r} missing from dave's digest")
            check_counts(fp, "dave")
            if sorted(singles(subjects(fp, "erin"), QUIET)) != QUIET:
                h.fail(f"erin (no digest) lacks the single messages: {subjects(fp, 'erin')}")
            check_counts(fp, "erin")
        finally:
            fp.stop()

        # 2. The digested feed fails: the notice reaches dave at once, as a single message.
        os.remove(os.path.join(www, "quiet.xml"))
        run(binary, config, "fetch", "--once", ok=(2,))  # 2: a feed failed
        time.sleep(1.2)
        run(binary, config, "fetch", "--once", ok=(2,))
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            failing = '[feedpop] Feed "quiet" is failing since'
            for user in ("dave", "erin"):
                if not any(s.startswith(failing) for s in subjects(fp, user)):
                    h.fail(f"{user} has no failure notice: {subjects(fp, user)}")
            check_counts(fp, "dave")
        finally:
            fp.stop()
        feeds.write("quiet.xml", quiet)
        run(binary, config, "fetch", "--once")
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            dave = subjects(fp, "dave")
            if dave.count('[feedpop] Feed "quiet" works again') != 1 or \
                    sum(s.startswith(failing) for s in dave) != 1:
                h.fail(f"dave's notices: {dave}")
            delete_all(fp, "dave", "[feedpop]")  # read and deleted, as most clients do
        finally:
            fp.stop()
        out = run(binary, config, "digest", "--now", "--user", "dave")
        if "nothing pending" not in out:
            h.fail(f"the notices went into a digest too: {out}")

        # 3. dave's digest is removed while a new entry waits for the next one.
        rewrite(feeds, "mine.xml", h.rss("Mine", [(f"m{i}", t, "<p>m</p>")
                                                  for i, t in enumerate(MINE[:4])]))
        run(binary, config, "fetch", "--once")
        write_config(config, data, feeds, dave_digest=None)
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            dave = subjects(fp, "dave")
            if singles(dave, MINE + QUIET) != [MINE[3]]:
                h.fail(f"after the digest's removal dave should get only {MINE[3]!r} as a "
                       f"single message: {dave}")

            if len([s for s in dave if s.startswith("dave digest:")]) != 1:
                h.fail(f"dave's digest left his mailbox: {dave}")
            check_counts(fp, "dave")
            delete_all(fp, "dave")
        finally:
            fp.stop()
        if not POSTGRESQL:
            scheduled(binary, config, data, feeds)
        feeds.close()


def rewrite(feeds, name, text):
    """A new version of a feed file: its modification time moves on by whole seconds, or
    the server's Last-Modified would answer a re-poll in the same second with 304."""
    path = os.path.join(feeds.root, name)
    before = os.stat(path).st_mtime
    feeds.write(name, text)
    os.utime(path, (before + 2, before + 2))


def delete_all(fp, user, subject_prefix=""):
    """Deletes the messages whose subject starts so (all by default) over POP3."""
    messages = h.mailbox(fp.plain_port, user, "pw")
    conn = h.pop3(fp.plain_port, user, "pw")
    try:
        for n, (_, raw) in enumerate(messages, start=1):
            if h.subject_of(raw).startswith(subject_prefix):
                conn.dele(n)
    finally:
        conn.quit()


def scheduled(binary, config, data, feeds):
    """4. serve builds dave's digest, his own feed's new entry in it, on its schedule: hourly
    periods ending at a minute at least 20 s ahead (the scheduler looks every 30 s)."""
    end = time.gmtime(time.time() + 80)  # the next whole minute 20-80 s ahead
    write_config(config, data, feeds,
                 dave_digest={"every": "1h", "at": time.strftime("%H:%M", end)})
    rewrite(feeds, "mine.xml", h.rss("Mine", [(f"m{i}", t, "<p>m</p>")
                                              for i, t in enumerate(MINE)]))
    run(binary, config, "fetch", "--once")  # serve would poll only in an hour
    fp = h.Feedpop(binary, config).wait_ready()
    try:
        fp.wait_log(r"digest \.digest/user/dave: 1 entries in 1 message", timeout=150)
        dave = subjects(fp, "dave")
        if len(dave) != 1 or not dave[0].startswith("dave digest: 1 entr"):
            h.fail(f"dave's mailbox after serve's digest: {dave}")
        text = h.mailbox(fp.plain_port, "dave", "pw")[0][1].decode("utf-8", "replace")
        if MINE[4] not in text or MINE[3] in text:
            h.fail(f"serve's digest should carry {MINE[4]!r} only:\n{text}")
    finally:
        fp.stop()


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env python3
"""Control mail end to end: `feedpop serve` with its SMTP submission listeners; swaks,
msmtp and Python's smtplib submit commands to feedpop@HOSTNAME over STARTTLS and implicit
TLS (AUTH PLAIN, SCRAM-SHA-256); the effects and feedpop's replies are read back over POP3
(poplib).

- `subscribe` of a local web page that only links its feed (<link rel="alternate">):
  the feed's entries arrive in the user's mailbox, with a reply naming the feed;
- `list`, `export` (OPML attachment), `unsubscribe`, `import` of that OPML round-trip;
- mail to another address gets 550, without AUTH 530;
- a user without may_subscribe gets a reply saying so.

usage: smtp_commands.py FEEDPOP_BINARY
"""

import email
import email.policy
import os
import shutil
import smtplib
import json
import ssl
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "smtp", "e2e"))
import harness as h  # noqa: E402
from smtplib_client import scram_sha256  # noqa: E402

HOST = "feedpop.test"
CONTROL = f"feedpop@{HOST}"


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def command_mail(user, subject, body, msgid, attachment=None):
    msg = email.message.EmailMessage()
    msg["From"] = f"{user}@example.org"
    msg["To"] = CONTROL
    msg["Subject"] = subject
    msg["Message-ID"] = msgid
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(attachment.encode(), maintype="text", subtype="x-opml",
                           filename="feeds.opml")
    return msg.as_bytes(policy=email.policy.SMTP)


def smtplib_send(fp, ca, user, password, data, implicit=False, scram=False, to=CONTROL):
    ctx = ssl.create_default_context(cafile=ca)
    if implicit:
        conn = smtplib.SMTP_SSL("127.0.0.1", fp.smtps_port, context=ctx, timeout=60)
    else:
        conn = smtplib.SMTP("127.0.0.1", fp.smtp_port, timeout=60)
        conn.starttls(context=ctx)
    try:
        conn.ehlo("client.example")
        if scram:
            scram_sha256(conn, user, password)
        else:
            conn.login(user, password)
        conn.sendmail(f"{user}@example.org", [to], data)
    finally:
        conn.quit()


def replies(fp, user, password):
    """feedpop's replies in the user's mailbox, by In-Reply-To."""
    out = {}
    for _, raw in h.mailbox(fp.plain_port, user, password):
        msg = parse(raw)
        if str(msg["From"]).endswith(f"<{CONTROL}>") or str(msg["From"]) == CONTROL:
            out[str(msg["In-Reply-To"])] = msg
    return out


def wait_reply(fp, user, password, msgid):
    return h.wait_until(lambda: replies(fp, user, password).get(msgid), 60,
                        f"feedpop's reply to {msgid}")


def text_of(msg):
    return msg.get_body(preferencelist=("plain",)).get_content()


def expect(text, needle, what):
    if needle not in text:
        h.fail(f"{what}: {needle!r} not in reply:\n{text}")


def main(binary):
    for tool in ("swaks", "msmtp"):
        if shutil.which(tool) is None:
            h.skip(f"{tool} is not installed (scripts/bootstrap installs it)")
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        web = h.FeedServer(www)
        os.makedirs(os.path.join(www, "blog"))
        web.write("blog/posts.xml", h.rss("Local Blog", [(f"p{i}", f"Post {i}", "text")
                                                         for i in range(3)]))
        web.write("blog/index.html",
                  '<!doctype html><html><head><title>Blog</title>'
                  '<link rel="alternate" type="application/rss+xml" href="posts.xml">'
                  '</head><body><p>Nothing but a link to the feed.</p></body></html>')
        web.write("other.xml", h.rss("Other", [("o1", "Other 1", "x")]))
        data = os.path.join(work, "data")
        config = os.path.join(work, "feeds.yaml")
        users = {"alice": ("pw", "all", {"may_subscribe": True}),
                 "bob": ("hunter2", "all")}
        # Feeds added by mail may reach loopback (the test's web server) only with this.
        text = h.yaml_config(data, {}, users, f"hostname: {HOST}\n")
        text = text.replace("fetch:\n", "fetch:\n  private_addresses: allow_for_users\n", 1)
        with open(config, "w") as f:
            f.write(text)
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            ca = os.path.join(data, "tls", "ca.pem")
            run(fp, ca, web, work)
        except SystemExit:
            fp.dump()
            raise
        finally:
            fp.stop()
            web.close()
    print("OK")


def run(fp, ca, web, work):
    page = web.url("blog/index.html")
    feed = web.url("blog/posts.xml")

    # subscribe (swaks, STARTTLS, AUTH PLAIN): the page only links its feed.
    body = os.path.join(work, "sub.eml")
    with open(body, "wb") as f:
        f.write(command_mail("alice", f"subscribe {page} as blog tag local", "", "<sub1@example.org>"))
    res = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(fp.smtp_port), "--tls",
                          "--tls-verify", "--tls-ca-path", ca, "--auth", "PLAIN", "--au", "alice",
                          "--ap", "pw", "--from", "alice@example.org", "--to", CONTROL,
                          "--data", "@" + body, "--timeout", "60"],
                         capture_output=True, timeout=120)
    if res.returncode != 0:
        h.fail(f"swaks subscribe: exit {res.returncode}\n{res.stdout.decode()}")
    reply = wait_reply(fp, "alice", "pw", "<sub1@example.org>")
    expect(text_of(reply), f"Subscribed to {feed} as 'blog'", "subscribe")
    expect(text_of(reply), f"Found on the page {page}", "subscribe")
    if str(reply["Subject"]) != f"Re: subscribe {page} as blog tag local":
        h.fail(f"reply subject {reply['Subject']!r}")
    if str(reply["References"]) != "<sub1@example.org>":
        h.fail(f"reply References {reply['References']!r}")
    # The feed's entries arrive in alice's mailbox.
    h.wait_until(lambda: {f"Post {i}" for i in range(3)} <= {
        h.subject_of(m) for _, m in h.mailbox(fp.plain_port, "alice", "pw")}, 60,
        "the subscribed feed's 3 entries in alice's mailbox")
    # bob's mailbox does not show alice's feed.
    if any(h.subject_of(m).startswith("Post") for _, m in h.mailbox(fp.plain_port, "bob",
                                                                    "hunter2")):
        h.fail("bob's mailbox shows alice's feed")

    # list (msmtp, implicit TLS, SCRAM-SHA-256)
    body = command_mail("alice", "list", "list\n", "<list1@example.org>")
    res = subprocess.run(["msmtp", "--host=127.0.0.1", f"--port={fp.smtps_port}", "--tls=on",
                          "--tls-starttls=off", f"--tls-trust-file={ca}", "--auth=scram-sha-256",
                          "--user=alice", "--passwordeval=echo pw", "--from=alice@example.org",
                          "--domain=client.example", CONTROL], input=body, capture_output=True,
                         timeout=120)
    if res.returncode != 0:
        h.fail(f"msmtp list: exit {res.returncode}\n{res.stderr.decode()}")
    reply = wait_reply(fp, "alice", "pw", "<list1@example.org>")
    expect(text_of(reply), f"blog  {feed}  tags: local", "list")

    # export (smtplib, STARTTLS, SCRAM-SHA-256): an OPML attachment naming the feed.
    smtplib_send(fp, ca, "alice", "pw", command_mail("alice", "export", "", "<exp@example.org>"),
                 scram=True)
    reply = wait_reply(fp, "alice", "pw", "<exp@example.org>")
    opml = [p for p in reply.iter_attachments() if p.get_filename() == "feedpop.opml"]
    if not opml:
        h.fail("export reply has no feedpop.opml attachment")
    opml_text = opml[0].get_content()
    opml_text = opml_text.decode() if isinstance(opml_text, bytes) else opml_text
    expect(opml_text, feed, "export OPML")

    # unsubscribe, then list shows nothing (smtplib, implicit TLS, AUTH PLAIN)
    smtplib_send(fp, ca, "alice", "pw",
                 command_mail("alice", "hello", "unsubscribe blog\nlist\n", "<uns@example.org>"),
                 implicit=True)
    reply = wait_reply(fp, "alice", "pw", "<uns@example.org>")
    expect(text_of(reply), "Unsubscribed from 'blog'", "unsubscribe")
    expect(text_of(reply), "You have no feeds of your own", "list after unsubscribe")

    # import the exported OPML: the feed is back (key from its title)
    smtplib_send(fp, ca, "alice", "pw",
                 command_mail("alice", "import", "import\nlist\n", "<imp@example.org>",
                              attachment=opml_text))
    reply = wait_reply(fp, "alice", "pw", "<imp@example.org>")
    expect(text_of(reply), "Imported 1 feed", "import")
    expect(text_of(reply), feed, "list after import")

    # errors: an unknown key, a bad line
    smtplib_send(fp, ca, "alice", "pw",
                 command_mail("alice", "x", "pause nosuch\n", "<err@example.org>"))
    reply = wait_reply(fp, "alice", "pw", "<err@example.org>")
    expect(text_of(reply), "You have no feed called 'nosuch'", "pause unknown")

    # a user without may_subscribe is told so
    smtplib_send(fp, ca, "bob", "hunter2",
                 command_mail("bob", f"subscribe {web.url('other.xml')}", "", "<bob@example.org>"))
    reply = wait_reply(fp, "bob", "hunter2", "<bob@example.org>")
    expect(text_of(reply), "You may not add feeds", "may_subscribe false")
    expect(text_of(reply), "users.bob.may_subscribe: true", "may_subscribe false")

    # another recipient: 550; without AUTH: 530
    ctx = ssl.create_default_context(cafile=ca)
    conn = smtplib.SMTP("127.0.0.1", fp.smtp_port, timeout=30)
    conn.starttls(context=ctx)
    conn.login("alice", "pw")
    conn.mail("alice@example.org")
    code, resp = conn.rcpt("friend@example.com")
    if code != 550 or b"5.7.1" not in resp:
        h.fail(f"RCPT to another address: {code} {resp!r}")
    conn.quit()
    conn = smtplib.SMTP("127.0.0.1", fp.smtp_port, timeout=30)
    conn.starttls(context=ctx)
    conn.ehlo("client.example")
    code, resp = conn.mail("alice@example.org")
    if code != 530:
        h.fail(f"MAIL without AUTH: {code} {resp!r}")
    conn.quit()

    # stats shows the user feed's source
    out = subprocess.run([sys.argv[1], "--config", fp.proc.args[2], "stats", "--json"],
                         capture_output=True, timeout=60)
    stats = json.loads(out.stdout)
    sources = {f["key"]: f["source"] for f in stats["feeds"]}
    if sources != {"alice/blog": "user"}:  # imported back under its exported name
        h.fail(f"stats --json sources: {sources}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1])

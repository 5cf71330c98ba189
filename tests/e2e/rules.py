#!/usr/bin/env python3
"""Rules end to end (issue 18): a global skip rule, a feed's exclude (a skip shorthand),
keep, tag, strip and replace rules on the rules fixture feed and a second feed, served
over loopback HTTP. `fetch --once` stores the entries; POP3 (Python's poplib, decoding
with the email package) shows what the rules did in the delivered mail, and the tag view
`alice+rust` shows exactly the tagged messages, with the full mailbox's UIDLs.
`render --config --feed --summary` reports the same per entry; `check` names a bad rule
with file:line:col.

usage: rules.py FEEDPOP_BINARY
"""

import email
import email.policy
import os
import poplib
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

FIXTURE = os.path.join(h.SOURCE_DIR, "tests", "content", "fixtures",
                       "rules_blog_with_ads_and_comments.xml")

GLOBAL_RULES = """rules:
  - if: {title: "^sponsored"}
    then: skip
"""


def html_of(message):
    part = message.get_body(preferencelist=("html",))
    return part.get_content() if part is not None else ""


def run(binary, *args):
    res = subprocess.run([binary, *args], capture_output=True, timeout=60)
    return res.returncode, res.stdout.decode("utf-8", "replace"), res.stderr.decode(
        "utf-8", "replace")


def check_render(binary, config):
    rc, out, err = run(binary, "render", "--config", config, "--feed", "notes", "--summary")
    if rc != 0:
        h.fail(f"render --feed notes --summary: exit {rc}: {err}")
    expected = [
        'entry 1 "Rust 1.80 released": kept; tagged rust; stripped 2 elements by rule',
        'entry 2 "Sponsored: Try CloudDB free for 30 days": skipped by rule 3 (',
        'entry 3 "SQLite WAL mode explained": kept; stripped 1 element by rule',
        'entry 4 "Weekly links #42": skipped by rule 2 (feeds.notes exclude)',
        "total: 4 entries, 2 delivered, 2 skipped by a rule, 0 not kept",
    ]
    for line in expected:
        if line not in out:
            h.fail(f"render report lacks {line!r}:\n{out}")
    if "replaced 1 time by rule" not in out.splitlines()[-5]:
        h.fail(f"render report: entry 1 should show one replacement:\n{out}")
    rc, mbox, _ = run(binary, "render", "--config", config, "--feed", "notes")
    if rc != 0 or mbox.count("\nFrom MAILER-DAEMON") + mbox.startswith("From ") != 2:
        h.fail(f"render --feed notes should print 2 messages (exit {rc})")
    if "Keywords: rust" not in mbox or "faster laptop" in mbox:
        h.fail("render --feed notes: the messages are not the rules' result")


def check_bad_rule(binary, work):
    bad = os.path.join(work, "bad.yaml")
    with open(bad, "w") as f:
        f.write("feeds:\n  x:\n    url: https://example.org/feed\n    rules:\n"
                "      - then: strip div > p\n")
    rc, _, err = run(binary, "--config", bad, "check")
    if rc != 1 or not err.startswith(f"{bad}:5:25: feeds.x.rules[0].then: bad selector"):
        h.fail(f"check of a bad selector: exit {rc}, {err!r}")


def check_mailbox(port):
    full = h.mailbox(port, "alice", "pw")
    by_subject = {}
    for uidl, raw in full:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        by_subject[str(msg["Subject"])] = (uidl, msg)
    want = {"Rust 1.80 released", "SQLite write-ahead log explained", "Rust in the kernel"}
    if set(by_subject) != want:
        h.fail(f"alice's mailbox holds {sorted(by_subject)}, expected {sorted(want)}")
    rust = by_subject["Rust 1.80 released"][1]
    body = html_of(rust)
    for gone in ("faster laptop", "First!", "Nested ad", "LazyCell"):
        if gone in body:
            h.fail(f"{gone!r} should have been stripped or replaced:\n{body}")
    for kept in ("OnceCell", "Upgrade with rustup", "Rust blog"):
        if kept not in body:
            h.fail(f"{kept!r} is missing from the stripped message:\n{body}")
    if str(rust["Keywords"]) != "rust":
        h.fail(f"Keywords of the tagged entry: {rust['Keywords']!r}")
    wal = html_of(by_subject["SQLite write-ahead log explained"][1])
    if "Related: SQLite locking" in wal or "Readers never block the writer" not in wal:
        h.fail(f"the aside should be stripped, the text kept:\n{wal}")

    tagged = h.uidls(port, "alice+rust", "pw")
    want_tagged = [u for u, _ in full
                   if u in (by_subject["Rust 1.80 released"][0], by_subject["Rust in the kernel"][0])]
    if tagged != want_tagged:
        h.fail(f"alice+rust shows {tagged}, expected the two tagged messages {want_tagged}")
    try:
        h.uidls(port, "alice+nothing", "pw")
    except poplib.error_proto:
        pass  # -ERR: no feed, feed tag or rule tag of that name
    else:
        h.fail("alice+nothing logged in")


def main(binary):
    if not os.path.exists(FIXTURE):
        h.fail(f"missing fixture {FIXTURE}")
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        shutil.copy(FIXTURE, os.path.join(www, "notes.xml"))
        feeds = h.FeedServer(www)
        feeds.write("news.xml", h.rss("News", [("n1", "Rust in the kernel", "<p>drivers</p>"),
                                               ("n2", "Gardening tips", "<p>soil</p>"),
                                               ("n3", "Sponsored: buy now", "<p>kernel</p>")]))
        spec = {
            "notes": {"url": feeds.url("notes.xml"), "initial": "all",
                      "exclude": ["borrow checker"],
                      "rules": [{"if": {"category": "^rust$"}, "then": "tag rust"},
                                {"then": "strip div.ad, #comments, aside"},
                                {"then": {"replace": {"pattern": "LazyCell", "with": "OnceCell"}}},
                                {"then": {"replace": {"pattern": "WAL mode",
                                                      "with": "write-ahead log", "in": "title"}}}]},
            "news": {"url": feeds.url("news.xml"), "initial": "all",
                     "rules": [{"if": {"title": "kernel|rust"}, "then": "keep"},
                               {"if": {"title": "rust"}, "then": {"tag": "rust"}}]},
        }
        config = os.path.join(work, "feeds.yaml")
        with open(config, "w") as f:
            f.write(h.yaml_config(os.path.join(work, "data"), spec, {"alice": ("pw", "all")},
                                  GLOBAL_RULES))
        check_render(binary, config)
        check_bad_rule(binary, work)
        rc, _, err = run(binary, "--config", config, "fetch", "--once")
        if rc != 0:
            h.fail(f"fetch --once: exit {rc}: {err}")
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            check_mailbox(fp.plain_port)
        finally:
            rc = fp.stop()
        feeds.close()
        if rc != 0:
            h.fail(f"exit status {rc} after SIGTERM")
    print("PASS: rules")


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env python3
"""Updated entries and reused ids, end to end (README "Updated entries"): a loopback HTTP
server serves changing versions of one feed; `feedpop fetch --once` polls each version; a
`serve` process hands the mailbox to poplib.

  v1: a post, and three different posts sharing one guid      -> 4 messages
  v2: the post rewritten (substantial)                        -> 1 "Updated:" reply
  v3: the same text, only dates / tracking / white space / markup changed   -> nothing
  v4: rewritten again, the same day                           -> nothing (one a day)

`feedpop render` of the identity fixtures gives one message per distinct entry.

Python's email package checks the update: Subject "Updated: TITLE", In-Reply-To and
References naming the original's Message-ID, the note of what changed above the new text,
no defects; the original's bytes are unchanged. With --neomutt, NeoMutt (in tmux) opens the
mailbox sorted by threads and must draw the update as a reply under its original.

usage: updated_entries.py FEEDPOP_BINARY [--neomutt]
"""

import email
import email.policy
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

WORDS = " ".join(f"word{i}" for i in range(60))
REWRITTEN = " ".join(f"word{i}" if i % 3 else f"fresh{i}" for i in range(60))  # 20 of 60
AGAIN = " ".join(f"again{i}" for i in range(60))


def feed(post_html, post_date="Mon, 01 Jan 2024 10:00:00 +0000"):
    items = [f"<item><guid>post-1</guid><title>The post</title>"
             f"<link>http://example.org/post-1</link><pubDate>{post_date}</pubDate>"
             f"<description><![CDATA[{post_html}]]></description></item>"]
    for n, name in enumerate(["Bicycle for sale", "Room to let", "Lost cat"]):
        items.append(f"<item><guid>listing</guid><title>{name}</title>"
                     f"<link>http://example.org/listing/{n}</link>"
                     f"<pubDate>Tue, 02 Jan 2024 1{n}:00:00 +0000</pubDate>"
                     f"<description>{name}, see the page.</description></item>")
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>Updates</title>'
            "<link>http://example.org/</link>" + "".join(items) + "</channel></rss>\n")


def fetch_once(binary, config):
    out = subprocess.run([binary, "--config", config, "fetch", "--once"], capture_output=True,
                         text=True, timeout=60)
    if out.returncode != 0:
        h.fail(f"fetch --once exited {out.returncode}: {out.stdout}{out.stderr}")
    return out.stdout + out.stderr


def new_entries(summary):
    """New messages stored, from the poll's log line "feed news: ok http=200 new=N"."""
    found = re.findall(r"feed news: ok http=200 new=(\d+)", summary)
    return int(found[-1]) if found else -1  # -1 also for a 304: each version must be fetched


def publish(server, version, text):
    """Writes feed.xml with an mtime of its own (HTTP dates have one-second resolution, and
    the server answers If-Modified-Since with 304 for a file of the same second)."""
    server.write("feed.xml", text)
    stamp = 1_700_000_000 + 100 * version
    os.utime(os.path.join(server.root, "feed.xml"), (stamp, stamp))


def read_mailbox(binary, config):
    fp = h.Feedpop(binary, config).wait_ready()
    try:
        return h.mailbox(fp.plain_port, "alice", "pw")
    finally:
        fp.stop()


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def check_update(before, after):
    old = dict(before)
    for uidl, raw in old.items():
        if dict(after).get(uidl) != raw:
            h.fail(f"message {uidl} changed or vanished after the update")
    added = [(u, raw) for u, raw in after if u not in old]
    if len(added) != 1:
        h.fail(f"expected exactly one new message (the update), got {len(added)}")
    update = parse(added[0][1])
    originals = [parse(raw) for _, raw in before if parse(raw)["Subject"] == "The post"]
    if len(originals) != 1:
        h.fail("the original post is not in the first mailbox")
    original_id = originals[0]["Message-ID"]
    if update["Subject"] != "Updated: The post":
        h.fail(f"update subject: {update['Subject']!r}")
    if update["In-Reply-To"] != original_id or update["References"] != original_id:
        h.fail(f"update threads under {update['In-Reply-To']!r} / {update['References']!r}, "
               f"not {original_id!r}")
    if update["Message-ID"] == original_id:
        h.fail("the update reuses the original's Message-ID")
    for part in update.walk():
        if part.defects:
            h.fail(f"defects in the update: {part.defects}")
    text = update.get_body(("plain",)).get_content()
    note = text.find("Changed since the last mail: 20 words added, 20 removed")
    if note < 0 or note > text.find("fresh0"):
        h.fail(f"the note of what changed is not above the new text:\n{text}")
    return added[0][1]


def neomutt_shows_thread(work, messages):
    """NeoMutt's index, sorted by threads, draws the update as a reply to the original."""
    if not shutil.which("neomutt") or not shutil.which("tmux"):
        h.skip("neomutt or tmux missing")
    mbox = os.path.join(work, "mbox")
    with open(mbox, "wb") as f:
        for _, raw in messages:
            f.write(b"From feedpop Mon Jan  1 00:00:00 2024\n")
            for line in raw.replace(b"\r\n", b"\n").split(b"\n")[:-1]:
                f.write((b">" + line if line.lstrip(b">").startswith(b"From ") else line) + b"\n")
            f.write(b"\n")
    rc = os.path.join(work, "muttrc")
    with open(rc, "w") as f:
        f.write(f'set folder="{work}"\nset spoolfile="{mbox}"\nset mbox_type=mbox\n'
                'set header_cache=""\nset message_cachedir=""\nset mail_check=0\n'
                "set sort=threads\nset sort_aux=date-sent\nset ascii_chars=yes\n"
                'set index_format="%4C %-20.20n %s"\nset help=no\nset wait_key=no\n'
                'set charset="utf-8"\n')
    session = f"feedpop-updates-{os.getpid()}"
    tmux = ["tmux", "-L", session]
    subprocess.run(tmux + ["-f", "/dev/null", "new-session", "-d", "-s", session, "-x", "160",
                           "-y", "40", f"env HOME={work} LANG=C.UTF-8 TERM=xterm-256color "
                           f"neomutt -n -F {rc} -f {mbox}"], check=True)
    try:
        screen = ""
        for _ in range(50):
            screen = subprocess.run(tmux + ["capture-pane", "-p", "-t", session],
                                    capture_output=True, text=True).stdout
            if "Updated: The post" in screen:
                break
            time.sleep(0.2)
        lines = screen.splitlines()
        parent = [i for i, ln in enumerate(lines) if ln.rstrip().endswith(" The post")]
        child = [i for i, ln in enumerate(lines) if "->Updated: The post" in ln]
        if not parent or not child or child[0] != parent[0] + 1:
            h.fail("NeoMutt does not show the update as a reply under the original:\n" + screen)
        print("neomutt threads the update under its original:\n" +
              "\n".join(lines[parent[0]:child[0] + 1]), flush=True)
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)


def render_gives_one_message_per_distinct_entry(binary):
    fixtures = os.path.join(h.SOURCE_DIR, "tests", "feeds", "fixtures")
    for name, expected in [("reused_guid_every_item.xml", 4), ("reused_guid_across_posts.xml", 5),
                           ("atom_id_copied.xml", 6), ("identical_repeats.xml", 2)]:
        out = subprocess.run([binary, "render", os.path.join(fixtures, name)], capture_output=True,
                             timeout=30)
        ids = re.findall(rb"^Message-ID: (.*)$", out.stdout, re.MULTILINE)
        if out.returncode != 0 or len(ids) != expected or len(set(ids)) != expected:
            h.fail(f"render {name}: {len(ids)} messages ({len(set(ids))} distinct), "
                   f"expected {expected}")


def main(binary, with_neomutt):
    render_gives_one_message_per_distinct_entry(binary)
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        server = h.FeedServer(www)
        config = os.path.join(work, "feeds.yaml")
        with open(config, "w") as f:
            f.write(h.yaml_config(os.path.join(work, "data"),
                                  {"news": {"url": server.url("feed.xml"), "initial": "all",
                                            "on_update": "redeliver"}},
                                  {"alice": ("pw", "all")}))
        publish(server, 1, feed(f"<p>Posted 2024-01-01 10:00. {WORDS}</p>"))
        summary = fetch_once(binary, config)
        if new_entries(summary) != 4:
            h.fail(f"v1: expected 4 new entries (a post and three posts sharing a guid):\n{summary}")
        before = read_mailbox(binary, config)
        subjects = sorted(str(parse(raw)["Subject"]) for _, raw in before)
        if subjects != ["Bicycle for sale", "Lost cat", "Room to let", "The post"]:
            h.fail(f"v1 mailbox: {subjects}")

        publish(server, 2, feed(f"<p>Posted 2024-01-01 10:00. {REWRITTEN}</p>"))
        if new_entries(fetch_once(binary, config)) != 1:
            h.fail("v2: a substantial change must send exactly one update")
        tracked = '<a href="http://example.org/w?utm_source=rss&amp;fbclid=x">word1</a>'
        cosmetic = (f"<div>Posted <b>2024-01-02</b>   11:30.</div> "
                    f"<div>{REWRITTEN.replace('word1 ', tracked + ' ', 1)}</div>")
        publish(server, 3, feed(cosmetic, "Tue, 02 Jan 2024 11:30:00 GMT"))
        if new_entries(fetch_once(binary, config)) != 0:
            h.fail("v3: a cosmetic change must send nothing")
        publish(server, 4, feed(f"<p>{AGAIN}</p>"))
        if new_entries(fetch_once(binary, config)) != 0:
            h.fail("v4: a second update the same day must send nothing")

        after = read_mailbox(binary, config)
        check_update(before, after)
        server.close()
        print(f"updates: {len(before)} messages, then exactly one reply; cosmetic and same-day "
              "changes sent nothing", flush=True)
        if with_neomutt:
            neomutt_shows_thread(work, after)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1], "--neomutt" in sys.argv[2:])

#!/usr/bin/env python3
"""Whole articles with their images inside the message (issue 17): a feed of truncated
entries whose links (with utm_ parameters) point at article pages with images, all on a
loopback HTTP server; `feedpop fetch --once` with `content: full` and `images: inline`,
then POP3 as a client (poplib): the article text is in the HTML and text parts, every cid:
reference resolves to a part whose bytes equal the served image, no tracking parameter
survives, LIST size = RETR octets, Python's email parser finds no defects, and neomutt
(in tmux) shows the article's text and its picture part. A second
`fetch --once` (and the serve process's own poll) fetches no article page again.

usage: full_articles.py FEEDPOP_BINARY
"""

import email
import email.policy
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

TRACKERS = re.compile(r"utm_|fbclid|gclid")


def png(seed):
    return b"\x89PNG\r\n\x1a\n" + bytes([seed]) * 64


def article(n, server):
    paragraphs = "".join(
        f"<p>Article {n} paragraph {i}: the whole story, with commas, details, and enough "
        f"words to be the body a reader wants; see <a href=\"{server.url('ref.html')}"
        f"?utm_source=feed&amp;id={i}&amp;fbclid=abc\">the source</a>.</p>" for i in range(6))
    return (f"<!DOCTYPE html><html><head><title>Article {n}</title></head><body>"
            f"<nav><a href=\"/\">Home</a></nav><article><h1>Article {n}</h1>{paragraphs}"
            f"<p><img src=\"/img{n}.png?utm_medium=rss\" alt=\"picture {n}\"></p>"
            f"</article><footer>Footer</footer></body></html>")


def feed(server, n_entries):
    items = "".join(
        f"<item><guid>a{n}</guid><title>Entry {n}</title>"
        f"<link>{server.url(f'a{n}.html')}?utm_source=rss&amp;utm_campaign=x</link>"
        f"<description>Teaser {n} [&#8230;]</description></item>" for n in range(n_entries))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Full</title>'
            f"<link>{server.url('')}</link>{items}</channel></rss>")


def check_message(raw, listed_size, images):
    if len(raw) != listed_size:
        h.fail(f"LIST says {listed_size} octets, RETR gave {len(raw)}")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects = [d for part in msg.walk() for d in part.defects]
    if defects:
        h.fail(f"email parser defects: {defects}")
    subject = str(msg["Subject"])
    n = int(subject.split()[-1])
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for text, what in ((plain, "text"), (html, "HTML")):
        if f"Article {n} paragraph 5" not in text:
            h.fail(f"{what} part of {subject!r} lacks the article text")
        if TRACKERS.search(text):
            h.fail(f"{what} part of {subject!r} keeps a tracking parameter")
    if not re.search(rf"\[image: picture {n}\] <http://127\.0\.0\.1:\d+/img{n}\.png>", plain):
        h.fail(f"text part of {subject!r} lacks [image: picture {n}] with its link")
    if TRACKERS.search(str(msg.get("Archived-At", ""))):
        h.fail("Archived-At keeps a tracking parameter")
    by_cid = {str(p["Content-ID"]).strip("<>"): p.get_content() for p in msg.walk()
              if p["Content-ID"]}
    cids = re.findall(r'src="cid:([^"]+)"', html)
    if not cids:
        h.fail(f"no cid: image in {subject!r}")
    for cid in cids:
        if by_cid.get(cid) != images[n]:
            h.fail(f"cid:{cid} of {subject!r} does not resolve to the served image")


def neomutt_shows(messages):
    """Opens the messages as an mbox in neomutt inside tmux; the pager of the first must
    show the article's text, its attachment menu the picture as an image/png part."""
    if shutil.which("neomutt") is None or shutil.which("tmux") is None:
        print("neomutt or tmux missing: the neomutt step is skipped")
        return
    with tempfile.TemporaryDirectory() as home:
        mbox = os.path.join(home, "mbox")
        with open(mbox, "wb") as f:
            for raw in messages:
                body = re.sub(rb"(?m)^(>*From )", rb">\1", raw.replace(b"\r\n", b"\n"))
                f.write(b"From feedpop@localhost Mon Dec  7 00:00:00 2026\n" + body + b"\n")
        muttrc = os.path.join(home, "muttrc")
        with open(muttrc, "w") as f:
            f.write(f'set folder="{home}"\nset spoolfile="{mbox}"\nset mbox_type=mbox\nset sort=date-sent\n'
                    'set charset="utf-8"\nset help=no\nset wait_key=no\nset mail_check=0\n'
                    'set pager_index_lines=0\nauto_view text/html\n'
                    'alternative_order text/plain text/html\n')
        session = f"feedpop-full-{os.getpid()}"
        tmux = ["tmux", "-L", session]
        subprocess.run(tmux + ["-f", "/dev/null", "new-session", "-d", "-s", session, "-x",
                               "160", "-y", "60",
                               f"env HOME={home} LANG=C.UTF-8 TERM=xterm-256color "
                               f"neomutt -n -F {muttrc} -f {mbox}"], check=True)

        def screen():
            return subprocess.run(tmux + ["capture-pane", "-p", "-t", session],
                                  capture_output=True, text=True).stdout

        def wait_for(needle, what):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if needle.search(screen()):
                    return
                time.sleep(0.2)
            h.fail(f"neomutt never showed {what}:\n{screen()}")

        try:
            wait_for(re.compile(r"Entry \d"), "the index")
            subprocess.run(tmux + ["send-keys", "-t", session, "Enter"], check=True)
            wait_for(re.compile(r"Article \d paragraph 0"), "the article text")
            # The attachment menu lists the MIME tree: the picture inside multipart/related.
            subprocess.run(tmux + ["send-keys", "-t", session, "v"], check=True)
            wait_for(re.compile(r"image/png"), "the picture part in the attachment menu")
        finally:
            subprocess.run(tmux + ["kill-server"], capture_output=True)


def fetch_once(binary, config):
    r = subprocess.run([binary, "--config", config, "fetch", "--once"], capture_output=True,
                       timeout=60)
    if r.returncode != 0:
        h.fail(f"fetch --once: {r.returncode}\n{r.stdout.decode()}{r.stderr.decode()}")


def main(binary):
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        server = h.FeedServer(www)
        images = {}
        for n in range(3):
            images[n] = png(n + 1)
            with open(os.path.join(www, f"img{n}.png"), "wb") as f:
                f.write(images[n])
            with open(os.path.join(www, f"a{n}.html"), "w") as f:
                f.write(article(n, server))
        with open(os.path.join(www, "feed.xml"), "w") as f:
            f.write(feed(server, 3))
        data = os.path.join(work, "data")
        config = os.path.join(work, "feeds.yaml")
        spec = {"full": {"url": server.url("feed.xml"), "initial": "all", "content": "full",
                         "images": "inline"}}
        with open(config, "w") as f:
            f.write(h.yaml_config(data, spec, {"alice": ("pw", "all")}))
        fetch_once(binary, config)
        pages = {n: server.count(f"/a{n}.html") for n in range(3)}
        if pages != {0: 1, 1: 1, 2: 1}:
            h.fail(f"article pages requested {pages}, expected once each")
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            port = fp.plain_port
            h.wait_until(lambda: h.count(port, "alice", "pw") == 3, 15, "3 messages")
            conn = h.pop3(port, "alice", "pw")
            retrieved = []
            try:
                sizes = [int(line.split()[1]) for line in conn.list()[1]]
                for i, size in enumerate(sizes, start=1):
                    retrieved.append(b"\r\n".join(conn.retr(i)[1]) + b"\r\n")
                    check_message(retrieved[-1], size, images)
            finally:
                conn.quit()
            neomutt_shows(retrieved)
        finally:
            fp.stop()
        fetch_once(binary, config)
        again = {n: server.count(f"/a{n}.html") for n in range(3)}
        if again != pages:
            h.fail(f"article pages fetched again: {again}")
        print("ok: 3 full articles with inline images, nothing fetched twice")


if __name__ == "__main__":
    main(sys.argv[1])

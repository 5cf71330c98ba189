#!/usr/bin/env python3
"""`feedpop render --feed KEY` prints what ingest stores for the feed (issue 18, with the
whole articles and images of issue 17), on a loopback HTTP server:

- `full`: truncated entries, `content: full`, `images: inline`, a `strip: div.ad` rule;
  their article pages carry an ad and a picture. render's messages hold the article text
  without the ad and the picture as a part whose bytes equal the served file; its report
  counts the strip.
- `pod`: the feed's own bodies with a picture (`images: inline`) and an enclosure
  (`enclosures: attach`): the picture and the attachment are in render's messages.

For both, render's messages (mboxrd, unquoted) equal byte for byte, in order, what
`fetch --once` stored and POP3 RETR returns, apart from the Date header. `--no-fetch`
fetches nothing and keeps the feed's teasers; `render FILE` without --feed fetches nothing.

usage: render_feed.py FEEDPOP_BINARY
"""

import email
import email.policy
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

EPISODE = bytes((i * 31) % 251 for i in range(50_000))


def png(seed):
    return b"\x89PNG\r\n\x1a\n" + bytes([seed]) * 64


def article(n):
    paragraphs = [
        f"<p>Article {n} paragraph {i}: the whole story, with commas, details, and enough "
        f"words to be the body a reader wants, told at length.</p>" for i in range(6)]
    return (f"<!DOCTYPE html><html><head><title>Article {n}</title></head><body>"
            f"<nav><a href=\"/\">Home</a></nav><article><h1>Article {n}</h1>"
            f"{''.join(paragraphs[:3])}<div class=\"ad\"><p>Buy gadget {n} now, the best "
            f"gadget, with a warranty.</p><p>Free shipping.</p></div>{''.join(paragraphs[3:])}"
            f"<p><img src=\"/img{n}.png?utm_medium=rss\" alt=\"picture {n}\"></p>"
            f"</article><footer>Footer</footer></body></html>")


def full_feed(s):
    items = "".join(
        f"<item><guid>a{n}</guid><title>Entry {n}</title>"
        f"<link>{s.url(f'a{n}.html')}?utm_source=rss</link>"
        f"<pubDate>Mon, 0{n + 1} Jan 2024 10:00:00 +0000</pubDate>"
        f"<description>Teaser {n} [&#8230;]</description></item>" for n in range(2))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Full</title>'
            f"<link>{s.url('')}</link>{items}</channel></rss>")


def pod_feed(s):
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Pod</title>'
            f"<link>{s.url('')}</link><item><guid>ep1</guid><title>Episode 1</title>"
            f"<link>{s.url('ep1')}</link><pubDate>Tue, 02 Jan 2024 10:00:00 +0000</pubDate>"
            f"<description>&lt;p&gt;Notes.&lt;/p&gt;&lt;img src=\"{s.url('cover.png')}\" "
            f"alt=\"cover\"&gt;</description><enclosure url=\"{s.url('ep1.mp3')}\" "
            f"length=\"{len(EPISODE)}\" type=\"audio/mpeg\"/></item></channel></rss>")


def run(binary, *args):
    r = subprocess.run([binary, *args], capture_output=True, timeout=90)
    return r.returncode, r.stdout, r.stderr.decode("utf-8", "replace")


def mbox_messages(mbox):
    """The messages of an mboxrd (LF) as CRLF bytes: separator lines dropped, ">From "
    quoting undone, the blank line ending each message removed."""
    out = []
    for chunk in re.split(rb"(?m)^From MAILER-DAEMON [^\n]*\n", mbox)[1:]:
        chunk = chunk[:-1] if chunk.endswith(b"\n\n") else chunk
        chunk = re.sub(rb"(?m)^>(>*From )", rb"\1", chunk)
        out.append(chunk.replace(b"\n", b"\r\n"))
    return out


def without_date(raw):
    return re.sub(rb"(?m)^Date: [^\r\n]*\r\n", b"", raw, count=1)


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def render(binary, config, key, *more):
    rc, out, err = run(binary, "render", "--config", config, "--feed", key, *more)
    if rc != 0:
        h.fail(f"render --feed {key} {' '.join(more)}: exit {rc}: {err}")
    return mbox_messages(out), err


def check_full(messages, report, images):
    if len(messages) != 2:
        h.fail(f"render --feed full: {len(messages)} messages, expected 2")
    for n, raw in enumerate(messages):  # oldest first, as stored
        msg = parse(raw)
        html = msg.get_body(("html", "plain")).get_content()
        if f"Article {n} paragraph 5" not in html or f"Buy gadget {n}" in html:
            h.fail(f"render --feed full, entry {n}: not the article without its ad:\n{html}")
        parts = [p.get_content() for p in msg.walk() if p.get_content_type() == "image/png"]
        if parts != [images[n]]:
            h.fail(f"render --feed full, entry {n}: image parts {len(parts)}, not the served one")
    for n in range(2):
        line = f'entry {n + 1} "Entry {n}": kept; stripped 1 element by rule 1 ('
        if line not in report:
            h.fail(f"render report lacks {line!r}:\n{report}")
    if "2 full articles fetched, 0 failed" not in report:
        h.fail(f"render report does not count the articles:\n{report}")


def check_pod(messages, cover):
    if len(messages) != 1:
        h.fail(f"render --feed pod: {len(messages)} messages, expected 1")
    msg = parse(messages[0])
    files = [p.get_content() for p in msg.walk() if p.get_content_disposition() == "attachment"]
    pictures = [p.get_content() for p in msg.walk() if p.get_content_type() == "image/png"]
    if files != [EPISODE] or pictures != [cover]:
        h.fail(f"render --feed pod: {len(files)} attachments, {len(pictures)} pictures")


def stored_by_feed(binary, config):
    """What fetch --once stored, by feed key (List-Id), as POP3 RETR gives it."""
    fp = h.Feedpop(binary, config).wait_ready()
    try:
        by_feed = {}
        for _, raw in h.mailbox(fp.plain_port, "alice", "pw"):
            key = re.search(r"<([^.>]+)\.", str(parse(raw)["List-Id"])).group(1)
            by_feed.setdefault(key, []).append(raw)
        return by_feed
    finally:
        fp.stop()


def check_same(rendered, stored):
    for key, messages in rendered.items():
        got = [without_date(m) for m in stored.get(key, [])]
        want = [without_date(m) for m in messages]
        if got != want:
            for a, b in zip(got, want):
                if a != b:
                    at = next(i for i in range(min(len(a), len(b))) if a[i] != b[i])
                    print(f"stored: {a[max(0, at - 200):at + 200]!r}\n"
                          f"render: {b[max(0, at - 200):at + 200]!r}")
                    break
            h.fail(f"feed {key}: render --feed printed {len(want)} messages, fetch --once "
                   f"stored {len(got)}; they differ")


def check_offline(binary, config, s, feed_file):
    before = s.counts()
    messages, report = render(binary, config, "full", "--no-fetch")
    html = parse(messages[0]).get_body(("html", "plain")).get_content()
    if "Teaser 0" not in html or "Article 0" in html or "stripped 1" in report:
        h.fail(f"render --feed full --no-fetch: not the feed's teaser:\n{html}\n{report}")
    rc, out, err = run(binary, "render", feed_file)
    if rc != 0 or b"Teaser 1" not in out or b"image/png" in out:
        h.fail(f"render FILE: exit {rc} or not the feed's own bodies: {err}")
    after = s.counts()
    before["/full.xml"] += 1  # the feed document itself: --no-fetch reads it once
    if after != before:
        h.fail(f"--no-fetch or render FILE fetched: {before} -> {after}")


def main(binary):
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        s = h.FeedServer(www)
        images = {n: png(n + 1) for n in range(2)}
        files = {f"img{n}.png": images[n] for n in range(2)}
        files.update({"cover.png": png(9), "ep1.mp3": EPISODE})
        for name, data in files.items():
            with open(os.path.join(www, name), "wb") as f:
                f.write(data)
        for n in range(2):
            s.write(f"a{n}.html", article(n))
        s.write("full.xml", full_feed(s))
        s.write("pod.xml", pod_feed(s))
        spec = {
            "full": {"url": s.url("full.xml"), "initial": "all", "content": "full",
                     "images": "inline", "rules": [{"then": "strip div.ad"}]},
            "pod": {"url": s.url("pod.xml"), "initial": "all", "images": "inline",
                    "enclosures": "attach"},
        }
        config = os.path.join(work, "feeds.yaml")
        with open(config, "w") as f:
            f.write(h.yaml_config(os.path.join(work, "data"), spec, {"alice": ("pw", "all")}))

        rendered = {}
        rendered["full"], report = render(binary, config, "full")
        check_full(rendered["full"], report, images)
        rendered["pod"], _ = render(binary, config, "pod")
        check_pod(rendered["pod"], files["cover.png"])
        if s.count("/a0.html") != 1 or s.count("/ep1.mp3") != 1:
            h.fail(f"render --feed fetched {s.counts()}: each page and enclosure once expected")
        check_offline(binary, config, s, os.path.join(www, "full.xml"))

        rc, _, err = run(binary, "--config", config, "fetch", "--once")
        if rc != 0:
            h.fail(f"fetch --once: exit {rc}: {err}")
        check_same(rendered, stored_by_feed(binary, config))
        s.close()
    print("PASS: render --feed prints what fetch --once stores (full articles, images, "
          "enclosures, rules)")


if __name__ == "__main__":
    main(sys.argv[1])

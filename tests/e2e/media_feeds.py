#!/usr/bin/env python3
"""Media feeds in messages (issue 17), on a loopback HTTP server:

- a YouTube-like Atom feed (`images: inline`): an entry with only media:group (title,
  thumbnail, description) and a post with a PeerTube iframe and a <video> with a poster;
- a post with a YouTube iframe (`images: link`): its thumbnail stays i.ytimg.com's;
- a podcast (`enclosures: attach`, `enclosures_max_size: 300KB`): one episode's enclosure
  is attached, another's is too large and a third's is missing (both stay links with a
  note).

After `feedpop fetch --once`, POP3 as a client (poplib): every thumbnail is there (as a cid:
part whose bytes equal the served file when inlined), the text part says "[video: ...] URL",
attachment bytes equal the served file, LIST size = RETR octets, Python's email parser finds
no defects. A second `fetch --once` fetches no enclosure again.

usage: media_feeds.py FEEDPOP_BINARY
"""

import email
import email.policy
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x07" * 300
EPISODE = bytes((i * 7919) % 251 for i in range(200_000))  # 200 kB, under the cap
BIG = b"\x00" * 400_000                                     # over the 300 kB cap


def site_server(root):
    """The site on a loopback server: ep1's file is named by Content-Disposition, and
    everything under /media/ is audio."""
    return h.FeedServer(
        root, headers={"/media/ep1": [("Content-Disposition",
                                        "attachment; filename=\"../Episode 1.mp3\"")]},
        content_type=lambda path: "audio/mpeg" if path.startswith("/media/") else None,
        quiet_errors=True)  # feedpop hangs up on an enclosure over the cap: expected


def tube_feed(s):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
<title>Trail Tech</title><link rel="alternate" href="{s.url('')}"/><id>tube</id>
<entry><id>yt:video:abcDEF12345</id><title>Watch review</title>
 <link rel="alternate" href="{s.url('watch?v=abcDEF12345')}"/>
 <published>2024-03-05T09:00:00Z</published>
 <media:group><media:title>Watch review</media:title>
  <media:content url="{s.url('v/abcDEF12345')}" type="application/x-shockwave-flash"/>
  <media:thumbnail url="{s.url('thumb.jpg')}" width="480" height="360"/>
  <media:description>Six months with the watch.
Shop: {s.url('shop?utm_source=yt&amp;id=4')}</media:description></media:group>
</entry>
<entry><id>post-2</id><title>Ride day</title><link rel="alternate" href="{s.url('ride')}"/>
 <published>2024-03-06T09:00:00Z</published>
 <content type="html">&lt;p&gt;sports gadgetry:&lt;/p&gt;&lt;iframe src="{s.url('videos/embed/9c9de5e8')}"
 title="Ride"&gt;&lt;/iframe&gt;&lt;video poster="{s.url('poster.png')}"&gt;&lt;source
 src="{s.url('clip.mp4')}"&gt;&lt;/video&gt;&lt;p&gt;the end&lt;/p&gt;</content>
</entry></feed>"""


def yt_feed(s):
    return h.rss("Blog", [("yt-post", "Embedded", '<p>Look:</p><iframe width="560" '
                           'src="https://www.youtube.com/embed/dQw4w9WgXcQ" '
                           'title="YouTube video player"></iframe>')])


def podcast_feed(s):
    def item(guid, title, enclosure, extra=""):
        return (f"<item><guid>{guid}</guid><title>{title}</title><link>{s.url(guid)}</link>"
                f"<description>&lt;p&gt;Notes for {title}.&lt;/p&gt;</description>"
                f"{enclosure}{extra}</item>")
    items = [
        item("ep1", "Episode 1",
             f'<enclosure url="{s.url("media/ep1")}" length="{len(EPISODE)}" type="audio/mpeg"/>',
             "<itunes:duration>1:02:03</itunes:duration>"),
        item("ep2", "Episode 2",
             f'<enclosure url="{s.url("media/big.mp3")}" type="audio/mpeg"/>'
             f'<enclosure url="{s.url("media/missing.mp3")}" length="10" type="audio/mpeg"/>'),
    ]
    return ('<?xml version="1.0"?><rss version="2.0" '
            'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>'
            f"<title>Kitchen Talk</title><link>{s.url('')}</link>{''.join(items)}"
            "</channel></rss>")


def parts_of(raw, listed_size):
    if len(raw) != listed_size:
        h.fail(f"LIST says {listed_size} octets, RETR gave {len(raw)}")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects = [d for part in msg.walk() for d in part.defects]
    if defects:
        h.fail(f"email parser defects in {msg['Subject']!r}: {defects}")
    plain = msg.get_body(("plain",)).get_content()
    html_part = msg.get_body(("html",))
    html = html_part.get_content() if html_part else ""
    cids = {str(p["Content-ID"]).strip("<>"): p.get_content() for p in msg.walk()
            if p["Content-ID"]}
    return msg, plain, html, cids


def cid_of(html, what, subject):
    m = re.search(r'<img src="cid:([^"]+)"', html)
    if not m:
        h.fail(f"{subject}: no inline {what} in the HTML part")
    return m.group(1)


def expect(condition, message):
    if not condition:
        h.fail(message)


def check_watch_review(s, plain, html, cids):
    link = s.url("watch?v=abcDEF12345")
    expect(f'<a href="{link}" data-feedpop-video="Watch review"><img src="cid:' in html,
           f"media:group entry: no thumbnail linked to the video\n{html}")
    expect(cids.get(cid_of(html, "thumbnail", "media:group entry")) == JPEG,
           "media:group entry: the thumbnail part differs from the served file")
    expect(f"[video: Watch review] {link}" in plain, f"media:group text part:\n{plain}")
    expect("Six months with the watch." in plain and "Six months with the watch." in html,
           "media:group entry: description missing")
    expect(f'<a href="{s.url("shop?id=4")}">' in html,
           f"media:group entry: description link not linkified or tracking kept\n{html}")


def check_ride_day(s, plain, html, cids):
    watch = s.url("videos/watch/9c9de5e8")
    expect(f"[video: Ride] {watch}" in plain, f"PeerTube iframe not in the text part:\n{plain}")
    expect(f"\u25b6 Video: {watch}</a>" in html, f"PeerTube iframe not in the HTML:\n{html}")
    expect(f"[video] {s.url('clip.mp4')}" in plain, f"<video> not in the text part:\n{plain}")
    expect(cids.get(cid_of(html, "poster", "<video> post")) == PNG,
           "the <video> poster part differs from the served file")


def check_youtube_iframe(plain, html):
    expect('<a href="https://www.youtube.com/watch?v=dQw4w9WgXcQ" data-feedpop-video="">'
           '<img src="https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg"' in html,
           f"YouTube iframe: no linked thumbnail\n{html}")
    expect("[video] https://www.youtube.com/watch?v=dQw4w9WgXcQ" in plain,
           f"YouTube iframe not in the text part:\n{plain}")


def check_episode_1(msg, plain, html):
    files = [p for p in msg.walk() if p.get_content_disposition() == "attachment"]
    expect(len(files) == 1, f"episode 1: {len(files)} attachments, expected 1")
    expect(files[0].get_filename() == "Episode 1.mp3",
           f"episode 1: file name {files[0].get_filename()!r}")
    expect(files[0].get_content_type() == "audio/mpeg", "episode 1: attachment type")
    expect(files[0].get_content() == EPISODE, "episode 1: attachment bytes differ")
    for text in (plain, html):
        expect("audio/mpeg, 200.0 kB, 1:02:03" in text, f"episode 1: details missing\n{text}")
        expect("attached: Episode 1.mp3" in text, f"episode 1: not listed as attached\n{text}")


def check_episode_2(s, msg, plain):
    files = [p for p in msg.walk() if p.get_content_disposition() == "attachment"]
    expect(not files, "episode 2: an enclosure over the cap or missing was attached")
    expect(s.url("media/big.mp3") in plain and "not attached: larger than the 300.0 kB limit"
           in plain, f"episode 2: the large enclosure's note is missing\n{plain}")
    expect("not attached: HTTP 404" in plain, f"episode 2: the 404 note is missing\n{plain}")


def fetch_once(binary, config):
    r = subprocess.run([binary, "--config", config, "fetch", "--once"], capture_output=True,
                       timeout=90)
    if r.returncode != 0:
        h.fail(f"fetch --once: {r.returncode}\n{r.stdout.decode()}{r.stderr.decode()}")


def write_site(www, s):
    os.makedirs(os.path.join(www, "media"))
    for name, data in (("thumb.jpg", JPEG), ("poster.png", PNG), ("media/ep1", EPISODE),
                       ("media/big.mp3", BIG)):
        with open(os.path.join(www, name), "wb") as f:
            f.write(data)
    for name, text in (("tube.xml", tube_feed(s)), ("yt.xml", yt_feed(s)),
                       ("pod.xml", podcast_feed(s))):
        with open(os.path.join(www, name), "w", encoding="utf-8") as f:
            f.write(text)


def main(binary):
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        s = site_server(www)
        write_site(www, s)
        config = os.path.join(work, "feeds.yaml")
        spec = {
            "tube": {"url": s.url("tube.xml"), "initial": "all", "images": "inline"},
            "blog": {"url": s.url("yt.xml"), "initial": "all"},
            "pod": {"url": s.url("pod.xml"), "initial": "all", "enclosures": "attach",
                    "enclosures_max_size": "300KB"},
        }
        with open(config, "w") as f:
            f.write(h.yaml_config(os.path.join(work, "data"), spec, {"alice": ("pw", "all")}))
        fetch_once(binary, config)
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            port = fp.plain_port
            h.wait_until(lambda: h.count(port, "alice", "pw") == 5, 15, "5 messages")
            conn = h.pop3(port, "alice", "pw")
            seen = set()
            try:
                sizes = [int(line.split()[1]) for line in conn.list()[1]]
                for i, size in enumerate(sizes, start=1):
                    raw = b"\r\n".join(conn.retr(i)[1]) + b"\r\n"
                    msg, plain, html, cids = parts_of(raw, size)
                    subject = str(msg["Subject"])
                    seen.add(subject)
                    if subject == "Watch review":
                        check_watch_review(s, plain, html, cids)
                    elif subject == "Ride day":
                        check_ride_day(s, plain, html, cids)
                    elif subject == "Embedded":
                        check_youtube_iframe(plain, html)
                    elif subject == "Episode 1":
                        check_episode_1(msg, plain, html)
                    elif subject == "Episode 2":
                        check_episode_2(s, msg, plain)
            finally:
                conn.quit()
        finally:
            fp.stop()
        expect(seen == {"Watch review", "Ride day", "Embedded", "Episode 1", "Episode 2"},
               f"messages seen: {sorted(seen)}")
        fetched = s.count("/media/ep1")
        fetch_once(binary, config)
        expect(s.count("/media/ep1") == fetched == 1,
               f"enclosure fetched {s.count('/media/ep1')} times, expected once")
        print("ok: video embeds, media:group body, enclosures attached and listed")


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env python3
"""Mailbox views with a real client (curl): `alice+blog` (a feed key) and `alice+daily` (a
tag) log in with alice's password and show only those feeds' entries, with the UIDLs of
alice's full mailbox; a deletion through a view is a deletion in the full mailbox.

usage: mailbox_views.py FEEDPOP_BINARY
"""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def curl(port, login, password, *args, path=""):
    res = subprocess.run(["curl", "-sS", "--max-time", "20", *args,
                          f"pop3://127.0.0.1:{port}/{path}", "-u", f"{login}:{password}"],
                         capture_output=True, timeout=60)
    return res.returncode, res.stdout.decode("utf-8", "replace")


def curl_uidls(port, login, password):
    rc, out = curl(port, login, password, "-X", "UIDL")
    if rc != 0:
        h.fail(f"curl UIDL as {login}: exit {rc}")
    return [line.split()[1] for line in out.splitlines() if line.strip()]


def main(binary):
    if shutil.which("curl") is None:
        h.skip("curl is not installed (scripts/bootstrap installs it)")
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        feeds = h.FeedServer(www)
        feeds.write("blog.xml", h.rss("Blog", [(f"b{i}", f"Blog {i}", "x") for i in range(3)]))
        feeds.write("news.xml", h.rss("News", [(f"n{i}", f"News {i}", "x") for i in range(2)]))
        feeds.write("misc.xml", h.rss("Misc", [(f"m{i}", f"Misc {i}", "x") for i in range(4)]))
        config = os.path.join(work, "feeds.yaml")
        spec = {
            "blog": {"url": feeds.url("blog.xml"), "initial": "all", "tags": ["personal"]},
            "news": {"url": feeds.url("news.xml"), "initial": "all", "tags": ["daily"]},
            "misc": {"url": feeds.url("misc.xml"), "initial": "all", "tags": ["daily"]},
        }
        with open(config, "w") as f:
            f.write(h.yaml_config(os.path.join(work, "data"), spec, {"alice": ("pw", "all")}))
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            port = fp.plain_port
            h.wait_until(lambda: h.count(port, "alice", "pw") == 9, 10, "alice's 9 entries")
            full = h.mailbox(port, "alice", "pw")
            uidl_of = {h.subject_of(msg): uidl for uidl, msg in full}

            blog = curl_uidls(port, "alice+blog", "pw")
            want = [uidl_of[f"Blog {i}"] for i in range(3)]
            if sorted(blog) != sorted(want):
                h.fail(f"alice+blog shows {blog}, expected the blog UIDLs {want}")
            daily = curl_uidls(port, "alice+daily", "pw")
            want = [uidl_of[f"News {i}"] for i in range(2)] + [uidl_of[f"Misc {i}"] for i in range(4)]
            if sorted(daily) != sorted(want):
                h.fail(f"alice+daily shows {daily}, expected news + misc {want}")
            # Same order as the full mailbox (arrival order), same bytes.
            order = [u for u, _ in full]
            if daily != [u for u in order if u in daily]:
                h.fail("the view's messages are not in the full mailbox's order")
            rc, body = curl(port, "alice+blog", "pw", path="1")
            if rc != 0 or h.subject_of(body.encode()) != h.subject_of(
                    dict(full)[blog[0]]):
                h.fail(f"RETR 1 through the view (rc {rc}) is not the view's first message")

            # Wrong password, unknown feed/tag, unknown user: all refused alike.
            for login, pw in (("alice+blog", "bad"), ("alice+nothing", "pw"),
                              ("mallory+blog", "pw")):
                rc, _ = curl(port, login, pw, "-X", "UIDL")
                if rc == 0:
                    h.fail(f"{login} with password {pw!r} logged in")

            # DELE through the view is alice's deletion.
            gone = blog[0]
            rc, _ = curl(port, "alice+blog", "pw", "-X", "DELE 1", "-I")
            if rc != 0:
                h.fail(f"curl DELE through the view: exit {rc}")
            if gone in h.uidls(port, "alice", "pw"):
                h.fail("a message deleted through alice+blog is still in alice's mailbox")
            if curl_uidls(port, "alice+blog", "pw") != blog[1:]:
                h.fail("the view still shows the deleted message")
            if h.count(port, "alice", "pw") != 8:
                h.fail("alice's full mailbox should hold 8 messages")
        finally:
            rc = fp.stop()
        feeds.close()
        if rc != 0:
            h.fail(f"exit status {rc} after SIGTERM")
    print("PASS: mailbox views")


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env python3
"""Retention spares what open sessions listed (README: "a message in an open session stays
retrievable until it ends"): a session lists a feed's two entries; the feed then brings two
new ones and `max_entries: 2` would purge the listed pair; the open session's RETR still
returns their exact stored bytes; once it has ended, the next poll purges them and a new
session no longer lists them.

The expected bytes are read from the SQLite file before the purge, by Python's sqlite3, so
no read goes through feedpop (its message cache would serve a purged message anyway).

usage: retention_pinned.py FEEDPOP_BINARY
"""

import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def stored_bytes(db_path, uidl):
    """The message bytes of the entry with this UIDL, straight from its chunk rows."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        (entry,) = db.execute("SELECT id FROM entries WHERE uidl = ?", (uidl,)).fetchone()
        rows = db.execute("SELECT bytes FROM message_chunks WHERE id >= ? AND id < ? ORDER BY id",
                          (entry << 20, (entry + 1) << 20)).fetchall()
        return b"".join(bytes(r[0]) for r in rows)
    finally:
        db.close()


def config_text(data, url):
    spec = {"f": {"url": url, "initial": "all", "max_entries": 2}}
    return h.yaml_config(data, spec, {"alice": ("pw", "all")})


def main(binary):
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        feeds = h.FeedServer(www)
        items = [(f"e{i}", f"Entry {i}", f"body {i} " + "x" * (700 * i)) for i in range(4)]
        feeds.write("one.xml", h.rss("F", items[:2]))
        feeds.write("two.xml", h.rss("F", items))
        data = os.path.join(work, "data")
        config = os.path.join(work, "feeds.yaml")
        with open(config, "w") as f:
            f.write(config_text(data, feeds.url("one.xml")))
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            port = fp.plain_port
            h.wait_until(lambda: h.count(port, "alice", "pw") == 2, 15, "the first 2 entries")
            session = h.pop3(port, "alice", "pw")
            listed = [line.split()[1].decode() for line in session.uidl()[1]]
            sizes = [int(line.split()[1]) for line in session.list()[1]]
            if len(listed) != 2:
                h.fail(f"the open session lists {listed}, expected 2 entries")
            db = os.path.join(data, "feedpop.db")
            expected = [stored_bytes(db, u) for u in listed]
            if [len(b) for b in expected] != sizes:
                h.fail(f"stored sizes {[len(b) for b in expected]} differ from LIST {sizes}")

            # A new URL is polled at once: 2 new entries, and max_entries 2 asks to purge
            # the 2 the session listed.
            mark = fp.log_count()
            h.replace_file(config, config_text(data, feeds.url("two.xml")))
            fp.wait_log(r"feed f: ok, 2 new", 15, mark)
            now = h.uidls(port, "alice", "pw")
            if len(now) != 4 or now[:2] != listed:
                h.fail(f"after the poll a new session lists {now}: expected the 2 pinned "
                       f"entries {listed} and 2 new ones")

            for n, want in enumerate(expected, start=1):
                got = b"\r\n".join(session.retr(n)[1]) + b"\r\n"
                if got != want:
                    h.fail(f"RETR {n} in the open session: {len(got)} bytes, not the "
                           f"{len(want)} stored ones")
            session.quit()

            # Session over: the next poll (another new URL, same entries) purges the pair.
            feeds.write("three.xml", h.rss("F", items))
            mark = fp.log_count()
            h.replace_file(config, config_text(data, feeds.url("three.xml")))
            fp.wait_log(r"feed f: ok, 0 new", 15, mark)
            now = h.uidls(port, "alice", "pw")
            if len(now) != 2 or set(now) & set(listed):
                h.fail(f"a new session still lists purged entries: {now} vs {listed}")
        finally:
            rc = fp.stop()
            feeds.close()
        if rc != 0:
            h.fail(f"feedpop exited with {rc}")
    print("retention_pinned: ok")


if __name__ == "__main__":
    main(sys.argv[1])

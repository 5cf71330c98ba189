#!/usr/bin/env python3
"""Runs ../shared/clients/run_all.sh (fetchmail, mpop, getmail, curl, NeoMutt, poplib; the
checks that pass against Dovecot) against `feedpop serve`. Skips when ../shared is absent.

The server side it needs (clients/README.md): a user with exactly COUNT messages, a reset
command restoring that mailbox before each client script, and a CA file for the host: the
local CA feedpop generated (its certificate names localhost and 127.0.0.1).

usage: clients_run_all.py FEEDPOP_BINARY [SHARED_DIR]
"""

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

COUNT = 12
USER, PASSWORD = "alice", "alice-pw.1"

# Entries that exercise what the client checks look for: non-ASCII subjects, body lines
# starting with dots and "From ", an empty body, HTML.
ENTRIES = [
    ("c1", "Plain ASCII post", "<p>Hello.</p>"),
    ("c2", "Caf\u00e9 cr\u00e8me \u2713", "<p>Unicode subject.</p>"),
    ("c3", "\u65e5\u672c\u8a9e\u306e\u8a18\u4e8b", "<p>CJK.</p>"),
    ("c4", "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u0438 \u0440\u0443\u0441\u0441\u043a\u0438\u0439", "<p>Greek and Cyrillic.</p>"),
    ("c5", "Dots", "<pre>.hidden\n..two\n.\n...\n. x</pre>"),
    ("c6", "From line", "<pre>From the start of a line\nFrom here</pre>"),
    ("c7", "Empty", ""),
    ("c8", "A rather long subject line that will certainly need folding when it is "
           "rendered into an RFC 5322 header field because it goes on and on", "<p>long</p>"),
    ("c9", "Links & entities", "<p><a href='http://example.org/a?b=1&amp;c=2'>link</a> &lt;tag&gt;</p>"),
    ("c10", "Big", "<p>" + ("lorem ipsum dolor sit amet " * 4000) + "</p>"),
    ("c11", "List", "<ul><li>one</li><li>two</li></ul>"),
    ("c12", "Quote", "<blockquote>quoted</blockquote>"),
]


def main(binary, shared):
    run_all = os.path.join(shared, "clients", "run_all.sh")
    if not os.path.exists(run_all):
        h.skip(f"{run_all} is absent (../shared is not on this machine)")
    if shutil.which("sqlite3") is None:
        h.skip("sqlite3 (the reset command) is not installed")
    assert len(ENTRIES) == COUNT
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        feeds = h.FeedServer(www)
        feeds.write("feed.xml", h.rss("Client checks", ENTRIES))
        data = os.path.join(work, "data")
        config = os.path.join(work, "feeds.yaml")
        with open(config, "w") as f:
            f.write(h.yaml_config(data, {"checks": {"url": feeds.url("feed.xml"), "initial": "all"}},
                                  {USER: (PASSWORD, "all")}))
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            h.wait_until(lambda: h.count(fp.plain_port, USER, PASSWORD) == COUNT, 15,
                         f"{COUNT} messages for {USER}")
            db = os.path.join(data, "feedpop.db")
            reset = f"sqlite3 {db} 'DELETE FROM deletions;'"
            res = subprocess.run([run_all, "--reset-cmd", reset, "127.0.0.1", str(fp.plain_port),
                                  str(fp.tls_port), USER, PASSWORD,
                                  os.path.join(data, "tls", "ca.pem"), str(COUNT)],
                                 cwd=os.path.dirname(run_all), capture_output=True, text=True,
                                 timeout=900)
            print(res.stdout[-20000:])
            print(res.stderr[-5000:])
        finally:
            rc = fp.stop()
        feeds.close()
        if res.returncode != 0:
            h.fail(f"run_all.sh exited {res.returncode}")
        if rc != 0:
            h.fail(f"feedpop exit status {rc} after SIGTERM")
    print("PASS: real clients (run_all.sh)")


if __name__ == "__main__":
    shared_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(h.SOURCE_DIR, "..", "shared")
    main(sys.argv[1], os.path.abspath(shared_dir))

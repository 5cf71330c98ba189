#!/usr/bin/env python3
"""Digests end to end (issue 18): `fetch --once`, then `digest --now`, then POP3.

A feed with `digest:` reaches alice as exactly one message holding all its entries' titles
and no single-entry message of it; bob's user-level digest is his whole mailbox, one
message grouped by feed; carol (no digested feed) gets single messages. `digest --now`
again adds nothing, and Python's email package finds no defect in the digests read back
over POP3 (multipart/alternative, never multipart/digest).

usage: digests.py FEEDPOP_BINARY
"""

import email
import email.policy
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

BUSY = [f"Busy story {i}" for i in range(7)]
QUIET = [f"Quiet note {i}" for i in range(2)]


def run(binary, config, *args):
    res = subprocess.run([binary, "--config", config, *args], capture_output=True, timeout=120)
    if res.returncode != 0:
        h.fail(f"feedpop {' '.join(args)}: exit {res.returncode}: {res.stderr.decode()}")
    return res.stdout.decode()


def parts(message_bytes):
    msg = email.message_from_bytes(message_bytes, policy=email.policy.default)
    problems = []
    for part in msg.walk():
        problems += [f"{part.get_content_type()}: {d!r}" for d in part.defects]
        if part.get_content_type() == "multipart/digest":
            problems.append("multipart/digest")
    if msg.get_content_type() != "multipart/alternative":
        problems.append(f"top-level {msg.get_content_type()}")
    if problems:
        h.fail(f"digest {msg['Subject']!r}: {problems}")
    # Quoted-printable keeps the canonical CRLF line ends inside the decoded text.
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    return str(msg["Subject"]), text, msg.get_body(("html",)).get_content()


def neomutt_shows(work, message_bytes, expected):
    """Opens the message in neomutt (inside tmux) and waits until the index and the
    pager show every string of `expected`; the failing screen, or None when all show."""
    mbox = os.path.join(work, "digest.mbox")
    with open(mbox, "wb") as f:
        f.write(b"From feedpop Mon Dec  7 07:00:00 2026\n")
        f.write(message_bytes.replace(b"\r\n", b"\n").replace(b"\nFrom ", b"\n>From "))
        f.write(b"\n")
    rc = os.path.join(work, "muttrc")
    with open(rc, "w") as f:
        f.write(f'set folder="{work}"\nset spoolfile="{mbox}"\nset mbox_type=mbox\n'
                'set mail_check=0\nset charset="utf-8"\nset help=no\nset wait_key=no\n'
                'set pager_index_lines=0\nset header_cache=""\nset message_cachedir=""\n'
                'auto_view text/html\nalternative_order text/plain text/html\n')
    session = f"feedpop-digest-{os.getpid()}"
    tmux = ["tmux", "-L", session]
    env = f"env HOME={work} LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-256color"
    subprocess.run(tmux + ["-f", "/dev/null", "new-session", "-d", "-s", session, "-x", "160",
                           "-y", "60", f"{env} neomutt -n -F {rc} -f {mbox}"], check=True)
    try:
        screen = ""
        for step, wanted in enumerate(expected):
            if step == 1:
                subprocess.run(tmux + ["send-keys", "-t", session, "Enter"], check=True)
            for _ in range(150):  # 30 s: a loaded machine starts neomutt slowly
                screen = subprocess.run(tmux + ["capture-pane", "-p", "-t", session],
                                        capture_output=True, text=True).stdout
                if wanted in screen:
                    break
                time.sleep(0.2)
            else:
                return f"never showed {wanted!r}:\n{screen}"
        if any(raw in screen for raw in ("=?UTF-8?", "--=_feedpop", "Content-Transfer-Encoding",
                                         "<p>", "=3D")):
            return f"raw MIME or markup on screen:\n{screen}"
        return None
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)


def main(binary):
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        feeds = h.FeedServer(www)
        feeds.write("busy.xml", h.rss("Busy", [(f"b{i}", t, f"<p>{t} body</p>")
                                               for i, t in enumerate(BUSY)]))
        feeds.write("quiet.xml", h.rss("Quiet", [(f"q{i}", t, "<p>q</p>")
                                                 for i, t in enumerate(QUIET)]))
        config = os.path.join(work, "feeds.yaml")
        spec = {
            "busy": {"url": feeds.url("busy.xml"), "initial": "all",
                     "digest": {"every": "1d", "at": "07:00", "tz": "Europe/Berlin"}},
            "quiet": {"url": feeds.url("quiet.xml"), "initial": "all"},
        }
        users = {"alice": ("pw", "all"), "bob": ("pw", "all", {"digest": {"every": "1h"}}),
                 "carol": ("pw", ["quiet"])}
        with open(config, "w") as f:
            f.write(h.yaml_config(os.path.join(work, "data"), spec, users))
        run(binary, config, "check")
        run(binary, config, "fetch", "--once")
        out = run(binary, config, "digest", "--now")
        if ".digest/feed/busy: 7 entries in 1 message" not in out or \
                ".digest/user/bob: 9 entries in 1 message" not in out:
            h.fail(f"digest --now said: {out}")
        again = run(binary, config, "digest", "--now")
        if again.count("nothing pending") != 2:
            h.fail(f"a second digest --now built something: {again}")

        fp = h.Feedpop(binary, config).wait_ready()
        try:
            port = fp.plain_port
            alice = h.mailbox(port, "alice", "pw")
            subjects = [h.subject_of(m) for _, m in alice]
            digests = [m for _, m in alice if "digest:" in h.subject_of(m)]
            if len(digests) != 1 or sorted(s for s in subjects if "digest" not in s) != QUIET:
                h.fail(f"alice's mailbox: {subjects}")
            if any(t in subjects for t in BUSY):
                h.fail("a digested entry was also delivered as a single message")
            subject, text, html = parts(digests[0])
            if not subject.startswith("busy digest: 7 entries, "):
                h.fail(f"subject {subject!r}")
            for t in BUSY:
                if t not in text or t not in html:
                    h.fail(f"{t!r} missing from the digest's text or HTML part")
            # A real client reads it as one mail: subject in the index, the contents and
            # the entries in the pager (issue 18: neomutt among the clients named).
            if shutil.which("neomutt") and shutil.which("tmux"):
                problem = neomutt_shows(work, digests[0], [
                    "busy digest: 7 entries", "Contents", "1. Busy story 0",
                    "Busy story 0 body"])
                if problem:
                    h.fail(f"neomutt: {problem}")
            else:
                print("neomutt or tmux missing: the client check is skipped")

            bob = h.mailbox(port, "bob", "pw")
            if len(bob) != 1:
                h.fail(f"bob has {len(bob)} messages, expected his one digest")
            subject, text, _ = parts(bob[0][1])
            if not subject.startswith("bob digest: 9 entries"):
                h.fail(f"bob's subject {subject!r}")
            # Groups follow the feeds' arrival order, which fetch --once does not fix.
            busy, quiet = text.find("=== Busy ==="), text.find("=== Quiet ===")
            section = {"busy": (busy, quiet if quiet > busy else len(text)),
                       "quiet": (quiet, busy if busy > quiet else len(text))}
            grouped = busy >= 0 and quiet >= 0 and all(
                section[name][0] < text.rindex(f"{t}\n") < section[name][1]
                for name, titles in (("busy", BUSY), ("quiet", QUIET)) for t in titles)
            if not grouped:
                h.fail(f"bob's digest is not grouped by feed:\n{text}")

            carol = [h.subject_of(m) for _, m in h.mailbox(port, "carol", "pw")]
            if sorted(carol) != QUIET:
                h.fail(f"carol's mailbox: {carol}")
            before = h.uidls(port, "alice", "pw")
        finally:
            rc = fp.stop()
        if rc != 0:
            h.fail(f"serve exited {rc}")
        run(binary, config, "digest", "--now")
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            if h.uidls(fp.plain_port, "alice", "pw") != before:
                h.fail("rebuilding changed alice's mailbox")
        finally:
            fp.stop()
        feeds.close()
    print("digests: ok")


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env python3
"""Rule tag views end to end (issue 18): tags are an ingest-time fact. A feed's entries are
stored by `fetch --once` before any tag rule exists; then a `tag rust` rule is added and new
entries arrive. The tag view `alice+rust` (POP3, Python's poplib) lists only the entries
stored with the tag, with the full mailbox's UIDLs and deletions (a DELE in the view is a
deletion in the full mailbox); the entry stored before the rule is not tagged
retroactively. Once the rule is removed, `alice+rust` is no mailbox at all.

usage: tag_views.py FEEDPOP_BINARY
"""

import email
import email.policy
import os
import poplib
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

TAG_RULE = [{"if": {"title": "rust"}, "then": "tag rust"}]


def write_config(path, data, url, rules):
    spec = {"notes": {"url": url, "initial": "all"}}
    if rules:
        spec["notes"]["rules"] = rules
    h.replace_file(path, h.yaml_config(data, spec, {"alice": ("pw", "all")}))


def publish(feeds, version, items):
    """Writes notes.xml with an mtime of its own (HTTP dates have one-second resolution: a
    file rewritten within the same second would be answered 304)."""
    feeds.write("notes.xml", h.rss("Notes", items))
    stamp = 1_700_000_000 + 100 * version
    os.utime(os.path.join(feeds.root, "notes.xml"), (stamp, stamp))


def fetch(binary, config):
    res = subprocess.run([binary, "--config", config, "fetch", "--once"], capture_output=True,
                         timeout=60)
    if res.returncode != 0:
        h.fail(f"fetch --once: exit {res.returncode}: {res.stderr.decode('utf-8', 'replace')}")


def subjects_by_uidl(port):
    out = {}
    for uidl, raw in h.mailbox(port, "alice", "pw"):
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        out[uidl] = (str(msg["Subject"]), str(msg["Keywords"] or ""))
    return out


def check_views(port):
    full = subjects_by_uidl(port)
    by_subject = {subject: (uidl, keywords) for uidl, (subject, keywords) in full.items()}
    want = {"Rust one", "Gardening", "Rust two", "Soil"}
    if set(by_subject) != want:
        h.fail(f"alice's mailbox holds {sorted(by_subject)}, expected {sorted(want)}")
    if by_subject["Rust one"][1] or by_subject["Rust two"][1] != "rust":
        h.fail(f"Keywords: {by_subject}")
    tagged = h.uidls(port, "alice+rust", "pw")
    if tagged != [by_subject["Rust two"][0]]:
        h.fail(f"alice+rust shows {tagged}: expected only the entry stored after the rule, "
               f"{by_subject['Rust two'][0]} (stored before it: {by_subject['Rust one'][0]})")
    # A deletion in the view is alice's deletion: gone from both mailboxes.
    conn = h.pop3(port, "alice+rust", "pw")
    conn.dele(1)
    conn.quit()
    if h.uidls(port, "alice+rust", "pw") != []:
        h.fail("alice+rust still lists the deleted message")
    left = h.uidls(port, "alice", "pw")
    if by_subject["Rust two"][0] in left or len(left) != 3:
        h.fail(f"alice's mailbox after the view's DELE: {left}")


def main(binary):
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        feeds = h.FeedServer(www)
        data = os.path.join(work, "data")
        config = os.path.join(work, "feeds.yaml")
        publish(feeds, 1, [("n1", "Rust one", "<p>a</p>"), ("n2", "Gardening", "<p>b</p>")])
        write_config(config, data, feeds.url("notes.xml"), None)
        fetch(binary, config)
        # The rule comes after n1 was stored; n3 and n4 arrive after it.
        write_config(config, data, feeds.url("notes.xml"), TAG_RULE)
        publish(feeds, 2, [("n1", "Rust one", "<p>a</p>"), ("n2", "Gardening", "<p>b</p>"),
                           ("n3", "Rust two", "<p>c</p>"), ("n4", "Soil", "<p>d</p>")])
        fetch(binary, config)
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            check_views(fp.plain_port)
        finally:
            rc = fp.stop()
        if rc != 0:
            h.fail(f"exit status {rc} after SIGTERM")
        # Without the rule, nothing gives the tag: no such view.
        write_config(config, data, feeds.url("notes.xml"), None)
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            try:
                h.uidls(fp.plain_port, "alice+rust", "pw")
            except poplib.error_proto:
                pass
            else:
                h.fail("alice+rust logged in without a rule giving the tag")
        finally:
            rc = fp.stop()
        feeds.close()
        if rc != 0:
            h.fail(f"exit status {rc} after SIGTERM")
    print("PASS: tag_views")


if __name__ == "__main__":
    main(sys.argv[1])

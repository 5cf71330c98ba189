#!/usr/bin/env python3
"""Crash consistency of `feedpop serve` (issue 9).

A feed file grows while feedpop serve polls it every second; scripted POP3 clients
delete messages and QUIT (acknowledged deletions) or delete and drop the connection
(never committed); feedpop is SIGKILLed at a random moment of each round. After every
restart: `PRAGMA integrity_check` is ok, no UIDL appears twice, every UIDL keeps the
Message-ID it had, every deletion acknowledged by +OK after QUIT is still applied, and no
deletion that was dropped (and never acknowledged elsewhere) is.

usage: crash_serve.py FEEDPOP_BINARY [--rounds N] [--seed S]
The last line is "N passed, M failed".
"""
import argparse
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Raw, Serve, write_feed  # noqa: E402

USER, PASSWORD = "alice", "pw"


def mailbox(port):
    """{uidl: message-id} of the current mailbox, read with UIDL and TOP n 0."""
    c = Raw(port)
    c.line()
    assert c.cmd("USER " + USER).startswith(b"+OK")
    assert c.cmd("PASS " + PASSWORD).startswith(b"+OK")
    assert c.cmd("UIDL").startswith(b"+OK")
    uidls = [l.split(b" ", 1)[1].decode() for l in c.multi()]
    out = {}
    for n, u in enumerate(uidls, 1):
        assert c.cmd("TOP %d 0" % n).startswith(b"+OK")
        mid = next((l.split(b":", 1)[1].strip().decode() for l in c.multi()
                    if l.lower().startswith(b"message-id:")), None)
        out.setdefault(u, []).append(mid)
    c.cmd("QUIT")
    c.close()
    return uidls, out


def client(port, rng, acked, dropped, unknown, lock):
    """One scripted session: DELE a few messages, then QUIT or drop the connection."""
    try:
        c = Raw(port, timeout=5)
        c.line()
        if not c.cmd("USER " + USER).startswith(b"+OK"):
            return
        if not c.cmd("PASS " + PASSWORD).startswith(b"+OK"):
            return
        if not c.cmd("UIDL").startswith(b"+OK"):
            return
        uidls = [l.split(b" ", 1) for l in c.multi()]
        if not uidls:
            c.cmd("QUIT")
            return
        picks = rng.sample(uidls, min(len(uidls), rng.randint(1, 3)))
        marked = []
        for num, uidl in picks:
            if c.cmd("DELE " + num.decode()).startswith(b"+OK"):
                marked.append(uidl.decode())
        if rng.random() < 0.5:
            c.send(b"QUIT\r\n")
            try:
                reply = c.line()
            except (ConnectionError, OSError):
                reply = b""
            with lock:
                (acked if reply.startswith(b"+OK") else unknown).update(marked)
        else:
            c.close()  # dropped connection: RFC 1939 says nothing is committed
            with lock:
                dropped.update(marked)
    except (ConnectionError, OSError, AssertionError):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    folder = tempfile.mkdtemp(prefix="feedpop-crash-")
    feed = os.path.join(folder, "feed.xml")
    next_entry, per_file = 1, 30
    write_feed(feed, next_entry, per_file)
    server = Serve(args.binary, folder, {"blog": feed}, {USER: PASSWORD}, fetch_interval="1s")

    acked, dropped, unknown = set(), set(), set()
    known = {}  # uidl -> message-id, as first seen
    passed = failed = 0
    print(f"seed {args.seed}, {args.rounds} rounds, state in {folder}")
    for rnd in range(1, args.rounds + 1):
        server.start()
        problems = []
        try:
            uidls, ids = mailbox(server.port)
        except Exception as e:  # noqa: BLE001
            uidls, ids = [], {}
            problems.append(f"mailbox unreadable after restart: {e!r}")
        if len(uidls) != len(set(uidls)):
            problems.append("duplicate UIDLs")
        mids = [m for v in ids.values() for m in v]
        if len(mids) != len(set(mids)):
            problems.append("duplicate Message-IDs")
        for u, m in ids.items():
            if u in known and known[u] != m[0]:
                problems.append(f"UIDL {u} changed message: {known[u]} -> {m[0]}")
            known.setdefault(u, m[0])
        present = set(uidls)
        if acked & present:
            problems.append(f"acknowledged deletions came back: {sorted(acked & present)[:3]}")
        lost = (dropped - acked - unknown) - present
        lost = {u for u in lost if u in known}
        if lost:
            problems.append(f"unacknowledged deletions applied: {sorted(lost)[:3]}")

        # The feed grows while clients work; then SIGKILL at a random moment.
        next_entry += rng.randint(1, 4)
        write_feed(feed, next_entry, per_file)
        lock = threading.Lock()
        threads = [threading.Thread(target=client, args=(server.port, random.Random(rng.random()),
                                                         acked, dropped, unknown, lock))
                   for _ in range(rng.randint(1, 4))]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.0, 1.5))
        server.kill()
        for t in threads:
            t.join()
        db = sqlite3.connect(os.path.join(folder, "data", "feedpop.db"))
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
        db.close()
        if check != "ok":
            problems.append(f"integrity_check: {check}")
        if problems:
            failed += 1
            print(f"FAIL round {rnd}: " + "; ".join(problems))
        else:
            passed += 1
    # One last look after the final kill.
    server.start()
    uidls, _ = mailbox(server.port)
    server.stop()
    final_ok = not (acked & set(uidls)) and len(uidls) == len(set(uidls))
    print(f"acknowledged deletions: {len(acked)}, dropped: {len(dropped)}, "
          f"ambiguous (killed during QUIT): {len(unknown)}, messages now: {len(uidls)}")
    if not final_ok:
        failed += 1
        print("FAIL: final state")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

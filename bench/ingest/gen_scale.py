#!/usr/bin/env python3
"""Deterministic workload for the 100,000-feed bench (bench/ingest/scale.sh).

  gen_scale.py OUT --feeds N --users U --base-url URL --data-dir DIR [--seed S]
               [--pop3-port P] [--interval 1h]

Writes OUT/f/NNN/NNNNN.rss: N small RSS 2.0 feeds of ENTRIES entries each (~2.5 KB, served
by the shared bench's nginx under /f/), OUT/urls.txt, and OUT/feeds.yaml: a feedpop
configuration with the N feeds (`initial: all`; feed i carries tag t<i // 100>) and U users
u<n> with 20-500 subscriptions each (whole tags of 100 feeds plus single feed keys), plus
user `big` subscribed to TAGS_BIG tags (TAGS_BIG x 100 x ENTRIES messages: 10,000 when the
feeds allow). Every password is "pw". Every byte depends only on the seed and the indices.
"""
import argparse
import os
import random

ENTRIES = 5
PER_TAG = 100
TAGS_BIG = 20
T0 = 1717200000  # 2024-06-01T00:00:00Z: mtime of every feed file (fixed ETag/Last-Modified)
WORDS = ("river stone light paper market signal garden winter quiet engine harbor letter "
         "forest bridge copper window silver motion center travel orange simple yellow "
         "thunder marble planet circle rocket shadow mirror").split()
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def feed_xml(i, seed, base):
    rng = random.Random(seed * 1_000_003 + i)
    items = []
    for e in range(ENTRIES):
        day = 1 + (i + e) % 28
        items.append(
            f"<item><title>Feed {i} entry {e}: {words(rng, 4)}</title>"
            f"<link>{base}/post/{i}/{e}</link><guid isPermaLink=\"false\">s{i}-{e}</guid>"
            f"<pubDate>{DAYS[day % 7]}, {day:02d} Jun 2024 10:{e:02d}:00 +0000</pubDate>"
            f"<description>&lt;p&gt;{words(rng, 40)}&lt;/p&gt;</description></item>")
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
            f"<title>Scale feed {i}</title><link>{base}/</link><description>bench</description>\n"
            + "\n".join(items) + "\n</channel></rss>\n")


def feed_path(i):
    return f"f/{i // 1000:03d}/{i:05d}.rss"


def subscriptions(rng, feeds):
    """A user's feeds list: whole tags and single keys, 20-500 feeds in all."""
    want = min(rng.randint(20, 500), feeds)
    tags = rng.sample(range(feeds // PER_TAG), min(want // PER_TAG, feeds // PER_TAG))
    covered = {t for t in tags}
    keys = set()
    while len(keys) < want - len(tags) * PER_TAG:
        k = rng.randrange(feeds)
        if k // PER_TAG not in covered:
            keys.add(k)
    return [f"t{t}" for t in sorted(tags)] + [f"f{k}" for k in sorted(keys)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--feeds", type=int, required=True)
    ap.add_argument("--users", type=int, required=True)
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--pop3-port", type=int, default=13210)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--interval", default="1h", help="fetch.interval (serve's schedule)")
    a = ap.parse_args()
    base = a.base_url.rstrip("/")
    for i in range(a.feeds):
        path = os.path.join(a.out, feed_path(i))
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(feed_xml(i, a.seed, base))
            os.utime(path, (T0, T0))
    with open(os.path.join(a.out, "urls.txt"), "w") as f:
        for i in range(a.feeds):
            f.write(f"{base}/{feed_path(i)}\n")
    rng = random.Random(a.seed)
    config = os.path.join(a.out, "feeds.yaml")
    with open(os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(f"data_dir: \"{a.data_dir}\"\nhostname: feedpop.bench\nlog_level: warn\n"
                f"pop3:\n  listen: [\"127.0.0.1:{a.pop3_port}\"]\n  tls_listen: []\n"
                "  plaintext_auth: always\n  limits: {connections: 1000, per_address: 1000}\n"
                "web:\n  listen: []\nsmtp:\n  listen: []\n  tls_listen: []\n"
                "fetch:\n  concurrency: 8\n  per_host: 8\n  timeout: 30s\n"
                f"  interval: {a.interval}\n"
                "users:\n")
        big = [f"t{t}" for t in range(min(TAGS_BIG, a.feeds // PER_TAG))]
        f.write(f"  big:\n    password: \"pw\"\n    feeds: [{', '.join(big)}]\n")
        for u in range(a.users):
            subs = subscriptions(rng, a.feeds)
            f.write(f"  u{u}:\n    password: \"pw\"\n    feeds: [{', '.join(subs)}]\n")
        f.write("feeds:\n")
        for i in range(a.feeds):
            f.write(f"  f{i}:\n    url: \"{base}/{feed_path(i)}\"\n    initial: all\n"
                    f"    tags: [t{i // PER_TAG}]\n")


if __name__ == "__main__":
    main()

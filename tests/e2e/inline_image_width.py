#!/usr/bin/env python3
"""images_max_width end to end (issue 17): a feed entry shows a 3000 px wide PNG (and,
when libvips' `vips` command is installed, a 3000 px JPEG and a wide GIF) served on a
loopback HTTP server; `feedpop fetch --once` with `images: inline` and
`images_max_width: 800`, then POP3 RETR as a client (poplib): every image part keeps its
type, the PNG and JPEG arrive at most 800 px wide (read from their headers here, not by
the code under test), the GIF arrives byte for byte as served, LIST size = RETR octets.

usage: inline_image_width.py FEEDPOP_BINARY
"""

import email
import email.policy
import os
import shutil
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

MAX_WIDTH = 800


def png(width, height):
    """A greyscale PNG with a diagonal ramp, written with zlib only."""
    rows = b"".join(b"\0" + bytes((x + y) % 256 for x in range(width)) for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))


def png_width(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        h.fail("the PNG part is not a PNG")
    return struct.unpack(">I", data[16:20])[0]


def jpeg_width(data):
    at = 2
    while data[:2] == b"\xff\xd8" and at + 9 < len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return struct.unpack(">H", data[at + 7:at + 9])[0]
        at += 2 + struct.unpack(">H", data[at + 2:at + 4])[0]
    h.fail("the JPEG part has no frame header")


def vips_image(www, name, width, height):
    """A picture made by libvips' command line tool, or None without it."""
    vips = shutil.which("vips")
    if vips is None:
        return None
    base = os.path.join(www, "sines.v")
    out = os.path.join(www, name)
    for args in (["sines", base, str(width), str(height), "--hfreq", "9"],
                 ["linear", base, base + ".l.v", "120", "128"],
                 ["cast", base + ".l.v", out, "uchar"]):
        subprocess.run([vips, *args], check=True, timeout=60)
    with open(out, "rb") as f:
        return f.read()


def main(binary):
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        server = h.FeedServer(www)
        served = {"wide.png": png(3000, 400)}
        for name, size in (("wide.jpg", (3000, 1500)), ("wide.gif", (1600, 40))):
            data = vips_image(www, name, *size)
            if data is not None:
                served[name] = data
        for name, data in served.items():
            with open(os.path.join(www, name), "wb") as f:
                f.write(data)
        body = "<p>Pictures:</p>" + "".join(
            f'<p><img src="{server.url(name)}" alt="{name}"></p>' for name in served)
        server.write("feed.xml", h.rss("Wide", [("w1", "Wide pictures", body)]))
        data_dir = os.path.join(work, "data")
        config = os.path.join(work, "feeds.yaml")
        spec = {"wide": {"url": server.url("feed.xml"), "initial": "all", "images": "inline",
                         "images_max_width": MAX_WIDTH}}
        with open(config, "w") as f:
            f.write(h.yaml_config(data_dir, spec, {"alice": ("pw", "all")}))
        r = subprocess.run([binary, "--config", config, "fetch", "--once"], capture_output=True,
                           timeout=120)
        if r.returncode != 0:
            h.fail(f"fetch --once: {r.returncode}\n{r.stdout.decode()}{r.stderr.decode()}")
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            conn = h.pop3(fp.plain_port, "alice", "pw")
            try:
                size = int(conn.list()[1][0].split()[1])
                raw = b"\r\n".join(conn.retr(1)[1]) + b"\r\n"
            finally:
                conn.quit()
        finally:
            fp.stop()
        if len(raw) != size:
            h.fail(f"LIST says {size} octets, RETR gave {len(raw)}")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {p.get_content_type(): p.get_content() for p in msg.walk()
                 if p.get_content_maintype() == "image"}
        widths = {}
        if "image/png" not in parts:
            h.fail(f"no PNG part; parts: {sorted(parts)}")
        widths["png"] = png_width(parts["image/png"])
        if "wide.jpg" in served:
            if "image/jpeg" not in parts:
                h.fail(f"no JPEG part; parts: {sorted(parts)}")
            widths["jpeg"] = jpeg_width(parts["image/jpeg"])
        for kind, width in widths.items():
            if not 0 < width <= MAX_WIDTH:
                h.fail(f"the {kind} part is {width} px wide, more than {MAX_WIDTH}")
        if "wide.gif" in served and parts.get("image/gif") != served["wide.gif"]:
            h.fail("the GIF was changed (or not inlined)")
        print(f"ok: inline images at most {MAX_WIDTH} px wide: {widths}"
              + (", GIF untouched" if "wide.gif" in served else " (no vips command: PNG only)"))


if __name__ == "__main__":
    main(sys.argv[1])

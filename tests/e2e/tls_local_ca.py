#!/usr/bin/env python3
"""The generated TLS setup against a real client (Python's ssl, OpenSSL underneath):
- with a POP3S listener, POP3S and STLS verify against data_dir/tls/ca.pem alone, with
  hostname checking, for localhost and 127.0.0.1;
- with no TLS listener and no pop3.tls (`--tls-listen none`), nothing is generated and
  STLS is not offered.

usage: tls_local_ca.py FEEDPOP_BINARY
"""

import os
import poplib
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def capabilities(port):
    conn = poplib.POP3("127.0.0.1", port, timeout=10)
    try:
        return conn.capa()
    finally:
        conn.quit()


def main(binary):
    with h.TempDir() as work:
        www = os.path.join(work, "www")
        os.makedirs(www)
        feeds = h.FeedServer(www)
        feeds.write("f.xml", h.rss("F", [("e1", "Entry 1", "body")]))
        spec = {"f": {"url": feeds.url("f.xml"), "initial": "all"}}

        data = os.path.join(work, "data")
        config = os.path.join(work, "feeds.yaml")
        with open(config, "w") as f:
            f.write(h.yaml_config(data, spec, {"alice": ("pw", "all")}))
        fp = h.Feedpop(binary, config).wait_ready()
        try:
            ca = os.path.join(data, "tls", "ca.pem")
            if not os.path.exists(ca):
                h.fail("no local CA in data_dir/tls/ca.pem")
            for name in ("localhost", "127.0.0.1"):
                ctx = ssl.create_default_context(cafile=ca)  # verifies chain and hostname
                implicit = poplib.POP3_SSL(name, fp.tls_port, context=ctx, timeout=10)
                implicit.user("alice")
                implicit.pass_("pw")
                implicit.quit()
                plain = poplib.POP3(name, fp.plain_port, timeout=10)
                plain.stls(context=ssl.create_default_context(cafile=ca))
                plain.quit()
            # The verification is real: without ca.pem (the system's CAs only) it fails.
            try:
                poplib.POP3_SSL("localhost", fp.tls_port, context=ssl.create_default_context(),
                                timeout=10).quit()
                h.fail("the certificate verified without trusting ca.pem")
            except ssl.SSLCertVerificationError:
                pass
        finally:
            rc = fp.stop()
        if rc != 0:
            h.fail(f"feedpop exited with {rc}")

        bare = os.path.join(work, "bare")
        config2 = os.path.join(work, "bare.yaml")
        with open(config2, "w") as f:
            # No implicit-TLS listener at all (SMTP's would also need the certificate).
            f.write(h.yaml_config(bare, spec, {"alice": ("pw", "all")}).replace(
                'smtp:\n  listen: ["127.0.0.1:0"]\n  tls_listen: ["127.0.0.1:0"]',
                'smtp:\n  listen: ["127.0.0.1:0"]\n  tls_listen: []'))
        fp = h.Feedpop(binary, config2, args=["--tls-listen", "none"])
        try:
            m = fp.wait_log(r"POP3 \(STARTTLS\): 127\.0\.0\.1:(\d+)", 20)
            fp.wait_log(r"TLS: none", 5)
            caps = capabilities(int(m.group(1)))
            if "STLS" in caps:
                h.fail(f"STLS offered without any certificate: {sorted(caps)}")
            if os.path.exists(os.path.join(bare, "tls")):
                h.fail(f"a certificate was generated without a TLS listener: "
                       f"{os.listdir(os.path.join(bare, 'tls'))}")
        finally:
            rc = fp.stop()
            feeds.close()
        if rc != 0:
            h.fail(f"feedpop without TLS exited with {rc}")
    print("tls_local_ca: ok")


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env python3
"""Python's smtplib against feedpop's SMTP server, including a SCRAM-SHA-256 client
(RFC 5802, RFC 7677) written here because smtplib has none.

  smtplib_client.py MODE HOST PORT CAFILE USER PASSWORD MARKER
  MODE: starttls-login | tls-plain | starttls-scram | tls-scram | relay-denied | no-auth
Exit 0 when the server answered as the mode expects."""
import base64
import hashlib
import hmac
import os
import smtplib
import ssl
import sys


def scram_sha256(conn, user, password):
    """RFC 5802 §3 client side over SMTP AUTH (RFC 4954); checks the server signature."""
    cnonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = f"n={user},r={cnonce}"
    code, resp = conn.docmd("AUTH", "SCRAM-SHA-256 " +
                            base64.b64encode(("n,," + first_bare).encode()).decode())
    if code != 334:
        raise RuntimeError(f"AUTH SCRAM-SHA-256: {code} {resp!r}")
    server_first = base64.b64decode(resp).decode()
    fields = dict(p.split("=", 1) for p in server_first.split(","))
    if not fields["r"].startswith(cnonce):
        raise RuntimeError("server nonce does not extend the client nonce")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(fields["s"]),
                                 int(fields["i"]))
    without_proof = "c=biws,r=" + fields["r"]
    auth_message = ",".join([first_bare, server_first, without_proof]).encode()
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    signature = hmac.new(hashlib.sha256(client_key).digest(), auth_message,
                         hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature))
    final = without_proof + ",p=" + base64.b64encode(proof).decode()
    code, resp = conn.docmd(base64.b64encode(final.encode()).decode())
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    expected_v = "v=" + base64.b64encode(
        hmac.new(server_key, auth_message, hashlib.sha256).digest()).decode()
    if code == 334:  # server-final as a challenge; an empty response completes it
        if base64.b64decode(resp).decode() != expected_v:
            raise RuntimeError("wrong server signature")
        code, resp = conn.docmd("")
    if code != 235:
        raise RuntimeError(f"SCRAM final: {code} {resp!r}")


def message(user, marker):
    return (f"From: {user}@example.org\r\nTo: feedpop@localhost\r\nSubject: list\r\n"
            f"Message-ID: <{marker}@example.org>\r\n\r\nlist\r\n.{marker}\r\n")


def main():
    mode, host, port, cafile, user, password, marker = sys.argv[1:8]
    ctx = ssl.create_default_context(cafile=cafile)
    implicit = mode.startswith("tls-")
    conn = (smtplib.SMTP_SSL(host, int(port), context=ctx, timeout=20) if implicit
            else smtplib.SMTP(host, int(port), timeout=20))
    conn.ehlo("client.example")
    if not implicit:
        conn.starttls(context=ctx)
        conn.ehlo("client.example")
    if mode.endswith("scram"):
        scram_sha256(conn, user, password)
    elif mode == "tls-plain":
        conn.auth("PLAIN", lambda challenge=None: f"\0{user}\0{password}", initial_response_ok=True)
    elif mode != "no-auth":
        conn.login(user, password)
    to = "friend@example.com" if mode == "relay-denied" else "feedpop@localhost"
    try:
        conn.sendmail(f"{user}@example.org", [to], message(user, marker))
    except smtplib.SMTPRecipientsRefused as e:
        code, text = e.recipients[to]
        ok = mode == "relay-denied" and code == 550 and b"5.7.1" in text
        print(code, text)
        return 0 if ok else 1
    except smtplib.SMTPSenderRefused as e:
        print(e.smtp_code, e.smtp_error)
        return 0 if mode == "no-auth" and e.smtp_code == 530 else 1
    conn.quit()
    return 0 if mode not in ("relay-denied", "no-auth") else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks digest messages with Python's email package (policy=email.policy.default).

Usage: check_digest.py MESSAGE_FILE [TITLE ...]

The message must parse without any defect (message, headers, parts), be
multipart/alternative with a text/plain and a text/html alternative (the HTML possibly
inside multipart/related), never multipart/digest, and both decoded alternatives must
contain every TITLE given. Prints "ok" and exits 0, else prints the problems and exits 1.
"""
import email
import email.policy
import sys


def main():
    raw = open(sys.argv[1], "rb").read()
    titles = sys.argv[2:]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    problems = []
    for part in msg.walk():
        for defect in part.defects:
            problems.append(f"defect in {part.get_content_type()}: {defect!r}")
        for name, value in part.items():
            for defect in getattr(value, "defects", ()):
                problems.append(f"defect in header {name}: {defect!r}")
        if part.get_content_type() == "multipart/digest":
            problems.append("multipart/digest used")
    if msg.get_content_type() != "multipart/alternative":
        problems.append(f"top-level type {msg.get_content_type()}")
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    if plain is None or html is None:
        problems.append("missing text/plain or text/html alternative")
    else:
        plain_text, html_text = plain.get_content(), html.get_content()
        for title in titles:
            if title not in plain_text:
                problems.append(f"text part lacks {title!r}")
            if title not in html_text:
                problems.append(f"html part lacks {title!r}")
    if problems:
        print("\n".join(problems))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks rendered messages with Python's email package (policy=email.policy.default).

Usage: check_messages.py INDEX.jsonl MESSAGES.bin

INDEX holds one JSON object per message: offset and length of its bytes in MESSAGES,
the Subject and From display name feedpop meant to write ("subject", "display_name"),
and the raw entry title, entry author and feed title as hex bytes ("title_hex",
"author_hex", "feed_title_hex"; "" when absent) so the expected texts can also be
rebuilt here independently of feedpop's code.

A message fails when: the parser reports a defect (message, any header, any part); a
line is not CRLF-terminated, is longer than 998 octets or has an 8-bit byte; decoding
Subject or From's display name does not give back exactly the expected text; a text part
cannot be decoded; or its Message-ID is not unique. Exit status 1 on any failure.
"""
import email
import email.policy
import json
import re
import sys


def normalize(text):
    """The rule of mail::normalize_text: white space and controls (C0, DEL, C1,
    U+2028, U+2029) collapse to one space; both ends trimmed."""
    out = []
    pending = False
    for ch in text:
        cp = ord(ch)
        if cp <= 0x20 or 0x7F <= cp <= 0x9F or cp in (0x2028, 0x2029):
            pending = True
        else:
            if pending and out:
                out.append(" ")
            pending = False
            out.append(ch)
    return "".join(out)


def raw_text(hex_text):
    """Decoded raw field, or None when absent or not valid UTF-8."""
    if not hex_text:
        return ""
    try:
        return bytes.fromhex(hex_text).decode("utf-8")
    except UnicodeDecodeError:
        return None


def expected_display_name(author, feed_title, key):
    author, title = normalize(author), normalize(feed_title)
    if author and title and author != title:
        return normalize(f"{author} ({title})")
    return title or author or key


def check_bytes(raw):
    problems = []
    lines = raw.split(b"\r\n")
    if lines[-1] != b"":
        problems.append("message does not end with CRLF")
    for number, line in enumerate(lines[:-1], 1):
        if b"\n" in line or b"\r" in line:
            problems.append(f"line {number}: bare CR or LF")
        if len(line) > 998:
            problems.append(f"line {number}: {len(line)} octets")
        if any(b >= 0x80 for b in line):
            problems.append(f"line {number}: 8-bit byte")
    return problems


def check_message(raw, item, message_ids):
    problems = check_bytes(raw)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for part in msg.walk():
        for defect in part.defects:
            problems.append(f"part {part.get_content_type()}: {defect!r}")
        for name in part.keys():
            for value in part.get_all(name):
                for defect in getattr(value, "defects", ()):
                    problems.append(f"header {name}: {defect!r}")
        if part.get_content_maintype() == "text":
            try:
                part.get_content()
            except Exception as error:  # noqa: BLE001 - any decoding failure is a finding
                problems.append(f"part {part.get_content_type()}: {error!r}")

    subject = str(msg["subject"])
    if subject != item["subject"]:
        problems.append(f"Subject decodes to {subject!r}, expected {item['subject']!r}")
    title = raw_text(item["title_hex"])
    if title is not None and normalize(title) and normalize(title) != subject:
        problems.append(f"Subject {subject!r} is not the normalized title {normalize(title)!r}")

    addresses = msg["from"].addresses
    if len(addresses) != 1:
        problems.append(f"From has {len(addresses)} addresses")
    else:
        name = addresses[0].display_name
        if name != item["display_name"]:
            problems.append(f"From name decodes to {name!r}, expected {item['display_name']!r}")
        author, feed_title = raw_text(item["author_hex"]), raw_text(item["feed_title_hex"])
        if author is not None and feed_title is not None:
            full = expected_display_name(author, feed_title, item["key"])
            # A long name is shortened inside its outer form: "author (feed tit…)".
            shortened = (name.endswith("\u2026") and full.startswith(name[:-1])) or (
                name.endswith("\u2026)") and full.endswith(")") and full.startswith(name[:-2]))
            if name != full and not shortened:
                problems.append(f"From name {name!r} is not the normalized name {full!r}")

    message_id = str(msg["message-id"])
    if not re.fullmatch(r"<[0-9a-f]{32}\.[A-Za-z0-9_-]+@[A-Za-z0-9.-]+>", message_id):
        problems.append(f"Message-ID {message_id!r}")
    elif message_id in message_ids:
        problems.append(f"Message-ID {message_id} also used by {message_ids[message_id]}")
    message_ids.setdefault(message_id, item["source"])
    return problems


def main():
    index_path, messages_path = sys.argv[1], sys.argv[2]
    with open(messages_path, "rb") as f:
        blob = f.read()
    failures = 0
    count = 0
    message_ids = {}
    with open(index_path, encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            raw = blob[item["offset"]:item["offset"] + item["length"]]
            problems = check_message(raw, item, message_ids)
            count += 1
            if problems:
                failures += 1
                if failures <= 20:
                    print(f"FAIL {item['source']}:")
                    for problem in problems[:10]:
                        print(f"  {problem}")
    print(f"{count} messages checked, {failures} failed")
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

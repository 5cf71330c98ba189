#!/usr/bin/env python3
"""The README's run command, exactly: `scripts/run` ends in
`exec build/release/feedpop --config feeds.example.yaml serve "$@"`; this runs that line
(with the binary under test, and `--data-dir` to an empty temporary folder so the
developer's ./data is untouched) on the example's 127.0.0.1:1110 / 127.0.0.1:1995, and
retrieves the welcome message with `curl pop3://`, as a new user would. No internet
needed: the welcome feed is a file shipped in the repository.

usage: readme_run.py FEEDPOP_BINARY
"""

import os
import re
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def run_command_from_script():
    with open(os.path.join(h.SOURCE_DIR, "README.md"), encoding="utf-8") as f:
        if "scripts/run" not in f.read():
            h.fail("the README no longer gives scripts/run as the run command")
    with open(os.path.join(h.SOURCE_DIR, "scripts", "run"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("exec "):
                return shlex.split(line[len("exec "):].replace('"$@"', ""))
    h.fail("scripts/run has no exec line")


def main(binary):
    if shutil.which("curl") is None:
        h.skip("curl is not installed")
    argv = run_command_from_script()
    if not argv[0].endswith("/feedpop"):
        h.fail(f"scripts/run does not exec feedpop: {argv}")
    for port in (1110, 1995):
        if not h.port_is_free(port):
            h.skip(f"port {port} is in use (another feedpop?); the README command needs it")
    with h.TempDir() as data:
        command = [binary, "--log-format", "json", *argv[1:], "--data-dir", data]
        fp = h.Feedpop(binary, None, command=command, cwd=h.SOURCE_DIR)
        try:
            m = fp.wait_log(r"POP3 \(STARTTLS\): (\S+)", 30)
            if m.group(1) != "127.0.0.1:1110":
                h.fail(f"the README promises 127.0.0.1:1110, feedpop listens on {m.group(1)}")

            def welcome():
                res = subprocess.run(["curl", "-sS", "--max-time", "10",
                                      "pop3://127.0.0.1:1110/", "-u", "demo:demo"],
                                     capture_output=True, text=True)
                for line in res.stdout.splitlines():
                    n = line.split()[0]
                    msg = subprocess.run(["curl", "-sS", "--max-time", "10",
                                          f"pop3://127.0.0.1:1110/{n}", "-u", "demo:demo"],
                                         capture_output=True)
                    if re.search(r"Welcome to feedpop", h.subject_of(msg.stdout) +
                                 msg.stdout.decode("utf-8", "replace").split("\r\n\r\n")[0]):
                        return h.subject_of(msg.stdout)
                return None

            subject = h.wait_until(welcome, 20, "the welcome message via curl pop3://")
            print(f"welcome message: {subject!r}")
        finally:
            rc = fp.stop()
        if rc != 0:
            fp.dump()
            h.fail(f"exit status {rc} after SIGTERM")
        if os.path.exists(os.path.join(h.SOURCE_DIR, "data", "feedpop.db")) and \
                not os.path.exists(os.path.join(data, "feedpop.db")):
            h.fail("--data-dir was not honoured")
    print("PASS: README run command")


if __name__ == "__main__":
    main(sys.argv[1])

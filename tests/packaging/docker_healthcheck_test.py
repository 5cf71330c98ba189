#!/usr/bin/env python3
"""The Docker image's HEALTHCHECK, run without a Docker engine: the command is taken from
docker/Dockerfile and run against a real `feedpop serve` laid out as in the image (its
feeds.yaml in a config folder with share/welcome.xml beside it, state in a data folder).
Only the listen addresses change, to free loopback ports, and the HEALTHCHECK's URL follows
the web listener there. Checks: healthy (exit 0) once serving; unhealthy (exit 1) while the
server hangs (SIGSTOP), healthy again after SIGCONT; unhealthy once the server is gone.

usage: docker_healthcheck_test.py FEEDPOP_BINARY SOURCE_DIR
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

SOURCE_DIR = os.path.abspath(sys.argv[2])
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "e2e"))
import harness as h  # noqa: E402


def healthcheck_command():
    """The exec-form words of the runtime stage's HEALTHCHECK CMD."""
    text = open(os.path.join(SOURCE_DIR, "docker", "Dockerfile"), encoding="utf-8").read()
    logical = re.sub(r"\\\n", " ", text)
    lines = [l for l in logical.splitlines() if l.strip().startswith("HEALTHCHECK")]
    if len(lines) != 1:
        h.fail(f"expected one HEALTHCHECK, found {len(lines)}")
    options, _, cmd = lines[0].partition(" CMD ")
    if not cmd.strip().startswith("["):
        h.fail("HEALTHCHECK CMD is not in exec form: " + cmd)
    timeout = re.search(r"--timeout=(\d+)s", options)
    return json.loads(cmd), int(timeout.group(1)) if timeout else 30


def image_layout(work):
    """The image's /etc/feedpop (feeds.yaml, share/welcome.xml) under `work`, with free
    loopback ports; returns the config path."""
    etc = os.path.join(work, "etc")
    os.makedirs(os.path.join(etc, "share"))
    shutil.copy(os.path.join(SOURCE_DIR, "share", "welcome.xml"), os.path.join(etc, "share"))
    config = open(os.path.join(SOURCE_DIR, "docker", "feeds.yaml"), encoding="utf-8").read()
    if "127.0.0.1:8080" not in config:
        h.fail("docker/feeds.yaml does not put the web server on 127.0.0.1:8080")
    config = config.replace('"127.0.0.1:8080"', '"127.0.0.1:0"')
    # SMTP's defaults are fixed ports (1587, 1465): free ones here.
    config += 'smtp:\n  listen: ["127.0.0.1:0"]\n  tls_listen: []\n'
    path = os.path.join(etc, "feeds.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(config)
    return path


def run(argv, timeout):
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        h.fail(f"{argv} ran longer than the HEALTHCHECK's own --timeout ({timeout}s)")
    return res.returncode, (res.stdout + res.stderr).strip()


def main(binary):
    words, docker_timeout = healthcheck_command()
    if words[0] != "feedpop" or "--url" not in words:
        h.fail(f"HEALTHCHECK does not ask feedpop's /healthz: {words}")
    url = words[words.index("--url") + 1]
    if url != "http://127.0.0.1:8080/healthz":
        h.fail("HEALTHCHECK URL is not the web default: " + url)
    with h.TempDir() as work:
        config = image_layout(work)
        env = dict(os.environ, FEEDPOP_DEMO_PASSWORD="a-chosen-one", FEEDPOP_CONFIG=config)
        # The image's CMD, on free loopback ports instead of 0.0.0.0:1110/1995.
        fp = h.Feedpop(binary, config, env=env,
                       command=[binary, "--log-format", "json", "serve", "--listen",
                                "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--data-dir",
                                os.path.join(work, "data")]).wait_ready()
        try:
            port = fp.wait_log(r"status page at http://127\.0\.0\.1:(\d+)/").group(1)
            argv = [binary] + words[1:]
            argv[argv.index(url)] = url.replace(":8080/", f":{port}/")
            loud = [a for a in argv if a != "--quiet"]
            rc, out = run(argv, docker_timeout)
            if rc != 0 or out:
                h.fail(f"healthy server: HEALTHCHECK exited {rc}, printed {out!r}")
            rc, out = run(loud, docker_timeout)
            if rc != 0 or "HTTP 200" not in out:
                h.fail(f"healthy server, without --quiet: {rc} {out!r}")

            fp.proc.send_signal(signal.SIGSTOP)  # hung: accepts in the kernel, answers nothing
            try:
                start = time.monotonic()
                rc, out = run(loud, docker_timeout)
                took = time.monotonic() - start
            finally:
                fp.proc.send_signal(signal.SIGCONT)
            if rc != 1 or "unhealthy" not in out:
                h.fail(f"hung server: HEALTHCHECK exited {rc}: {out!r}")
            if took > docker_timeout:
                h.fail(f"the check took {took:.1f}s, beyond Docker's --timeout")
            rc, out = run(argv, docker_timeout)
            if rc != 0:
                h.fail(f"after SIGCONT: HEALTHCHECK exited {rc}: {out!r}")
        finally:
            rc_serve = fp.stop()
        rc, out = run(loud, docker_timeout)
        if rc != 1 or "unhealthy" not in out:
            h.fail(f"stopped server: HEALTHCHECK exited {rc}: {out!r}")
        if rc_serve != 0:
            h.fail(f"feedpop exited {rc_serve}")
    print(f"ok: HEALTHCHECK {' '.join(words)}: healthy, unhealthy when hung or gone "
          f"(hung check took {took:.1f}s)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])

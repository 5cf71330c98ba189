#!/usr/bin/env python3
"""Thunderbird reads what feedpop serves (issue 17): Debian's Thunderbird under Xvfb, with a
fresh profile holding one POP3 account, downloads a mailbox of whole articles
(`content: full`) with their pictures inside the messages (`images: inline`) from a real
`feedpop serve`; the feed and its article pages are on a loopback HTTP server.

First start: Thunderbird asks for the password (typed with xdotool), downloads every
message (its Inbox holds as many messages as POP3 lists, each article's picture is a part
whose bytes equal the served image). Second start: it checks the account again and
retrieves nothing (no RETR in its POP3 log), and shows one downloaded article in a message
window; the screenshot (thunderbird-article.png in the test's working directory, not
committed) must show the article's picture: the picture is one solid colour, counted in
the screenshot's pixels.

Skips (77) without thunderbird, Xvfb, xdotool or ImageMagick's import/convert.

usage: thunderbird.py FEEDPOP_BINARY
"""

import email
import email.policy
import mailbox
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

ENTRIES = 3
COLOUR = (214, 38, 164)  # the pictures' colour, looked for in the screenshot
WIDTH, HEIGHT = 360, 180


def solid_png(width, height, rgb, seed):
    """A PNG of one colour; the last pixel varies with seed so every image differs."""
    rows = []
    for y in range(height):
        row = bytes(rgb) * width
        if y == height - 1:
            row = row[:-3] + bytes([seed, seed, seed])
        rows.append(b"\x00" + row)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def article(n):
    words = " ".join(f"marmalade{n}x{i}" for i in range(12))
    paragraphs = "".join(
        f"<p>Paragraph {i} of article {n}: a long, detailed, readable story with commas, "
        f"facts, and {words}.</p>" for i in range(5))
    return (f"<!DOCTYPE html><html><head><title>Article {n}</title></head><body>"
            f"<nav><a href=\"/\">Home</a> <a href=\"/about\">About</a></nav>"
            f"<article><h1>Article {n}</h1>{paragraphs}"
            f"<p><img src=\"/picture{n}.png\" width=\"{WIDTH}\" height=\"{HEIGHT}\" "
            f"alt=\"picture {n}\"></p></article><footer>Footer text</footer></body></html>")


def feed_xml(server):
    items = "".join(
        f"<item><guid>tb{n}</guid><title>Article {n}</title><link>{server.url(f'a{n}.html')}"
        f"</link><description>Teaser {n} [&#8230;]</description></item>"
        for n in range(ENTRIES))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Long Reads</title>'
            f"<link>{server.url('')}</link>{items}</channel></rss>")


def user_js(port):
    prefs = {
        "mail.accountmanager.accounts": "account1,account2",
        "mail.accountmanager.defaultaccount": "account1",
        "mail.accountmanager.localfoldersserver": "server2",
        "mail.account.account1.server": "server1",
        "mail.account.account1.identities": "id1",
        "mail.account.account2.server": "server2",
        "mail.account.lastKey": 2,
        "mail.identity.id1.fullName": "Reader",
        "mail.identity.id1.useremail": "alice@feedpop.localhost",
        "mail.identity.id1.valid": True,
        "mail.server.server1.type": "pop3",
        "mail.server.server1.name": "feedpop",
        "mail.server.server1.hostname": "127.0.0.1",
        "mail.server.server1.port": port,
        "mail.server.server1.socketType": 0,  # plain: feedpop allows it on loopback
        "mail.server.server1.authMethod": 3,  # password in the clear
        "mail.server.server1.userName": "alice",
        "mail.server.server1.leave_on_server": True,
        "mail.server.server1.login_at_startup": True,
        "mail.server.server1.download_on_biff": True,  # download at start, not just count
        "mail.server.server1.check_new_mail": False,
        "mail.server.server2.type": "none",
        "mail.server.server2.name": "Local Folders",
        "mail.server.server2.hostname": "Local Folders",
        "mail.server.server2.userName": "nobody",
        # A quiet first start: no wizard, no network beyond loopback, no telemetry.
        "mail.provider.enabled": False,
        "mail.shell.checkDefaultClient": False,
        "mailnews.start_page.enabled": False,
        "mail.rights.version": 1,
        "mail.inappnotifications.enabled": False,
        "app.update.auto": False,
        "app.update.enabled": False,
        "datareporting.policy.dataSubmissionEnabled": False,
        "toolkit.telemetry.enabled": False,
        "mailnews.auto_config_url": "",
        "network.connectivity-service.enabled": False,
        "network.captive-portal-service.enabled": False,
        "services.settings.server": "http://127.0.0.1:1/",
        "browser.safebrowsing.malware.enabled": False,
        "browser.safebrowsing.phishing.enabled": False,
        "mail.biff.show_alert": False,
        # Remote content stays blocked: the pictures must come from the message itself.
        "mailnews.message_display.disable_remote_image": True,
        "gfx.webrender.software": True,
        # The POP3 conversation on stdout.
        "mailnews.pop3.loglevel": "All",
        "devtools.console.stdout.chrome": True,
    }

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        return '"' + v + '"'

    return "".join(f'user_pref("{k}", {value(v)});\n' for k, v in prefs.items())


class Display:
    """An Xvfb server on the first free display number."""

    def __init__(self):
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1400x1000x24", "-nolisten",
             "tcp"], pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_fd)
        with os.fdopen(read_fd) as f:
            number = f.readline().strip()
        if not number:
            h.fail("Xvfb did not start")
        self.name = f":{number}"

    def env(self):
        env = dict(os.environ)
        env["DISPLAY"] = self.name
        return env

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


def windows(display, pattern):
    r = subprocess.run(["xdotool", "search", "--name", pattern], env=display.env(),
                       capture_output=True, text=True)
    return r.stdout.split()


class Thunderbird:
    """One run of Thunderbird on a profile; its stdout (the POP3 log) goes to a file."""

    def __init__(self, display, profile, log_path, extra=()):
        self.display = display
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            ["thunderbird", "--profile", profile, "--no-remote", *extra], env=display.env(),
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.answered_at = None  # when the password prompt was last answered

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def answer_password_prompt(self):
        """Types the password into the prompt while it shows. Keys sent to a dialog still
        being built are lost on a loaded machine (the prompt then waits forever), so a
        prompt still open 5 s after the last answer is answered again, over what it holds."""
        found = windows(self.display, "Enter your password")
        if not found:
            return
        now = time.monotonic()
        if self.answered_at is not None and now - self.answered_at < 5:
            return
        env = self.display.env()
        for keys in (["key", "--window", found[0], "ctrl+a"],
                     ["type", "--window", found[0], "--delay", "30", "pw"],
                     ["key", "--window", found[0], "Return"]):
            subprocess.run(["xdotool", *keys], env=env, capture_output=True)
        self.answered_at = now

    def wait_session_end(self, timeout):
        """Waits until Thunderbird's POP3 session has sent QUIT."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                h.fail("thunderbird exited early:\n" + self.text()[-3000:])
            self.answer_password_prompt()
            if '"C: QUIT"' in self.text():
                return
            time.sleep(0.3)
        h.fail(f"no POP3 QUIT from thunderbird within {timeout}s:\n" + self.text()[-3000:])

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def inbox(profile):
    for root, _, files in os.walk(os.path.join(profile, "Mail")):
        if "Inbox" in files and "popstate.dat" in files:
            return os.path.join(root, "Inbox")
    return None


def inbox_messages(profile):
    path = inbox(profile)
    if path is None:
        return []
    return [email.message_from_bytes(m.as_bytes(), policy=email.policy.default)
            for m in mailbox.mbox(path)]


def picture_parts(message):
    return [p.get_content() for p in message.walk() if p.get_content_type() == "image/png"]


def colour_pixels(png_path):
    """How many pixels of the screenshot have the pictures' colour (ImageMagick)."""
    r = subprocess.run(["convert", png_path, "-fill", "black", "+opaque",
                        "rgb({},{},{})".format(*COLOUR), "-format", "%[fx:mean*w*h]", "info:"],
                       capture_output=True, text=True, check=True)
    # After painting every other colour black, the mean brightness times the area is
    # proportional to the coloured pixels; normalise by the colour's own brightness.
    brightness = sum(COLOUR) / (3 * 255)
    return float(r.stdout) / brightness


def main(binary):
    for tool in ("thunderbird", "Xvfb", "xdotool", "import", "convert"):
        if shutil.which(tool) is None:
            h.skip(f"{tool} is not installed (scripts/bootstrap installs it)")
    with h.TempDir() as work:
        site = os.path.join(work, "site")
        os.makedirs(site)
        server = h.FeedServer(site)
        images = {}
        for n in range(ENTRIES):
            server.write(f"a{n}.html", article(n))
            images[n] = solid_png(WIDTH, HEIGHT, COLOUR, n)
            with open(os.path.join(site, f"picture{n}.png"), "wb") as f:
                f.write(images[n])
        server.write("feed.xml", feed_xml(server))
        config = os.path.join(work, "feeds.yaml")
        spec = {"reads": {"url": server.url("feed.xml"), "content": "full", "images": "inline"}}
        with open(config, "w") as f:
            f.write(h.yaml_config(os.path.join(work, "data"), spec, {"alice": ("pw", "all")}))
        fp = h.Feedpop(binary, config).wait_ready()
        display = None
        runs = []
        try:
            h.wait_until(lambda: h.count(fp.plain_port, "alice", "pw") == ENTRIES, 30,
                         f"{ENTRIES} messages stored")
            listed = h.count(fp.plain_port, "alice", "pw")
            profile = os.path.join(work, "profile")
            os.makedirs(profile)
            with open(os.path.join(profile, "user.js"), "w") as f:
                f.write(user_js(fp.plain_port))
            display = Display()

            first = Thunderbird(display, profile, os.path.join(work, "tb1.log"))
            runs.append(first)
            first.wait_session_end(90)
            h.wait_until(lambda: len(inbox_messages(profile)) == listed, 20,
                         f"{listed} messages in Thunderbird's Inbox")
            first.stop()
            if first.text().count('"C: RETR ') != listed:
                h.fail("first start did not RETR every message:\n" + first.text()[-3000:])
            messages = inbox_messages(profile)
            served = set(images.values())
            for message in messages:
                body = message.get_body(("html",)).get_content()
                if "marmalade" not in body:
                    h.fail(f"{message['Subject']}: the article text is not in the HTML part")
                pictures = picture_parts(message)
                if len(pictures) != 1 or pictures[0] not in served:
                    h.fail(f"{message['Subject']}: the picture part is not the served image")
                if "cid:" not in body:
                    h.fail(f"{message['Subject']}: the HTML does not point at the picture part")

            shown = os.path.join(work, "article.eml")
            with open(shown, "wb") as f:
                f.write(messages[0].as_bytes())
            second = Thunderbird(display, profile, os.path.join(work, "tb2.log"),
                                 extra=("-file", shown))
            runs.append(second)
            second.wait_session_end(90)
            if '"C: RETR ' in second.text():
                h.fail("the second check downloaded again:\n" + second.text()[-3000:])
            if len(inbox_messages(profile)) != listed:
                h.fail("the second check changed the Inbox")
            # The message window has drawn its picture once the colour shows.
            shot = os.path.abspath("thunderbird-article.png")
            area = 0.0
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                subprocess.run(["import", "-window", "root", shot], env=display.env(),
                               check=True, capture_output=True)
                area = colour_pixels(shot)
                if area >= 0.5 * WIDTH * HEIGHT:
                    break
                time.sleep(1)
            if area < 0.5 * WIDTH * HEIGHT:
                h.fail(f"the screenshot {shot} does not show the article's picture "
                       f"({area:.0f} pixels of its colour)")
            print(f"ok: Thunderbird downloaded {listed} articles with their pictures, the second "
                  f"check retrieved nothing; screenshot {shot} ({area:.0f} picture pixels)")
        finally:
            for run in runs:
                run.stop()
            if display:
                display.close()
            fp.stop()
            server.close()


if __name__ == "__main__":
    main(sys.argv[1])

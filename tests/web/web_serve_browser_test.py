#!/usr/bin/env python3
"""The status page of the real `feedpop serve` in a real browser (issue 20): headless
Chromium driven by Selenium, against a config whose feeds live on a loopback HTTP server and
have been fetched. alice signs in and sees her feeds with their states (one ok, one failing
with its error in plain words), subscribes to a feed of her own with the page's form (the
code path of the mail commands), sees it fetched, pauses and resumes it, and fails to pause
it with a forged CSRF token. The admin sees every feed (alice's as alice/KEY) and user.
Screenshots at desktop and phone widths go to BUILD_DIR (not committed).
Exits 77 (skipped) without chromium, chromium-driver or python3-selenium.

usage: web_serve_browser_test.py FEEDPOP_BINARY BUILD_DIR"""
import os
import re
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import harness as h  # noqa: E402

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    import browser_support  # after selenium: it needs it
except ImportError:
    h.skip("python3-selenium not installed")

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
if not CHROMIUM or not DRIVER:
    h.skip("chromium and chromium-driver not installed")

BINARY = sys.argv[1]
OUT_DIR = sys.argv[2] if len(sys.argv) > 2 else tempfile.gettempdir()


class ServeBrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="feedpop-browser-")
        www = os.path.join(cls.work, "www")
        os.makedirs(www)
        cls.feeds = h.FeedServer(www)
        cls.feeds.write("blog.xml", h.rss("Blog", [(f"b{i}", f"Blog {i}", "x") for i in range(3)]))
        cls.feeds.write("mine.xml", h.rss("Mine", [(f"m{i}", f"Mine {i}", "y") for i in range(2)]))
        spec = {"blog": {"url": cls.feeds.url("blog.xml"), "initial": "all", "title": "The Blog"},
                "broken": {"url": cls.feeds.url("missing.xml"), "title": "Broken Feed"}}
        users = {"alice": ("alice-pw", ["blog", "broken"], {"may_subscribe": True}),
                 "root": ("root-pw", [], {"admin": True})}
        text = h.yaml_config(os.path.join(cls.work, "data"), spec, users)
        # alice's own feed is on loopback too.
        text = text.replace("fetch:\n", "fetch:\n  private_addresses: allow_for_users\n", 1)
        config = os.path.join(cls.work, "feeds.yaml")
        with open(config, "w") as f:
            f.write(text)
        cls.fp = h.Feedpop(BINARY, config).wait_ready()
        port = cls.fp.wait_log(r"status page at http://127\.0\.0\.1:(\d+)/").group(1)
        cls.base = f"http://127.0.0.1:{port}"
        h.wait_until(lambda: h.count(cls.fp.plain_port, "alice", "alice-pw") == 3, 20,
                     "the configured feed fetched into alice's mailbox")
        cls.profile = tempfile.TemporaryDirectory()
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", f"--user-data-dir={cls.profile.name}",
                    "--window-size=1280,900"]:
            opts.add_argument(arg)
        cls.driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
        cls.driver.set_page_load_timeout(30)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()
        cls.profile.cleanup()
        rc = cls.fp.stop()
        cls.feeds.close()
        shutil.rmtree(cls.work, ignore_errors=True)
        assert rc == 0, f"feedpop exited {rc}"

    def submit(self, button):
        browser_support.submit(self.driver, button)

    def sign_in(self, user, password):
        d = self.driver
        d.delete_all_cookies()
        d.get(self.base + "/")
        d.find_element(By.ID, "user").send_keys(user)
        d.find_element(By.ID, "password").send_keys(password)
        self.submit(d.find_element(By.CSS_SELECTOR, "form[action='/login'] button"))
        self.assertEqual(d.find_element(By.TAG_NAME, "h1").text, f"feedpop: {user}")

    def row(self, key, table="feeds"):
        return self.driver.find_element(By.CSS_SELECTOR, f"#{table} tr[data-feed='{key}']")

    def state(self, key, table="feeds"):
        return self.row(key, table).find_element(By.CSS_SELECTOR, ".state").text

    def button(self, key, action):
        return self.row(key).find_element(By.CSS_SELECTOR, f"button[value='{action}']")

    def notice(self):
        return self.driver.find_element(By.CSS_SELECTOR, ".notice").text

    def wait_for_state(self, key, want, timeout=20):
        def reloaded_state(_):
            self.driver.get(self.base + "/")
            return self.state(key) == want
        WebDriverWait(self.driver, timeout, poll_frequency=0.5).until(reloaded_state)

    def screenshot(self, name, width, height):
        browser_support.screenshot(self, self.driver, os.path.join(OUT_DIR, name), width, height)

    def subscribed(self):
        """alice's own feed, added once through the page's subscribe form."""
        if getattr(type(self), "mine", None):
            return
        self.sign_in("alice", "alice-pw")
        self.driver.find_element(By.ID, "url").send_keys(self.feeds.url("mine.xml"))
        self.submit(self.driver.find_element(By.CSS_SELECTOR, "form[action='/subscribe'] button"))
        self.assertIn("Subscribed to " + self.feeds.url("mine.xml"), self.notice())
        self.assertIn("as 'mine'", self.notice())
        self.wait_for_state("mine", "ok")  # the fetcher polls a new feed at once
        type(self).mine = True

    def test_1_configured_feeds_with_their_states(self):
        self.sign_in("alice", "alice-pw")
        self.assertEqual(self.state("blog"), "ok")
        self.assertEqual(self.state("broken"), "failing")
        error = self.row("broken").find_element(By.CSS_SELECTOR, "td[data-label='Last error']")
        self.assertIn("404", error.text)
        self.assertIn("3", self.row("blog").find_element(
            By.CSS_SELECTOR, "td[data-label='Delivered']").text)
        self.assertIn("3 messages waiting", self.driver.find_element(By.ID, "mailbox").text)
        # Configured feeds are not alice's to pause.
        self.assertEqual(len(self.row("blog").find_elements(By.TAG_NAME, "button")), 0)

    def test_2_subscribe_pause_and_resume_a_user_feed(self):
        self.subscribed()
        self.assertEqual(len(h.uidls(self.fp.plain_port, "alice", "alice-pw")), 5,
                         "mine's 2 entries next to blog's 3 in alice's mailbox")
        self.screenshot("serve-status-desktop.png", 1280, 900)
        self.screenshot("serve-status-phone.png", 390, 844)
        self.driver.set_window_size(1280, 900)
        self.submit(self.button("mine", "pause"))
        self.assertEqual(self.state("mine"), "paused")
        self.assertIn("Paused 'mine'", self.notice())
        self.submit(self.button("mine", "resume"))
        self.assertIn("Resumed 'mine'", self.notice())
        self.assertEqual(self.state("mine"), "ok")

    def test_3_forged_csrf_token_is_refused(self):
        self.subscribed()
        self.sign_in("alice", "alice-pw")
        form = self.button("mine", "pause").find_element(By.XPATH, "./..")
        token = form.find_element(By.NAME, "csrf")
        self.driver.execute_script("arguments[0].value = arguments[1]", token, "0" * 64)
        self.submit(self.button("mine", "pause"))
        self.assertEqual(self.driver.find_element(By.TAG_NAME, "h1").text, "Forbidden")
        self.driver.get(self.base + "/")
        self.assertEqual(self.state("mine"), "ok")

    def test_4_admin_sees_every_feed_and_user(self):
        self.subscribed()
        self.sign_in("root", "root-pw")
        keys = [r.get_attribute("data-feed") for r in self.driver.find_elements(
            By.CSS_SELECTOR, "#all-feeds-table tbody tr")]
        self.assertEqual(sorted(keys), ["alice/mine", "blog", "broken"])
        self.assertEqual(self.state("alice/mine", "all-feeds-table"), "ok")
        self.assertEqual(self.state("broken", "all-feeds-table"), "failing")
        users = [r.text for r in self.driver.find_elements(By.CSS_SELECTOR, "#users tbody tr")]
        self.assertEqual(len(users), 2)
        self.assertTrue(any(re.match(r"alice\s+user\s+3\b", u) for u in users), users)
        self.screenshot("serve-status-admin-desktop.png", 1280, 900)
        self.screenshot("serve-status-admin-phone.png", 390, 844)
        self.driver.set_window_size(1280, 900)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)

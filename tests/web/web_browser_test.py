#!/usr/bin/env python3
"""The status page in a real browser (issue 20): headless Chromium driven by Selenium signs
in, sees the feeds with their states, pauses and resumes a user feed, and fails with a
forged CSRF token. Screenshots at desktop and phone widths go to BUILD_DIR (not committed).
Exits 77 (skipped) without chromium, chromium-driver or python3-selenium.

usage: web_browser_test.py WEB_TEST_SERVER BUILD_DIR"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SKIP = 77
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    import browser_support  # after selenium: it needs it
except ImportError:
    print("SKIP: python3-selenium not installed")
    sys.exit(SKIP)

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")
if not CHROMIUM or not DRIVER:
    print("SKIP: chromium and chromium-driver not installed")
    sys.exit(SKIP)

SERVER = sys.argv[1]
OUT_DIR = sys.argv[2] if len(sys.argv) > 2 else tempfile.gettempdir()


class BrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc = subprocess.Popen([SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    text=True)
        kind, port = cls.proc.stdout.readline().split()
        cls.base = f"http://127.0.0.1:{port}"
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
        cls.proc.stdin.close()
        cls.proc.wait(timeout=15)
        cls.proc.stdout.close()
        cls.profile.cleanup()

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

    def state(self, key):
        return self.driver.find_element(
            By.CSS_SELECTOR, f"#feeds tr[data-feed='{key}'] .state").text

    def button(self, key, action):
        return self.driver.find_element(
            By.CSS_SELECTOR, f"#feeds tr[data-feed='{key}'] button[value='{action}']")

    def screenshot(self, name, width, height):
        browser_support.screenshot(self, self.driver, os.path.join(OUT_DIR, name), width, height)

    def test_1_user_sees_feeds_and_pauses_and_resumes(self):
        self.sign_in("alice", "alice-pass")
        self.assertEqual(self.state("alice-blog"), "ok")
        self.assertEqual(self.state("lwn"), "ok")
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "tr[data-feed='broken']")), 0)
        self.screenshot("status-desktop.png", 1280, 900)
        self.screenshot("status-phone.png", 390, 844)
        self.driver.set_window_size(1280, 900)
        self.submit(self.button("alice-blog", "pause"))
        self.assertEqual(self.state("alice-blog"), "paused")
        self.assertIn("Paused alice-blog.", self.driver.find_element(By.CSS_SELECTOR, ".notice").text)
        self.submit(self.button("alice-blog", "resume"))
        self.assertEqual(self.state("alice-blog"), "ok")
        # Configured feeds have no buttons.
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "tr[data-feed='lwn'] button")), 0)

    def test_2_forged_csrf_token_is_refused(self):
        self.sign_in("alice", "alice-pass")
        form = self.button("alice-blog", "pause").find_element(By.XPATH, "./..")
        token = form.find_element(By.NAME, "csrf")
        self.driver.execute_script("arguments[0].value = arguments[1]", token, "0" * 64)
        self.submit(self.button("alice-blog", "pause"))
        self.assertEqual(self.driver.find_element(By.TAG_NAME, "h1").text, "Forbidden")
        self.driver.get(self.base + "/")
        self.assertEqual(self.state("alice-blog"), "ok")

    def test_3_admin_sees_every_feed_and_user(self):
        self.sign_in("admin", "admin-pass")
        rows = self.driver.find_elements(By.CSS_SELECTOR, "#all-feeds-table tbody tr")
        self.assertEqual(len(rows), 3)
        self.assertIn("failing", self.driver.find_element(
            By.CSS_SELECTOR, "#all-feeds-table tr[data-feed='broken'] .state").text)
        self.assertEqual(len(self.driver.find_elements(By.CSS_SELECTOR, "#users tbody tr")), 2)
        self.screenshot("status-admin-desktop.png", 1280, 900)
        self.screenshot("status-admin-phone.png", 390, 844)
        self.driver.set_window_size(1280, 900)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)

"""What both browser tests share: a screenshot at a window size, after checking that the
page does not scroll sideways at that width (the status page is responsive)."""
import os

from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

OVERFLOW_JS = "return document.documentElement.scrollWidth - window.innerWidth"


def screenshot(test, driver, path, width, height):
    """Resizes the window, asserts no horizontal overflow, saves a screenshot at path."""
    driver.set_window_size(width, height)
    # The layout follows the resize asynchronously: a loaded machine may still show the
    # old width for a moment. Waits for no overflow, then asserts (a real overflow fails).
    try:
        WebDriverWait(driver, 10).until(lambda d: d.execute_script(OVERFLOW_JS) <= 0)
    except TimeoutException:
        pass
    overflow = driver.execute_script(OVERFLOW_JS)
    test.assertLessEqual(overflow, 0, f"horizontal scrolling at {width}px")
    test.assertTrue(driver.save_screenshot(path))
    test.assertGreater(os.path.getsize(path), 1000)
    print(f"screenshot: {path}", flush=True)


def submit(driver, button):
    """Clicks a submit button and waits until the next page has replaced this one and loaded.

    A marker on the old page's window object tells the pages apart: a new document has a
    new window object. (Selenium's staleness_of can fail mid-navigation with "Node with
    given id does not belong to the document" instead of reporting the node stale.)"""
    driver.execute_script("window.feedpopOldPage = true")
    button.click()

    def replaced(d):
        return d.execute_script(
            "return window.feedpopOldPage === undefined && document.readyState === 'complete'")
    WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,)).until(replaced)

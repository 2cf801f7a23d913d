"""The sample briefing's story page in a real browser (Chromium through chromedriver): its
landmarks and headings, and screenshots at phone and desktop widths.

The screenshots go to a temporary folder, or to the folder `SITEGEN_SCREENSHOTS` names:
`SITEGEN_SCREENSHOTS=docs/screenshots python -m pytest tests/test_story_browser.py` makes
the ones in docs/screenshots/."""

from __future__ import annotations

import os
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path

import pytest
from siteutil import REPO

import sitegen

selenium = pytest.importorskip("selenium")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip(
        "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The sample briefing built for a loopback server, and that server's address."""
    root = tmp_path_factory.mktemp("story-browser")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root / "out")))
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    site = root / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copytree(REPO / "static", site / "static")
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    sitegen.build(site, root / "out", base_url=base, use_cache=False, jobs=1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--hide-scrollbars",
                 "--force-device-scale-factor=1"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def test_story_page_has_landmarks_and_an_outline(browser, served):
    browser.get(served + "stories/red-sea-shipping/")
    for tag in ("header", "nav", "main", "footer"):
        assert browser.find_elements(By.TAG_NAME, tag), f"no <{tag}>"
    assert len(browser.find_elements(By.TAG_NAME, "main")) == 1
    h1 = browser.find_elements(By.TAG_NAME, "h1")
    assert [h.text for h in h1] == ["Red Sea shipping"]
    h2 = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "main h2")]
    assert h2 == ["LATEST DEVELOPMENT", "BACKGROUND", "TIMELINE"]  # shown in capitals by the CSS
    # Headings never skip a level: h1 > h2 > h3 (month) > h4 (day) > h5 (entry).
    levels = browser.execute_script(
        "return [...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5')]"
        ".map(h => Number(h.tagName[1]));"
    )
    assert all(b - a <= 1 for a, b in pairwise(levels)), levels
    days = [h.text for h in browser.find_elements(By.CSS_SELECTOR, ".story-day")]
    assert days == ["16 DECEMBER 2024", "20 JANUARY 2025", "12 MAY 2025"]
    chart = browser.find_element(By.CSS_SELECTOR, ".story-chart svg")
    assert chart.get_attribute("role") == "img" and "Articles per week" in chart.get_attribute("aria-label")


@pytest.mark.parametrize("width", [375, 1280])
def test_story_page_screenshots_fit_the_width(browser, served, width, tmp_path):
    browser.set_window_size(width, 900)
    browser.get(served + "stories/red-sea-shipping/")
    # Nothing is wider than the window: no sideways scrolling on a phone.
    scroll_width = browser.execute_script("return document.documentElement.scrollWidth;")
    inner_width = browser.execute_script("return window.innerWidth;")
    assert scroll_width <= inner_width
    height = browser.execute_script("return document.documentElement.scrollHeight;")
    browser.set_window_size(width, min(height + 120, 4000))
    folder = Path(os.environ.get("SITEGEN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(folder / f"story-{width}.png"))

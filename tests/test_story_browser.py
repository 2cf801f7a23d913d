"""The sample briefing's story page in a real browser (Chromium through chromedriver): its
landmarks and headings, and screenshots at phone and desktop widths.

The screenshots go to a temporary folder, or to the folder `SITEGEN_SCREENSHOTS` names:
`SITEGEN_SCREENSHOTS=docs/screenshots python -m pytest tests/test_story_browser.py` makes
the ones in docs/screenshots/."""

from __future__ import annotations

import os
from itertools import pairwise
from pathlib import Path

import pytest
from browserutil import sample_site_served, skip_without_chromium, start_chromium

skip_without_chromium()
from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The sample briefing built for a loopback server, and that server's address."""
    with sample_site_served(tmp_path_factory.mktemp("story-browser")) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium("--hide-scrollbars", "--force-device-scale-factor=1")
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

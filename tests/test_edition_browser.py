"""The sample briefing's editions in a real browser (Chromium through chromedriver): the
edition page, and its email.html at a phone's width (375 px) and at the 600 px of a mail
client's reading pane, in light and dark mode, with screenshots.

The screenshots go to a temporary folder, or to the folder `SITEGEN_SCREENSHOTS` names:
`SITEGEN_SCREENSHOTS=docs/screenshots python -m pytest tests/test_edition_browser.py` makes
the ones in docs/screenshots/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from browserutil import sample_site_served, skip_without_chromium, start_chromium

pytest.importorskip("selenium")
skip_without_chromium()
from selenium.webdriver.common.by import By  # noqa: E402

EDITION = "editions/2024-12-16-monday-brief/"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The sample briefing built for a loopback server, and that server's address."""
    with sample_site_served(tmp_path_factory.mktemp("edition-browser")) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium()
    yield driver
    driver.quit()


def _screenshot(browser, width: int, name: str, tmp_path: Path) -> None:
    height = browser.execute_script("return document.documentElement.scrollHeight;")
    browser.set_window_size(width, min(height + 140, 5000))
    folder = Path(os.environ.get("SITEGEN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(folder / name))


def _fits(browser) -> None:
    """Nothing is wider than the window: no sideways scrolling."""
    scroll_width = browser.execute_script("return document.documentElement.scrollWidth;")
    inner_width = browser.execute_script("return window.innerWidth;")
    assert scroll_width <= inner_width


def _dark(browser, on: bool) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark" if on else "light"}]},
    )


@pytest.mark.parametrize("width", [375, 1280])
def test_edition_page(browser, served, width, tmp_path):
    _dark(browser, False)
    browser.set_window_size(width, 900)
    browser.get(served + EDITION)
    assert [h.text for h in browser.find_elements(By.TAG_NAME, "h1")] == [
        "Monday morning brief: shipping lanes under strain"
    ]
    assert len(browser.find_elements(By.CSS_SELECTOR, ".edition-item")) == 5
    _fits(browser)
    _screenshot(browser, width, f"edition-{width}.png", tmp_path)


@pytest.mark.parametrize("width", [375, 600])
def test_email_fits_a_phone_and_a_reading_pane(browser, served, width, tmp_path):
    _dark(browser, False)
    browser.set_window_size(width, 900)
    browser.get(served + EDITION + "email.html")
    _fits(browser)
    sheet = browser.find_element(By.CSS_SELECTOR, "table.sheet")
    assert sheet.size["width"] <= min(width, 600)
    items = browser.find_elements(By.CSS_SELECTOR, ".item-title a")
    assert len(items) == 5 and all(item.is_displayed() for item in items)
    _screenshot(browser, width, f"email-{width}.png", tmp_path)


def test_email_in_dark_mode(browser, served, tmp_path):
    browser.set_window_size(600, 900)
    browser.get(served + EDITION + "email.html")
    _dark(browser, False)
    light = browser.find_element(By.CSS_SELECTOR, "table.sheet").value_of_css_property("background-color")
    _dark(browser, True)
    dark = browser.find_element(By.CSS_SELECTOR, "table.sheet").value_of_css_property("background-color")
    assert light == "rgba(255, 255, 255, 1)" and dark == "rgba(27, 28, 31, 1)"
    _screenshot(browser, 600, "email-600-dark.png", tmp_path)
    _dark(browser, False)

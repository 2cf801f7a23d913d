"""Debian's Chromium, headless, driven by Selenium through chromedriver: shared by the browser tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def skip_without_chromium() -> None:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        # CI installs both (.ci/run); say so loudly rather than pass silently elsewhere.
        pytest.skip(
            "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
            allow_module_level=True,
        )


def start_chromium():
    """A headless Chromium, as a Selenium driver (quit() it when done)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,800",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def until(browser, condition, message: str, timeout: float = 60):
    """Wait for the condition (a function of nothing); an element that a reload replaced
    while the condition looked at it is no error: the condition is asked again on the new
    page. Raises selenium's TimeoutException after `timeout` seconds."""
    from selenium.common.exceptions import (
        JavascriptException,
        NoSuchElementException,
        StaleElementReferenceException,
    )
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(
        browser,
        timeout,
        poll_frequency=0.05,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException, JavascriptException),
    )
    return wait.until(lambda _: condition(), message)

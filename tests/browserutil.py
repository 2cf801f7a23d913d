"""Debian's Chromium, headless, driven by Selenium through chromedriver, and the sample
briefing served on loopback: shared by the browser tests."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from siteutil import REPO

import sitegen

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def skip_without_chromium() -> None:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        # CI installs both (.ci/run); say so loudly rather than pass silently elsewhere.
        pytest.skip(
            "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)",
            allow_module_level=True,
        )


def start_chromium(*flags: str):
    """A headless Chromium, as a Selenium driver (quit() it when done), with any more
    command-line `flags`."""
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
        *flags,
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


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def sample_site_served(root: Path, site_yaml: str | None = None) -> Iterator[str]:
    """The sample briefing (this repository's content/, static/ and site.yaml, or `site_yaml`
    in its place) built into root/out for a static HTTP server on loopback, which serves it;
    yields its address."""
    out = root / "out"
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(out)))
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    site = root / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copytree(REPO / "static", site / "static")
    if site_yaml is None:
        shutil.copy(REPO / "site.yaml", site / "site.yaml")
    else:
        (site / "site.yaml").write_text(site_yaml, encoding="utf-8")
    sitegen.build(site, out, base_url=base, use_cache=False, jobs=1)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join()
        server.server_close()

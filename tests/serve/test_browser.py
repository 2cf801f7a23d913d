"""The live preview in a real browser: Debian's Chromium driven by Selenium through chromedriver."""

from __future__ import annotations

from pathlib import Path

import pytest
from browserutil import skip_without_chromium, start_chromium, until
from liveutil import write_article

selenium = pytest.importorskip("selenium")
from selenium.webdriver.common.by import By  # noqa: E402

skip_without_chromium()


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium()
    yield driver
    driver.quit()


def mark_page(browser) -> None:
    """A marker that survives only as long as this document: a reload or navigation drops it."""
    browser.execute_script("window.__sitegenTestMarker = 'same document';")


def same_document(browser) -> bool:
    return browser.execute_script("return window.__sitegenTestMarker === 'same document';")


def wait_until_connected(browser) -> None:
    """Until the page's own reload script has heard from the server (its 'hello' event)."""
    until(
        browser,
        lambda: browser.execute_script("return !!(window.__sitegenLive && window.__sitegenLive.connected);"),
        "the page never connected to the reload channel",
    )


def test_saving_an_article_updates_the_open_page(browser, preview, site: Path):
    browser.get(preview.url + "articles/port-strike/")
    assert "Dockworkers voted" in browser.find_element(By.TAG_NAME, "main").text
    wait_until_connected(browser)
    write_article(
        site, "port-strike", "Port strike ends", "Ratification vote passes with a clear majority.\n"
    )
    until(
        browser,
        lambda: "Ratification vote passes" in browser.find_element(By.TAG_NAME, "main").text,
        f"the page did not show the saved text (builds so far: {preview.reports})",
    )
    assert browser.current_url == preview.url + "articles/port-strike/"


def test_broken_front_matter_shows_an_overlay_until_fixed(browser, preview, site: Path):
    browser.get(preview.url + "articles/port-strike/")
    wait_until_connected(browser)
    path = site / "content" / "2024" / "12" / "port-strike.md"
    path.write_text("---\ntitle: Port strike ends\ndate: 2024-13-45\nsource: Meridian Wire\n---\nBody\n")
    overlay = until(
        browser, lambda: browser.find_elements(By.ID, "sitegen-error-overlay"), "no error overlay appeared"
    )[0]
    until(browser, lambda: "content/2024/12/port-strike.md:3" in overlay.text, "overlay lacks file:line")
    assert "is not a valid date" in overlay.text
    # The last good page is still underneath.
    assert "Port strike ends" in browser.find_element(By.TAG_NAME, "h1").text
    write_article(site, "port-strike", "Port strike ends, deal signed", "Fixed and saved.\n")
    until(
        browser,
        lambda: (
            not browser.find_elements(By.ID, "sitegen-error-overlay")
            and "deal signed" in browser.find_element(By.TAG_NAME, "h1").text
        ),
        "the overlay did not go away, or the page did not update",
    )


@pytest.mark.parametrize(
    ("folder", "link"),
    [
        ("static", "url"),  # the site's own file, linked by its name
        ("themes/default/static", "asset"),  # a theme asset: the preview keeps its name
    ],
)
def test_css_change_is_applied_without_reloading(browser, start_preview, site: Path, folder, link):
    css = site / folder / "css" / "extra.css"
    css.parent.mkdir(parents=True)
    css.write_text("h1 { color: rgb(1, 2, 3); }\n")
    override = site / "themes" / "default" / "templates"
    override.mkdir(parents=True)
    (override / "base.html").write_text(
        '{% extends "default/base.html" %}\n'
        "{% block head %}<link rel='stylesheet' href='{{ " + link + '("css/extra.css") }}\'>{% endblock %}\n'
    )
    preview = start_preview()
    browser.get(preview.url)
    wait_until_connected(browser)

    def h1_color():
        return browser.execute_script("return getComputedStyle(document.querySelector('h1')).color;")

    until(browser, lambda: h1_color() == "rgb(1, 2, 3)", "the extra stylesheet did not apply")
    mark_page(browser)
    css.write_text("h1 { color: rgb(200, 30, 40); }\n")
    until(browser, lambda: h1_color() == "rgb(200, 30, 40)", "the new style was not applied")
    assert same_document(browser), "the page was reloaded instead of swapping the stylesheet"


def test_reload_keeps_the_scroll_position(browser, start_preview, site: Path):
    long_body = "\n\n".join(f"Paragraph {i} of a long briefing." for i in range(200)) + "\n"
    write_article(site, "port-strike", "Port strike ends", long_body)
    preview = start_preview()
    browser.get(preview.url + "articles/port-strike/")
    wait_until_connected(browser)
    browser.execute_script("window.scrollTo(0, 2500);")
    until(browser, lambda: browser.execute_script("return window.scrollY") == 2500, "could not scroll")
    mark_page(browser)
    write_article(site, "port-strike", "Port strike ends", long_body + "\nOne more line at the end.\n")
    until(browser, lambda: not same_document(browser), "the page did not reload")
    until(
        browser,
        lambda: "One more line at the end." in browser.find_element(By.TAG_NAME, "main").text,
        "the reloaded page lacks the new text",
    )
    until(
        browser,
        lambda: abs(browser.execute_script("return window.scrollY") - 2500) < 5,
        "the scroll position was not kept",
    )

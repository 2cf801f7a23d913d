"""Search in a real browser: a site built under a base path with a path, served by a plain
static HTTP server on loopback (no server of sitegen's), and the preview re-indexing after
an edit. Debian's Chromium driven by Selenium through chromedriver."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from browserutil import skip_without_chromium, start_chromium, until
from liveutil import write_article

from sitegen.cli import main

selenium = pytest.importorskip("selenium")
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

skip_without_chromium()

ARTICLES = {
    "2024/10/port-strike-ends.md": (
        "Port strike ends",
        "2024-10-11T16:20:00+02:00",
        "Meridian Wire",
        "Europe",
        "[shipping, labour]",
        "Dockworkers voted on Friday to accept a new contract after a quetzalcoatl of a dispute.",
    ),
    "2024/10/cable-damaged.md": (
        "Undersea cable damaged",
        "2024-10-12T09:00:00+00:00",
        "Harbour Broadcasting",
        "East Asia",
        "[telecoms]",
        "The operator said repairs under its maintenance contract would take weeks.",
    ),
    "2024/10/grain-deal.md": (
        "Grain corridor deal signed",
        "2024-10-13T09:00:00+00:00",
        "The Northern Ledger",
        "Europe",
        "[shipping, grain]",
        "Shippers welcomed the contract, which reopens the corridor.",
    ),
}


def write_briefing(site: Path, search: bool = True) -> Path:
    (site / "content").mkdir(parents=True, exist_ok=True)
    (site / "site.yaml").write_text(
        'title: "Search Test"\nbase_url: "https://example.org/briefings/"\n'
        + ("" if search else "search: false\n"),
        encoding="utf-8",
    )
    for relative, (title, date, source, region, tags, body) in ARTICLES.items():
        path = site / "content" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f'---\ntitle: "{title}"\ndate: {date}\nsource: "{source}"\nregion: {region}\n'
            f"tags: {tags}\n---\n\n{body}\n",
            encoding="utf-8",
        )
    return site


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium()
    yield driver
    driver.quit()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def hosted(tmp_path_factory) -> str:
    """The briefing built with base_url https://example.org/briefings/ into www/briefings/,
    served as static files from www/ on a loopback port: the URL of its home page."""
    root = tmp_path_factory.mktemp("search-site")
    site = write_briefing(root / "site")
    www = root / "www"
    assert main(["build", "--site", str(site), "--output", str(www / "briefings"), "--quiet"]) == 0
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(www))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/briefings/"
    server.shutdown()
    server.server_close()


def results(browser) -> list[dict[str, str]]:
    """The results shown: each one's title, link, date, source and excerpt (its HTML)."""
    return browser.execute_script(
        """return [...document.querySelectorAll('.search-result')].map((r) => ({
            title: r.querySelector('h2 a').textContent,
            href: r.querySelector('h2 a').href,
            date: r.querySelector('.date').textContent,
            source: r.querySelector('.source').textContent,
            excerpt: r.querySelector('.excerpt').innerHTML,
        }));"""
    )


def searched(browser) -> bool:
    """Has the page's search finished (found something or nothing)?"""
    status = browser.find_element(By.CSS_SELECTOR, ".search-status").text
    return "found" in status or "No article matches" in status


def unavailable(browser) -> bool:
    """Did the page's search fail (its index could not be loaded)?"""
    return "not available" in browser.find_element(By.CSS_SELECTOR, ".search-status").text


def search_for(browser, word: str) -> None:
    box = until(browser, lambda: browser.find_element(By.ID, "search-q"), "no search box")
    box.clear()
    box.send_keys(word)


def test_a_word_of_one_article_shows_that_article_first_with_its_date_source_and_excerpt(browser, hosted):
    browser.get(hosted + "search/")
    search_for(browser, "quetzalcoatl")
    until(browser, lambda: results(browser), "no result for a word of one article's body")
    first = results(browser)[0]
    assert first["title"] == "Port strike ends"
    assert first["href"] == hosted + "articles/port-strike-ends/"  # under the base path
    assert first["date"] == "11 October 2024"
    assert first["source"] == "Meridian Wire"
    assert "<mark>quetzalcoatl</mark>" in first["excerpt"]
    browser.find_element(By.CSS_SELECTOR, ".search-result h2 a").click()
    until(browser, lambda: browser.current_url == hosted + "articles/port-strike-ends/", "link not followed")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Port strike ends"


def test_filtering_by_tag_region_and_source_narrows_the_results(browser, hosted):
    browser.get(hosted + "search/")
    search_for(browser, "contract")
    until(browser, lambda: len(results(browser)) == 3, "'contract' is in three articles")
    browser.find_element(By.CSS_SELECTOR, ".search-filters summary").click()  # loads their values
    tags = Select(browser.find_element(By.CSS_SELECTOR, "select[name=tags]"))
    until(browser, lambda: len(tags.options) > 1, "the tag filter has no values")
    tags.select_by_value("shipping")
    until(
        browser,
        lambda: (
            sorted(r["title"] for r in results(browser)) == ["Grain corridor deal signed", "Port strike ends"]
        ),
        "the tag filter did not narrow the results",
    )
    Select(browser.find_element(By.CSS_SELECTOR, "select[name=sources]")).select_by_value(
        "The Northern Ledger"
    )
    until(
        browser,
        lambda: [r["title"] for r in results(browser)] == ["Grain corridor deal signed"],
        "the source filter did not narrow the results further",
    )
    tags.select_by_value("")
    Select(browser.find_element(By.CSS_SELECTOR, "select[name=sources]")).select_by_value("")
    Select(browser.find_element(By.CSS_SELECTOR, "select[name=regions]")).select_by_value("East Asia")
    until(
        browser,
        lambda: [r["title"] for r in results(browser)] == ["Undersea cable damaged"],
        "the region filter did not narrow the results",
    )
    assert "regions=East+Asia" in browser.current_url  # the search can be shared or reloaded


def test_the_masthead_links_to_the_search_page_and_its_box_opens_it(browser, hosted):
    browser.get(hosted + "articles/cable-damaged/")
    link = browser.find_element(By.CSS_SELECTOR, ".site-nav a[href$='search/']")
    assert link.get_attribute("href") == hosted + "search/"
    # The masthead's box is a plain form: no script on this page (but structured data, JSON-LD,
    # which is data, never run).
    scripts = "return [...document.scripts].filter(s => s.type !== 'application/ld+json').length"
    assert browser.execute_script(scripts) == 0
    box = browser.find_element(By.CSS_SELECTOR, ".site-search input[name=q]")
    box.send_keys("quetzalcoatl")
    box.submit()
    until(browser, lambda: browser.current_url.startswith(hosted + "search/?q=quetzalcoatl"), "not opened")
    until(browser, lambda: [r["title"] for r in results(browser)][:1] == ["Port strike ends"], "no result")
    link = browser.find_element(By.CSS_SELECTOR, ".site-nav a[href$='search/']")
    assert link.get_attribute("aria-current") == "page"


def test_only_the_article_is_indexed_not_the_navigation(browser, hosted):
    browser.get(hosted + "search/")
    search_for(browser, "Timeline")  # in every page's navigation, in no article
    until(
        browser,
        lambda: "No article matches" in browser.find_element(By.CSS_SELECTOR, ".search-status").text,
        "the navigation was indexed",
    )


def test_the_preview_indexes_again_after_an_edit(browser, tmp_path: Path):
    from sitegen.serve import Preview

    site = write_briefing(tmp_path / "site")
    preview = Preview(site, port=0)
    preview.start()
    try:
        until(browser, lambda: not preview.indexing(), "the first index was never made")
        write_article(site, "new-story", "Ferry service resumes", "Passengers cheered the xylophonist.\n")

        def found() -> bool:
            # The page's index is the one it loaded: ask a freshly loaded page each time. A
            # page loaded while the background indexer swapped the index in says the search
            # is not available: ask again. Each try is short, so that there are many.
            browser.get(preview.url + "search/?q=" + quote("xylophonist"))
            try:
                until(browser, lambda: searched(browser) or unavailable(browser), "no answer", 5)
            except TimeoutException:
                return False
            return [r["title"] for r in results(browser)] == ["Ferry service resumes"]

        until(browser, found, "the preview's search never found the new article")
    finally:
        preview.stop()

"""The default theme in a real browser (headless Chromium through chromedriver): axe-core finds
no serious or critical accessibility problem on any kind of page, in light and dark mode; on
a 390 px phone the navigation takes one line, opens without a script, and the page's heading
has room under the masthead; on a desktop (1280 and 1024 px) the masthead is two lines, the
title with the search box and then every section, and more sections wrap rather than
overflow. Screenshots of the home page and an article at 390 px, of the home page at 1280 px.

The screenshots go to a temporary folder, or to the folder `SITEGEN_SCREENSHOTS` names:
`SITEGEN_SCREENSHOTS=docs/screenshots python -m pytest tests/test_accessibility_browser.py`
makes the ones in docs/screenshots/."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from browserutil import sample_site_served, skip_without_chromium, start_chromium
from siteutil import REPO

pytest.importorskip("selenium")
axe_selenium_python = pytest.importorskip("axe_selenium_python")
skip_without_chromium()

from selenium.webdriver.common.by import By  # noqa: E402

# axe-core as axe-selenium-python ships it; loaded into each page by the test itself.
AXE_JS = Path(axe_selenium_python.__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE = 390

# One page of every kind the theme renders, in the sample briefing.
PAGES = {
    "home": "",
    "home, page 2": "page/2/",
    "article": "articles/slovenia-snap-election-coalition/",
    "article in a story": "articles/red-sea-war-risk-premiums-fall/",
    "tag": "tags/shipping/",
    "tags": "tags/",
    "region": "regions/europe/",
    "regions": "regions/",
    "source": "sources/meridian-wire/",
    "sources": "sources/",
    "timeline": "timeline/",
    "year": "timeline/2024/",
    "month": "timeline/2024/12/",
    "story": "stories/red-sea-shipping/",
    "stories": "stories/",
    "edition": "editions/2024-12-16-monday-brief/",
    "editions": "editions/",
    "search": "search/",
    "not found": "404.html",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The sample briefing (with its search index) served on loopback; its address."""
    root = tmp_path_factory.mktemp("a11y")
    with sample_site_served(root) as base:
        for path in PAGES.values():
            assert (root / "out" / (path or "index.html")).exists() or (
                root / "out" / path / "index.html"
            ).exists(), path
        yield base


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium()
    yield driver
    driver.quit()


def emulate(driver, width: int, scheme: str) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": width,
            "height": 844 if width == PHONE else 900,
            "deviceScaleFactor": 1,
            "mobile": width == PHONE,
        },
    )
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}
    )


def on_screen(driver, element) -> bool:
    """Is the element drawn where a reader sees it (the topmost thing at its centre)? Not
    Selenium's is_displayed(), which counts what is in a closed <details> as hidden even
    where the page shows it (::details-content)."""
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "if (!r.width || !r.height) return false;"
        "const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);"
        "return hit !== null && arguments[0].contains(hit);",
        element,
    )


def axe_problems(driver) -> list[dict]:
    """axe-core's serious and critical violations on the page loaded, each with the
    elements it found them on."""
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then((r) => done(JSON.stringify(r.violations)),"
        " (e) => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}])));"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "on": [n["target"] for n in v["nodes"]][:5]}
        for v in json.loads(result)
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1200, PHONE])
def test_no_serious_accessibility_problem_on_any_kind_of_page(served, browser, scheme, width):
    browser.set_script_timeout(60)
    emulate(browser, width, scheme)
    found = {}
    for kind, path in PAGES.items():
        browser.get(served + path)
        assert browser.execute_script("return matchMedia('(prefers-color-scheme: dark)').matches") == (
            scheme == "dark"
        )
        problems = axe_problems(browser)
        if problems:
            found[kind] = problems
    assert found == {}, json.dumps(found, indent=1)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_open_phone_menu_has_no_serious_accessibility_problem(served, browser, scheme):
    browser.set_script_timeout(60)
    emulate(browser, PHONE, scheme)
    browser.get(served)
    browser.find_element(By.CSS_SELECTOR, ".site-menu-button").click()
    assert axe_problems(browser) == []


def test_on_a_phone_the_masthead_is_one_line_and_the_menu_opens_without_a_script(served, browser):
    emulate(browser, PHONE, "light")
    browser.get(served + "articles/slovenia-snap-election-coalition/")
    assert (
        browser.execute_script("return document.documentElement.scrollWidth") <= PHONE
    )  # no sideways scroll
    title = browser.find_element(By.CSS_SELECTOR, ".site-title").rect
    button = browser.find_element(By.CSS_SELECTOR, ".site-menu-button")
    masthead = browser.find_element(By.CSS_SELECTOR, ".masthead").rect
    # The title and the menu's button share one line, and nothing else is in the masthead.
    assert abs((title["y"] + title["height"] / 2) - (button.rect["y"] + button.rect["height"] / 2)) < 8
    assert masthead["height"] < 80
    links = browser.find_elements(By.CSS_SELECTOR, ".site-nav a")
    assert links and not any(on_screen(browser, link) for link in links)
    # The heading has room under the masthead.
    heading = browser.find_element(By.CSS_SELECTOR, "h1").rect
    kicker = browser.find_element(By.CSS_SELECTOR, ".article-header .kicker").rect
    assert kicker["y"] - (masthead["y"] + masthead["height"]) >= 24
    assert heading["y"] > kicker["y"]
    # A <details>: it opens with no script (scripts are none on this page), and every section shows.
    # (JSON-LD is data, never run: not counted.)
    scripts = "return [...document.scripts].filter((s) => s.type !== 'application/ld+json').length"
    assert browser.execute_script(scripts) == 0
    button.click()
    assert all(on_screen(browser, link) for link in links)
    assert {link.text.lower() for link in links} >= {"latest", "stories", "timeline", "tags", "search"}
    for link in links:  # each a comfortable target for a thumb
        assert link.rect["height"] >= 24


def test_on_a_wide_screen_the_sections_show_without_the_menu_button(served, browser):
    emulate(browser, 1200, "light")
    browser.get(served)
    links = browser.find_elements(By.CSS_SELECTOR, ".site-nav a")
    assert links and all(on_screen(browser, link) for link in links)
    assert not on_screen(browser, browser.find_element(By.CSS_SELECTOR, ".site-menu-button"))
    tops = {round(link.rect["y"]) for link in links}
    assert len(tops) == 1  # one line


# The masthead on a desktop: the title and the search box on one line, every section on the
# next, and no taller than this (the sample's is 108 px: 16 + 37 + 10 + 42 + 3 for its
# padding, search box, gap, sections' line and rule).
MASTHEAD_MAX = 120
SIX_TAXONOMIES = "  organisations: {title: Organisations, singular: Organisation}\n"


def masthead_layout(driver) -> dict:
    """Where the masthead's parts are: its height, the nav links' offsetTops, the boxes of
    the title, the search form and each link, the page's and the window's widths."""
    return driver.execute_script(
        "const box = (e) => { const r = e.getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };"
        "const links = [...document.querySelectorAll('.masthead .site-nav a')];"
        "const form = document.querySelector('.masthead .site-search');"
        "return {height: document.querySelector('.masthead').getBoundingClientRect().height,"
        " tops: links.map((a) => a.offsetTop), links: links.map(box),"
        " title: box(document.querySelector('.site-title')), form: form && box(form),"
        " scroll: document.documentElement.scrollWidth, window: window.innerWidth};"
    )


def overlapping(boxes: list[dict]) -> list[tuple[int, int]]:
    """The pairs of boxes (by their numbers) that overlap."""
    across = lambda a, b: a["left"] < b["right"] and b["left"] < a["right"]  # noqa: E731
    down = lambda a, b: a["top"] < b["bottom"] and b["top"] < a["bottom"]  # noqa: E731
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes[i + 1 :], i + 1)
        if across(a, b) and down(a, b)
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 1024])
@pytest.mark.parametrize("kind", ["home", "article"])
def test_on_a_desktop_the_masthead_takes_two_lines(served, browser, width, scheme, kind):
    """The sample briefing (seven sections and search): the title and the search box on the
    first line, every section on the second, nothing overlapping, no sideways scroll."""
    emulate(browser, width, scheme)
    browser.get(served + PAGES[kind])
    layout = masthead_layout(browser)
    assert len(layout["tops"]) == 9 and len(set(layout["tops"])) == 1, layout["tops"]  # one row
    nav_top = min(link["top"] for link in layout["links"])
    assert layout["form"]["bottom"] <= nav_top  # the search box is not below the sections
    assert layout["form"]["top"] < layout["title"]["bottom"]  # but beside the title
    assert layout["height"] <= MASTHEAD_MAX
    assert overlapping([layout["title"], layout["form"], *layout["links"]]) == []
    assert layout["scroll"] <= layout["window"]


@pytest.fixture(scope="module")
def served_with_six_taxonomies(tmp_path_factory):
    """The sample briefing with two more taxonomies, people and places: nine sections."""
    config = (REPO / "site.yaml").read_text(encoding="utf-8")
    assert SIX_TAXONOMIES in config
    config = config.replace(SIX_TAXONOMIES, SIX_TAXONOMIES + "  people:\n  places:\n")
    with sample_site_served(tmp_path_factory.mktemp("six"), config) as base:
        yield base


@pytest.mark.parametrize("width", [1280, 1024, 800])
def test_more_sections_wrap_and_never_overflow(served_with_six_taxonomies, browser, width):
    emulate(browser, width, "light")
    browser.get(served_with_six_taxonomies + PAGES["article"])
    layout = masthead_layout(browser)
    assert len(layout["links"]) == 11
    assert overlapping([layout["title"], layout["form"], *layout["links"]]) == []
    assert all(link["left"] >= 0 and link["right"] <= layout["window"] for link in layout["links"])
    assert layout["form"]["bottom"] <= min(link["top"] for link in layout["links"])
    assert layout["scroll"] <= layout["window"]


def test_screenshots(served, browser, tmp_path):
    folder = Path(os.environ.get("SITEGEN_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shots = [("phone-home", PHONE, ""), ("phone-article", PHONE, PAGES["article"])]
    for name, width, path in [*shots, ("desktop-home", 1280, "")]:
        emulate(browser, width, "light")
        browser.get(served + path)
        target = folder / f"{name}.png"
        assert browser.save_screenshot(str(target))
        assert target.stat().st_size > 10_000

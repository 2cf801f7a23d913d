"""A relative_urls site opened from disk (file://) in a real browser: styled, and its links lead
to pages, wherever the folder is moved."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from browserutil import skip_without_chromium, start_chromium
from siteutil import article, base_template_with

import sitegen

selenium = pytest.importorskip("selenium")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

skip_without_chromium()

SITE = {
    "site.yaml": "title: Disk Briefing\nbase_url: https://example.org/briefings/\nrelative_urls: true\n",
    "content/2024/10/port-strike.md": article(tags="[shipping, labour]", region="Europe"),
    "content/2024/11/budget-vote.md": article(title="Budget vote", date="2024-11-02", tags="[shipping]"),
    # A theme stylesheet with a colour to look for, linked with asset() (fingerprinted).
    "themes/default/static/css/disk.css": "h1.page-title, .article h1 { color: rgb(12, 34, 56); }\n",
    "themes/default/templates/base.html": base_template_with(
        "<link rel='stylesheet' href='{{ asset(\"css/disk.css\") }}'>"
    ),
}


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium()
    yield driver
    driver.quit()


def test_a_relative_site_works_from_disk_moved_anywhere(browser, make_site, tmp_path: Path):
    site = make_site(SITE)
    built = tmp_path / "out"
    sitegen.build(site, built)
    moved = tmp_path / "somewhere else" / "copy"
    shutil.copytree(built, moved)  # a folder the site was not built for
    browser.get((moved / "tags" / "shipping" / "index.html").as_uri())
    wait = WebDriverWait(browser, 30, poll_frequency=0.05)

    def color(selector: str) -> str:
        return browser.execute_script(f"return getComputedStyle(document.querySelector('{selector}')).color;")

    # The default stylesheet (the masthead's rule) and the site theme's both apply.
    wait.until(lambda _: color("h1.page-title") == "rgb(12, 34, 56)", "the theme's stylesheet did not apply")
    border = browser.execute_script(
        "return getComputedStyle(document.querySelector('.masthead')).borderBottomStyle;"
    )
    assert border == "double"
    # A card's link opens the article's file, styled too.
    browser.find_element(By.LINK_TEXT, "Budget vote").click()
    wait.until(lambda _: browser.current_url.endswith("/articles/budget-vote/index.html"))
    assert browser.current_url.startswith(moved.as_uri())
    wait.until(lambda _: color(".article h1") == "rgb(12, 34, 56)", "no style on the article page")
    # The masthead's title leads home, to the home page's file.
    browser.find_element(By.CSS_SELECTOR, "a.site-title").click()
    wait.until(lambda _: browser.current_url == (moved / "index.html").as_uri())
    assert browser.find_element(By.CSS_SELECTOR, "h1.page-title").text == "Latest"

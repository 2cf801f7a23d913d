"""Editions: edition files (articles:, sections:, select:), their errors, the archive and
edition pages, the editions' feed, and the email parts the build writes (black box: sites
built with sitegen.build, pages parsed)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from linkcheck import check_links, links_of
from siteutil import DEFAULT_SITE_YAML, REPO, article, write_site

import sitegen
from sitegen import SiteError

ATOM = "{http://www.w3.org/2005/Atom}"
GMAIL_CLIPS_AT = 102 * 1024


def edition(front: str, body: str = "The editor's note.") -> str:
    return f"---\n{front.strip()}\n---\n\n{body}\n"


# Five articles over three days (Europe/London is the site's timezone below).
ARTICLES = {
    "content/a/oldest.md": article(
        "Oldest", "2024-12-01T09:00:00+00:00", "Wire A", region="Europe", tags="[ports]"
    ),
    "content/a/middle.md": article(
        "Middle", "2024-12-02T09:00:00+00:00", "Wire B", region="Asia", tags="[energy]", story="Gas deal"
    ),
    "content/a/late.md": article(
        "Late", "2024-12-02T20:00:00+00:00", "Wire C", region="Europe", tags="[energy]"
    ),
    "content/a/newest.md": article("Newest", "2024-12-03T07:00:00+00:00", "Wire D", tags="[ports]"),
    "content/a/after.md": article("After", "2024-12-05T07:00:00+00:00", "Wire E", region="Asia"),
    "content/a/secret.md": article("Secret", "2024-12-02T10:00:00+00:00", "Wire F", draft="true"),
}
SITE_YAML = DEFAULT_SITE_YAML + 'timezone: "Europe/London"\nper_page: 2\n'


def build(tmp_path: Path, files: dict[str, str], site_yaml: str = SITE_YAML, drafts: bool = False) -> Path:
    site = write_site(tmp_path / "site", {"site.yaml": site_yaml, **ARTICLES, **files})
    out = tmp_path / "out"
    sitegen.build(site, out, use_cache=False, jobs=1, drafts=drafts)
    return out


def problems_of(tmp_path: Path, files: dict[str, str], drafts: bool = False) -> list[str]:
    with pytest.raises(SiteError) as raised:
        build(tmp_path, files, drafts=drafts)
    return [str(p) for p in raised.value.problems]


def warnings_of(tmp_path: Path, files: dict[str, str]) -> list[str]:
    site = write_site(tmp_path / "site", {"site.yaml": SITE_YAML, **ARTICLES, **files})
    result = sitegen.build(site, tmp_path / "out", use_cache=False, jobs=1)
    return [str(p) for p in result.warnings]


class _Classes(HTMLParser):
    """The text of every element with one of `classes`, in document order, as (class, text)."""

    def __init__(self, *classes: str) -> None:
        super().__init__(convert_charrefs=True)
        self.classes = set(classes)
        self.open: list[tuple[str, str, int]] = []  # (class, tag, depth)
        self.found: list[tuple[str, str]] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "meta", "link", "img", "input"):
            return
        self.depth += 1
        for name in (dict(attrs).get("class") or "").split():
            if name in self.classes:
                self.open.append((name, tag, self.depth))
                self.found.append((name, ""))

    def handle_endtag(self, tag):
        if self.open and self.open[-1][1] == tag and self.open[-1][2] == self.depth:
            self.open.pop()
        self.depth -= 1

    def handle_data(self, data):
        for name, _, _ in self.open:
            for i in range(len(self.found) - 1, -1, -1):
                if self.found[i][0] == name:
                    self.found[i] = (name, self.found[i][1] + data)
                    break


def texts(html: str, *classes: str) -> list[tuple[str, str]]:
    parser = _Classes(*classes)
    parser.feed(html)
    return [(name, " ".join(text.split())) for name, text in parser.found]


def page(out: Path, path: str) -> str:
    return (out / path / "index.html").read_text(encoding="utf-8")


def titles(html: str) -> list[str]:
    return [text for _, text in texts(html, "card-title")]


# --- the three ways of choosing --------------------------------------------------------------


def test_an_articles_list_keeps_the_editors_order_and_notes(tmp_path):
    out = build(
        tmp_path,
        {
            "content/editions/2024-12-03-morning.md": edition(
                """
title: Morning brief
summary: Three picks.
articles:
  - late
  - {article: oldest, note: "Why the oldest matters."}
  - article: newest
    note: "Ports again."
""",
                "Good **morning**.",
            )
        },
    )
    html = page(out, "editions/2024-12-03-morning")
    assert titles(html) == ["Late", "Oldest", "Newest"]
    notes = [text for _, text in texts(html, "edition-why")]
    assert notes == ["Why it matters: Why the oldest matters.", "Why it matters: Ports again."]
    assert "<strong>morning</strong>" in html  # the body is the editor's note, as Markdown
    assert "Three picks." in html and "<h1>Morning brief</h1>" in html


def test_sections_group_the_items_in_their_order(tmp_path):
    out = build(
        tmp_path,
        {
            "content/editions/2024-12-03.md": edition(
                """
sections:
  - title: Europe
    articles: [late, {article: oldest, note: Old news}]
  - title: Elsewhere
    articles:
      - newest
"""
            )
        },
    )
    html = page(out, "editions/2024-12-03")
    found = texts(html, "edition-section-title", "card-title")
    assert found == [
        ("edition-section-title", "Europe"),
        ("card-title", "Late"),
        ("card-title", "Oldest"),
        ("edition-section-title", "Elsewhere"),
        ("card-title", "Newest"),
    ]


def test_select_since_counts_back_from_the_editions_date_not_from_the_build(tmp_path):
    # Dated the 2nd (a date only: the edition closes at the end of that day, London time):
    # 24 hours back takes the 2nd's articles, never the 3rd's nor those built since.
    out = build(tmp_path, {"content/editions/2024-12-02.md": edition("select: {since: 24h}")})
    assert titles(page(out, "editions/2024-12-02")) == ["Late", "Middle"]  # newest first, no draft


def test_select_with_a_time_of_day_closes_then(tmp_path):
    out = build(
        tmp_path,
        {"content/editions/2024-12-03.md": edition("date: 2024-12-03T08:00:00+00:00\nselect: {since: 12h}")},
    )
    assert titles(page(out, "editions/2024-12-03")) == ["Newest", "Late"]


def test_select_since_a_date_with_regions_tags_stories_and_limit(tmp_path):
    files = {
        "content/editions/2024-12-04-europe.md": edition("select: {since: 2024-12-01, regions: [europe]}"),
        "content/editions/2024-12-04-energy.md": edition(
            "select: {since: 2024-12-01, tags: [Energy], limit: 1}"
        ),
        "content/editions/2024-12-04-gas.md": edition("select: {since: '2024-12-01', stories: [gas deal]}"),
    }
    out = build(tmp_path, files)
    assert titles(page(out, "editions/2024-12-04-europe")) == ["Late", "Oldest"]
    assert titles(page(out, "editions/2024-12-04-energy")) == ["Late"]
    assert titles(page(out, "editions/2024-12-04-gas")) == ["Middle"]


def test_select_grouped_by_region(tmp_path):
    out = build(tmp_path, {"content/editions/2024-12-04.md": edition("select: {since: 7d, group: region}")})
    found = texts(page(out, "editions/2024-12-04"), "edition-section-title", "card-title")
    assert found == [
        ("edition-section-title", "Asia"),
        ("card-title", "Middle"),
        ("edition-section-title", "Europe"),
        ("card-title", "Late"),
        ("card-title", "Oldest"),
        ("edition-section-title", "Other"),
        ("card-title", "Newest"),
    ]


def test_title_and_date_default_from_the_site_and_the_file_name(tmp_path):
    out = build(tmp_path, {"content/editions/2024-12-03.md": edition("articles: [late]")})
    html = page(out, "editions/2024-12-03")
    assert "<h1>Test Briefing, December 3, 2024</h1>" in html
    assert 'datetime="2024-12-03T00:00:00+00:00"' in html


# --- errors and warnings ---------------------------------------------------------------------


def test_an_item_naming_no_article_is_an_error_at_its_line(tmp_path):
    found = problems_of(
        tmp_path,
        {"content/editions/2024-12-03.md": edition("articles:\n  - late\n  - {article: nowhere, note: x}")},
    )
    assert found[0] == "content/editions/2024-12-03.md:4: no article has the slug 'nowhere'"


def test_an_item_in_a_section_is_found_at_its_line(tmp_path):
    text = edition(
        "sections:\n  - title: A\n    articles:\n      - late\n  - title: B\n    articles:\n      - gone"
    )
    found = problems_of(tmp_path, {"content/editions/2024-12-03.md": text})
    assert found[0] == "content/editions/2024-12-03.md:8: no article has the slug 'gone'"


def test_a_draft_is_an_error_without_drafts_and_picked_with_them(tmp_path):
    files = {"content/editions/2024-12-03.md": edition("articles:\n  - late\n  - secret")}
    found = problems_of(tmp_path, files)
    assert found[0].startswith("content/editions/2024-12-03.md:4: secret is a draft")
    out = build(tmp_path / "with", files, drafts=True)
    assert titles(page(out, "editions/2024-12-03")) == ["Late", "Secret Draft"]


def test_the_same_article_twice_is_a_warning_and_shown_once(tmp_path):
    files = {"content/editions/2024-12-03.md": edition("articles:\n  - late\n  - newest\n  - late")}
    found = warnings_of(tmp_path, files)
    expected = "late is in this edition already (line 3): it is shown once"
    assert f"content/editions/2024-12-03.md:5: warning: {expected}" in found
    assert titles(page(tmp_path / "out", "editions/2024-12-03")) == ["Late", "Newest"]


@pytest.mark.parametrize(
    "front, expected",
    [
        ("articles: []", "FILE: the edition has no items: it names no article"),
        (
            "select:\n  since: 1h",
            "FILE:2: the edition has no items: select: picks no article",
        ),
        (
            "articles: [late]\nselect: {since: 1d}",
            "FILE:3: an edition chooses its articles with exactly one of",
        ),
        ("summary: nothing", "FILE: an edition chooses its articles with exactly one of"),
        ("select:\n  since: 24h\n  region: [Europe]", "FILE:4: select.region is not a key"),
        ("select:\n  since: yesterday", "FILE:3: select.since must be a duration"),
        ("select:\n  since: '2024-02-30'", "FILE:3: select.since must be a duration"),
        ("select:\n  tags: [ports]", "FILE:2: select.since is missing"),
        ("select:\n  since: 1d\n  limit: 0", "FILE:4: select.limit must be a whole number"),
        ("select:\n  since: 1d\n  group: tag", "FILE:4: select.group can only be 'region'"),
        ("articles: [{note: x}]", "FILE:2: articles: an item needs `article: <slug>`"),
        ("date: soon\narticles: [late]", "FILE:2: date: 'soon' is not a date"),
    ],
)
def test_a_bad_edition_is_an_error_at_its_line(tmp_path, front, expected):
    found = problems_of(tmp_path, {"content/editions/2024-12-03.md": edition(front)})
    expected = expected.replace("FILE", "content/editions/2024-12-03.md")
    assert any(problem.startswith(expected) for problem in found), found


def test_a_badly_named_edition_file_is_an_error(tmp_path):
    found = problems_of(tmp_path, {"content/editions/monday.md": edition("articles: [late]")})
    assert found[0].startswith("content/editions/monday.md: an edition file is named <YYYY-MM-DD>.md")


def test_edition_files_are_not_articles(tmp_path):
    out = build(tmp_path, {"content/editions/2024-12-03.md": edition("articles: [late]")})
    assert not (out / "articles" / "2024-12-03").exists()
    assert len(list((out / "articles").iterdir())) == 5  # the published articles only


# --- pages and feed --------------------------------------------------------------------------


EDITIONS = {
    "content/editions/2024-12-01.md": edition("summary: First one.\narticles: [oldest]"),
    "content/editions/2024-12-02.md": edition("articles: [middle, late]"),
    "content/editions/2024-12-03-am.md": edition(
        "title: Third\narticles: [newest, {article: late, note: Again}]"
    ),
}


def test_the_archive_lists_editions_newest_first_paginated(tmp_path):
    out = build(tmp_path, EDITIONS)
    first, second = page(out, "editions"), page(out, "editions/page/2")
    entries = texts(first, "edition-entry") + texts(second, "edition-entry")
    assert entries[0][1].startswith("3 December 2024 · 2 items Third")
    days = [text.split(" · ")[0] for _, text in entries]
    assert days == ["3 December 2024", "2 December 2024", "1 December 2024"]
    assert "1 item" in entries[2][1] and "First one." in entries[2][1]
    assert 'href="/editions/page/2/"' in first


def test_an_edition_links_the_previous_and_next(tmp_path):
    out = build(tmp_path, EDITIONS)
    middle = page(out, "editions/2024-12-02")
    assert 'rel="prev" href="/editions/2024-12-01/"' in middle
    assert 'rel="next" href="/editions/2024-12-03-am/"' in middle
    assert 'rel="prev"' not in page(out, "editions/2024-12-01")


def test_an_article_lists_the_editions_that_picked_it(tmp_path):
    out = build(tmp_path, EDITIONS)
    late = page(out, "articles/late")
    listed = re.findall(r'<li><a href="(/editions/[^"]+)">', late.split("In the editions", 1)[1])
    assert listed == ["/editions/2024-12-03-am/", "/editions/2024-12-02/"]
    assert "In the editions" not in page(out, "articles/after")


def test_the_editions_feed_carries_each_edition_whole(tmp_path):
    out = build(tmp_path, EDITIONS)
    feed = ET.parse(out / "editions" / "feed.xml").getroot()
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        "https://example.org/editions/2024-12-03-am/",
        "https://example.org/editions/2024-12-02/",
        "https://example.org/editions/2024-12-01/",
    ]
    content = entries[0].findtext(f"{ATOM}content") or ""
    assert content.startswith("<p>The editor&rsquo;s note.</p>")  # the note, then the items
    assert 'href="https://example.org/articles/newest/"' in content and "Again" in content
    for link in links_of(content):
        assert link.startswith("https://"), link


def test_a_site_without_editions_has_an_empty_archive(tmp_path):
    out = build(tmp_path, {})
    assert "No editions yet" in page(out, "editions")
    assert "editions/feed.xml" not in page(out, "editions") and not (out / "editions" / "feed.xml").exists()


# --- the email parts -------------------------------------------------------------------------


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory) -> Path:
    """The repository's sample site, built once (it has three editions)."""
    out = tmp_path_factory.mktemp("sample") / "out"
    sitegen.build(REPO, out, use_cache=False, jobs=1)
    return out


SAMPLE_EDITIONS = ["2024-12-16-monday-brief", "2025-02-24-regional-roundup", "2025-05-22"]


def test_the_sample_has_an_edition_of_each_kind():
    folder = REPO / "content" / "editions"
    fronts = {name: (folder / f"{name}.md").read_text("utf-8") for name in SAMPLE_EDITIONS}
    assert "note:" in fronts["2024-12-16-monday-brief"] and "\narticles:" in fronts["2024-12-16-monday-brief"]
    assert "\nsections:" in fronts["2025-02-24-regional-roundup"]
    assert "\nselect:" in fronts["2025-05-22"]


@pytest.mark.parametrize("slug", SAMPLE_EDITIONS)
def test_email_html_is_what_mail_clients_need(sample_out, slug):
    data = (sample_out / "editions" / slug / "email.html").read_bytes()
    assert len(data) < GMAIL_CLIPS_AT
    html = data.decode("utf-8")
    found = elements(html)
    tags = [tag for tag, _ in found.elements]
    assert "script" not in tags
    assert not [a for tag, a in found.elements if tag == "link"]  # no stylesheet, no web font
    style = "".join(found.styles)
    assert "@import" not in style and "@font-face" not in style
    assert "prefers-color-scheme: dark" in style  # kept by the inliner for the clients that read it
    assert ("meta", {"name": "color-scheme", "content": "light dark"}) in found.elements
    # Inlined: the masthead carries its rules itself; nothing is wider than 600 px.
    [masthead] = [a for tag, a in found.elements if (a.get("class") or "") == "masthead"]
    assert "background-color: #14213d" in (masthead.get("style") or "")
    widths = [int(a["width"]) for _, a in found.elements if (a.get("width") or "").isdigit()]
    assert widths and max(widths) <= 600
    for tag, attributes in found.elements:
        for name in ("href", "src"):
            value = attributes.get(name)
            if value is not None:
                assert urlsplit(value).scheme in ("https", "http", "mailto"), (tag, value)
        if tag == "img":
            assert attributes.get("width") and attributes.get("height") and attributes.get("alt") is not None
    web = re.findall(r'<a href="([^"]+)"[^>]*>View this edition on the web</a>', html)
    assert web == [f"https://example.org/editions/{slug}/"]


@pytest.mark.parametrize("slug", SAMPLE_EDITIONS)
def test_email_text_has_every_items_title_source_note_and_address(sample_out, slug):
    text = (sample_out / "editions" / slug / "email.txt").read_text("utf-8")
    html = page(sample_out, f"editions/{slug}")
    cards = texts(html, "card-title", "source", "edition-why")
    assert cards
    for kind, value in cards:
        wanted = value.removeprefix("Why it matters: ")
        assert wanted in text, (kind, wanted)
    for path in re.findall(r'class="card-title"><a href="(/articles/[^"]+/)"', html):
        assert f"https://example.org{path}" in text
    assert f"View this edition on the web: https://example.org/editions/{slug}/" in text


def test_the_built_sample_site_has_no_broken_link(sample_out):
    checked, problems = check_links(sample_out, "https://example.org/")
    assert problems == []
    assert checked > 1000
    emails = [p for p in sample_out.rglob("email.html")]
    assert len(emails) == 3


def test_an_unknown_key_and_a_folder_are_warnings(tmp_path):
    (tmp_path / "site" / "content" / "editions" / "old").mkdir(parents=True)
    found = warnings_of(tmp_path, {"content/editions/2024-12-03.md": edition("articles: [late]\nsubject: x")})
    assert "content/editions/2024-12-03.md:3: warning: unknown key 'subject' in an edition file" in "\n".join(
        found
    )
    assert any(line.startswith("content/editions/old: warning: not read") for line in found)


def test_the_default_title_is_in_the_sites_language(tmp_path):
    yaml_text = SITE_YAML + "language: fr\n"
    site = write_site(
        tmp_path / "site",
        {"site.yaml": yaml_text, **ARTICLES, "content/editions/2024-12-03.md": edition("articles: [late]")},
    )
    sitegen.build(site, tmp_path / "out", use_cache=False, jobs=1)
    assert "<h1>Test Briefing, 3 décembre 2024</h1>" in page(tmp_path / "out", "editions/2024-12-03")


def test_an_incremental_build_after_an_edition_edit_equals_a_clean_one(tmp_path):
    """The editions' feed writes each edition's title, date and summary itself (not through
    a template): an edit to one of them renders it again."""
    site = write_site(tmp_path / "site", {"site.yaml": SITE_YAML, **ARTICLES, **EDITIONS})
    sitegen.build(site, tmp_path / "out", jobs=1)
    changed = edition("title: Renamed\nsummary: New\narticles: [middle, late]")
    (site / "content" / "editions" / "2024-12-02.md").write_text(changed, encoding="utf-8")
    sitegen.build(site, tmp_path / "out", jobs=1)
    sitegen.build(site, tmp_path / "clean", jobs=1, use_cache=False)
    for path in sorted((tmp_path / "clean").rglob("*")):
        if path.is_file() and path.name != ".sitegen-output":
            built = tmp_path / "out" / path.relative_to(tmp_path / "clean")
            assert built.read_bytes() == path.read_bytes(), path.relative_to(tmp_path / "clean")
    assert b"<title>Renamed</title>" in (tmp_path / "out" / "editions" / "feed.xml").read_bytes()

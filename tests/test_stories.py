"""Stories: `story:` front matter, story files, the story pages, their feeds, and an article's
place in its stories (black box: sites built with sitegen.build, pages parsed)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from siteutil import article, run_subprocess, write_site

import sitegen
from sitegen import SiteError

ATOM = "{http://www.w3.org/2005/Atom}"


def story_file(body: str = "The background.", **front: str) -> str:
    lines = "".join(f"{key}: {value}\n" for key, value in front.items())
    return f"---\n{lines}---\n\n{body}\n"


def build(tmp_path: Path, files: dict[str, str], site_yaml: str | None = None) -> Path:
    if site_yaml is not None:
        files = {"site.yaml": site_yaml, **files}
    site = write_site(tmp_path / "site", files)
    out = tmp_path / "out"
    sitegen.build(site, out, use_cache=False, jobs=1)
    return out


def page(out: Path, path: str) -> str:
    return (out / path / "index.html").read_text(encoding="utf-8")


class _Text(HTMLParser):
    """The text of the elements of one class, in document order."""

    def __init__(self, tag: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tag = tag
        self.depth = 0
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == self.tag:
            self.depth += 1
            self.found.append("")

    def handle_endtag(self, tag):
        if tag == self.tag:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.found[-1] += data


def texts(html: str, tag: str) -> list[str]:
    parser = _Text(tag)
    parser.feed(html)
    return [" ".join(text.split()) for text in parser.found]


# --- story: front matter and story files ------------------------------------------------------


def test_articles_join_a_story_by_name_matched_like_tags(tmp_path):
    out = build(
        tmp_path,
        {
            "content/a.md": article(title="First", date="2024-03-01T10:00", story="Red Sea shipping"),
            "content/b.md": article(title="Second", date="2024-03-02T10:00", story="red sea Shipping"),
            "content/c.md": article(
                title="Third", date="2024-03-03T10:00", story="[Red-Sea shipping, Other]"
            ),
        },
    )
    html = page(out, "stories/red-sea-shipping")
    assert texts(html, "h5") == ["First", "Second", "Third"]
    assert (out / "stories/other/index.html").exists()
    third = page(out, "articles/c")
    assert "article 3 of 3" in third and "article 1 of 1" in third


def test_a_story_file_gives_title_status_summary_and_background(tmp_path):
    out = build(
        tmp_path,
        {
            "content/a.md": article(title="First", date="2024-03-01", story="kursk offensive"),
            "content/stories/kursk-offensive.md": story_file(
                "Troops crossed the border in **August**.",
                title="The Kursk offensive",
                status="concluded",
                summary="A cross-border incursion.",
            ),
        },
    )
    html = page(out, "stories/kursk-offensive")
    assert texts(html, "h1") == ["The Kursk offensive"]
    assert "A cross-border incursion." in html
    assert "Troops crossed the border in <strong>August</strong>." in html
    assert "Concluded" in html and "Developing" not in html
    # The story file is no article.
    assert not (out / "articles/kursk-offensive").exists()
    assert "kursk-offensive" not in page(out, "")


def test_status_defaults_to_developing(tmp_path):
    out = build(
        tmp_path,
        {
            "content/a.md": article(date="2024-03-01", story="Grid"),
            "content/stories/grid.md": story_file(title="Grid"),
        },
    )
    assert '<span class="status status-developing">Developing</span>' in page(out, "stories/grid")


def test_a_bad_status_is_an_error_with_file_and_line(tmp_path):
    site = write_site(
        tmp_path / "site",
        {
            "content/a.md": article(story="Grid"),
            "content/stories/grid.md": story_file(title="Grid", status="ongoing"),
        },
    )
    with pytest.raises(SiteError) as caught:
        sitegen.build(site, tmp_path / "out", use_cache=False, jobs=1)
    problems = [p for p in caught.value.problems if p.is_error]
    assert [(p.path, p.line) for p in problems] == [("content/stories/grid.md", 3)]
    assert "developing" in problems[0].message and "concluded" in problems[0].message
    assert not (tmp_path / "out").exists()
    run = run_subprocess("build", "--site", site, "--no-cache")
    assert run.code == 1
    assert "content/stories/grid.md:3: status:" in run.err


def test_a_story_file_no_article_names_is_a_warning(tmp_path):
    site = write_site(
        tmp_path / "site",
        {
            "content/a.md": article(story="Grid"),
            "content/stories/grid.md": story_file(title="Grid"),
            "content/stories/forgotten.md": story_file(title="Forgotten"),
        },
    )
    result = sitegen.build(site, tmp_path / "out", use_cache=False, jobs=1)
    warnings = [p for p in result.warnings if p.path == "content/stories/forgotten.md"]
    assert len(warnings) == 1 and not warnings[0].is_error
    assert "no published article names this story" in warnings[0].message
    assert not (tmp_path / "out/stories/forgotten").exists()
    assert not any(p.path == "content/stories/grid.md" for p in result.warnings)


def test_story_front_matter_of_the_wrong_type_is_an_error(tmp_path):
    site = write_site(tmp_path / "site", {"content/a.md": article(story="[[nested]]")})
    with pytest.raises(SiteError) as caught:
        sitegen.build(site, tmp_path / "out", use_cache=False, jobs=1)
    assert [(p.path, p.line) for p in caught.value.problems if p.is_error] == [("content/a.md", 5)]


# --- the pages ---------------------------------------------------------------------------------


def test_stories_index_lists_developing_first_each_by_latest_activity(tmp_path):
    out = build(
        tmp_path,
        {
            "content/a.md": article(title="A1", date="2024-01-01", story="Alpha"),
            "content/b.md": article(title="B1", date="2024-02-01", story="Beta"),
            "content/c.md": article(title="C1", date="2024-03-01", story="Gamma"),
            "content/d.md": article(title="A2", date="2024-04-01", story="Alpha"),
            "content/e.md": article(title="D1", date="2024-05-01", story="Delta"),
            "content/stories/gamma.md": story_file(title="Gamma", status="concluded"),
            "content/stories/delta.md": story_file(title="Delta", status="concluded"),
        },
    )
    html = page(out, "stories")
    assert texts(html, "h2") == ["Developing", "Concluded"]
    assert texts(html, "h3") == ["Alpha", "Beta", "Delta", "Gamma"]
    alpha = html[html.index(">Alpha<") : html.index(">Beta<")]
    assert "2 articles" in alpha and "1 Jan 2024" in alpha and "1 Apr 2024" in alpha
    assert "Latest: <a" in alpha and ">A2</a>" in alpha


def test_story_page_shows_latest_development_then_a_timeline_grouped_by_day(tmp_path):
    out = build(
        tmp_path,
        {
            "content/a.md": article(title="Late evening", date="2024-03-01T23:30:00+00:00", story="S"),
            "content/b.md": article(title="Morning", date="2024-03-01T09:00:00+00:00", story="S"),
            "content/c.md": article(title="Day only", date="2024-03-05", story="S", summary="Newest."),
            "content/d.md": article(title="Elsewhere", date="2024-03-02"),
        },
        site_yaml='title: "T"\nbase_url: "https://example.org/"\ntimezone: "Europe/Berlin"\n',
    )
    html = page(out, "stories/s")
    latest = html[html.index('class="story-latest"') : html.index('class="story-timeline"')]
    assert ">Day only</a>" in latest and "Newest." in latest and "5 March 2024" in latest
    # 23:30 UTC is 00:30 on 2 March in Berlin: a day of its own, after the morning's.
    assert texts(html, "h4") == ["1 March 2024", "2 March 2024", "5 March 2024"]
    assert texts(html, "h5") == ["Morning", "Late evening", "Day only"]
    assert re.search(r'<time datetime="2024-03-02T00:30:00\+01:00">00:30</time>', html)
    entry = html[html.rindex(">Day only</a>") - 400 : html.rindex(">Day only</a>")]
    assert "<time" not in entry.split('class="story-entry"')[-1]  # no time of day given: none shown
    assert "<svg" in html and html.count("<rect") == 2  # Friday 1 March and the next week


def test_story_chart_has_a_bar_per_week_across_the_span(tmp_path):
    out = build(
        tmp_path,
        {
            "content/a.md": article(title="A", date="2024-03-04", story="S"),  # a Monday
            "content/b.md": article(title="B", date="2024-03-06", story="S"),
            "content/c.md": article(title="C", date="2024-03-25", story="S"),  # three weeks on
        },
    )
    html = page(out, "stories/s")
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', html)]
    assert heights == [44.0, 0.0, 0.0, 22.0]
    assert "Week of 4 Mar 2024: 2" in html and "Week of 25 Mar 2024: 1" in html


def test_a_long_story_folds_every_month_but_the_latest(tmp_path):
    files = {
        f"content/a{n}.md": article(
            title=f"Part {n}", date=f"2024-{n % 12 + 1:02d}-{n // 12 + 1:02d}", story="Long"
        )
        for n in range(60)
    }
    out = build(tmp_path, files)
    html = page(out, "stories/long")
    assert html.count('<details class="story-month"') == 11  # twelve months, the latest open
    assert html.count("<h5") == 60  # every article is on the page
    assert "December 2024</h3>" in html.split('<details class="story-month"')[-1].split("</details>")[-1]
    short = build(tmp_path / "short", dict(list(files.items())[:12]))
    assert '<details class="story-month"' not in page(short, "stories/long")


def test_story_feed_has_the_newest_entries_first(tmp_path):
    out = build(
        tmp_path,
        {
            **{
                f"content/a{n}.md": article(title=f"Part {n}", date=f"2024-03-{n + 1:02d}", story="Grid")
                for n in range(5)
            },
            "content/other.md": article(title="Other", date="2024-03-30"),
        },
        site_yaml='title: "T"\nbase_url: "https://example.org/"\nfeed_limit: 3\n',
    )
    feed = ET.parse(out / "stories/grid/feed.xml").getroot()
    assert [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")] == [
        "Part 4",
        "Part 3",
        "Part 2",
    ]
    assert feed.findtext(f"{ATOM}title") == "T: Grid"
    alternate = [link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "alternate"]
    assert alternate == ["https://example.org/stories/grid/"]
    assert 'href="/stories/grid/feed.xml"' in page(out, "stories/grid")


def test_article_pages_show_their_place_and_neighbours_in_each_story(tmp_path):
    out = build(
        tmp_path,
        {
            "content/a.md": article(title="One", date="2024-03-01", story="Grid"),
            "content/b.md": article(title="Two", date="2024-03-02", story="[Grid, Port]"),
            "content/c.md": article(title="Unrelated", date="2024-03-03"),
            "content/d.md": article(title="Three", date="2024-03-04", story="Grid"),
            "content/e.md": article(title="Port two", date="2024-03-05", story="Port"),
        },
    )
    two = page(out, "articles/b")
    assert 'Part of <a href="/stories/grid/">Grid</a> (article 2 of 3)' in two
    assert 'Part of <a href="/stories/port/">Port</a> (article 1 of 2)' in two
    grid = two[two.index('aria-label="Grid: previous and next"') :]
    grid = grid[: grid.index("</nav>")]
    assert (
        'class="story-previous" href="/articles/a/"' in grid
        and 'class="story-next" href="/articles/d/"' in grid
    )
    port = two[two.index('aria-label="Port: previous and next"') :]
    port = port[: port.index("</nav>")]
    assert "story-previous" not in port and 'class="story-next" href="/articles/e/"' in port
    one = page(out, "articles/a")
    assert "(article 1 of 3)" in one and "story-previous" not in one
    assert "Part of" not in page(out, "articles/c")


def test_home_page_shows_the_most_recently_active_developing_stories(tmp_path):
    files = {
        f"content/{name}.md": article(title=f"{name} news", date=date, story=name)
        for name, date in [("Alpha", "2024-01-01"), ("Beta", "2024-02-01"), ("Gamma", "2024-03-01"),
                           ("Delta", "2024-04-01"), ("Omega", "2024-05-01")]
    }  # fmt: skip
    files["content/stories/omega.md"] = story_file(title="Omega", status="concluded")
    out = build(tmp_path, files, site_yaml='title: "T"\nbase_url: "https://example.org/"\nper_page: 2\n')
    home = page(out, "")
    block = home[home.index('class="developing"') : home.index("</section>")]
    assert re.findall(r'class="developing-title" href="/stories/(\w+)/"', block) == ["delta", "gamma", "beta"]
    assert 'class="developing"' not in page(out, "page/2")


def test_a_site_without_stories_has_an_empty_stories_page(tmp_path):
    out = build(tmp_path, {"content/a.md": article()})
    assert "No stories yet" in page(out, "stories")
    assert 'class="developing"' not in page(out, "")


# --- incremental builds -------------------------------------------------------------------------


def test_editing_a_story_file_rerenders_its_story_page(tmp_path):
    site = write_site(
        tmp_path / "site",
        {
            "content/a.md": article(title="One", date="2024-03-01", story="Grid"),
            "content/b.md": article(title="Two", date="2024-03-02"),
            "content/stories/grid.md": story_file("Old background.", title="Grid"),
        },
    )
    out = tmp_path / "out"
    sitegen.build(site, out, jobs=1)
    (site / "content/stories/grid.md").write_text(story_file("New background.", title="Grid"))
    result = sitegen.build(site, out, jobs=1)
    assert "stories/grid/index.html" in result.rendered_paths
    assert "articles/b/index.html" not in result.rendered_paths
    assert "New background." in page(out, "stories/grid")


def test_the_preview_engine_picks_up_a_saved_story_file(tmp_path):
    """The preview's engine is told which files changed: a story file is not an article
    file, and must still reach the model."""
    from sitegen.engine import Engine

    site = write_site(
        tmp_path / "site",
        {
            "content/a.md": article(title="One", date="2024-03-01", story="Grid"),
            "content/stories/grid.md": story_file("Old background.", title="Grid"),
        },
    )
    engine = Engine(site, jobs=1, use_cache=False)
    out = tmp_path / "preview"
    engine.build(out, force=True, in_place=True)
    story = site / "content/stories/grid.md"
    story.write_text(story_file("New background.", title="Grid", status="concluded"))
    result = engine.build(out, force=True, changed=[story], in_place=True)
    assert "stories/grid/index.html" in result.rendered_paths
    html = page(out, "stories/grid")
    assert "New background." in html and "Concluded" in html
    story.unlink()
    engine.build(out, force=True, changed=[story], in_place=True)
    assert "Old background." not in page(out, "stories/grid") and "New background." not in page(
        out, "stories/grid"
    )


def test_a_story_files_image_must_be_a_path_or_a_web_address(tmp_path):
    site = write_site(
        tmp_path / "site",
        {
            "content/a.md": article(story="Grid"),
            "content/stories/grid.md": story_file(title="Grid", image="javascript:alert(1)", summary="[1]"),
        },
    )
    with pytest.raises(SiteError) as caught:
        sitegen.build(site, tmp_path / "out", use_cache=False, jobs=1)
    found = sorted((p.line or 0, p.message.split(":")[0]) for p in caught.value.problems if p.is_error)
    assert found == [(3, "image"), (4, "summary")]

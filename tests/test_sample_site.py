"""End to end: the repository's own sample site, built into tmp_path, against the URL contract.

Expectations are computed here from the content files (parsed with yaml), not with sitegen's model.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import shutil
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import yaml
from linkcheck import check_links, html_pages, links_of, page_url_path
from siteutil import REPO

import sitegen

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


# --- expectations, from the content files --------------------------------------------------


def slug(name: str) -> str:
    """The README's rule: lowercase, accents dropped from Latin letters, other characters -> '-'."""
    text = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class Expected:
    slug: str
    title: str
    date: dt.datetime
    source: str
    source_url: str | None
    regions: tuple[str, ...]
    tags: tuple[str, ...]
    author: str | None
    draft: bool


def _moment(value: object, tz: ZoneInfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        moment = dt.datetime.fromisoformat(str(value))
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(tz)


def _names(value: object, commas: bool) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else str(value).split(",") if commas else [value]
    return tuple(str(i).strip() for i in items if str(i).strip())


def canonical(config: dict, taxonomy: str, name: str) -> str:
    """The README's rule for `aliases:`: a name that is an alias (by its slug) is listed under
    its canonical term."""
    for term, aliases in config.get("aliases", {}).get(taxonomy, {}).items():
        if slug(name) in {slug(alias) for alias in ([aliases] if isinstance(aliases, str) else aliases)}:
            return term
    return name


def read_sample(site_dir: Path) -> tuple[dict, list[Expected]]:
    config = yaml.safe_load((site_dir / "site.yaml").read_text(encoding="utf-8"))
    tz = ZoneInfo(config.get("timezone", "UTC"))
    found = []
    for path in sorted((site_dir / "content").rglob("*.md")):
        if path.parent in (site_dir / "content" / "stories", site_dir / "content" / "editions"):
            continue  # story and edition files, not articles
        text = path.read_text(encoding="utf-8")
        front = yaml.safe_load(text.split("\n---", 1)[0].removeprefix("---\n"))
        found.append(
            Expected(
                slug=front.get("slug", path.stem),
                title=front["title"],
                date=_moment(front["date"], tz),
                source=front["source"],
                source_url=front.get("source_url"),
                regions=_names(front.get("region"), commas=False),
                tags=tuple(canonical(config, "tags", n) for n in _names(front.get("tags"), commas=True)),
                author=front.get("author"),
                draft=front.get("draft", False) is True,
            )
        )
    return config, found


CONFIG, ALL = read_sample(REPO)
PUBLISHED = sorted((a for a in ALL if not a.draft), key=lambda a: a.date, reverse=True)
DRAFTS = [a for a in ALL if a.draft]
PER_PAGE = CONFIG["per_page"]
FEED_LIMIT = CONFIG["feed_limit"]
TZ = ZoneInfo(CONFIG["timezone"])


def terms(names_of) -> dict[str, tuple[str, list[Expected]]]:
    """{slug: (a spelling, articles newest first)}."""
    found: dict[str, tuple[str, list[Expected]]] = {}
    for a in PUBLISHED:
        for name in dict.fromkeys(slug(n) for n in names_of(a)):
            found.setdefault(name, (name, []))[1].append(a)
    return found


TAGS = terms(lambda a: a.tags)
REGIONS = terms(lambda a: a.regions)
SOURCES = terms(lambda a: (a.source,))
TAXONOMIES = {"tags": TAGS, "regions": REGIONS, "sources": SOURCES}


def test_the_sample_is_what_the_issue_asks_for():
    assert len(ALL) >= 15
    assert len(DRAFTS) == 1
    assert len(REGIONS) >= 3 and len(SOURCES) >= 4
    assert len({(a.date.year, a.date.month) for a in PUBLISHED}) >= 4
    assert len({a.date.year for a in PUBLISHED}) >= 2
    assert any(len(arts) > 1 for _, arts in TAGS.values())
    assert any(not a.title.isascii() for a in PUBLISHED)
    assert any(not t.isascii() for a in PUBLISHED for t in a.tags)
    # Distinct dates, so that "newest first" has one answer.
    assert len({a.date for a in PUBLISHED}) == len(PUBLISHED)


# --- the build --------------------------------------------------------------------------------


def build_sample(tmp: Path, base_url: str | None = None, **config: object) -> Path:
    """Build the sample site; with `config`, from a copy whose site.yaml has those values changed."""
    site = REPO
    if config:
        site = tmp / "site"
        shutil.copytree(REPO / "content", site / "content")
        if (REPO / "static").is_dir():
            shutil.copytree(REPO / "static", site / "static")
        values = {**CONFIG, **config}
        (site / "site.yaml").write_text(yaml.safe_dump(values), encoding="utf-8")
    output = tmp / "out"
    sitegen.build(site, output, base_url=base_url)
    return output


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return build_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def small_pages_out(tmp_path_factory) -> Path:
    return build_sample(tmp_path_factory.mktemp("small"), per_page=3, feed_limit=4)


def page(output: Path, url_path: str) -> str:
    path = output / unquote(url_path) / "index.html"
    assert path.is_file(), f"/{url_path} was not written"
    return path.read_text(encoding="utf-8")


def article_links(html: str, base_path: str = "/") -> list[str]:
    """The slugs of the articles a listing links to, in page order, each once."""
    pattern = re.compile("^" + re.escape(base_path) + r"articles/([^/]+)/$")
    found = [m.group(1) for link in links_of(html) if (m := pattern.match(link))]
    return list(dict.fromkeys(found))


def slugs(articles) -> list[str]:
    return [a.slug for a in articles]


def pages_of(articles, per_page):
    return [articles[i : i + per_page] for i in range(0, len(articles), per_page)] or [[]]


def page_path(base: str, number: int) -> str:
    return base if number == 1 else f"{base}page/{number}/"


# --- pages --------------------------------------------------------------------------------------


def test_home_lists_every_published_article_newest_first_per_page(out):
    chunks = pages_of(PUBLISHED, PER_PAGE)
    assert len(chunks) > 1, "the sample should need more than one page"
    for number, chunk in enumerate(chunks, 1):
        assert article_links(page(out, page_path("", number))) == slugs(chunk)
    assert not (out / "page" / str(len(chunks) + 1)).exists()
    assert not (out / "page" / "1").exists()


def test_every_article_page_shows_its_facts_and_neighbours(out):
    for i, a in enumerate(PUBLISHED):
        html = page(out, f"articles/{a.slug}/")
        assert f"<h1>{escape(a.title)}" in html
        assert escape(a.source) in html
        if a.source_url:
            assert f'href="{escape(a.source_url)}"' in html
        if a.author:
            assert escape(a.author) in html
        links = links_of(html)
        for region in a.regions:
            assert f"/regions/{slug(region)}/" in links
        for tag in a.tags:
            assert f"/tags/{slug(tag)}/" in links
        assert f"/sources/{slug(a.source)}/" in links
        older = PUBLISHED[i + 1] if i + 1 < len(PUBLISHED) else None
        newer = PUBLISHED[i - 1] if i > 0 else None
        assert _rel_link(html, "prev") == (f"/articles/{older.slug}/" if older else None)
        assert _rel_link(html, "next") == (f"/articles/{newer.slug}/" if newer else None)


def _rel_link(html: str, rel: str) -> str | None:
    nav = html.split('class="neighbours"', 1)[1]
    match = re.search(rf'<a rel="{rel}" href="([^"]+)"', nav)
    return match.group(1) if match else None


def escape(text: str) -> str:
    from markupsafe import escape as markup_escape

    return str(markup_escape(text))


def test_drafts_are_left_out(out):
    for a in DRAFTS:
        assert not (out / "articles" / a.slug).exists()
        for html_file in html_pages(out):
            assert f"/articles/{a.slug}/" not in html_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("taxonomy", ["tags", "regions", "sources"])
def test_taxonomy_index_lists_every_term_with_its_count(out, taxonomy):
    html = page(out, f"{taxonomy}/")
    listed = dict(
        re.findall(r'<a href="/' + taxonomy + r'/([^/"]+)/">[^<]*</a> <span class="count">(\d+)', html)
    )
    assert {unquote(k): int(v) for k, v in listed.items()} == {
        s: len(arts) for s, (_, arts) in TAXONOMIES[taxonomy].items()
    }


@pytest.mark.parametrize("taxonomy", ["tags", "regions", "sources"])
def test_every_term_page_lists_its_articles_newest_first(out, taxonomy):
    for term_slug, (_, arts) in TAXONOMIES[taxonomy].items():
        assert article_links(page(out, f"{taxonomy}/{term_slug}/")) == slugs(arts)


def test_tags_merge_case_and_accents(out):
    # 'Energy' (one article) and 'energy' (the others) are one tag; 'são-paulo' is sao-paulo.
    assert "energy" in TAGS and len(TAGS["energy"][1]) > 1
    assert not (out / "tags" / "Energy").exists()
    html = page(out, "tags/energy/")
    assert '<h1 class="page-title">energy' in html
    assert (out / "tags" / "sao-paulo" / "index.html").is_file()
    assert (out / "tags" / "cote-d-ivoire" / "index.html").is_file()


def test_term_pages_are_paginated_per_page(small_pages_out):
    out = small_pages_out
    for taxonomy, found in TAXONOMIES.items():
        for term_slug, (_, arts) in found.items():
            base = f"{taxonomy}/{term_slug}/"
            chunks = pages_of(arts, 3)
            for number, chunk in enumerate(chunks, 1):
                assert article_links(page(out, page_path(base, number))) == slugs(chunk), (base, number)
            assert not (out / taxonomy / term_slug / "page" / str(len(chunks) + 1)).exists()
    assert any(len(arts) > 3 for _, arts in TAGS.values()), "some tag should need two pages"
    home_pages = math.ceil(len(PUBLISHED) / 3)
    assert (out / "page" / str(home_pages) / "index.html").is_file()
    assert not (out / "page" / str(home_pages + 1)).exists()


def test_timeline_lists_years_and_months_newest_first_with_counts(out):
    html = page(out, "timeline/")
    months: dict[tuple[int, int], list[Expected]] = {}
    for a in PUBLISHED:
        months.setdefault((a.date.year, a.date.month), []).append(a)
    listed = re.findall(r'<a href="/timeline/(\d{4})/(\d{2})/">[^<]*</a> <span class="count">(\d+)', html)
    assert [(int(y), int(m), int(n)) for y, m, n in listed] == [
        (y, m, len(arts)) for (y, m), arts in sorted(months.items(), reverse=True)
    ]
    years = re.findall(r'<a href="/timeline/(\d{4})/">\d{4}</a> <span class="count">(\d+)', html)
    expected_years = sorted({a.date.year for a in PUBLISHED}, reverse=True)
    assert [(int(y), int(n)) for y, n in years] == [
        (y, sum(a.date.year == y for a in PUBLISHED)) for y in expected_years
    ]


def test_every_year_and_month_page_lists_its_articles_newest_first(out):
    for year in {a.date.year for a in PUBLISHED}:
        in_year = [a for a in PUBLISHED if a.date.year == year]
        assert article_links(page(out, f"timeline/{year}/")) == slugs(in_year)
        for month in {a.date.month for a in in_year}:
            in_month = [a for a in in_year if a.date.month == month]
            assert article_links(page(out, f"timeline/{year}/{month:02d}/")) == slugs(in_month)


def test_month_page_groups_by_day_newest_first(out):
    for year, month in {(a.date.year, a.date.month) for a in PUBLISHED}:
        html = page(out, f"timeline/{year}/{month:02d}/")
        days = re.findall(r'<h2><time datetime="(\d{4}-\d{2}-\d{2})">', html)
        expected = list(
            dict.fromkeys(
                a.date.date().isoformat() for a in PUBLISHED if (a.date.year, a.date.month) == (year, month)
            )
        )
        assert days == expected


def test_dates_are_filed_in_the_site_timezone(out):
    # 2024-11-06T23:30-05:00 is 04:30 on 7 November in Europe/London.
    a = next(a for a in PUBLISHED if a.slug == "us-election-tariff-review")
    assert a.date.day == 7 and TZ.key == "Europe/London"
    html = page(out, "timeline/2024/11/")
    assert '<time datetime="2024-11-07">7 November 2024</time>' in html


# --- feeds, sitemap, robots, 404 ------------------------------------------------------------------


def parse_feed(path: Path) -> ET.Element:
    assert path.is_file(), f"{path} was not written"
    root = ET.fromstring(path.read_bytes())
    assert root.tag == f"{ATOM}feed"
    return root


def check_feed(
    path: Path, expected: list[Expected], base_url: str, limit: int, full_content: bool = False
) -> None:
    """A valid Atom feed of `expected`; the site's feed carries each body, a tag's or region's its summary."""
    root = parse_feed(path)
    assert root.findtext(f"{ATOM}title").strip()
    feed_id = root.findtext(f"{ATOM}id")
    assert feed_id.startswith(base_url)
    updated = dt.datetime.fromisoformat(root.findtext(f"{ATOM}updated"))
    assert updated.tzinfo is not None
    assert root.find(f"{ATOM}author/{ATOM}name").text
    self_links = [link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(self_links) == 1 and self_links[0].startswith(base_url)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) <= limit
    wanted = expected[:limit]
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert ids == [f"{base_url}articles/{a.slug}/" for a in wanted]
    stamps = []
    for entry, a in zip(entries, wanted, strict=True):
        assert entry.findtext(f"{ATOM}title") == a.title
        stamp = dt.datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
        assert stamp >= a.date and stamp <= updated
        stamps.append(dt.datetime.fromisoformat(entry.findtext(f"{ATOM}published")))
        alternate = [
            link.get("href")
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert alternate == [f"{base_url}articles/{a.slug}/"]
        assert entry.findtext(f"{ATOM}summary").strip()
        content = entry.find(f"{ATOM}content")
        if full_content:
            # HTML content is escaped once: after parsing, it is markup again.
            assert content.get("type") == "html" and content.text.lstrip().startswith("<")
        else:
            assert content is None
    assert stamps == sorted(stamps, reverse=True), "entries newest first"


def test_site_feed(out):
    check_feed(out / "feed.xml", PUBLISHED, CONFIG["base_url"], FEED_LIMIT, full_content=True)


def test_tag_and_region_feeds(out):
    for taxonomy in ("tags", "regions"):
        for term_slug, (_, arts) in TAXONOMIES[taxonomy].items():
            check_feed(out / taxonomy / term_slug / "feed.xml", arts, CONFIG["base_url"], FEED_LIMIT)


def test_feeds_stop_at_feed_limit(small_pages_out):
    check_feed(small_pages_out / "feed.xml", PUBLISHED, CONFIG["base_url"], 4, full_content=True)
    assert len(parse_feed(small_pages_out / "feed.xml").findall(f"{ATOM}entry")) == 4
    for taxonomy in ("tags", "regions"):
        for term_slug, (_, arts) in TAXONOMIES[taxonomy].items():
            path = small_pages_out / taxonomy / term_slug / "feed.xml"
            check_feed(path, arts, CONFIG["base_url"], 4)


def test_feed_language_and_ids_with_a_base_path(tmp_path):
    out = build_sample(tmp_path, base_url="https://example.org/briefings/")
    root = parse_feed(out / "feed.xml")
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == CONFIG["language"]
    check_feed(out / "feed.xml", PUBLISHED, "https://example.org/briefings/", FEED_LIMIT, full_content=True)


def test_sitemap_has_every_html_page_with_absolute_urls(out):
    root = ET.fromstring((out / "sitemap.xml").read_bytes())
    assert root.tag == f"{SITEMAP_NS}urlset"
    locs = [u.findtext(f"{SITEMAP_NS}loc") for u in root.findall(f"{SITEMAP_NS}url")]
    assert len(locs) == len(set(locs))
    expected = {
        CONFIG["base_url"] + quote(page_url_path(out, p))
        for p in html_pages(out)
        if p.name == "index.html" and '<meta name="robots" content="noindex">' not in p.read_text()
    }
    assert set(locs) == expected
    assert all(urlsplit(loc).scheme == "https" for loc in locs)


def test_robots_points_to_the_sitemap(out):
    robots = (out / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in robots
    assert f"Sitemap: {CONFIG['base_url']}sitemap.xml" in robots


def test_not_found_page(out):
    html = (out / "404.html").read_text(encoding="utf-8")
    assert "Page not found" in html
    assert re.search(r'href="/css/style\.[0-9a-f]{10}\.css"', html)


def test_theme_static_files_are_copied_under_fingerprinted_names(out):
    source = (REPO / "themes" / "default" / "static" / "css" / "style.css").read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:10]
    assert (out / "css" / f"style.{digest}.css").read_bytes() == source
    assert [p.name for p in (out / "css").iterdir()] == [f"style.{digest}.css"]


# --- every internal link resolves -----------------------------------------------------------------


@pytest.mark.parametrize("base_url", ["/", "https://example.org/briefings/", "/briefings"])
def test_every_internal_link_resolves(tmp_path, base_url):
    out = build_sample(tmp_path, base_url=base_url)
    checked, problems = check_links(out, base_url)
    assert problems == []
    assert checked > 1000  # the crawler did find the links
    base_path = urlsplit(base_url).path.rstrip("/") + "/"
    if base_path != "/":
        for html_file in html_pages(out):
            for link in links_of(html_file.read_text(encoding="utf-8")):
                if not urlsplit(link).scheme and not link.startswith("#"):
                    assert link.startswith(base_path), (html_file, link)


def test_the_crawler_finds_a_broken_link(tmp_path):
    out = build_sample(tmp_path, base_url="/")
    (out / "tags" / "energy" / "index.html").unlink()
    _, problems = check_links(out, "/")
    assert problems and all("/tags/energy/" in p for p in problems)


def test_links_resolve_with_names_in_other_scripts(make_site, tmp_path):
    site = make_site(
        {
            "content/2024/Україна-огляд.md": (
                "---\ntitle: Огляд\ndate: 2024-03-01\nsource: Київ Daily\nregion: Україна\n"
                "tags: [Енергетика, São Paulo, 東京]\n---\n\nSee [the map](/images/map.svg) and "
                "[the tag](/tags/енергетика/).\n"
            ),
            "content/2024/other.md": (
                "---\ntitle: Other\ndate: 2024-03-02\nsource: Wire\ntags: енергетика\n---\n"
            ),
            "static/images/map.svg": "<svg/>",
        }
    )
    for base_url in ("/", "https://example.org/briefings/"):
        out = tmp_path / "out"
        sitegen.build(site, out, base_url=base_url)
        assert (out / "articles" / "україна-огляд" / "index.html").is_file()
        assert (out / "tags" / "енергетика" / "feed.xml").is_file()
        assert (out / "sources" / "київ-daily" / "index.html").is_file()
        assert (out / "tags" / "東京" / "index.html").is_file()
        checked, problems = check_links(out, base_url)
        assert problems == [] and checked > 50
        tag_page = (out / "tags" / "енергетика" / "index.html").read_text(encoding="utf-8")
        assert article_links(tag_page, urlsplit(base_url).path) == ["other", "україна-огляд"]
        locs = (out / "sitemap.xml").read_text(encoding="utf-8")
        assert base_url.removeprefix("/") + "tags/" + quote("енергетика") + "/" in locs

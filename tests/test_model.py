import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from siteutil import make_article

from sitegen.config import SiteConfig
from sitegen.load import load_file
from sitegen.model import build_site
from sitegen.validate import Article, validate_file

UTC = ZoneInfo("UTC")


def make(slug, date, tags=(), regions=(), source="Wire", draft=False) -> Article:
    when = dt.datetime.fromisoformat(date).replace(tzinfo=UTC)
    return make_article(slug, when, tags=tuple(tags), regions=tuple(regions), source=source, draft=draft)


ARTICLES = [
    make("b", "2024-03-02T10:00", tags=["Ukraine", "energy"], regions=["Europe"], source="Wire"),
    make("a", "2024-03-01T10:00", tags=["ukraine"], regions=["Europe", "Middle East"], source="wire"),
    make("d", "2025-01-15T08:00", tags=["ukraine", "Energy"], source="Ledger"),
    make("c", "2024-11-30T23:59", tags=["São Paulo"], regions=["Latin America"], source="Ledger"),
    make("x", "2025-02-01T00:00", tags=["secret"], regions=["Europe"], draft=True),
]


def site(articles=ARTICLES, drafts=False, **config):
    return build_site(SiteConfig(**config), list(articles), drafts=drafts)


def slugs(articles):
    return [a.slug for a in articles]


def test_articles_newest_first_without_drafts():
    assert slugs(site().articles) == ["d", "c", "b", "a"]


def test_drafts_included_on_request():
    s = site(drafts=True)
    assert slugs(s.articles) == ["x", "d", "c", "b", "a"]
    assert "secret" in {t.name for t in s.taxonomies["tags"].terms}
    assert "secret" not in {t.name for t in site().taxonomies["tags"].terms}
    assert "articles/x/" not in {p.url_path for p in site().pages}
    assert "articles/x/" in {p.url_path for p in s.pages}


def test_same_date_is_ordered_the_same_every_time():
    same = [make("p", "2024-01-01T00:00"), make("q", "2024-01-01T00:00")]
    assert slugs(site(same).articles) == slugs(site(list(reversed(same))).articles)


def test_tags_merge_without_regard_to_case_most_common_spelling_wins():
    tags = {t.slug: t for t in site().taxonomies["tags"].terms}
    assert set(tags) == {"ukraine", "energy", "sao-paulo"}
    assert tags["ukraine"].name == "ukraine"  # 2 of 3
    assert slugs(tags["ukraine"].articles) == ["d", "b", "a"]
    assert tags["energy"].name == "Energy"  # a tie goes to the capitalised spelling
    assert tags["sao-paulo"].name == "São Paulo"
    assert tags["ukraine"].url_path == "tags/ukraine/"
    assert tags["ukraine"].feed_path == "tags/ukraine/feed.xml"


def test_a_tie_goes_to_the_capitalised_spelling():
    tied = [make("a", "2024-01-01T00:00", tags=["ukraine"]), make("b", "2024-01-02T00:00", tags=["Ukraine"])]
    [term] = site(tied).taxonomies["tags"].terms
    assert term.name == "Ukraine"


def test_regions_and_sources():
    s = site()
    regions = {t.slug: slugs(t.articles) for t in s.taxonomies["regions"].terms}
    assert regions == {"europe": ["b", "a"], "middle-east": ["a"], "latin-america": ["c"]}
    sources = {t.slug: (t.name, slugs(t.articles)) for t in s.taxonomies["sources"].terms}
    assert sources == {"wire": ("Wire", ["b", "a"]), "ledger": ("Ledger", ["d", "c"])}


def test_terms_are_sorted_by_name():
    names = [t.name for t in site().taxonomies["regions"].terms]
    assert names == ["Europe", "Latin America", "Middle East"]


def test_terms_of_an_article():
    s = site()
    a = next(a for a in s.articles if a.slug == "a")
    assert [t.slug for t in s.terms_of(a, "tags")] == ["ukraine"]
    assert [t.slug for t in s.terms_of(a, "regions")] == ["europe", "middle-east"]
    assert [t.name for t in s.terms_of(a, "sources")] == ["Wire"]
    assert s.term("tags", "UKRAINE").slug == "ukraine"


def test_timeline_groups_by_year_and_month_newest_first():
    years = site().years
    assert [y.year for y in years] == [2025, 2024]
    assert [(m.year, m.month, slugs(m.articles)) for m in years[1].months] == [
        (2024, 11, ["c"]),
        (2024, 3, ["b", "a"]),
    ]
    assert years[1].count == 3 and years[0].count == 1
    assert years[1].months[0].url_path == "timeline/2024/11/"
    assert years[0].url_path == "timeline/2025/"


def test_timeline_uses_the_site_timezone_of_each_date():
    # 04:30 UTC on 1 December is 23:30 on 30 November in New York, where validate puts it.
    article = make("late", "2024-12-01T04:30")
    in_new_york = replace(article, date=article.date.astimezone(ZoneInfo("America/New_York")))
    [year] = site([in_new_york]).years
    assert [m.month for m in year.months] == [11]


@pytest.mark.parametrize(
    ("count", "per_page", "pages"), [(0, 2, 1), (1, 2, 1), (2, 2, 1), (3, 2, 2), (5, 2, 3)]
)
def test_pagination(count, per_page, pages):
    articles = [make(f"a{i}", f"2024-01-{i + 1:02d}T00:00", tags=["t"]) for i in range(count)]
    s = site(articles, per_page=per_page)
    home = [p for p in s.pages if p.template == "index.html"]
    assert [p.url_path for p in home] == [""] + [f"page/{n}/" for n in range(2, pages + 1)]
    newest_first = slugs(s.articles)
    for number, p in enumerate(home, 1):
        assert p.data.paginator.number == number
        assert p.data.paginator.count == pages
        assert slugs(p.data.articles) == newest_first[(number - 1) * per_page : number * per_page]
    if count:
        term_pages = [p.url_path for p in s.pages if p.template == "term.html"]
        assert term_pages == ["tags/t/"] + [f"tags/t/page/{n}/" for n in range(2, pages + 1)] + [
            "sources/wire/"
        ] + [f"sources/wire/page/{n}/" for n in range(2, pages + 1)]


def test_paginator_links():
    s = site([make(f"a{i}", f"2024-01-{i + 1:02d}T00:00") for i in range(5)], per_page=2)
    home = [p.data.paginator for p in s.pages if p.template == "index.html"]
    assert [(p.previous_path, p.next_path) for p in home] == [
        (None, "page/2/"),
        ("", "page/3/"),
        ("page/2/", None),
    ]


def test_feeds_hold_the_newest_feed_limit_articles():
    s = site(feed_limit=2)
    feeds = {p.url_path: slugs(p.data.articles) for p in s.pages if p.url_path.endswith("feed.xml")}
    assert feeds["feed.xml"] == ["d", "c"]
    assert feeds["tags/ukraine/feed.xml"] == ["d", "b"]
    assert feeds["regions/europe/feed.xml"] == ["b", "a"]
    assert not any(path.startswith("sources/") for path in feeds)


def test_every_page_has_its_own_file():
    pages = site().pages
    files = [p.file_path for p in pages]
    assert len(files) == len(set(files))
    assert {
        "index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "feed.xml",
        "timeline/index.html",
        "tags/index.html",
        "regions/index.html",
        "sources/index.html",
    } <= set(files)


def test_an_empty_site_still_has_its_pages():
    s = site([])
    assert {p.file_path for p in s.pages} == {
        "index.html",
        "stories/index.html",  # the navigation links to it
        "editions/index.html",  # and to this
        "tags/index.html",
        "regions/index.html",
        "sources/index.html",
        "timeline/index.html",
        "feed.xml",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "search/index.html",
    }


def test_articles_are_ordered_by_instant_in_the_hour_a_dst_change_repeats(tmp_path):
    # 27 October 2024 in Berlin: 02:00-03:00 is lived twice, at +02:00 and then at +01:00.
    berlin = ZoneInfo("Europe/Berlin")
    dates = {
        "first-pass-late": "2024-10-27T02:45:00+02:00",  # 00:45 UTC
        "second-pass-early": "2024-10-27T02:15:00+01:00",  # 01:15 UTC
        "no-offset": "2024-10-27T02:30:00",  # the first 02:30 (+02:00), 00:30 UTC
        "second-pass-late": "2024-10-27T02:50:00+01:00",  # 01:50 UTC
    }
    articles = []
    for slug, date in dates.items():
        (tmp_path / f"{slug}.md").write_text(f"---\ntitle: T\ndate: {date}\nsource: S\n---\nBody\n")
        source, _ = load_file(tmp_path / f"{slug}.md", f"content/{slug}.md")
        article, _, problems = validate_file(source, berlin)
        assert problems == []
        articles.append(article)
    s = site(articles, timezone="Europe/Berlin")
    assert slugs(s.articles) == ["second-pass-late", "second-pass-early", "first-pass-late", "no-offset"]
    # Shown in the site's timezone, with the offset of that moment.
    shown = {a.slug: a.date.isoformat() for a in s.articles}
    assert shown["second-pass-early"] == "2024-10-27T02:15:00+01:00"
    assert shown["first-pass-late"] == "2024-10-27T02:45:00+02:00"
    assert shown["no-offset"] == "2024-10-27T02:30:00+02:00"

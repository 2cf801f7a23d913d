"""The model updated after an edit (`build_site(..., before=site)`, sitegen/model_update.py)
equals the model made from nothing, and keeps every part that the edit left alone."""

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from siteutil import make_article

from sitegen.config import AliasSpec, RedirectSpec, SiteConfig
from sitegen.editions import EditionFile, ItemRef, SectionRef, Selection
from sitegen.engine import SitePages, site_pages
from sitegen.images import ArticleImages, Picture
from sitegen.model import Site, build_site
from sitegen.render.feeds import sitemap
from sitegen.render.reads import identity, same_identity
from sitegen.slugs import slugify
from sitegen.stories import StoryFile
from sitegen.validate import Article

UTC = ZoneInfo("UTC")
START = dt.datetime(2024, 1, 30, 12, tzinfo=UTC)
NOW = START + dt.timedelta(days=20)
SLUGS = [f"a{n}" for n in range(14)]
# Case variants of one name, two names with one slug ('C++' and 'C plus plus'), an alias.
TAGS = ["Ukraine", "ukraine", "Energy", "C++", "C plus plus", "Kiev", "Kyiv", "Grid"]
REGIONS = ["Europe", "europe", "Asia", "Middle East"]
SOURCES = ["Wire", "wire", "Ledger", "Beacon"]
STORIES = ["Ceasefire talks", "ceasefire talks", "Grid crisis"]
STORY_FILES = (
    StoryFile("ceasefire-talks", "content/stories/ceasefire-talks.md", "Talks", "developing", None, None, ""),
    StoryFile("unused", "content/stories/unused.md", None, "concluded", None, None, "<p>x</p>"),
)


def edition_files() -> tuple[EditionFile, ...]:
    def edition(slug, day, sections=(), select=None):
        date = START + dt.timedelta(days=day)
        return EditionFile(
            slug, f"content/editions/{slug}.md", None, date, False, "", "", "", "", sections, select
        )

    items = tuple(ItemRef(slug, "", None) for slug in ("a1", "a3", "a5", "a1"))
    picks = Selection(dt.timedelta(days=6), None, (), ("ukraine",), (), 3, True, None)
    return (
        edition("2024-02-05", 6, sections=(SectionRef("", items),)),
        edition("2024-02-09", 10, select=picks),
        edition("2024-02-20", 21, select=replace(picks, tags=(), limit=None, group_by_region=False)),
    )


def config(per_page: int, aliases: bool) -> SiteConfig:
    return SiteConfig(
        per_page=per_page,
        feed_limit=3,
        aliases=(AliasSpec("tags", "Kiev", "Kyiv"), AliasSpec("tags", "Gas", "Natural gas"))
        if aliases
        else (),
        redirects=(RedirectSpec("old/", "tags/ukraine/"), RedirectSpec("a3/", "elsewhere/"))
        if aliases
        else (),
    )


def names(pool, data, most=3) -> tuple[str, ...]:
    """Names as validation keeps them: each slug once, its first spelling."""
    chosen = data.draw(st.lists(st.sampled_from(pool), max_size=most))
    return tuple({slugify(name): name for name in reversed(chosen)}.values())[::-1]


def article(data, slug: str) -> Article:
    date = START + dt.timedelta(days=data.draw(st.integers(0, 30)))  # equal dates are common
    expires = data.draw(st.none() | st.integers(1, 15))
    return make_article(
        slug,
        date,
        title=data.draw(st.sampled_from(["One", "Two"])),
        source=data.draw(st.sampled_from(SOURCES)),
        regions=names(REGIONS, data),
        tags=names(TAGS, data),
        draft=data.draw(st.booleans()) and data.draw(st.booleans()),
        stories=names(STORIES, data, most=2),
        expires=None if expires is None else date + dt.timedelta(days=expires),
    )


EDITS = [
    "tags",
    "regions",
    "source",
    "title",
    "date",
    "story",
    "draft",
    "expires",
    "add",
    "delete",
    "same",
    "image",
]


def edit(data, articles: dict[str, Article], images: dict[str, ArticleImages]) -> None:
    """One edit of the site, drawn."""
    kind = data.draw(st.sampled_from(EDITS))
    missing = [slug for slug in SLUGS if slug not in articles]
    if kind == "add" or not articles:
        if missing:
            slug = data.draw(st.sampled_from(missing))
            articles[slug] = article(data, slug)
        return
    slug = data.draw(st.sampled_from(sorted(articles)))
    old = articles[slug]
    fresh = article(data, slug)
    if kind == "delete":
        del articles[slug]
        images.pop(slug, None)
    elif kind == "same":
        articles[slug] = replace(old)
    elif kind == "image":
        images[slug] = ArticleImages(Picture(f"images/{data.draw(st.integers(0, 2))}.png", ""), None)
    elif kind == "date":
        articles[slug] = replace(old, date=fresh.date, expires=fresh.expires)
    elif kind == "story":
        articles[slug] = replace(old, stories=fresh.stories)
    elif kind == "source":
        articles[slug] = replace(old, source=fresh.source)
    elif kind == "draft":
        articles[slug] = replace(old, draft=not old.draft)
    elif kind == "expires":
        articles[slug] = replace(old, expires=fresh.expires and old.date + (fresh.expires - fresh.date))
    else:
        articles[slug] = replace(old, **{kind: getattr(fresh, kind)})


def assert_same_model(updated: Site, plain: Site) -> None:
    assert updated == plain
    assert updated.terms_by_slug == plain.terms_by_slug
    assert updated.terms_by_article == plain.terms_by_article
    assert updated.stories_by_slug == plain.stories_by_slug
    assert updated.editions_by_slug == plain.editions_by_slug
    assert updated.related is not None and plain.related is not None
    assert updated.related.lists == plain.related.lists


def assert_unchanged_pages_kept(updated: Site, last: Site) -> None:
    old = {page.url_path: page for page in last.pages}
    for page in updated.pages:
        kept = old.get(page.url_path)
        if kept is not None and kept.data == page.data:
            assert page.data is kept.data, page.url_path


def assert_shortcut_identities_hold(updated: Site, last: Site) -> None:
    """The engine keeps a page's shape when same_identity says its data hold the very same
    objects (or model objects of the same names) as before: then identity() must agree."""
    old = {page.url_path: page for page in last.pages}
    for page in updated.pages:
        kept = old.get(page.url_path)
        if kept is not None and same_identity(page.data, kept.data):
            assert identity(page.data) == identity(kept.data), page.url_path


def absolute_url(path: str, quoted: bool = False) -> str:
    return "https://example.org/" + path


def assert_same_pages(derived: SitePages, before: SitePages) -> SitePages:
    plain = site_pages(derived.site, derived.settings, None)
    assert derived.shapes == plain.shapes
    assert derived.pages.keys() == plain.pages.keys()
    assert all(page is plain.pages[path] for path, page in derived.pages.items())
    assert (derived.generated, derived.folders) == (plain.generated, plain.folders)
    if derived.reshaped is not None:  # it names every path whose shape differs from before
        assert derived.reshaped.before is before.shapes
        paths = before.shapes.keys() | plain.shapes.keys()
        assert {p for p in paths if before.shapes.get(p) != plain.shapes.get(p)} <= derived.reshaped.paths
    return derived


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_an_updated_model_equals_a_model_made_from_nothing(data):
    drafts, future, aliases = data.draw(st.booleans()), data.draw(st.booleans()), data.draw(st.booleans())
    clock = data.draw(st.booleans())
    cfg = config(data.draw(st.integers(1, 3)), aliases)
    options = dict(
        drafts=drafts,
        story_files=STORY_FILES,
        edition_files=edition_files() if data.draw(st.booleans()) else (),
        future=future,
    )
    now = NOW if clock else None
    articles = {slug: article(data, slug) for slug in data.draw(st.sets(st.sampled_from(SLUGS), max_size=10))}
    images: dict[str, ArticleImages] = {}
    last = build_site(cfg, list(articles.values()), images=dict(images), now=now, **options)
    lines = sitemap(last, absolute_url)[1]
    pages = site_pages(last, b"settings", None)
    updates = expected = 0
    for _ in range(data.draw(st.integers(1, 6))):
        # Now and then the clock moves on: past a date or expiry the model is made again.
        if clock and data.draw(st.integers(0, 4)) == 0:
            now += dt.timedelta(days=data.draw(st.integers(1, 6)))
        expected += now is None or last.schedule.holds_at(now)
        was, had = dict(articles), dict(images)
        for _ in range(data.draw(st.integers(1, 3))):
            edit(data, articles, images)
        made_equal_copy = any(
            now[slug] is not then[slug] and now[slug] == then[slug]
            for now, then in ((articles, was), (images, had))
            for slug in now.keys() & then.keys()
        )
        given_articles = list(articles.values())
        updated = build_site(cfg, given_articles, images=dict(images), before=last, now=now, **options)
        plain = build_site(cfg, given_articles, images=dict(images), now=now, **options)
        assert_same_model(updated, plain)
        assert_shortcut_identities_hold(updated, last)
        # The sitemap written from the last one's lines (as the preview writes it) is the one
        # written from nothing.
        text, lines = sitemap(updated, absolute_url, lines)
        assert text == sitemap(updated, absolute_url)[0]
        # So are the pages a build looks up, and their shapes, derived from the last ones.
        pages = assert_same_pages(site_pages(updated, b"settings", pages), pages)
        was_updated = updated.basis is not None and updated.basis.updated
        if was_updated and not made_equal_copy:
            assert_unchanged_pages_kept(updated, last)
        updates += was_updated
        last = updated
    assert updates == expected  # a few edits of a small site: updated unless the clock passed a date


def test_many_changed_articles_make_the_model_again():
    cfg = SiteConfig()
    articles = [
        make_article(f"a{n}", START + dt.timedelta(hours=n), title="T", tags=("x",)) for n in range(60)
    ]
    last = build_site(cfg, articles, drafts=False)
    edited = [replace(a, title="U") for a in articles]
    again = build_site(cfg, edited, drafts=False, before=last)
    assert again.basis is not None and not again.basis.updated
    assert again == build_site(cfg, edited, drafts=False)

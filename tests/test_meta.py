"""Link previews and structured data: every page's canonical link, description, OpenGraph and
Twitter card tags, and JSON-LD (a NewsArticle on article pages, a BreadcrumbList on listings),
read back with extruct (the structured-data parser search engines' tools resemble) and lxml."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import extruct
import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from siteutil import article, run_subprocess, write_site

from sitegen import build
from sitegen.characters import FORBIDDEN
from sitegen.config import SiteConfig, load_config
from sitegen.model import ArticlePage, build_site
from sitegen.render import CompiledTemplates, Renderer
from sitegen.render.structured import HEADLINE_LIMIT, headline, json_ld, og_locale
from sitegen.render.theme import find_theme
from sitegen.validate import Article

SITE_YAML = (
    'title: "Test Briefing"\nbase_url: "https://example.org/news/"\nsearch: false\n'
    'language: "en-GB"\ntimezone: "Europe/Berlin"\nrelative_urls: true\n'
    'description: "Shipping & energy news, curated"\nlogo: /images/logo.png\n'
    "aliases: {tags: {port-strike: [dock-strike]}}\n"
)


# Quotes, markup and a script's end in the title and summary: each is text, shown as written.
STRIKE = """---
title: 'Port strike ends: "a fair deal" </script> & more'
date: 2024-10-11T16:20:00+02:00
source: Meridian Wire
summary: '"Dockworkers" <b>voted</b> & agreed'
updated: 2024-10-12T09:00:00+02:00
author: [Ana Lima, "Berg, Jonas"]
region: [Europe, North Sea]
tags: [dock-strike, shipping]
source_url: https://meridian.example/strike
image: /images/cranes.png
image_alt: Cranes at the quay
story: Port strike
---

Dockworkers voted.
"""


def read(out: Path, path: str) -> tuple[dict, dict[str, list[str]], lxml.html.HtmlElement]:
    """The page's structured data (extruct), its meta tags by property or name, and its tree."""
    html = (out / path).read_text(encoding="utf-8")
    url = "https://example.org/news/" + path.removesuffix("index.html")
    data = extruct.extract(html, base_url=url, syntaxes=["json-ld", "opengraph"])
    tree = lxml.html.fromstring(html)
    tags: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name")
        if key:
            tags.setdefault(key, []).append(meta.get("content"))
    # extruct reads the OpenGraph properties (og:, article:) as the tags say, in their order.
    [opengraph] = data["opengraph"]
    properties = [(meta.get("property"), meta.get("content")) for meta in tree.iter("meta")]
    assert opengraph["properties"] == [(key, value) for key, value in properties if key]
    return data, tags, tree


def one(data: dict, kind: str) -> dict:
    [found] = [item for item in data["json-ld"] if item.get("@type") == kind]
    return found


def png(width: int, height: int) -> bytes:
    """A real picture: link previews show its published copy (sitegen/images.py)."""
    data = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 140)).save(data, "PNG")
    return data.getvalue()


# The lead image's widest copy in its own format, under the site's base path.
CRANES = re.compile(r"https://example\.org/news/images/[0-9a-f]{16}/cranes-800\.png")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_site(
        tmp_path_factory.mktemp("meta") / "site",
        {
            "site.yaml": SITE_YAML,
            "static/images/logo.png": b"png",
            "static/images/cranes.png": png(800, 500),
            "content/2024/10/strike.md": STRIKE,
            "content/2024/10/plain.md": article(
                title="Grid deal signed", date="2024-10-01", source="Harbour Broadcasting", tags="[energy]"
            ),
        },
    )
    build(root, root / "out", jobs=1)
    return root / "out"


def test_an_article_page_has_link_previews_with_every_field(site: Path):
    _, tags, tree = read(site, "articles/strike/index.html")
    assert tags["og:type"] == ["article"]
    assert tags["og:title"] == ['Port strike ends: "a fair deal" </script> & more']
    assert tags["og:description"] == ['"Dockworkers" <b>voted</b> & agreed']
    assert tags["description"] == ['"Dockworkers" <b>voted</b> & agreed']
    assert tags["og:site_name"] == ["Test Briefing"]
    # Full addresses, though the site's links are relative (relative_urls: true).
    assert tags["og:url"] == ["https://example.org/news/articles/strike/"]
    [image] = tags["og:image"]
    assert CRANES.fullmatch(image), image
    assert (tags["og:image:width"], tags["og:image:height"]) == (["800"], ["500"])
    assert tags["og:image:alt"] == ["Cranes at the quay"]
    assert tags["og:locale"] == ["en_GB"]
    assert tags["twitter:card"] == ["summary_large_image"]
    assert tags["twitter:image"] == [image]
    assert tags["article:published_time"] == ["2024-10-11T16:20:00+02:00"]
    assert tags["article:modified_time"] == ["2024-10-12T09:00:00+02:00"]
    assert tags["article:section"] == ["Europe"]
    assert tags["article:tag"] == ["port-strike", "shipping"]  # an alias as its canonical term
    [canonical] = tree.xpath("//link[@rel='canonical']/@href")
    assert canonical == "https://example.org/news/articles/strike/"


def test_an_article_page_carries_a_news_article(site: Path):
    data, _, _ = read(site, "articles/strike/index.html")
    news = one(data, "NewsArticle")
    assert news["@context"] == "https://schema.org"
    assert news["headline"] == 'Port strike ends: "a fair deal" </script> & more'
    assert news["description"] == '"Dockworkers" <b>voted</b> & agreed'
    assert news["datePublished"] == "2024-10-11T16:20:00+02:00"
    assert news["dateModified"] == "2024-10-12T09:00:00+02:00"
    assert news["author"] == [
        {"@type": "Person", "name": "Ana Lima"},
        {"@type": "Person", "name": "Berg, Jonas"},
    ]
    assert news["publisher"] == {
        "@type": "Organization",
        "name": "Test Briefing",
        "url": "https://example.org/news/",
        "logo": {"@type": "ImageObject", "url": "https://example.org/news/images/logo.png"},
    }
    [image] = news["image"]
    assert CRANES.fullmatch(image), image
    assert news["mainEntityOfPage"] == {
        "@type": "WebPage",
        "@id": "https://example.org/news/articles/strike/",
    }
    assert news["isBasedOn"] == "https://meridian.example/strike"
    assert news["articleSection"] == "Europe"
    assert news["keywords"] == ["port-strike", "shipping"]
    assert news["inLanguage"] == "en-GB"


def test_the_script_element_cannot_be_closed_by_the_text(site: Path):
    html = (site / "articles/strike/index.html").read_text(encoding="utf-8")
    script = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in script and ">" not in script and "&" not in script
    assert "\\u003c/script\\u003e" in script


def test_an_article_without_an_image_or_author_or_update(site: Path):
    data, tags, _ = read(site, "articles/plain/index.html")
    # Its link preview shows its social card (social_cards is on by default; tests/test_images.py).
    [card] = tags["og:image"]
    assert re.fullmatch(r"https://example\.org/news/images/[0-9a-f]{16}/card\.png", card), card
    assert (tags["og:image:width"], tags["og:image:height"]) == (["1200"], ["630"])
    assert tags["twitter:card"] == ["summary_large_image"] and tags["twitter:image"] == [card]
    # A day without a time: midnight in the site's timezone; modified is the date itself.
    assert tags["article:published_time"] == tags["article:modified_time"] == ["2024-10-01T00:00:00+02:00"]
    assert "article:section" not in tags
    news = one(data, "NewsArticle")
    assert news["image"] == [card]
    assert "isBasedOn" not in news and "articleSection" not in news
    # No author: the outlet, as an organisation.
    assert news["author"] == {"@type": "Organization", "name": "Harbour Broadcasting"}


@pytest.mark.parametrize(
    ("path", "trail", "description"),
    [
        ("tags/index.html", [("Tags", "tags/")], "Tags in Test Briefing, each with its number of articles"),
        (
            "tags/port-strike/index.html",
            [("Tags", "tags/"), ("port-strike", "tags/port-strike/")],
            "Articles tagged port-strike, in Test Briefing",
        ),
        (
            "regions/europe/index.html",
            [("Regions", "regions/"), ("Europe", "regions/europe/")],
            "Region: Europe, in Test Briefing",
        ),
        (
            "sources/meridian-wire/index.html",
            [("Sources", "sources/"), ("Meridian Wire", "sources/meridian-wire/")],
            "Source: Meridian Wire, in Test Briefing",
        ),
        (
            "timeline/index.html",
            [("Timeline", "timeline/")],
            "Every month of Test Briefing, with its number of articles",
        ),
        (
            "timeline/2024/index.html",
            [("Timeline", "timeline/"), ("2024", "timeline/2024/")],
            "Articles of 2024 in Test Briefing, by month",
        ),
        (
            "timeline/2024/10/index.html",
            [("Timeline", "timeline/"), ("2024", "timeline/2024/"), ("October 2024", "timeline/2024/10/")],
            "Articles of October 2024 in Test Briefing",
        ),
        ("stories/index.html", [("Stories", "stories/")], None),
        (
            "stories/port-strike/index.html",
            [("Stories", "stories/"), ("Port strike", "stories/port-strike/")],
            None,
        ),
    ],
)
def test_a_listing_page_carries_a_breadcrumb_list(
    site: Path, path: str, trail: list[tuple[str, str]], description: str | None
):
    data, tags, _ = read(site, path)
    crumbs = one(data, "BreadcrumbList")
    base = "https://example.org/news/"
    expected = [("Test Briefing", ""), *trail]
    assert crumbs["itemListElement"] == [
        {"@type": "ListItem", "position": n, "name": name, "item": base + where}
        for n, (name, where) in enumerate(expected, 1)
    ]
    assert tags["og:type"] == ["website"]
    assert tags["og:url"] == [base + path.removesuffix("index.html")]
    if description:
        assert tags["description"] == tags["og:description"] == [description]
    assert tags["twitter:card"] == ["summary"]
    assert not [item for item in data["json-ld"] if item.get("@type") == "NewsArticle"]


def test_the_home_page_describes_the_site(site: Path):
    data, tags, _ = read(site, "index.html")
    assert tags["description"] == tags["og:description"] == ["Shipping & energy news, curated"]
    assert tags["og:title"] == ["Test Briefing"]
    assert tags["og:type"] == ["website"]
    assert tags["og:url"] == ["https://example.org/news/"]
    assert data["json-ld"] == []  # the home page is no listing of a section: no breadcrumbs


def test_without_a_description_the_site_says_what_it_is(tmp_path: Path):
    root = write_site(tmp_path, {"content/a.md": article()})
    build(root, root / "out", jobs=1)
    _, tags, _ = read(root / "out", "index.html")
    assert tags["description"] == ["Test Briefing: a curated news briefing"]
    news = one(read(root / "out", "articles/a/index.html")[0], "NewsArticle")
    assert "logo" not in news["publisher"]


@pytest.mark.parametrize(
    ("logo", "ok"),
    [("/images/logo.png", True), ("https://cdn.example/logo.png", True), ("images/logo.png", False),
     ("ftp://x/logo.png", False), ("//cdn.example/logo.png", False)],
)  # fmt: skip
def test_logo_must_be_a_path_of_the_site_or_an_address(tmp_path: Path, logo: str, ok: bool):
    write_site(tmp_path, {"site.yaml": f'title: "T"\nlogo: "{logo}"\n'})
    _, problems = load_config(tmp_path)
    errors = [p for p in problems if p.is_error]
    if ok:
        assert not errors
    else:
        assert [(p.path, p.line) for p in errors] == [("site.yaml", 2)]
        assert "logo:" in errors[0].message


def test_an_author_list_is_validated(tmp_path: Path):
    root = write_site(
        tmp_path,
        {
            "content/a.md": article(author="[Ana Lima, 5]"),
            "content/b.md": article(title="B", author="{x: 1}"),
        },
    )
    result = run_subprocess("build", "--site", root)
    assert result.code == 1
    assert "content/a.md:5: author: each item must be text, got 5" in result.err
    assert "content/b.md:5: author: expected text, got a set of keys" in result.err


# --- Headlines ------------------------------------------------------------------------------


def test_a_long_title_is_cut_on_a_word_with_an_ellipsis():
    title = "Word " * 30
    cut = headline(title)
    assert len(cut) <= HEADLINE_LIMIT and cut.endswith("Word…")
    assert headline("x" * 200) == "x" * (HEADLINE_LIMIT - 1) + "…"  # no space to cut at
    assert headline("short") == "short"
    assert headline("a" * 110) == "a" * 110


@settings(max_examples=400, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_a_headline_is_at_most_110_characters_and_a_prefix_of_the_title(title: str):
    cut = headline(title)
    words = " ".join(title.split())
    assert len(cut) <= HEADLINE_LIMIT
    if len(words) <= HEADLINE_LIMIT:
        assert cut == words
    else:
        kept = cut.removesuffix("…")
        assert cut.endswith("…") and words.startswith(kept)
        rest = words[len(kept) :]
        # Cut between words, unless the first 109 characters hold no space.
        assert rest[:1] in (" ", ",", ";", ":") or " " not in words[:HEADLINE_LIMIT]


@pytest.mark.parametrize(
    ("language", "locale"),
    [("en", "en_US"), ("en-GB", "en_GB"), ("fr", "fr_FR"), ("uk", "uk_UA"), ("xx", "xx")],
)
def test_og_locale_is_language_and_territory(language: str, locale: str):
    assert og_locale(language) == locale


def test_json_ld_leaves_out_empty_values_and_escapes_what_ends_a_script():
    assert str(json_ld({"a": None, "b": "", "c": [], "d": {"e": None}, "f": "</script><!--&"})) == (
        '{"f":"\\u003c/script\\u003e\\u003c!--\\u0026"}'
    )


# --- Any text round-trips -------------------------------------------------------------------

# Text as validation leaves it: no character XML forbids (they are dropped as files are read),
# no CR (HTML parsers read CR LF and CR as LF), no leading or trailing space (stripped).
PIECES = ["<", ">", "&", '"', "'", "</script>", "<!--", "\\", "\u2028", "é", "😀", " ", "\n"]
TEXT = (
    st.lists(
        st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(PIECES)),
        min_size=1,
        max_size=40,
    )
    .map(lambda parts: FORBIDDEN.sub("", "".join(parts)).replace("\r", "").strip())
    .filter(bool)
)


@pytest.fixture(scope="module")
def renderer_for(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("roundtrip")
    theme, _ = find_theme(folder, "default")
    assert theme is not None
    config = SiteConfig(base_url="https://example.org/", search=False)
    compiled = CompiledTemplates()  # each example's Renderer compiles no template again

    def render(title: str, summary: str) -> bytes:
        moment = dt.datetime(2024, 10, 11, 16, 20, tzinfo=dt.UTC)
        item = Article(
            slug="a", title=title, date=moment, has_time=True, source="Wire", source_url=None,
            regions=(), tags=(), summary=summary, summary_from_body=False, author=None, image=None,
            image_caption=None, updated=None, draft=False, path="content/a.md",
        ).with_digest()  # fmt: skip
        site = build_site(config, [item], drafts=False)
        renderer = Renderer(site, theme, folder, compiled)
        renderer.bodies = {"a": "<p>body</p>"}
        [page] = [p for p in site.pages if isinstance(p.data, ArticlePage)]
        return renderer.render(page).data

    return render


@settings(max_examples=300, deadline=None)
@given(title=TEXT, summary=TEXT)
def test_any_title_and_summary_round_trip_through_json_ld_and_meta_tags(
    renderer_for, title: str, summary: str
):
    html = renderer_for(title, summary).decode("utf-8")
    data = extruct.extract(
        html, base_url="https://example.org/articles/a/", syntaxes=["json-ld"], uniform=True
    )
    [news] = data["json-ld"]
    assert news["headline"] == headline(title)
    assert news["description"] == summary
    tree = lxml.html.fromstring(html)
    assert tree.xpath("//meta[@property='og:title']/@content") == [title]
    assert tree.xpath("//meta[@property='og:description']/@content") == [summary]
    assert tree.xpath("//meta[@name='description']/@content") == [summary]
    assert tree.xpath("//meta[@name='twitter:title']/@content") == [title]

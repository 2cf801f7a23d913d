"""Output fit for any static host: a base_url with a path, relative_urls (the site read from
disk), theme assets under content-hash names, files left alone when their bytes did not
change, and the dates in the sitemap and the feeds."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from linkcheck import check_file_links, check_links, css_links, html_pages, links_of
from siteutil import REPO, article, base_template_with

import sitegen
from sitegen.engine import Engine
from sitegen.render.links import LinkStyle, depth_of

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

MAIN_CSS = """@import "parts/base.css";
@font-face { font-family: Brief; src: url(../fonts/brief.woff2) format("woff2"),
  url('../fonts/brief.woff?#iefix') format("woff"); }
.logo { background: url("/img/logo.svg#mark"); }
.inline { background: url(data:image/gif;base64,R0lGODlhAQABAAAAACw=); }
.remote { background: url(https://cdn.example/x.png); }
.map { background: url( /images/map.png ); }
.gone { background: url(../img/missing.png); }
"""
FILES: dict[str, str | bytes] = {
    "content/2024/01/a1.md": article(
        "First", "2024-01-01T09:00:00+00:00", tags="[trade, energy]", region="Europe",
        # An SVG is linked as it is (a raster image is published as copies: test_images.py).
        body="See [the trade tag](/tags/trade/), ![a map](/images/map.svg) and "
        "[the second](/articles/a2/#section) or [the home page](/?q=1).",
        image="/images/map.svg", image_alt="Map",
    ),
    "content/2024/01/a2.md": article(
        "Second", "2024-01-02T09:00:00+00:00", tags="[trade]", updated="2024-03-05"
    ),
    "content/2024/02/a3.md": article("Third", "2024-02-03T09:00:00+00:00", tags="[trade]", region="Asia"),
    "content/2024/02/a4.md": article("Fourth", "2024-02-04T09:00:00+00:00", tags="[trade, energy]"),
    "content/2024/03/a5.md": article("Fifth", "2024-03-01T09:00:00+00:00", tags="[trade]"),
    "static/images/map.png": b"\x89PNG not really",
    "static/images/map.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "themes/default/static/css/main.css": MAIN_CSS,
    "themes/default/static/css/parts/base.css": "h1 { color: rgb(10, 20, 30); }\n",
    "themes/default/static/fonts/brief.woff2": b"wOF2 font",
    "themes/default/static/fonts/brief.woff": b"wOFF font",
    "themes/default/static/img/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "themes/default/templates/base.html": base_template_with(
        "<link rel=\"stylesheet\" href=\"{{ asset('css/main.css') }}\">"
        "<link rel=\"icon\" href=\"{{ asset('img/logo.svg') }}\">"
        "<link rel=\"preload\" as=\"image\" href=\"{{ asset('images/map.png') }}\">"
    ),
}  # fmt: skip


def site_yaml(base_url: str, relative: bool) -> str:
    # No search index: Pagefind names its files by what they hold, and the index has tests of its own;
    # no social cards, which test_images.py tests.
    return (
        f"title: Test\nbase_url: {base_url}\nper_page: 2\nrelative_urls: {'true' if relative else 'false'}\n"
        "search: false\nsocial_cards: false\n"
    )


def short_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


def only(folder: Path, pattern: str) -> Path:
    """The one file of `folder` whose name matches `pattern`."""
    found = [p for p in folder.iterdir() if re.fullmatch(pattern, p.name)]
    assert len(found) == 1, sorted(p.name for p in folder.iterdir())
    return found[0]


@pytest.fixture
def site(make_site):
    return make_site({**FILES, "site.yaml": site_yaml("https://example.org/briefings/", relative=True)})


# --- one rule for every link ------------------------------------------------------------------------

SEGMENT = st.text(alphabet="abz019-_.é:", min_size=1, max_size=6).filter(lambda s: s not in (".", ".."))


@settings(max_examples=1000, deadline=None)
@given(
    page=st.lists(SEGMENT, max_size=4),
    page_is_folder=st.booleans(),
    target=st.lists(SEGMENT, max_size=4),
    target_is_folder=st.booleans(),
    suffix=st.sampled_from(["", "#part", "?q=1", "?q=1#part"]),
)
def test_a_relative_link_leads_from_the_page_to_the_file(
    page, page_is_folder, target, target_is_folder, suffix
):
    """Resolved as a browser does against the page's file, the link names the target's file,
    whatever the two paths are (a ':' in a first segment included)."""
    page_path = "/".join(page) + ("/" if page and page_is_folder else "")
    target_path = "/".join(target) + ("/" if target and target_is_folder else "")
    link = LinkStyle("/", relative=True).link(target_path + suffix, depth_of(page_path))
    page_file = page_path + "index.html" if page_path == "" or page_path.endswith("/") else page_path
    resolved = urlsplit(urljoin("file:///site/" + page_file, link))
    wanted = target_path + "index.html" if target_path == "" or target_path.endswith("/") else target_path
    assert resolved.scheme == "file" and unquote(resolved.path) == "/site/" + wanted
    assert ("?" + resolved.query if resolved.query else "") + (
        "#" + resolved.fragment if resolved.fragment else ""
    ) == suffix
    assert not urlsplit(link).scheme


def test_links_under_the_base_path_unless_relative():
    assert LinkStyle("/briefings/", relative=False).link("tags/trade/", 2) == "/briefings/tags/trade/"
    assert LinkStyle("/briefings/", relative=False).link("", 0) == "/briefings/"
    relative = LinkStyle("/briefings/", relative=True)
    assert relative.link("tags/trade/", 2) == "../../tags/trade/index.html"
    assert relative.link("", 0) == "index.html"
    assert relative.link("", 1) == "../index.html"
    assert relative.link("/articles/a/#x", 4) == "../../../../articles/a/index.html#x"
    assert relative.link("a:b/c.png", 0) == "./a:b/c.png"


# --- relative_urls: the site read from disk -------------------------------------------------------------


@pytest.mark.parametrize("base_url", ["/", "https://example.org/briefings/"])
def test_a_relative_site_crawled_as_files(make_site, tmp_path, base_url):
    site = make_site({**FILES, "site.yaml": site_yaml(base_url, relative=True)})
    out = tmp_path / "out"
    sitegen.build(site, out)
    checked, problems = check_file_links(out)
    main = only(out / "css", r"main\.[0-9a-f]{10}\.css").name
    # The one link the stylesheet has to a file that is not there: it is left as it is.
    assert problems == [f"css/{main}: ../img/missing.png: no such file"]
    assert checked > 400
    pages = html_pages(out)
    assert (out / "tags" / "trade" / "page" / "3" / "index.html") in pages  # four folders deep
    deep = (out / "tags" / "trade" / "page" / "3" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../../../index.html"' in deep
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="tags/index.html"' in home and 'href="index.html"' in home
    body = (out / "articles" / "a1" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../tags/trade/index.html"' in body and 'src="../../images/map.svg"' in body
    assert 'href="../../articles/a2/index.html#section"' in body and 'href="../../index.html?q=1"' in body
    # Canonical links, feeds and the sitemap stay absolute.
    absolute = base_url if urlsplit(base_url).netloc else None
    for page in pages:
        canonical = re.search(r'<link rel="canonical" href="([^"]*)"', page.read_text(encoding="utf-8"))
        assert canonical and canonical.group(1).startswith(base_url), page
    feed = ET.fromstring((out / "feed.xml").read_bytes())
    hrefs = [link.get("href") for link in feed.iter(f"{ATOM}link") if link.get("rel") != "related"]
    assert hrefs and all(h.startswith(base_url) for h in hrefs)
    content = next(
        e.findtext(f"{ATOM}content")
        for e in feed.iter(f"{ATOM}entry")
        if e.findtext(f"{ATOM}title") == "First"
    )
    assert f'href="{base_url}tags/trade/"' in content and f'src="{base_url}images/map.svg"' in content
    locs = [loc.text for loc in ET.fromstring((out / "sitemap.xml").read_bytes()).iter(f"{SITEMAP}loc")]
    assert locs and all(loc.startswith(base_url) for loc in locs)
    if absolute:
        assert f"Sitemap: {base_url}sitemap.xml" in (out / "robots.txt").read_text(encoding="utf-8")


def test_a_site_published_under_a_path(make_site, tmp_path):
    base_url = "https://example.org/briefings/"
    site = make_site({**FILES, "site.yaml": site_yaml(base_url, relative=False)})
    out = tmp_path / "out"
    sitegen.build(site, out)
    checked, problems = check_links(out, base_url)
    assert problems == [] and checked > 400
    for page in html_pages(out):
        for link in links_of(page.read_text(encoding="utf-8")):
            if not urlsplit(link).scheme and not link.startswith("#"):
                assert link.startswith("/briefings/"), (page, link)
    for css in out.rglob("*.css"):  # the stylesheets' links are relative: right under any path
        for link in css_links(css.read_text(encoding="utf-8")):
            if not urlsplit(link).scheme and "missing" not in link:
                assert not link.startswith("/") and (css.parent / urlsplit(link).path).is_file(), (css, link)


def test_relative_urls_is_true_or_false(make_site, cli):
    for value in ("yes please", "1", "[true]"):
        site = make_site({**FILES, "site.yaml": f"relative_urls: {value}\n"}, name=f"site-{len(value)}")
        result = cli("build", "--site", site)
        assert result.code == 1
        assert "site.yaml:1: relative_urls: expected true or false" in result.err


# --- fingerprinted theme assets ---------------------------------------------------------------------


def test_theme_assets_get_content_hash_names_and_every_link_follows(site, tmp_path):
    out = tmp_path / "out"
    sitegen.build(site, out)
    theme = site / "themes" / "default" / "static"
    woff2 = f"brief.{short_hash((theme / 'fonts/brief.woff2').read_bytes())}.woff2"
    woff = f"brief.{short_hash((theme / 'fonts/brief.woff').read_bytes())}.woff"
    logo = f"logo.{short_hash((theme / 'img/logo.svg').read_bytes())}.svg"
    base = f"base.{short_hash((theme / 'css/parts/base.css').read_bytes())}.css"
    expected = (
        MAIN_CSS.replace("parts/base.css", f"parts/{base}")
        .replace("../fonts/brief.woff2", f"../fonts/{woff2}")
        .replace("../fonts/brief.woff?", f"../fonts/{woff}?")
        .replace("/img/logo.svg#mark", f"../img/{logo}#mark")
        .replace("url( /images/map.png )", "url( ../images/map.png )")
    )
    main = f"main.{short_hash(expected.encode())}.css"
    assert (out / "css" / main).read_text() == expected
    style = only(out / "css", r"style\.[0-9a-f]{10}\.css").name
    static = {
        p.relative_to(out).as_posix()
        for folder in ("css", "fonts", "img", "images")
        for p in (out / folder).rglob("*")
        if p.is_file()
    }
    assert static == {
        f"css/{main}",
        f"css/parts/{base}",
        f"css/{style}",
        f"fonts/{woff2}",
        f"fonts/{woff}",
        f"img/{logo}",
        "images/map.png",
        "images/map.svg",
    }
    page = (out / "articles" / "a2" / "index.html").read_text(encoding="utf-8")
    assert f'href="../../css/{main}"' in page and f'href="../../img/{logo}"' in page
    # A site's own static file keeps its name, through asset() too.
    assert 'href="../../images/map.png"' in page and (out / "images" / "map.png").is_file()
    for name in ("css/main.css", "css/parts/base.css", "fonts/brief.woff2", "img/logo.svg"):
        assert not (out / name).exists()


def test_a_changed_font_renames_its_stylesheet_and_every_page_links_the_new_name(site, tmp_path):
    out = tmp_path / "out"
    sitegen.build(site, out)
    before = only(out / "css", r"main\.[0-9a-f]{10}\.css").name
    (site / "themes" / "default" / "static" / "fonts" / "brief.woff2").write_bytes(b"wOF2 a new cut")
    result = sitegen.build(site, out)
    after = only(out / "css", r"main\.[0-9a-f]{10}\.css").name
    assert after != before
    pages = {p.relative_to(out).as_posix() for p in html_pages(out)}
    assert set(result.rendered_paths) >= pages  # every page links the stylesheet
    for page in html_pages(out):
        html = page.read_text(encoding="utf-8")
        assert after in html and before not in html
    # Nothing changed since: nothing is rendered again.
    assert sitegen.build(site, out).rendered == 0


def test_a_site_static_file_replaces_a_theme_asset_under_a_content_hash_name(site, tmp_path):
    (site / "static" / "img").mkdir()
    (site / "static" / "img" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'><g/></svg>")
    out = tmp_path / "out"
    sitegen.build(site, out)
    logo = only(out / "img", r"logo\.[0-9a-f]{10}\.svg")
    assert logo.read_text() == (site / "static" / "img" / "logo.svg").read_text()
    assert logo.name == f"logo.{short_hash(logo.read_bytes())}.svg"


def test_html_and_other_theme_files_keep_their_names(site, tmp_path):
    (site / "themes" / "default" / "static" / "help.html").write_text("<p>help</p>")
    (site / "themes" / "default" / "static" / "notes.txt").write_text("notes")
    out = tmp_path / "out"
    sitegen.build(site, out)
    assert (out / "help.html").read_text() == "<p>help</p>" and (out / "notes.txt").read_text() == "notes"


def test_stylesheets_that_import_each_other_are_an_error(site, cli):
    theme = site / "themes" / "default" / "static" / "css"
    (theme / "parts" / "base.css").write_text('@import "../main.css";\n')
    result = cli("build", "--site", site)
    assert result.code == 1
    assert (
        "stylesheets link each other in a circle (css/main.css -> css/parts/base.css -> css/main.css)"
        in result.err
    )
    assert result.err.count("in a circle") == 1  # once, not once for each stylesheet of the circle


def test_a_fingerprinted_name_that_a_static_file_has_is_an_error(site, cli, tmp_path):
    out = tmp_path / "out"
    sitegen.build(site, out)
    logo = only(out / "img", r"logo\.[0-9a-f]{10}\.svg").name
    (site / "static" / "img").mkdir()
    (site / "static" / "img" / logo).write_text("mine")
    result = cli("build", "--site", site)
    assert (
        result.code == 1
        and f"static/img/{logo}: clashes with the fingerprinted name of /img/logo.svg" in result.err
    )


# --- files whose bytes did not change are not written -----------------------------------------------


def stats(out: Path) -> dict[str, tuple[int, int, bytes]]:
    found = {}
    for path in out.rglob("*"):
        if path.is_file():
            status = path.stat()
            found[path.relative_to(out).as_posix()] = (status.st_ino, status.st_mtime_ns, path.read_bytes())
    return found


def after_a_clock_tick(folder: Path, since: int) -> None:
    """Wait until the file system's clock has moved past `since` (file times are coarse)."""
    probe = folder / "clock-probe"
    probe.write_bytes(b"")
    while probe.stat().st_mtime_ns <= since:
        probe.write_bytes(b"")
    probe.unlink()


@pytest.mark.parametrize("how", ["cache", "no-cache", "in-place"])
def test_only_the_files_whose_bytes_changed_are_written(site, tmp_path, how):
    out = tmp_path / "out"
    engine = Engine(site, use_cache=how != "no-cache")

    def build():
        if how == "in-place":
            return engine.build(out, in_place=True)
        return Engine(site, use_cache=how != "no-cache").build(out)

    build()
    before = stats(out)
    after_a_clock_tick(tmp_path, max(mtime for _, mtime, _ in before.values()))
    story = site / "content" / "2024" / "03" / "a5.md"
    story.write_text(story.read_text() + "\nOne more line.\n")
    build()
    after = stats(out)
    assert before.keys() == after.keys()
    changed_bytes = {path for path in after if after[path][2] != before[path][2]}
    moved = {path for path in after if after[path][:2] != before[path][:2]}
    assert changed_bytes == moved
    assert changed_bytes == {"articles/a5/index.html", "feed.xml"}
    # A stylesheet edit writes the new stylesheet, and the pages that link it; fonts, images
    # and the site's static files stay as they were.
    after_a_clock_tick(tmp_path, max(mtime for _, mtime, _ in after.values()))
    (site / "themes" / "default" / "static" / "css" / "parts" / "base.css").write_text("h1 { color: red; }\n")
    build()
    last = stats(out)
    kept = {path for path in last.keys() & after.keys() if last[path] == after[path]}
    assert {path for path in last if not path.endswith(".html")} - kept == {
        path for path in last if path.startswith("css/main.") or path.startswith("css/parts/base.")
    }
    assert not any(path.endswith(".html") for path in kept)


# --- dates: the sitemap's lastmod, the feeds' updated and published --------------------------------------


def test_sitemap_lastmod_and_feed_dates(site, tmp_path):
    out = tmp_path / "out"
    sitegen.build(site, out)
    sitemap = ET.fromstring((out / "sitemap.xml").read_bytes())
    lastmod = {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in sitemap}
    base = "https://example.org/briefings/"
    assert lastmod[base + "articles/a1/"] == "2024-01-01T09:00:00+00:00"  # its date
    assert lastmod[base + "articles/a2/"] == "2024-03-05T00:00:00+00:00"  # its updated
    assert lastmod[base + "tags/trade/"] is None and lastmod[base] is None  # listings: none
    feed = ET.fromstring((out / "tags" / "trade" / "feed.xml").read_bytes())
    entries = {e.findtext(f"{ATOM}title"): e for e in feed.iter(f"{ATOM}entry")}
    assert entries["Second"].findtext(f"{ATOM}updated") == "2024-03-05T00:00:00+00:00"
    assert entries["Second"].findtext(f"{ATOM}published") == "2024-01-02T09:00:00+00:00"
    assert entries["Fifth"].findtext(f"{ATOM}updated") == "2024-03-01T09:00:00+00:00"
    assert entries["Fifth"].findtext(f"{ATOM}published") == "2024-03-01T09:00:00+00:00"
    # The feed's own updated is its newest entry's.
    newest = max(dt.datetime.fromisoformat(e.findtext(f"{ATOM}updated")) for e in entries.values())
    assert dt.datetime.fromisoformat(feed.findtext(f"{ATOM}updated")) == newest
    assert feed.findtext(f"{ATOM}updated") == "2024-03-05T00:00:00+00:00"


def test_an_edit_of_updated_moves_lastmod(site, tmp_path):
    out = tmp_path / "out"
    sitegen.build(site, out)
    story = site / "content" / "2024" / "01" / "a1.md"
    story.write_text(story.read_text().replace("image:", "updated: 2024-06-01T12:00:00+02:00\nimage:"))
    result = sitegen.build(site, out)
    assert {"sitemap.xml", "feed.xml", "articles/a1/index.html"} <= set(result.rendered_paths)
    assert "<lastmod>2024-06-01T10:00:00+00:00</lastmod>" in (out / "sitemap.xml").read_text()


def test_an_engine_kept_between_builds_shows_cards_with_an_assets_new_name(site, tmp_path):
    """The preview keeps its engine, and the cards it rendered, between builds: a card that
    links an asset must be rendered again when the asset's name changes."""
    card = (REPO / "themes" / "default" / "templates" / "partials" / "card.html").read_text(encoding="utf-8")
    mine = site / "themes" / "default" / "templates" / "partials" / "card.html"
    mine.parent.mkdir()
    logo_link = "<img src=\"{{ asset('img/logo.svg') }}\">"
    mine.write_text(card.replace('<article class="card', logo_link + '<article class="card'))
    # Saved a while ago: the engine compiles a template saved within 2 s again, with a new renderer.
    for template in site.rglob("*.html"):
        os.utime(template, ns=(time.time_ns() - 10**10, time.time_ns() - 10**10))
    engine = Engine(site)
    out = tmp_path / "out"
    engine.build(out, in_place=True)
    logo = site / "themes" / "default" / "static" / "img" / "logo.svg"
    logo.write_text("<svg xmlns='http://www.w3.org/2000/svg'><rect/></svg>")
    engine.build(out, in_place=True, changed=[logo])
    clean = tmp_path / "clean"
    sitegen.build(site, clean, use_cache=False)
    built = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    expected = {p.relative_to(clean): p.read_bytes() for p in clean.rglob("*") if p.is_file()}
    assert built == expected
    new_name = only(clean / "img", r"logo\.[0-9a-f]{10}\.svg").name
    assert new_name in (out / "index.html").read_text(encoding="utf-8")


def test_the_preview_keeps_asset_names_so_a_stylesheet_edit_renders_no_page(site, tmp_path):
    engine = Engine(site, fingerprint=False)  # as sitegen serve makes it
    out = tmp_path / "out"
    engine.build(out, in_place=True)
    main = (out / "css" / "main.css").read_text()
    assert "url( ../images/map.png )" in main  # links from the root made relative all the same
    assert 'href="../../css/main.css"' in (out / "articles" / "a1" / "index.html").read_text(encoding="utf-8")
    stylesheet = site / "themes" / "default" / "static" / "css" / "parts" / "base.css"
    stylesheet.write_text("h1 { color: blue; }\n")
    result = engine.build(out, in_place=True, changed=[stylesheet])
    assert result.rendered == 0 and result.written == 1
    assert (out / "css" / "parts" / "base.css").read_text() == "h1 { color: blue; }\n"

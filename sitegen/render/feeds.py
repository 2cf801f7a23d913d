"""The machine-readable files: Atom feeds, the sitemap, robots.txt."""

from __future__ import annotations

import datetime as dt
import operator
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from itertools import compress
from operator import itemgetter
from typing import Protocol, cast
from xml.sax.saxutils import escape

from ..config import SiteConfig
from ..editions import Edition
from ..model import ArticlePage, Feed, Page, Site
from ..validate import Article
from ..version import __version__

ATOM = "http://www.w3.org/2005/Atom"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class AbsoluteUrl(Protocol):
    """Renderer.absolute_url: a site path -> its full address (percent-encoded if `quoted`)."""

    def __call__(self, target: str, quoted: bool = False) -> str: ...


def atom_feed(
    site: Site,
    url_path: str,
    feed_data: Feed,
    absolute_url: AbsoluteUrl,
    body_html: Callable[[Article], str],
) -> bytes:
    config = site.config
    articles = feed_data.articles
    title = feed_data.title
    updated = max((_last_change(a) for a in articles), default=_EPOCH)
    feed = _feed(config, title, url_path, feed_data.url_path, updated, absolute_url)
    for article in articles:
        entry = ET.SubElement(feed, "entry")
        url = absolute_url(article.url_path)
        _text(entry, "title", article.title)
        _text(entry, "id", url)
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": url})
        if article.source_url:
            ET.SubElement(
                entry,
                "link",
                {"rel": "related", "href": article.source_url, "title": article.source},
            )
        _text(entry, "published", _stamp(article.date))
        _text(entry, "updated", _stamp(_last_change(article)))
        _text(ET.SubElement(entry, "author"), "name", article.author or article.source)
        for tag in config.canonical_names("tags", article.tags):  # an alias as its canonical term
            ET.SubElement(entry, "category", {"term": tag})
        if article.summary:
            _text(entry, "summary", article.summary)
        if feed_data.full_content:
            _text(entry, "content", str(body_html(article)), {"type": "html"})  # str: Markup would re-escape
    return _xml(feed)


def edition_feed(
    site: Site,
    url_path: str,
    editions: Sequence[Edition],
    absolute_url: AbsoluteUrl,
    content: Callable[[Edition], str],
) -> bytes:
    """The editions' feed: one entry per edition, its `content` (the whole edition, HTML) in full."""
    config = site.config
    updated = max((edition.date for edition in editions), default=_EPOCH)
    feed = _feed(config, "Editions", url_path, "editions/", updated, absolute_url)
    for edition in editions:
        entry = ET.SubElement(feed, "entry")
        url = absolute_url(edition.url_path)
        _text(entry, "title", edition.title)
        _text(entry, "id", url)
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": url})
        _text(entry, "published", _stamp(edition.date))
        _text(entry, "updated", _stamp(edition.date))
        if edition.summary:
            _text(entry, "summary", edition.summary)
        _text(entry, "content", str(content(edition)), {"type": "html"})
    return _xml(feed)


def _feed(
    config: SiteConfig,
    title: str,
    url_path: str,
    alternate_path: str,
    updated: dt.datetime,
    absolute_url: AbsoluteUrl,
) -> ET.Element:
    """A feed's element with what every feed says of itself: title, id, links, date, author."""
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": config.language})
    _text(feed, "title", f"{config.title}: {title}" if title else config.title)
    _text(feed, "id", absolute_url(url_path))
    ET.SubElement(feed, "link", {"rel": "self", "href": absolute_url(url_path)})
    ET.SubElement(
        feed,
        "link",
        {"rel": "alternate", "type": "text/html", "href": absolute_url(alternate_path)},
    )
    _text(feed, "updated", _stamp(updated))
    _text(ET.SubElement(feed, "author"), "name", config.title)
    _text(feed, "generator", "sitegen", {"version": __version__})
    return feed


def sitemap(
    site: Site, absolute_url: AbsoluteUrl, known: Mapping[int, tuple[Page, str]] | None = None
) -> tuple[bytes, dict[int, tuple[Page, str]]]:
    """The sitemap, with each page's line ("" for a page not listed) by the page's id, with
    the page (kept alive with it, so that no other page takes its id). Given those of an
    earlier sitemap (`known`, with the same `absolute_url`), a page that is the very same
    object has the same line: a rebuild after an edit writes the lines of the pages its
    model update made, and joins the others in C loops (a site has 14,000 pages)."""
    # Written as text, not through ElementTree: a sitemap lists every page, and the tree
    # took a tenth of a second at 10,000 articles. The text is what ElementTree writes
    # (tests/test_xml.py parses it).
    known = known or {}
    pages = site.pages
    ids = list(map(id, pages))
    fresh = compress(pages, map(operator.not_, map(known.__contains__, ids)))
    made = {id(page): (page, _line(page, absolute_url)) for page in fresh}
    lines = cast(
        dict[int, tuple[Page, str]], dict(zip(ids, map(made.get, ids, map(known.get, ids)), strict=True))
    )
    text = "\n".join(
        [
            "<?xml version='1.0' encoding='utf-8'?>",
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
            *filter(None, map(itemgetter(1), lines.values())),
            "</urlset>\n",
        ]
    )
    return text.encode("utf-8"), lines


def _line(page: Page, absolute_url: AbsoluteUrl) -> str:
    if not page.in_sitemap:
        return ""
    line = f"  <url>\n    <loc>{escape(absolute_url(page.url_path, quoted=True))}</loc>"
    if isinstance(page.data, ArticlePage):
        line += f"\n    <lastmod>{_stamp(_last_change(page.data.article))}</lastmod>"
    return line + "\n  </url>"


def robots(absolute_url: AbsoluteUrl) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {absolute_url('sitemap.xml', quoted=True)}\n".encode()


def _last_change(article: Article) -> dt.datetime:
    return max(article.date, article.updated) if article.updated else article.date


def _stamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _text(parent: ET.Element, tag: str, text: str, attributes: dict[str, str] | None = None) -> None:
    ET.SubElement(parent, tag, attributes or {}).text = text


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"

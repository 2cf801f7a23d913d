"""The machine-readable files: Atom feeds, the sitemap, robots.txt."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from typing import Protocol

from ..model import Page, Site
from ..validate import Article
from ..version import __version__

ATOM = "http://www.w3.org/2005/Atom"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class AbsoluteUrl(Protocol):
    """Renderer.absolute_url: a site path -> its full address (percent-encoded if `quoted`)."""

    def __call__(self, target: str, quoted: bool = False) -> str: ...


def atom_feed(
    site: Site,
    page: Page,
    absolute_url: AbsoluteUrl,
    body_html: Callable[[Article], str],
) -> bytes:
    config = site.config
    articles: Sequence[Article] = page.context["articles"]
    title = page.context["title"]
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": config.language})
    _text(feed, "title", f"{config.title}: {title}" if title else config.title)
    _text(feed, "id", absolute_url(page.url_path))
    ET.SubElement(feed, "link", {"rel": "self", "href": absolute_url(page.url_path)})
    ET.SubElement(
        feed,
        "link",
        {"rel": "alternate", "type": "text/html", "href": absolute_url(page.context["url_path"])},
    )
    _text(feed, "updated", _stamp(max((_last_change(a) for a in articles), default=_EPOCH)))
    _text(ET.SubElement(feed, "author"), "name", config.title)
    _text(feed, "generator", "sitegen", {"version": __version__})
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
        for tag in article.tags:
            ET.SubElement(entry, "category", {"term": tag})
        if article.summary:
            _text(entry, "summary", article.summary)
        if page.context["full_content"]:
            _text(entry, "content", str(body_html(article)), {"type": "html"})  # str: Markup would re-escape
    return _xml(feed)


def sitemap(site: Site, absolute_url: AbsoluteUrl) -> bytes:
    urlset = ET.Element("urlset", {"xmlns": "http://www.sitemaps.org/schemas/sitemap/0.9"})
    for page in site.pages:
        if not page.file_path.endswith("index.html"):
            continue
        entry = ET.SubElement(urlset, "url")
        _text(entry, "loc", absolute_url(page.url_path, quoted=True))
        article = page.context.get("article")
        if article:
            _text(entry, "lastmod", _stamp(_last_change(article)))
    return _xml(urlset)


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

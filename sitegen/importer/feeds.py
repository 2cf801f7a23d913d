"""Feeds for `sitegen import --feed`: RSS and Atom through feedparser, JSON Feed (1.0 and
1.1, https://jsonfeed.org/version/1.1) read here, since feedparser does not read it.

Each entry becomes a `FeedEntry`; one that carries its full text becomes a small HTML page for
the saved-page importer (`as_page`), one that carries only a summary is fetched by its link."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from .dates import Moment, parse_meta_moment


@dataclass(frozen=True)
class FeedEntry:
    url: str | None  # the entry's page
    title: str | None
    published: Moment | None
    author: str | None
    summary: str | None  # HTML or text, as the feed gives it
    content: str | None  # the full text (HTML), when the feed carries it
    feed_title: str | None  # the feed's own title: the outlet, most often

    def as_page(self) -> str:
        """The entry as an HTML page that says what the feed says about it, for the importer."""
        meta = [
            ("og:title", self.title),
            ("og:url", self.url),
            ("og:site_name", self.feed_title),
            ("article:published_time", self.published.value().isoformat() if self.published else None),
            ("author", self.author),
        ]
        head = "".join(
            f'<meta property="{key}" content="{html.escape(value)}">' for key, value in meta if value
        )
        title = html.escape(self.title or "")
        return (
            f"<!doctype html><html><head><meta charset=utf-8><title>{title}</title>{head}</head>"
            f"<body><article><h1>{title}</h1>{self.content or ''}</article></body></html>"
        )


@dataclass(frozen=True)
class Feed:
    title: str | None
    entries: tuple[FeedEntry, ...]


class FeedError(ValueError):
    """The file is not a feed that can be read; the message says why."""


def read_feed(data: bytes, base_url: str | None = None) -> Feed:
    """The entries of an RSS, Atom or JSON feed, in the feed's order. Raises FeedError."""
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        return _json_feed(data, base_url)
    return _xml_feed(data, base_url)


def _xml_feed(data: bytes, base_url: str | None) -> Feed:
    import feedparser  # here: only --feed needs it

    parsed = feedparser.parse(data, response_headers={"content-location": base_url or ""})
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise FeedError(f"not an RSS, Atom or JSON feed{f' ({reason})' if reason else ''}")
    title = _text(parsed.feed.get("title"))
    entries = []
    for item in parsed.entries:
        contents = [c.get("value") for c in item.get("content", []) if _text(c.get("value"))]
        summary = item.get("summary")
        raw_date = item.get("published") or item.get("updated")
        link = _web_link(item.get("link"), base_url)
        entries.append(
            FeedEntry(
                url=link,
                title=_text(item.get("title")),
                published=parse_meta_moment(raw_date) if raw_date else None,
                author=_text(item.get("author")),
                # An RSS item's <description> is its summary; only <content:encoded> or an
                # Atom <content> is the full text (feedparser gives both as `content`).
                content=contents[0] if contents else None,
                summary=summary if summary and summary != (contents[0] if contents else None) else None,
                feed_title=title,
            )
        )
    return Feed(title, tuple(entries))


def _json_feed(data: bytes, base_url: str | None) -> Feed:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FeedError(f"not a JSON feed: {exc}") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise FeedError("not a JSON feed: no 'version' naming https://jsonfeed.org/version/1.1")
    items = document.get("items")
    if not isinstance(items, list):
        raise FeedError("not a JSON feed: 'items' must be a list")
    base = _text(document.get("feed_url")) or _text(document.get("home_page_url")) or base_url
    title = _text(document.get("title"))
    feed_authors = _json_authors(document)
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        content = _text(item.get("content_html"))
        if not content and _text(item.get("content_text")):
            paragraphs = str(item["content_text"]).split("\n\n")
            content = "".join(f"<p>{html.escape(p.strip())}</p>" for p in paragraphs if p.strip())
        raw_date = _text(item.get("date_published")) or _text(item.get("date_modified"))
        authors = _json_authors(item) or feed_authors
        entries.append(
            FeedEntry(
                url=_web_link(_text(item.get("url")) or _text(item.get("external_url")), base),
                title=_text(item.get("title")),
                published=parse_meta_moment(raw_date) if raw_date else None,
                author=", ".join(authors) if authors else None,
                summary=_text(item.get("summary")),
                content=content,
                feed_title=title,
            )
        )
    return Feed(title, tuple(entries))


def _json_authors(obj: dict[str, Any]) -> list[str]:
    # 1.1 has `authors` (a list); 1.0 had `author` (one object).
    value = obj.get("authors")
    if not isinstance(value, list):
        value = [obj.get("author")] if isinstance(obj.get("author"), dict) else []
    return [name for a in value if isinstance(a, dict) and (name := _text(a.get("name")))]


def _web_link(value: Any, base: str | None) -> str | None:
    from .fetch import web_url_problem

    if not isinstance(value, str) or not value.strip():
        return None
    url = urljoin(base, value.strip()) if base else value.strip()
    return None if web_url_problem(url) else url


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None

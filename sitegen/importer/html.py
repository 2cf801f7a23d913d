# ruff: noqa: RUF001 - typographic quotes and dashes are what these rules read
"""Saved pages: the page's own metadata first (Open Graph, `article:` tags, JSON-LD
NewsArticle, the canonical link), then trafilatura's main text read by the text rules."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import lxml.html

from ..validate import is_web_url
from . import outlets
from .dates import Moment, parse_meta_moment

_ARTICLE_TYPES = {
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "reviewnewsarticle",
    "backgroundnewsarticle",
    "blogposting",
    "liveblogposting",
    "report",
    "scholarlyarticle",
    "techarticle",
}
# Meta tags that carry the publication time, most trusted first. (sailthru.date and the like
# often hold the last update, so they are not here; trafilatura's htmldate is the fallback.)
_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "parsely-pub-date",
    "publish-date",
    "publishdate",
    "pubdate",
    "dc.date.issued",
    "dcterms.created",
    "date",
)
_NOT_A_PERSON = re.compile(
    r"\b(?:staff|correspondent|desk|team|news|network|media|press|agency|bureau|editors?|"
    r"newsroom|reporters|contributors|group|inc|llc|ltd|nast|digital|online|times|post)\b",
    re.IGNORECASE,
)


@dataclass
class PageMeta:
    """What a page's markup says about the article, each value as the page gives it."""

    titles: list[str] = field(default_factory=list)  # most trusted first
    site_names: list[str] = field(default_factory=list)
    dates: list[Moment] = field(default_factory=list)
    authors: list[list[str]] = field(default_factory=list)
    url: str | None = None
    description: str | None = None
    text: str = ""  # the main text, one paragraph a line
    paywalled: bool = False  # the page says its text is for subscribers
    image: str | None = None  # the article's picture (og:image, else JSON-LD image), remote
    image_caption: str | None = None  # its caption, when the page gives one


def read_page(html: str) -> PageMeta:
    meta = PageMeta()
    try:
        parser = lxml.html.HTMLParser(encoding="utf-8")
        tree = lxml.html.fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (ValueError, lxml.etree.ParserError):
        tree = None
    tags: dict[str, list[str]] = {}
    canonical = None
    h1: list[str] = []
    ld: list[dict[str, Any]] = []
    if tree is not None:
        for node in tree.iter("meta"):
            key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
            value = node.get("content")
            if key and value and value.strip():
                tags.setdefault(key.strip(), []).append(value.strip())
        for node in tree.iter("time"):
            if (node.get("itemprop") or "").lower() == "datepublished" and node.get("datetime"):
                tags.setdefault("datepublished", []).append(node.get("datetime"))
        for node in tree.iter("link"):
            if "canonical" in (node.get("rel") or "").lower().split() and node.get("href"):
                canonical = canonical or node.get("href").strip()
        h1 = [re.sub(r"\s+", " ", n.text_content()).strip() for n in tree.iter("h1")]
        for node in tree.iter("script"):
            if (node.get("type") or "").lower() == "application/ld+json":
                ld.extend(_json_ld(node.text or ""))
    articles = [obj for obj in ld if _types(obj) & _ARTICLE_TYPES]
    url = _web_url(canonical) or _web_url(_first(tags.get("og:url")))
    article = _pick_article(articles, url, _first(tags.get("og:title")))

    import trafilatura  # here, not at the top: it takes a fifth of a second to import

    extracted = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        # Not trafilatura's deduplicate: it remembers paragraphs across calls, so a page read
        # twice in one process lost its text. clean_lines() drops a repeated paragraph.
        deduplicate=False,
    )
    doc: dict[str, Any] = {}
    if extracted is not None:
        doc = extracted.as_dict() if hasattr(extracted, "as_dict") else extracted

    meta.url = url or _web_url(_json_url(article)) or _web_url(doc.get("url"))
    meta.titles = [
        t
        for t in (
            _first(tags.get("og:title")),
            _text(article.get("headline")) if article else None,
            _first(tags.get("twitter:title")),
            doc.get("title"),
            *h1[:1],
        )
        if t
    ]
    publisher = _name_of(article.get("publisher")) if article else None
    meta.site_names = [
        s
        for s in (
            publisher,
            _first(tags.get("og:site_name")),
            _first(tags.get("application-name")),
            doc.get("sitename"),
        )
        if s
    ]
    if article and article.get("datePublished"):
        moment = parse_meta_moment(_text(article.get("datePublished")) or "")
        if moment:
            meta.dates.append(moment)
    for key in _DATE_META:
        for value in tags.get(key, []):
            moment = parse_meta_moment(value)
            if moment:
                meta.dates.append(moment)
    if doc.get("date"):
        moment = parse_meta_moment(doc["date"])
        if moment:
            meta.dates.append(moment)
    if article:
        meta.authors.append(_people(article.get("author")))
    for key in ("author", "article:author", "parsely-author", "sailthru.author", "byl"):
        names = [v for v in tags.get(key, []) if not v.startswith(("http://", "https://"))]
        meta.authors.append(_split_people(names))
    if tree is not None:
        meta.authors.append(_byline_links(tree))
    if doc.get("author"):
        names = [_drop_trailing_month(n) for n in doc["author"].split(";")]
        meta.authors.append(_split_people(names))
    meta.authors = [a for a in meta.authors if a]
    meta.dates = [_with_local_offset(m, html) for m in meta.dates]
    meta.description = _first(tags.get("og:description")) or _first(tags.get("description"))
    meta.text = doc.get("text") or ""
    meta.paywalled = _paywalled(article, tags)
    meta.image, meta.image_caption = _image(article, tags, url)
    return meta


# The values of `article:content_tier` (Open Graph's, also written as `og:article:...`) that
# mean the text is for subscribers; "metered" pages count too, as Google's structured-data
# guide treats them.
_LOCKED_TIERS = {"locked", "metered", "premium", "subscriber", "subscription"}


def _paywalled(article: dict[str, Any] | None, tags: dict[str, list[str]]) -> bool:
    """Does the page say its text is for subscribers? JSON-LD `isAccessibleForFree: false`
    (on the article or a part of it, as Google's paywall markup puts it), a meta tag
    `isAccessibleForFree` with `false`, or `article:content_tier` locked or metered."""
    if article is not None:
        parts = article.get("hasPart")
        for obj in [article, *(parts if isinstance(parts, list) else [parts])]:
            if isinstance(obj, dict) and _is_false(obj.get("isAccessibleForFree")):
                return True
    if any(_is_false(v) for v in tags.get("isaccessibleforfree", [])):
        return True
    tiers = tags.get("article:content_tier", []) + tags.get("og:article:content_tier", [])
    return any(t.strip().lower() in _LOCKED_TIERS for t in tiers)


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def _image(
    article: dict[str, Any] | None, tags: dict[str, list[str]], page_url: str | None
) -> tuple[str | None, str | None]:
    """The article's picture, og:image first (the one the outlet picked for sharing), then
    the JSON-LD image; its caption from the JSON-LD ImageObject that names it."""
    objects: list[Any] = []
    if article is not None:
        value = article.get("image")
        objects = value if isinstance(value, list) else [value]
    ld_images = [
        (_web_url(_absolute(o if isinstance(o, str) else o.get("url") or o.get("contentUrl"), page_url)), o)
        for o in objects
        if isinstance(o, str | dict)
    ]
    og = _web_url(_absolute(_first(tags.get("og:image")) or _first(tags.get("og:image:url")), page_url))
    image = og or next((url for url, _ in ld_images if url), None)
    caption = None
    for url, obj in ld_images:
        if isinstance(obj, dict) and (url == image or len(ld_images) == 1):
            caption = _text(obj.get("caption")) or _text(obj.get("description"))
            if caption:
                break
    return image, caption


def _absolute(value: Any, base: str | None) -> Any:
    from urllib.parse import urljoin

    if isinstance(value, str) and base and not value.startswith(("http://", "https://", "//")):
        return urljoin(base, value.strip())
    return value


def _json_ld(raw: str) -> list[dict[str, Any]]:
    raw = raw.strip()
    raw = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$", "", raw).strip()
    raw = re.sub(r"^<!--|-->$", "", raw).strip()
    try:
        data = json.loads(raw)
    except ValueError:
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            return []
    found: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            found.append(value)
            if "@graph" in value:
                walk(value["@graph"])

    walk(data)
    return found


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


def _pick_article(
    articles: list[dict[str, Any]], url: str | None, title: str | None
) -> dict[str, Any] | None:
    """The page's own article, not one of the related stories some pages describe too."""
    if not articles:
        return None
    for article in articles:
        if url and _same_url(_json_url(article), url):
            return article
    for article in articles:
        headline = _text(article.get("headline"))
        if title and headline and headline in title:
            return article
    return articles[0]


def _json_url(article: dict[str, Any] | None) -> str | None:
    if not article:
        return None
    for key in ("url", "mainEntityOfPage"):
        value = article.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str):
            return value
    return None


def _same_url(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and canonical_url(a) == canonical_url(b)


def canonical_url(url: str) -> str:
    """A URL as duplicates are compared: no scheme, 'www.', fragment, tracking query or
    trailing slash."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # a host that cannot be read ('http://[x/'): compared as written
        return url.strip().casefold()
    host = outlets.host_of(url).removeprefix("www.")
    query = "&".join(
        q
        for q in parts.query.split("&")
        if q and not q.lower().startswith(("utm_", "fbclid", "gclid", "ref=", "cmpid", "smid"))
    )
    return host + parts.path.rstrip("/") + (f"?{query}" if query else "")


def _web_url(value: Any) -> str | None:
    """An http(s) address from the page, or None (a link that is not one is ignored)."""
    if isinstance(value, str) and value.startswith("//"):
        value = "https:" + value
    if isinstance(value, str) and is_web_url(value):
        return value.strip()
    return None


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, str | int | float) and str(value).strip():
        return re.sub(r"\s+", " ", str(value)).strip()
    return None


def _name_of(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return _text(value.get("name"))
    return _text(value)


def _people(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, dict):
            if "organization" in _types(item) or "newsmediaorganization" in _types(item):
                continue
            name = _text(item.get("name"))
        else:
            name = _text(item)
        if name:
            names.append(name)
    return _split_people(names)


def _split_people(values: list[str]) -> list[str]:
    names: list[str] = []
    for value in values:
        for name in re.split(r"\s*(?:;|,|\band\b|&)\s*", value):
            name = re.sub(r"^by\s+", "", name.strip(), flags=re.I).strip()
            if (
                name
                and not name.startswith(("http://", "https://"))
                and not _NOT_A_PERSON.search(name)
                and not outlets.lookup(name)
                and 1 < len(name.split()) <= 5
                and name not in names
            ):
                names.append(name)
    return names


def clean_title(title: str, site_names: list[str]) -> str:
    """'Obama admits ... - BBC News' -> 'Obama admits ...': the outlet's name is not the title."""
    title = re.sub(r"\s+", " ", title).strip()
    names = {n.casefold() for n in site_names}
    for name in list(site_names):
        normal = outlets.normalise(name)
        if normal:
            names.add(normal.casefold())
    for _ in range(2):
        match = re.match(r"^(?P<main>.+?)\s+(?:[-|–—:·•]|::)\s+(?P<tail>[^-|–—]{2,60})$", title)
        if not match:
            break
        tail = match.group("tail").strip()
        if tail.casefold() in names or outlets.lookup(tail):
            title = match.group("main").strip()
        else:
            break
    return title


_BYLINE_MARK = re.compile(r"byline|author", re.IGNORECASE)
_MONTH_WORD = re.compile(
    r"\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?$", re.IGNORECASE
)


def _drop_trailing_month(name: str) -> str:
    """'Joshua Sokol May' (a byline run into its date) -> 'Joshua Sokol'."""
    return _MONTH_WORD.sub("", name.strip()) if len(name.split()) > 2 else name


def _byline_links(tree: Any) -> list[str]:
    """Names linked in the page's byline: `<a rel="author">`, or links inside an element whose
    class, itemprop or test id says byline or author."""
    for node in tree.iter("a"):
        if "author" in (node.get("rel") or "").lower().split():
            names = _split_people([node.text_content()])
            if names:
                return names
    for node in tree.iter():
        if not isinstance(node.tag, str) or node.tag in ("script", "style", "meta", "link"):
            continue
        marks = " ".join(node.get(a) or "" for a in ("class", "itemprop", "data-testid", "id"))
        if not _BYLINE_MARK.search(marks):
            continue
        names = _split_people([re.sub(r"\s+", " ", a.text_content()) for a in node.iter("a")])
        if names:
            return names
    return []


_ISO_WITH_OFFSET = re.compile(
    r"(?:19|20)\d\d-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d(?::[0-5]\d)?(?:\.\d+)?[+-][01]\d:?[0-5]\d"
)


def _with_local_offset(moment: Moment, html: str) -> Moment:
    """A UTC timestamp shown in the publisher's own offset when the page writes the same
    instant that way too ('2020-02-25T02:25:54Z' and '2020-02-24T21:25:54-05:00')."""
    if not moment.when or moment.when.utcoffset():
        return moment
    for text in _ISO_WITH_OFFSET.findall(html):
        other = parse_meta_moment(text)
        if (
            other
            and other.when
            and other.when.utcoffset()
            and abs((other.when - moment.when).total_seconds()) < 60
        ):
            return Moment(other.when.date(), other.when)
    return moment

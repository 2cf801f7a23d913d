"""Links in a built site: what each file links to, and where each link leads.

`read_file` reads the links and anchors of one output file (HTML pages, Atom feeds, the
sitemap, robots.txt, stylesheets); `resolve` turns a link as written into the file of the
site it leads to, or the outside address it names. Both are pure functions, so that the
link checker (sitegen/check.py) can run them in worker processes.
"""

from __future__ import annotations

import posixpath
import re
import threading
from dataclasses import dataclass
from itertools import repeat
from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

from lxml import etree

# The attributes of an HTML element whose value is one URL the page loads or leads to.
URL_ATTRIBUTES = frozenset({"href", "src", "poster", "action"})
# The HTML elements whose `srcset` lists image candidates (a URL and a descriptor each).
SRCSET_ELEMENTS = frozenset({"img", "source"})
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
DEFAULT_PORTS = {"http": 80, "https": 443}
# Leading and trailing ASCII whitespace is no part of a URL in an attribute, and tabs and
# line breaks inside one are dropped (the URL standard): browsers follow such links.
_URL_SPACE = " \t\n\r\f"
_DROPPED_FROM_URLS = str.maketrans("", "", "\t\n\r")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^'"\s)][^\s)]*))\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


@dataclass(frozen=True)
class Document:
    """The links in one file of the site, and the anchors a link's `#fragment` may name
    (None for a file that has none to offer, such as a stylesheet)."""

    # Each link as written, with the URL it is resolved against: the file's own, or what a
    # `<base href>` or `xml:base` makes of it. (Plain tuples: a site has millions of links.)
    references: tuple[tuple[str, str], ...]
    anchors: frozenset[str] | None


@dataclass(frozen=True)
class Address:
    """Where the site is published, from its base_url: which links lead into it."""

    origin: str  # "https://example.org", or "" when base_url is a path
    host: str  # "example.org" (lowercase, with a port only when not the scheme's default)
    base_path: str  # "/briefings/": the path every page's URL starts with (percent-decoded)

    @classmethod
    def of(cls, base_url: str) -> Address:
        parts = urlsplit(base_url)
        path = unquote(parts.path if parts.path.endswith("/") else parts.path + "/")
        if not parts.netloc:
            return cls("", "", path)
        return cls(f"{parts.scheme.lower()}://{parts.netloc}", host_key(base_url), path)

    def page_of(self, file: str) -> str:
        """The URL path of an output file, as a report shows it: `tags/x/index.html` ->
        `/tags/x/` (under the base path)."""
        folder, name = posixpath.split(file)
        if name == "index.html":
            return self.base_path + (folder + "/" if folder else "")
        return self.base_path + file

    def url_of(self, file: str) -> str:
        """The address an output file is served at, percent-encoded, for resolving its links."""
        return self.origin + quote(self.page_of(file), safe="/", errors="surrogateescape")


@dataclass(frozen=True)
class Internal:
    """A link into the site (relative, rooted, or a full URL of the site's host)."""

    path: str  # the URL path it resolves to, percent-encoded as written: "/tags/trade/"
    query: str
    fragment: str

    @property
    def shown(self) -> str:
        """The target as a report names it: the path, with its query and fragment if any."""
        return (
            self.path
            + (f"?{self.query}" if self.query else "")
            + (f"#{self.fragment}" if self.fragment else "")
        )


@dataclass(frozen=True)
class External:
    """A link to another site: the address to request (without its fragment)."""

    url: str


def host_key(url: str) -> str:
    """The host of an http(s) URL as links compare it: lowercase, with the port only when
    it is not the scheme's default. Raises ValueError for a port that is not a number."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address, bracketed in URLs
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != DEFAULT_PORTS.get(parts.scheme.lower()):
        host += f":{port}"
    return host


def clean_url(written: str) -> str:
    """A URL as an HTML attribute holds it, as browsers read it: without the whitespace
    around it, the tabs and line breaks in it, and with `\\` before the query read as `/`
    (the URL standard, for http and https addresses)."""
    url = written.strip(_URL_SPACE).translate(_DROPPED_FROM_URLS)
    if "\\" in url:
        end = _path_end(url)
        url = url[:end].replace("\\", "/") + url[end:]
    return url


def resolve(written: str, base: str, address: Address) -> Internal | External | None:
    """Where a link leads: into the site, to another site, or None for a link sitegen does
    not check (mailto:, tel:, data:, javascript: ...). Raises ValueError for a link that is
    not a valid URL."""
    url = clean_url(written)
    reference = urlsplit(url)
    if reference.scheme and reference.scheme.lower() not in DEFAULT_PORTS:
        return None
    scheme, netloc, path, query, fragment = join(urlsplit(base), reference, "?" in url[: _path_end(url, "#")])
    if netloc:
        # A protocol-relative link (//host/x) on a site without a host: browsers would use
        # the page's scheme, which only the host knows; https is what sites use.
        parts = SplitResult(scheme.lower() or "https", netloc, path or "/", query, "")
        if not (address.host and host_key(urlunsplit(parts)) == address.host):
            return External(urlunsplit(parts))
        if reference.netloc and site_path(parts.path, address) is None:
            # A full address on the site's host, beside a site in a subfolder: another site.
            return External(urlunsplit(parts))
    return Internal(path or "/", query, fragment)


def joined_url(base: str, written: str) -> str:
    """The address a link as written leads to from `base`, as one string."""
    url = clean_url(written)
    return urlunsplit(join(urlsplit(base), urlsplit(url), "?" in url[: _path_end(url, "#")]))


def join(base: SplitResult, reference: SplitResult, has_query: bool) -> tuple[str, str, str, str, str]:
    """A reference resolved against a base URL: RFC 3986 section 5.2.2 (which
    urllib.parse.urljoin departs from: it drops an empty `;` and collapses `//`), with dot
    segments as the URL standard reads them (`%2e` is a dot). `has_query`: the reference
    has a `?`, perhaps with nothing after it."""
    if reference.scheme:
        return (reference.scheme, reference.netloc, remove_dot_segments(reference.path),
                reference.query, reference.fragment)  # fmt: skip
    if reference.netloc:
        return (
            base.scheme,
            reference.netloc,
            remove_dot_segments(reference.path),
            reference.query,
            reference.fragment,
        )
    if not reference.path:
        query = reference.query if has_query else base.query
        return base.scheme, base.netloc, base.path, query, reference.fragment
    path = reference.path if reference.path.startswith("/") else merge(base, reference.path)
    return base.scheme, base.netloc, remove_dot_segments(path), reference.query, reference.fragment


def merge(base: SplitResult, path: str) -> str:
    """A relative path put after the base's folder (RFC 3986 section 5.2.3)."""
    if base.netloc and not base.path:
        return "/" + path
    return base.path[: base.path.rfind("/") + 1] + path


def remove_dot_segments(path: str) -> str:
    """`.` and `..` segments resolved (RFC 3986 section 5.2.4; `%2e` is a dot, as browsers
    read it): `/a/b/../c/./d` -> `/a/c/d`."""
    rooted = path.startswith("/")
    segments = path.split("/")[1:] if rooted else path.split("/")
    kept: list[str] = []
    for segment in segments:
        dots = _dots(segment)
        if dots == 2:
            if kept:
                kept.pop()
        elif dots == 0:
            kept.append(segment)
    if segments and _dots(segments[-1]):
        kept.append("")  # `a/..` and `a/.` name a folder: `/`
    joined = "/".join(kept)
    return "/" + joined if rooted else joined


def _dots(segment: str) -> int:
    """2 for a `..` segment, 1 for a `.` one, else 0 (`%2e` is a dot)."""
    if len(segment) > 6 or ("." not in segment and "%" not in segment):
        return 0
    plain = segment.lower().replace("%2e", ".")
    return {".": 1, "..": 2}.get(plain, 0)


def _path_end(url: str, ends: str = "?#") -> int:
    """Where a URL's path (and host) ends: at its query or fragment."""
    return min((i for i in map(url.find, ends) if i >= 0), default=len(url))


class Resolver:
    """`resolve` for the many links of one site, remembering what it found: a site's pages
    link to the same few hundred places, from many folders. Gives exactly what `resolve`
    gives (tests/test_links.py proves it on generated links and pages).

    A link that starts with http://, https:// or one slash leads where it leads from any
    page of the same origin (scheme and host); a plain relative path (`../../tags/x/`)
    leads where the rooted path that `join` makes of it leads. Both are remembered by the
    origin and that link or rooted path; any other link is resolved each time.
    """

    def __init__(self, address: Address):
        self.address = address
        self._known: dict[tuple[str, str], Internal | External | None] = {}
        self._bases: dict[str, tuple[str, SplitResult] | None] = {}

    def resolve(self, written: str, base: str) -> Internal | External | None:
        """resolve(written, base, address). Raises ValueError as it does."""
        key = self._key(written, base)
        if key is None:
            return resolve(written, base, self.address)
        try:
            return self._known[key]
        except KeyError:
            target = self._known[key] = resolve(written, base, self.address)
            return target

    def _key(self, written: str, base: str) -> tuple[str, str] | None:
        if base not in self._bases:
            self._bases[base] = _split_base(base)
        split = self._bases[base]
        if split is None:
            return None
        origin, parts = split
        if written.startswith(("http://", "https://")):
            return origin, written
        if written[:1] == "/" and written[1:2] != "/" and not _CLEANED.search(written):
            return origin, written  # not `//`: with no host after it, it is relative
        if not written or written[0] in "#?" or _NOT_PLAIN.search(written):
            return None
        end = _path_end(written)
        path = remove_dot_segments(merge(parts, written[:end]))
        if path.startswith("//"):
            return None  # it would read as a host
        return origin, path + written[end:]


# What URL parsing drops from a link or reads as a slash (see clean_url).
_CLEANED = re.compile(r"[\t\n\r\\]")
# What a relative link may not hold to be remembered by its rooted path: a colon (of a
# scheme), a backslash, or what URL parsing strips or drops (spaces, control characters).
_NOT_PLAIN = re.compile(r"[:\\\x00-\x20\x7f]")


def _split_base(base: str) -> tuple[str, SplitResult] | None:
    """A page's address split, with its origin; None when it is not an http(s) address or
    a rooted path."""
    parts = urlsplit(base)
    if parts.scheme.lower() not in ("", *DEFAULT_PORTS) or bool(parts.scheme) != bool(parts.netloc):
        return None
    if not parts.path.startswith("/"):
        return None
    return (f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""), parts


def site_path(path: str, address: Address) -> str | None:
    """A URL path relative to the site's base path, percent-decoded as servers decode it
    (the base path without its last slash is the home page); None outside the site."""
    decoded = unquote(path, errors="surrogateescape")
    if decoded + "/" == address.base_path:
        return ""
    if not decoded.startswith(address.base_path):
        return None
    return decoded[len(address.base_path) :]


def served_file(path: str, address: Address, files: frozenset[str] | set[str]) -> str | None:
    """The output file a URL path is served from, or None when there is none. A folder's
    address serves its index.html, with or without the final slash (static hosts redirect
    `/tags/trade` to `/tags/trade/`)."""
    relative = site_path(path, address)
    if relative is None:
        return None
    if relative == "" or relative.endswith("/"):
        candidates = [relative + "index.html"]
    else:
        candidates = [relative, relative + "/index.html"]
    return next((candidate for candidate in candidates if candidate in files), None)


def has_anchor(anchors: frozenset[str], fragment: str) -> bool:
    """Does a `#fragment` name a place in a document with these anchors? As browsers find
    it: the part before a text directive (`:~:`), as written or percent-decoded; empty, or
    `top` (in any case), is the top of the page."""
    fragment = fragment.split(":~:", 1)[0]
    if not fragment or fragment.lower() == "top":
        return True
    return fragment in anchors or unquote(fragment) in anchors


# Reading files --------------------------------------------------------------------


def read_file(file: str, data: bytes, url: str) -> Document | None:
    """The links and anchors of one output file served at `url`, by its kind (from its
    name); None for a file that holds no links sitegen checks (an image, a script)."""
    name = posixpath.basename(file)
    suffix = posixpath.splitext(name)[1].lower()
    if suffix in (".html", ".htm"):
        return read_html(data, url)
    if suffix == ".xml":
        return read_xml(data, url)
    if suffix == ".css":
        return Document(_based(css_links(_text(data)), url), None)
    if file == "robots.txt":
        return Document(_based(robots_links(_text(data)), url), None)
    return None


class _HtmlLinks:
    """An lxml parser target: collects, in one pass and without building a tree, the URLs
    of the elements' link attributes, their ids (and the names of `<a>`), and `<base href>`."""

    links: list[str]
    anchors: set[str]
    base: str | None

    def __init__(self) -> None:
        self._begin()

    def _begin(self) -> None:
        self.links, self.anchors, self.base = [], set(), None

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        for name, value in attrib.items():  # lxml gives the first of two attributes of one name
            if name in URL_ATTRIBUTES:
                if tag != "base":
                    self.links.append(value)
                elif name == "href" and self.base is None:
                    self.base = value
            elif name == "id" or (name == "name" and tag == "a"):
                self.anchors.add(value)
            elif name == "srcset" and tag in SRCSET_ELEMENTS:
                self.links.extend(srcset_urls(value))

    def close(self) -> tuple[list[str], frozenset[str], str | None]:
        """What the document held; the target is then ready for the next one."""
        found = (self.links, frozenset(self.anchors), self.base)
        self._begin()
        return found


# One HTML parser per thread, used for document after document: making a parser with a
# target costs more than reading a page (lxml inspects the target's methods).
_html_parsers = threading.local()


def html_links(data: bytes | str) -> tuple[list[str], frozenset[str], str | None]:
    """The links of an HTML document (in order, as its attributes hold them, character
    references decoded), its anchors, and its `<base href>` if any. Read by libxml2's HTML
    parser, which reads any HTML as browsers do tag by tag (raw text in `<script>`,
    `<style>` and `<textarea>`, the first of two attributes of one name)."""
    parser = getattr(_html_parsers, "parser", None)
    if parser is None:
        # huge_tree: no limit on depth or text size (raw HTML in a body may nest deeply).
        parser = etree.HTMLParser(target=_HtmlLinks(), encoding="utf-8", huge_tree=True, no_network=True)
        _html_parsers.parser = parser
    try:
        parser.feed(data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data)
        found: tuple[list[str], frozenset[str], str | None] = parser.close()
    except BaseException:
        _html_parsers.parser = None  # in an unknown state: the next document gets a new one
        raise
    return found


def read_html(data: bytes, url: str) -> Document:
    links, anchors, base_href = html_links(data)
    base = url if base_href is None else joined_url(url, base_href)
    return Document(_based(links, base), anchors)


def read_xml(data: bytes, url: str) -> Document | None:
    """An Atom feed's links (its and its entries' `<link href>`, ids, icon and logo that are
    http(s) addresses, and the links in HTML content and summaries), or a sitemap's
    `<loc>` addresses; None for other XML, or XML that does not parse."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser, base_url=url)
    except etree.XMLSyntaxError:
        return None
    if root.tag in (f"{SITEMAP}urlset", f"{SITEMAP}sitemapindex"):
        return Document(
            _based([loc.text.strip() for loc in root.iter(f"{SITEMAP}loc") if loc.text], url), None
        )
    if root.tag != f"{ATOM}feed":
        return None
    references: list[tuple[str, str]] = []
    anchors: set[str] = set()
    for element in root.iter():
        tag = element.tag
        if not isinstance(tag, str) or not tag.startswith(ATOM):
            continue
        name = tag[len(ATOM) :]
        if name == "link" and element.get("href") is not None:
            references.append((element.get("href"), element.base or url))
        elif name in ("id", "icon", "logo") and element.text:
            text = element.text.strip()
            if name != "id" or urlsplit(text).scheme.lower() in DEFAULT_PORTS:
                references.append((text, element.base or url))
        elif name in ("content", "summary") and element.get("type") == "html" and element.text:
            # Escaped HTML: its links are resolved against the feed's address (RFC 4287),
            # and its `#fragment` links name places in the content itself.
            links, found, _ = html_links(element.text)
            references.extend(_based(links, element.base or url))
            anchors |= found
    return Document(tuple(references), frozenset(anchors))


def srcset_urls(srcset: str) -> list[str]:
    """The URLs of an HTML `srcset`: candidates separated by commas, each a URL (which may
    hold commas itself) and an optional descriptor (`2x`, `640w`), as the HTML standard
    splits them."""
    urls: list[str] = []
    position, end = 0, len(srcset)
    while position < end:
        while position < end and (srcset[position] in _URL_SPACE or srcset[position] == ","):
            position += 1
        start = position
        while position < end and srcset[position] not in _URL_SPACE:
            position += 1
        url = srcset[start:position]
        if not url:
            break
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # skip the descriptor, up to the comma that ends it (a comma in brackets does not)
            depth = 0
            while position < end and not (srcset[position] == "," and depth == 0):
                depth += {"(": 1, ")": -1}.get(srcset[position], 0)
                position += 1
        if url:
            urls.append(url)
    return urls


def css_links(css: str) -> list[str]:
    """The addresses a stylesheet loads: its `url(...)` values and `@import "..."`s."""
    css = _CSS_COMMENT.sub(" ", css)
    found = [next(g for g in match.groups() if g is not None) for match in _CSS_URL.finditer(css)]
    found += [next(g for g in match.groups() if g is not None) for match in _CSS_IMPORT.finditer(css)]
    return [link for link in found if link.strip()]


def robots_links(text: str) -> list[str]:
    """The `Sitemap:` addresses of a robots.txt."""
    links = []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            links.append(value.strip())
    return links


def _based(links: list[str], base: str) -> tuple[tuple[str, str], ...]:
    return tuple(zip(links, repeat(base)))


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")

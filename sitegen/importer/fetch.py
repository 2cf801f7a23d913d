"""Reading pages off the web for `sitegen import URL...` and `--feed`, with the standard
library's urllib: http and https only, redirects followed, a size limit, a time-out on every
socket and a deadline for the whole page, and a few pages at a time.

Nothing here prints: each address gives a `Fetched` page or a `FetchFailure` naming why."""

from __future__ import annotations

import datetime as dt
import http.client
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from email.message import Message
from urllib.parse import quote, urlsplit

from ..version import __version__

USER_AGENT = f"sitegen/{__version__} (news briefing importer; +https://pypi.org/project/sitegen/)"
MEGABYTE = 1024 * 1024
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
    "text/plain",  # some servers send a feed file as text
    *HTML_TYPES,  # and some send it as HTML; the feed reader decides
)
IMAGE_TYPES = ("image/",)
_CHUNK = 64 * 1024
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class FetchOptions:
    """Limits for reading pages. The defaults suit a newsroom; tests make them short."""

    connect_timeout: float = 10.0  # seconds for each socket operation (connecting, each read)
    total_timeout: float = 30.0  # seconds for a whole page, however slowly it trickles in
    max_bytes: int = 10 * MEGABYTE
    workers: int = 4  # pages read at the same time
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class Fetched:
    """A page as read: `url` as asked for, `final_url` after redirects, its text decoded."""

    url: str
    final_url: str
    content_type: str  # lowercase, without parameters
    data: bytes
    text: str
    retrieved: dt.datetime  # aware, UTC: when its last byte was read


@dataclass(frozen=True)
class FetchFailure:
    url: str
    reason: str  # 'HTTP 404 Not Found', 'timed out after 30 s', 'not HTML (image/png)'

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}"


class _Failed(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def web_url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched (a scheme other than http or https, no host), or None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "not a web address"
    if parts.scheme.lower() not in ("http", "https"):
        scheme = f"{parts.scheme}:" if parts.scheme else "no scheme"
        return f"not an http(s) address ({scheme}); only http:// and https:// pages can be imported"
    if not host:
        return "no host in the address"
    return None


def fetch(url: str, options: FetchOptions, accept: tuple[str, ...] = HTML_TYPES) -> Fetched | FetchFailure:
    """Read one page whose content type starts with one of `accept`."""
    problem = web_url_problem(url)
    if problem:
        return FetchFailure(url, problem)
    try:
        return _fetch(url, options, accept)
    except _Failed as failed:
        return FetchFailure(url, failed.reason)


def fetch_all(
    urls: list[str],
    options: FetchOptions,
    accept: tuple[str, ...] = HTML_TYPES,
    progress: Callable[[int, int], None] | None = None,
) -> list[Fetched | FetchFailure]:
    """Read each page, `options.workers` at a time; the results in the order of `urls`.
    `progress(done, total)` is called in the caller's thread as pages arrive."""
    results: list[Fetched | FetchFailure | None] = [None] * len(urls)
    if not urls:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(options.workers, len(urls)))) as pool:
        futures = {pool.submit(fetch, url, options, accept): index for index, url in enumerate(urls)}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = future.result()
            if progress:
                progress(done, len(urls))
    return [r for r in results if r is not None]


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    max_redirections = 10  # browsers allow about 20; a news page needs two or three

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        # urllib would follow a redirect to ftp:// too; a page is read over http(s) only.
        problem = web_url_problem(newurl)
        if problem:
            fp.close()
            raise _Failed(f"redirected to {newurl}: {problem}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_RedirectHandler())


def _fetch(url: str, options: FetchOptions, accept: tuple[str, ...]) -> Fetched:
    request = urllib.request.Request(
        _ascii_url(url),
        headers={
            "User-Agent": options.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Encoding": "identity",
        },
    )
    deadline = time.monotonic() + options.total_timeout
    try:
        with _OPENER.open(request, timeout=options.connect_timeout) as response:
            final_url = response.geturl()
            headers: Message = response.headers
            content_type = (headers.get_content_type() or "").lower()
            if headers.get("Content-Type") is None:
                content_type = ""
            if content_type and not content_type.startswith(accept):
                raise _Failed(f"not {_kind(accept)} (content type {content_type})")
            length = headers.get("Content-Length")
            if length and length.isdigit() and int(length) > options.max_bytes:
                raise _Failed(f"too large ({_size(int(length))}; the limit is {_size(options.max_bytes)})")
            data = _read(response, options, deadline)
    except _Failed:
        raise
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            raise _Failed("too many redirects (a redirect loop?)") from None
        raise _Failed(f"HTTP {exc.code} {exc.reason}".rstrip()) from None
    except urllib.error.URLError as exc:
        raise _Failed(_network_reason(exc.reason, options)) from None
    except TimeoutError:
        raise _Failed(f"timed out (no answer within {options.connect_timeout:g} s)") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise _Failed(_network_reason(exc, options)) from None
    retrieved = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if not content_type:
        content_type = "text/html" if _looks_like_html(data) else "application/octet-stream"
        if not content_type.startswith(accept):
            raise _Failed(f"not {_kind(accept)} (no content type, and it does not read as one)")
    text = decode_page(data, headers.get_content_charset()) if not content_type.startswith("image/") else ""
    return Fetched(url, final_url, content_type, data, text, retrieved)


# Characters a URL may hold as they are; any other (a space, 'é') is percent-encoded as UTF-8.
_URL_SAFE = "/:?#[]@!$&'()*+,;=%~-._"


def _ascii_url(url: str) -> str:
    """The address as HTTP sends it: an international host name in IDNA ('bücher.example' ->
    'xn--bcher-kva.example'), other characters percent-encoded, as a browser does."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise _Failed(f"the host name {host!r} cannot be written in ASCII (IDNA)") from None
    try:
        port = parts.port
    except ValueError:
        raise _Failed("the port in the address is not a number from 0 to 65535") from None
    user = parts.netloc.rpartition("@")[0]
    netloc = (
        (f"{user}@" if user else "")
        + (f"[{ascii_host}]" if ":" in ascii_host else ascii_host)
        + (f":{port}" if port is not None else "")
    )
    return parts._replace(
        netloc=netloc,
        path=quote(parts.path, safe=_URL_SAFE),
        query=quote(parts.query, safe=_URL_SAFE),
        fragment="",
    ).geturl()


def _read(response: http.client.HTTPResponse, options: FetchOptions, deadline: float) -> bytes:
    """The body, a chunk at a time, so that the size limit and the deadline hold however the
    server sends it: each chunk waits at most `connect_timeout` (the socket's time-out)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise _Failed(f"timed out (the page took over {options.total_timeout:g} s)")
        chunk = response.read1(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > options.max_bytes:
            raise _Failed(f"too large (over {_size(options.max_bytes)}; the rest was not read)")
        chunks.append(chunk)


def _network_reason(reason: object, options: FetchOptions) -> str:
    if isinstance(reason, TimeoutError):
        return f"timed out (no answer within {options.connect_timeout:g} s)"
    if isinstance(reason, socket.gaierror):
        return "host not found (DNS lookup failed)"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(reason, ssl.SSLError):
        return f"TLS error ({reason.reason or reason})"
    if isinstance(reason, http.client.IncompleteRead):
        return "the server closed the connection before the page was complete"
    if isinstance(reason, http.client.HTTPException):
        return f"not a valid HTTP answer ({type(reason).__name__})"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror[0].lower() + reason.strerror[1:]
    return str(reason) or type(reason).__name__


def _kind(accept: tuple[str, ...]) -> str:
    if accept == HTML_TYPES:
        return "HTML"
    if accept == IMAGE_TYPES:
        return "an image"
    return "a feed"


def _size(count: int) -> str:
    return f"{count / MEGABYTE:.1f} MB" if count >= MEGABYTE else f"{count} bytes"


def _looks_like_html(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<head" in head or b"<body" in head


def decode_page(data: bytes, header_charset: str | None) -> str:
    """A page's text: the charset the headers name, else the one its `<meta>` names (in its
    first 4 KB, as browsers look), else UTF-8, else Windows-1252 (what browsers assume)."""
    candidates = [header_charset]
    match = _META_CHARSET.search(data[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", "replace"))
    for charset in candidates:
        if not charset:
            continue
        try:
            return data.decode(_browser_charset(charset))
        except (LookupError, UnicodeDecodeError):
            continue
    from .model import decode

    return decode(data)


def _browser_charset(name: str) -> str:
    """Labels as browsers read them: a page that says Latin-1 is Windows-1252 (WHATWG)."""
    lower = name.strip().lower()
    if lower in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "iso8859-1"):
        return "cp1252"
    if lower in ("utf8", "utf-8"):
        return "utf-8-sig"
    return lower

"""A link crawler for a built site: every internal href/src of every HTML page must be a written file."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit


class _Links(HTMLParser):
    def __init__(self, canonical: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.canonical = canonical

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.canonical and tag == "link" and ("rel", "canonical") in attrs:
            return
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)


def links_of(html: str, canonical: bool = True) -> list[str]:
    """Every href and src of a page; without its canonical address if not `canonical`."""
    parser = _Links(canonical)
    parser.feed(html)
    parser.close()
    return parser.links


def html_pages(output: Path) -> list[Path]:
    return sorted(p for p in output.rglob("*.html") if ".sitegen-staging" not in p.parts)


def page_url_path(output: Path, page: Path) -> str:
    """The site-relative URL path of a page file: 'articles/x/index.html' -> 'articles/x/'."""
    relative = page.relative_to(output).as_posix()
    return relative[: -len("index.html")] if relative.endswith("index.html") else relative


def target_file(output: Path, site_path: str) -> Path:
    """The file a site-relative path is served from: a folder's index.html, percent-decoded."""
    path = output / unquote(site_path)
    return path / "index.html" if site_path == "" or site_path.endswith("/") else path


def check_links(output: Path, base_url: str) -> tuple[int, list[str]]:
    """Crawl every page; returns (internal links checked, problems).

    A link is internal when it is relative, starts with the base path, or starts with
    base_url itself; every internal link must start with the base path once resolved
    against the page's own URL, and lead to a file in `output`.
    """
    base = base_url if base_url.endswith("/") else base_url + "/"
    base_path = urlsplit(base).path or "/"
    host_base = base if urlsplit(base).netloc else None
    checked = 0
    problems: list[str] = []
    for page in html_pages(output):
        page_url = base_path + page_url_path(output, page)
        for link in links_of(page.read_text(encoding="utf-8")):
            parts = urlsplit(link)
            if parts.scheme in ("mailto", "tel", "data", "javascript"):
                continue
            if link.startswith("#"):
                continue
            if host_base and link.startswith(host_base):
                path = urlsplit(link).path
            elif parts.scheme or parts.netloc:
                continue  # another site
            else:
                path = urlsplit(urljoin(page_url, link)).path
            where = f"{page.relative_to(output).as_posix()}: {link}"
            checked += 1
            if not path.startswith(base_path):
                problems.append(f"{where}: outside the base path {base_path}")
                continue
            if not target_file(output, path[len(base_path) :]).is_file():
                problems.append(f"{where}: no such file in the output")
    return checked, problems


def css_links(css: str) -> list[str]:
    """The url(...) and @import links of a stylesheet."""
    found = re.findall(
        r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""", css
    )
    return [next(part for part in groups if part) for groups in found if any(groups)]


def check_file_links(output: Path) -> tuple[int, list[str]]:
    """Crawl every page and stylesheet as files, as a browser reads the site from disk (file://):
    every link into the site must be relative and name a file (not a folder) that exists,
    resolved against the linking file's own folder, inside `output`. A page's canonical
    address is no link to follow: it is the page's address on the web (a path where
    base_url has no host). Returns (links checked, problems)."""
    checked = 0
    problems: list[str] = []
    root = output.resolve()
    files = [
        (page, links_of(page.read_text(encoding="utf-8"), canonical=False)) for page in html_pages(output)
    ]
    files += [(css, css_links(css.read_text(encoding="utf-8"))) for css in sorted(output.rglob("*.css"))]
    for file, links in files:
        for link in links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("#") or link.startswith("data:"):
                continue  # another site (or the page's own canonical address), or a fragment
            where = f"{file.relative_to(output).as_posix()}: {link}"
            checked += 1
            if link.startswith("/"):
                problems.append(f"{where}: not relative")
                continue
            target = (file.parent / unquote(parts.path)).resolve()
            if root not in target.parents:
                problems.append(f"{where}: outside the site")
            elif not target.is_file():
                problems.append(f"{where}: {'a folder, not a file' if target.is_dir() else 'no such file'}")
    return checked, problems

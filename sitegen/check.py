"""`sitegen check`: everything a build checks, then every link of the built site.

The site is built as `sitegen build --no-cache` builds it (so every content, configuration
and template error is found as the build finds it), into a temporary folder that is deleted
afterwards: neither output/ nor the build cache, nor anything else in the site folder, is
touched. Then every file of that build is read (sitegen/links.py): each internal link must
lead to a file of the site, each `#fragment` to an anchor of its page, and, with
`external`, each address on another site must answer (sitegen/external.py).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from .engine import Engine
from .errors import Problem, SiteError
from .external import HttpSettings, check_urls
from .links import (
    Address,
    External,
    Internal,
    Resolver,
    has_anchor,
    read_file,
    served_file,
    site_path,
)
from .parallel import can_fork, chunked, map_in_processes
from .render import Renderer
from .validate import Article
from .write import MARKER

PARALLEL_FILES_FROM = 300  # fewer files than this are read quicker in this process than in a pool
EXTERNAL_TIMEOUT = HttpSettings().timeout


@dataclass(frozen=True, order=True)
class BrokenLink:
    page: str  # the URL path of the page (or feed) holding the link: "/articles/broken-link/"
    target: str  # the link, resolved to a URL path of the site where internal: "/articles/nope/"
    why: str  # "no such page", "no such anchor #x", "HTTP 404", "timed out" ...

    def __str__(self) -> str:
        return f"{self.page} -> {self.target} ({self.why})"


@dataclass(frozen=True)
class CheckReport:
    problems: tuple[Problem, ...]  # content, configuration and template errors and warnings
    broken: tuple[BrokenLink, ...]  # sorted by page, target and why
    articles: int = 0  # articles built (drafts are checked, not built)
    files: int = 0  # files whose links were checked (pages, feeds, the sitemap, stylesheets)
    links: int = 0  # links checked, internal and external
    external: int = 0  # distinct outside addresses requested (with `external`)

    @property
    def failed(self) -> bool:
        return bool(self.broken) or any(p.is_error for p in self.problems)


def check_site(
    root: Path,
    *,
    external: bool = False,
    base_url: str | None = None,
    progress: Callable[[str], None] | None = None,
    drafts: bool = False,
    timeout: float = EXTERNAL_TIMEOUT,
    future: bool = False,
    now: dt.datetime | None = None,
) -> CheckReport:
    """Check the site in `root`: every error and warning a build finds (in drafts too), and
    every link of the site it builds (with its drafts if `drafts`). Raises UsageError as
    `build` does (no site folder); never writes outside a temporary folder of its own.
    With `external`, every address on another site (links, `source_url`s) is requested,
    each within `timeout` seconds. `future` and `now` decide which articles are published, as
    for `build`."""
    report = progress or (lambda message: None)
    now = now or dt.datetime.now(dt.UTC)  # one clock for the build and the load after it
    engine = Engine(
        root, drafts=drafts, base_url=base_url, use_cache=False, index_search=False, future=future
    )
    with tempfile.TemporaryDirectory(prefix="sitegen-check-") as temporary:
        output = Path(temporary) / "site"
        try:
            result = engine.build(
                output, progress=lambda stage, done, total: report(f"{stage} {done}/{total}"), now=now
            )
            loaded = engine.load(now=now)  # what the build read, from memory (unless edited since)
        except SiteError as exc:
            return CheckReport(tuple(exc.problems), ())
        renderer = Renderer(loaded.site, loaded.theme, engine.site_dir, strings=loaded.strings)
        templates = renderer.template_problems()
        address = Address.of(loaded.site.config.base_url)
        scanned = scan_output(
            output, address, engine.jobs, lambda done, total: report(f"links {done}/{total}")
        )
    broken = {link for found in scanned for link in found.broken}
    broken |= _broken_anchors(scanned, address)
    links = sum(found.links for found in scanned)
    requested = 0
    if external:
        where = _outside_links(scanned, address, loaded.site.articles)
        answers = check_urls(
            where, HttpSettings(timeout=timeout), lambda done, total: report(f"external {done}/{total}")
        )
        requested = len(answers)
        broken |= {
            BrokenLink(page, written, why)
            for url, why in answers.items()
            if why is not None
            for page, written in where[url]
        }
    return CheckReport(
        (*result.warnings, *templates), tuple(sorted(broken)), result.articles, len(scanned), links, requested
    )


@dataclass(frozen=True)
class ScannedFile:
    """What one output file links to, checked as far as the file alone allows."""

    file: str  # its path in the output folder
    anchors: frozenset[str] | None  # the anchors a link to it may name (None: not checked)
    links: int  # links read
    broken: tuple[BrokenLink, ...]  # links to no file of the site, or to no anchor of itself
    fragments: tuple[tuple[str, str, str], ...]  # (file, fragment, target shown): anchors in other files
    external: tuple[tuple[str, str], ...]  # (link as written, address to request)


@dataclass(frozen=True)
class _Scan:
    output: Path
    links: LinkChecker


def scan_output(
    output: Path, address: Address, jobs: int, progress: Callable[[int, int], None]
) -> list[ScannedFile]:
    """Every file of a built site that holds links, read and checked (in worker processes
    when there are many and forking is safe)."""
    files = frozenset(_files_below(output))
    todo = sorted(files)
    state = _Scan(output, LinkChecker(address, files))
    scanned: list[ScannedFile] = []
    if jobs > 1 and len(todo) >= PARALLEL_FILES_FROM and can_fork():
        for chunk in map_in_processes(state, _scan_chunk, chunked(todo, jobs * 8), jobs):
            scanned.extend(chunk)
            progress(len(scanned), len(todo))
    else:
        scanned = _scan_chunk(state, todo)
    progress(len(todo), len(todo))
    return sorted(scanned, key=lambda found: found.file)


def _scan_chunk(state: object, files: list[str]) -> list[ScannedFile]:
    scan = cast(_Scan, state)
    found = []
    for file in files:
        scanned = scan_file(scan.output, file, scan.links)
        if scanned is not None:
            found.append(scanned)
    return found


def scan_file(output: Path, file: str, links: LinkChecker) -> ScannedFile | None:
    """The links of one output file, each internal one checked against the site's files
    (and, for a `#fragment` of the file itself, its anchors); None for a file without links."""
    address = links.address
    with open(output / file, "rb") as stream:
        document = read_file(file, stream.read(), address.url_of(file))
    if document is None:
        return None
    page = address.page_of(file)
    broken: list[BrokenLink] = []
    fragments: list[tuple[str, str, str]] = []
    outside: list[tuple[str, str]] = []
    for written, base in document.references:
        try:
            target = links.resolver.resolve(written, base)
        except ValueError:
            broken.append(BrokenLink(page, written, "not a valid URL"))
            continue
        if isinstance(target, External):
            outside.append((written, target.url))
        elif isinstance(target, Internal):
            served, why = links.lookup(target.path)
            if why:
                broken.append(BrokenLink(page, target.shown, why))
            elif target.fragment and served is not None:
                if served != file:
                    fragments.append((served, target.fragment, target.shown))
                elif document.anchors is not None and not has_anchor(document.anchors, target.fragment):
                    broken.append(BrokenLink(page, target.shown, f"no such anchor #{target.fragment}"))
    return ScannedFile(
        file, document.anchors, len(document.references), tuple(broken), tuple(fragments), tuple(outside)
    )


class LinkChecker:
    """Where the links of one built site lead: each link resolved once per place it names
    (links.Resolver), each URL path looked up once among the site's files."""

    def __init__(self, address: Address, files: frozenset[str]):
        self.address = address
        self.files = files
        self.resolver = Resolver(address)
        self._paths: dict[str, tuple[str | None, str | None]] = {}

    def lookup(self, path: str) -> tuple[str | None, str | None]:
        """The file a URL path of the site is served from, and why there is none."""
        if path not in self._paths:
            served = served_file(path, self.address, self.files)
            self._paths[path] = (served, None if served else _missing(path, self.address))
        return self._paths[path]


def _missing(path: str, address: Address) -> str:
    """Why an internal link to no file of the site is broken."""
    if site_path(path, address) is None:
        return f"outside the site, whose pages are under {address.base_path}"
    name = path.rstrip("/").rsplit("/", 1)[-1]
    page_like = path.endswith("/") or name.endswith((".html", ".htm")) or "." not in name
    return "no such page" if page_like else "no such file"


def _broken_anchors(scanned: Iterable[ScannedFile], address: Address) -> set[BrokenLink]:
    """The links whose `#fragment` names no anchor of the (other) page they lead to."""
    anchors = {found.file: found.anchors for found in scanned if found.anchors is not None}
    broken = set()
    for found in scanned:
        for file, fragment, shown in found.fragments:
            held = anchors.get(file)
            if held is not None and not has_anchor(held, fragment):
                broken.add(BrokenLink(address.page_of(found.file), shown, f"no such anchor #{fragment}"))
    return broken


def _outside_links(
    scanned: Iterable[ScannedFile], address: Address, articles: Iterable[Article]
) -> dict[str, list[tuple[str, str]]]:
    """Every address on another site, with where it is linked from (page, link as written):
    the links of the built files and every published article's `source_url` (which a theme
    need not show)."""
    where: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for found in scanned:
        for written, url in found.external:
            where[url].add((address.page_of(found.file), written))
    for article in articles:
        if article.source_url:
            url = article.source_url.split("#", 1)[0]
            where[url].add((address.base_path + article.url_path, article.source_url))
    return {url: sorted(pages) for url, pages in where.items()}


def _files_below(folder: Path) -> Iterable[str]:
    """The regular files of a built site, by their path in it (its marker file left out)."""
    for root, _dirs, names in os.walk(folder):
        relative = os.path.relpath(root, folder)
        for name in names:
            path = name if relative == "." else f"{relative}/{name}".replace(os.sep, "/")
            if path != MARKER:
                yield path

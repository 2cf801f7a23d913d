"""`sitegen import URL...` and `sitegen import --feed`: pages and feeds read off the web (or a
feed from a file), then imported as saved pages are. Nothing here prints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem, error
from . import import_clippings, site_index
from .feeds import FeedEntry, FeedError, read_feed
from .fetch import FEED_TYPES, Fetched, FetchFailure, FetchOptions, fetch, fetch_all, web_url_problem
from .html import canonical_url
from .model import ClippingInput, ImportOutcome, Overrides
from .write import SiteIndex

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportSettings:
    """How a web import runs, beside the values that override what pages say."""

    fetch: FetchOptions = field(default_factory=FetchOptions)
    dry_run: bool = False
    force: bool = False
    excerpt: int | None = None  # None: site.yaml's
    download_images: bool = False  # store each page's picture in the site


@dataclass
class WebImport:
    """A web import's result: one outcome for each page imported, refused or failed, in order."""

    outcomes: list[ImportOutcome] = field(default_factory=list)
    older: int = 0  # feed entries before --since, left alone
    problems: list[Problem] = field(default_factory=list)  # inputs that could not be read
    dry_run: bool = False

    @property
    def imported(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    @property
    def already(self) -> int:
        return sum(1 for o in self.outcomes if o.already_imported)

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if not o.ok and not o.already_imported) + len(self.problems)

    def summary(self) -> str:
        """'3 imported, 5 already imported, 1 failed'."""
        done = "would be imported" if self.dry_run else "imported"
        parts = [f"{self.imported} {done}", f"{self.already} already imported", f"{self.failed} failed"]
        if self.older:
            parts.append(f"{self.older} older than --since")
        return ", ".join(parts)


def import_urls(
    site_dir: Path,
    urls: list[str],
    overrides: Overrides,
    settings: ImportSettings,
    progress: Progress | None = None,
) -> WebImport:
    """Read each page and import it; a page that cannot be read is a failure naming why. A
    page whose address is a source_url in the site already is not read again."""
    result = WebImport(dry_run=settings.dry_run)
    index = site_index(site_dir)
    to_fetch = []
    for url in urls:
        refused = None if settings.force else _already_there(site_dir, index, url, url)
        if refused:
            result.outcomes.append(refused)
        else:
            to_fetch.append(url)
    pages = fetch_all(to_fetch, settings.fetch, progress=progress)
    result.outcomes += _import_pages(site_dir, pages, [], overrides, settings, index)
    return result


def import_feed(
    site_dir: Path,
    feed: str,
    overrides: Overrides,
    settings: ImportSettings,
    *,
    since: dt.date | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
) -> WebImport:
    """Import the entries of the feed at `feed` (an http(s) address or a file): newest first,
    those before `since` left alone, at most `limit`. An entry the site holds already (same
    source URL) is not fetched; one whose page gives the same text is not written. Both
    count as already imported."""
    result = WebImport(dry_run=settings.dry_run)
    read = _read_feed_source(feed, settings.fetch)
    if isinstance(read, str):
        result.problems.append(error(feed, None, read))
        return result
    data, base, retrieved = read
    try:
        parsed = read_feed(data, base)
    except FeedError as exc:
        result.problems.append(error(feed, None, str(exc)))
        return result
    entries = sorted(
        parsed.entries,
        key=lambda e: e.published.value().isoformat() if e.published else "",
        reverse=True,
    )
    if since:
        result.older = sum(1 for e in entries if e.published and e.published.day < since)
        entries = [e for e in entries if not (e.published and e.published.day < since)]
    if limit is not None:
        entries = entries[:limit]
    index = site_index(site_dir)
    inline: list[ClippingInput] = []
    to_fetch: list[str] = []
    for number, entry in enumerate(entries, start=1):
        name = entry.url or f"{feed} (entry {number}: {entry.title or 'no title'})"
        refused = None if settings.force else _already_there(site_dir, index, name, entry.url)
        if refused:
            result.outcomes.append(refused)
        elif entry.content:
            inline.append(ClippingInput(name, entry.as_page(), "html", url=entry.url, retrieved=retrieved))
        elif entry.url:
            to_fetch.append(entry.url)
        else:
            failed = ImportOutcome(name)
            failed.problems.append(error(name, None, "the entry has neither a link nor its text"))
            result.outcomes.append(failed)
    pages = fetch_all(to_fetch, settings.fetch, progress=progress)
    result.outcomes += _import_pages(site_dir, pages, inline, overrides, settings, index)
    return result


def _already_there(site_dir: Path, index: SiteIndex, name: str, url: str | None) -> ImportOutcome | None:
    """The outcome of a page the site holds already (its address is a source_url there, as
    duplicates are compared), which is then not read again; None for a new one."""
    known = index.urls.get(canonical_url(url)) if url else None
    if known is None:
        return None
    refused = ImportOutcome(name, path=known, duplicate_of=known)
    label = known.relative_to(site_dir).as_posix() if known.is_relative_to(site_dir) else known
    refused.problems.append(error(name, None, f"already imported as {label}; not read again"))
    return refused


def _import_pages(
    site_dir: Path,
    pages: list[Fetched | FetchFailure],
    inline: list[ClippingInput],
    overrides: Overrides,
    settings: ImportSettings,
    index: SiteIndex | None = None,
) -> list[ImportOutcome]:
    inputs = list(inline)
    failures: list[ImportOutcome] = []
    for page in pages:
        if isinstance(page, FetchFailure):
            failed = ImportOutcome(page.url)
            failed.problems.append(error(page.url, None, page.reason))
            failures.append(failed)
        else:
            inputs.append(
                ClippingInput(page.url, page.text, "html", url=page.final_url, retrieved=page.retrieved)
            )
    outcomes = import_clippings(
        site_dir,
        inputs,
        overrides,
        dry_run=settings.dry_run,
        force=settings.force,
        excerpt=settings.excerpt,
        index=index,
        download_images=settings.fetch if settings.download_images else None,
    )
    return outcomes + failures


def _read_feed_source(feed: str, options: FetchOptions) -> tuple[bytes, str | None, dt.datetime] | str:
    """The feed's bytes, the address links in it are relative to, and when it was read; or
    why it could not be read."""
    if "://" in feed:
        problem = web_url_problem(feed)
        if problem:
            return problem
        page = fetch(feed, options, accept=FEED_TYPES)
        if isinstance(page, FetchFailure):
            return page.reason
        return page.data, page.final_url, page.retrieved
    path = Path(feed)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    return data, None, dt.datetime.now(dt.UTC).replace(microsecond=0)


__all__ = ["FeedEntry", "ImportSettings", "WebImport", "import_feed", "import_urls"]

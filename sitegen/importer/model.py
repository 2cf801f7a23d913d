"""The importer's data: what the command line gives, what a clipping yields, what comes out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem
from .dates import Moment
from .suggest import Suggestion


@dataclass(frozen=True)
class ClippingInput:
    """One clipping: `name` is how messages name it (a file path, or '-' for standard input);
    `kind` is 'text', 'html', or None to tell from the name and the content."""

    name: str
    text: str
    kind: str | None = None
    # Where and when it was read: `url` (after redirects) for a page read off the web, which
    # then gets an archive_url; `retrieved` (aware) for every input, else the time of import.
    url: str | None = None
    retrieved: dt.datetime | None = None

    @classmethod
    def from_path(cls, path: Path) -> ClippingInput:
        data = path.read_bytes()
        # A saved page was read off the web when it was saved: its modification time.
        saved = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(microsecond=0)
        return cls(str(path), decode(data), kind_from_name(path.name), retrieved=saved)

    @property
    def from_web(self) -> bool:
        return self.url is not None

    @property
    def is_html(self) -> bool:
        if self.kind:
            return self.kind == "html"
        head = self.text.lstrip()[:2000].lower()
        return head.startswith(("<!doctype html", "<html", "<?xml")) or "<head" in head


def kind_from_name(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith((".html", ".htm", ".xhtml", ".shtml")):
        return "html"
    if lower.endswith((".txt", ".text", ".md")):
        return "text"
    return None


def decode(data: bytes) -> str:
    """Bytes from a file or a pipe as text: UTF-8 (with or without a BOM), else Windows-1252,
    which is what a browser on Windows saves when it is not UTF-8."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


@dataclass(frozen=True)
class Overrides:
    """Values from the command line; each replaces what was extracted."""

    title: str | None = None
    date: str | None = None
    source: str | None = None
    source_url: str | None = None
    author: str | None = None
    region: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    today: dt.date | None = None  # for a dateline without a year; tests pin it
    suggest: bool = True  # suggest regions and tags where none are given (--no-suggest: off)


@dataclass
class Extracted:
    """What one clipping says about itself; None where it says nothing."""

    title: str | None = None
    date: Moment | None = None
    date_from_text: bool = False  # read off the page's text, not its metadata
    date_note: str | None = None  # how a date that needs checking was worked out
    source: str | None = None
    source_url: str | None = None
    author: str | None = None
    summary: str | None = None
    dateline: str | None = None
    dateline_month_day: str | None = None  # 'Dec 3' in 'LONDON, Dec 3 (Reuters) -'
    image_caption: str | None = None
    image: str | None = None  # a remote picture's address (og:image, JSON-LD image)
    paywalled: bool = False
    body: list[str] = field(default_factory=list)
    fingerprint_text: str = ""


@dataclass
class ImportOutcome:
    """One clipping's result: the file written (or that would be written, or that already holds
    it), its Markdown, and the problems found. Nothing was written when a problem is an error."""

    input_name: str
    path: Path | None = None
    markdown: str | None = None
    problems: list[Problem] = field(default_factory=list)
    written: bool = False
    duplicate_of: Path | None = None
    suggestion: Suggestion | None = None  # what was suggested (explicit values win in the file)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def already_imported(self) -> bool:
        """Refused because the site holds it already (same URL or text), not for a mistake."""
        return self.duplicate_of is not None and not self.written and not self.ok

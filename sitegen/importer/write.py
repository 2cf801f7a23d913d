"""Placing an article in the site: front matter, slug, `content/YYYY/MM/<slug>.md`, the
fingerprint, and what the site already holds (so nothing is imported twice or overwritten)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

import frontmatter
import yaml

from ..config import SiteConfig
from ..engine import Engine
from ..load import CONTENT_DIR
from ..slugs import slugify
from .clean import comparison_key
from .html import canonical_url

FIELD_ORDER = (
    "title",
    "date",
    "source",
    "source_url",
    "author",
    "region",
    "tags",
    "summary",
    "dateline",
    "image",
    "image_caption",
    "retrieved",
    "archive_url",
    "paywalled",
    "draft",
    "fingerprint",
)


def fingerprint(text: str) -> str:
    """The hash of an article's text with case, spacing, quote styles and chrome set aside."""
    lines = [comparison_key(line) for line in text.splitlines()]
    normal = "\n".join(line for line in lines if line)
    return "sha256:" + hashlib.sha256(normal.encode("utf-8")).hexdigest()


@dataclass
class SiteIndex:
    """The site's articles as far as importing cares: slugs in use, fingerprints, URLs."""

    site_dir: Path
    slugs: dict[str, Path] = field(default_factory=dict)
    fingerprints: dict[str, Path] = field(default_factory=dict)
    urls: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def scan(cls, site_dir: Path, tz: ZoneInfo) -> SiteIndex:
        """What the build's own reader makes of the site's articles. A file the build refuses
        (a bad date, broken YAML) still holds its slug, the one its file name gives; the build
        reports what is wrong with it, with its line."""
        index = cls(site_dir)
        files, _ = Engine(site_dir, use_cache=False).read_articles(SiteConfig(timezone=tz.key))
        for label, read in files.items():
            path = site_dir / label
            article = read.article
            if article is None:
                index.slugs.setdefault(slugify(PurePosixPath(label).stem), path)
                continue
            index.slugs[article.slug] = path
            index.add(path, article.meta.get("fingerprint"), article.source_url)
        return index

    def add(self, path: Path, fingerprint_value: object, url: object) -> None:
        if isinstance(fingerprint_value, str) and fingerprint_value:
            self.fingerprints.setdefault(fingerprint_value, path)
        if isinstance(url, str) and url:
            self.urls.setdefault(canonical_url(url), path)

    def duplicate_of(self, fingerprint_value: str, url: str | None) -> tuple[Path, str] | None:
        if url and canonical_url(url) in self.urls:
            return self.urls[canonical_url(url)], f"same source_url {url}"
        if fingerprint_value in self.fingerprints:
            return self.fingerprints[fingerprint_value], "same text"
        return None

    def free_path(self, day: dt.date, slug: str) -> tuple[Path, str]:
        """Where a new article goes: a slug no other article uses, and a file that is not there."""
        folder = self.site_dir / CONTENT_DIR / f"{day.year:04d}" / f"{day.month:02d}"
        candidate, number = slug, 1
        while candidate in self.slugs or (folder / f"{candidate}.md").exists():
            number += 1
            candidate = slugify(f"{slug}-{number}")  # the build's slug of that file name
        return folder / f"{candidate}.md", candidate


class _Dumper(yaml.SafeDumper):
    pass


def _represent_datetime(dumper: yaml.SafeDumper, value: dt.datetime) -> yaml.Node:
    # ISO 8601 with a 'T' and the offset, as the build and other tools expect.
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(dt.datetime, _represent_datetime)


def render(front: dict[str, object], body: list[str], ending: str | None = None) -> str:
    """The article file: YAML front matter between '---' lines (python-frontmatter writes it),
    then the body paragraphs as Markdown that renders to exactly their text, then `ending`,
    Markdown the importer made itself (an excerpt's link to the original)."""
    ordered = {k: front[k] for k in FIELD_ORDER if front.get(k) not in (None, "", [], ())}
    ordered.update({k: v for k, v in front.items() if k not in ordered and v not in (None, "")})
    paragraphs = [escape_paragraph(p) for p in body if p.strip()] + ([ending] if ending else [])
    post = frontmatter.Post("\n\n".join(paragraphs))
    post.metadata.update(ordered)
    return frontmatter.dumps(post, Dumper=_Dumper, sort_keys=False, width=1_000_000) + "\n"


# Characters that start Markdown or HTML anywhere in a line. '<' and '&' are written as HTML
# entities (Python-Markdown keeps '\<' as a backslash and a tag); the rest are backslash
# escapes Python-Markdown honours (its ESCAPED_CHARS). '>' is an entity too, so that a
# paragraph never starts a quote.
_INLINE_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        **{c: "\\" + c for c in "\\`*_[]{}"},
    }
)
# At the start of a paragraph only: a heading, a list item ('-', '+', '2024. '), a fence.
_ORDERED_ITEM = re.compile(r"^(\d+)([.)])")
_START_ESCAPES = {"#": "\\#", "-": "\\-", "+": "\\+", "~": "&#126;"}


def escape_paragraph(text: str) -> str:
    """A paragraph of plain text as Markdown that renders to the same text and nothing else:
    no tag, link, emphasis, code, heading, list or quote that was not in the importer's mind.
    Whitespace becomes single spaces, so it is one line and never an indented code block."""
    text = " ".join(text.split()).translate(_INLINE_ESCAPES)
    text = _START_ESCAPES.get(text[:1], text[:1]) + text[1:]
    return _ORDERED_ITEM.sub(r"\1\\\2", text)


def write_new(path: Path, data: str | bytes) -> None:
    """Write a file that must not exist yet, whole or not at all: the text goes to a hidden
    temporary file in the same folder (which the build does not read), then is linked
    under its name (a hard link never replaces a file, even in a race) and removed. A write
    that fails (a full disk) leaves nothing behind. Raises FileExistsError if `path` exists."""
    created = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    # Not tempfile.mkstemp: its file is private (0600), and the article must get the mode
    # the user's umask gives any new file.
    temporary = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links: 'x' mode keeps the no-replace rule
            with open(path, "xb") as target:
                target.write(payload)
    finally:
        temporary.unlink(missing_ok=True)
        for folder in created:  # deepest first: the folders made for it, if they stayed empty
            if not any(folder.iterdir()):
                folder.rmdir()

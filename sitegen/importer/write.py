"""Placing an article in the site: front matter, slug, `content/YYYY/MM/<slug>.md`, the
fingerprint, and what the site already holds (so nothing is imported twice or overwritten)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..load import CONTENT_DIR, find_article_files
from ..slugs import slugify
from .clean import comparison_key
from .html import canonical_url

MAX_SLUG = 70
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
    "draft",
    "fingerprint",
)


def fingerprint(text: str) -> str:
    """The hash of an article's text with case, spacing, quote styles and chrome set aside."""
    lines = [comparison_key(line) for line in text.splitlines()]
    normal = "\n".join(line for line in lines if line)
    return "sha256:" + hashlib.sha256(normal.encode("utf-8")).hexdigest()


def make_slug(title: str, fallback: str = "article") -> str:
    """The title as a slug, cut at a word boundary to at most MAX_SLUG characters."""
    slug = slugify(title)
    if len(slug) > MAX_SLUG:
        cut = slug[: MAX_SLUG + 1].rsplit("-", 1)[0]
        slug = cut if len(cut) >= 20 else slug[:MAX_SLUG].rstrip("-")
    return slug or fallback


@dataclass
class SiteIndex:
    """The site's articles as far as importing cares: slugs in use, fingerprints, URLs."""

    site_dir: Path
    slugs: dict[str, Path] = field(default_factory=dict)
    fingerprints: dict[str, Path] = field(default_factory=dict)
    urls: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def scan(cls, site_dir: Path) -> SiteIndex:
        index = cls(site_dir)
        for path in find_article_files(site_dir):
            front = read_front_matter(path)
            slug = front.get("slug")
            index.slugs[slug if isinstance(slug, str) and slug else slugify(path.stem)] = path
            index.add(path, front.get("fingerprint"), front.get("source_url"))
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
            candidate = f"{slug}-{number}"
        return folder / f"{candidate}.md", candidate


def read_front_matter(path: Path) -> dict[str, object]:
    """An existing article's front matter, or {} when it cannot be read (the build reports it)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    match = re.match(r"^---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)", text, re.S)
    if not match:
        return {}
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


class _Dumper(yaml.SafeDumper):
    pass


def _represent_datetime(dumper: yaml.SafeDumper, value: dt.datetime) -> yaml.Node:
    # ISO 8601 with a 'T' and the offset, as the build and other tools expect.
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(dt.datetime, _represent_datetime)


def render(front: dict[str, object], body: list[str]) -> str:
    """The article file: YAML front matter between '---' lines, then the body paragraphs."""
    ordered = {k: front[k] for k in FIELD_ORDER if front.get(k) not in (None, "", [], ())}
    ordered.update({k: v for k, v in front.items() if k not in ordered and v not in (None, "")})
    head = yaml.dump(ordered, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000).rstrip(
        "\n"
    )
    text = "\n\n".join(escape_paragraph(p) for p in body if p.strip())
    return f"---\n{head}\n---\n\n{text}\n" if text else f"---\n{head}\n---\n"


_BLOCK_START = re.compile(r"^(\s*)(#|>|[-*+](?=\s)|\d+[.)](?=\s)|```|~~~|\||<|={3,}|-{3,})")


def escape_paragraph(text: str) -> str:
    """A paragraph of plain text, safe as Markdown: a line starting '# ' or '1. ' stays text."""
    text = _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return re.sub(r"(?<!\\)([*`<])", r"\\\1", text)


def write_new(path: Path, text: str) -> None:
    """Write a file that must not exist yet ('x' mode: never replaces one, even in a race)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)

"""Stage 2, validate: front matter values -> typed `Article` records, or problems with file:line."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from .cache import SourceStat, content_hash
from .characters import drop_forbidden
from .config import split_url
from .errors import Problem, error, shown, warning
from .images import BodyImage, alt_warnings, body_images
from .load import SourceFile, parse_article
from .neardup import shingles
from .slugs import ARTICLE_SLUG, name_key, slugify

KNOWN_FIELDS = (
    "title",
    "date",
    "source",
    "source_url",
    "region",
    "tags",
    "summary",
    "author",
    "image",
    "image_caption",
    "image_alt",
    "updated",
    "slug",
    "draft",
    "story",
    "retrieved",
    "archive_url",
    "paywalled",
    "expires",
)
# Written by `sitegen import`; kept in `meta` like any other extra key, but never a near-miss.
RECOGNISED_EXTRAS = ("dateline", "fingerprint")


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    date: dt.datetime  # the site's local time, with the fixed UTC offset of that moment
    has_time: bool  # False when only a day was given
    source: str
    source_url: str | None
    regions: tuple[str, ...]
    tags: tuple[str, ...]
    summary: str
    summary_from_body: bool  # True when the summary is the body's first paragraph
    author: str | None
    image: str | None
    image_caption: str | None
    updated: dt.datetime | None
    draft: bool
    path: str  # the file, relative to the site folder
    meta: dict[str, object] = field(default_factory=dict, compare=False, hash=False)
    # The names under each taxonomy that site.yaml adds (`people: [...]`), by its key.
    terms: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    # The stories it is part of (`story:`), names as written, matched like tags.
    stories: tuple[str, ...] = ()
    # Provenance, as `sitegen import` writes it: when the original was read (a date-time,
    # in the site's timezone), the Wayback Machine's copy of it then, and whether the
    # outlet keeps the text for subscribers.
    retrieved: dt.datetime | None = None
    archive_url: str | None = None
    paywalled: bool = False
    # Each author's name as written (`author:` one name or a list), for structured data;
    # `author` is them joined for display.
    authors: tuple[str, ...] = ()
    # When it leaves listings and feeds (`expires:`), its page kept with a notice; the build
    # decides with its clock (sitegen/model.py, Schedule).
    expires: dt.datetime | None = None
    image_alt: str | None = None  # the image's alt text; image_caption stands in for it
    # A digest of every field, for the build's dependency graph: what a page can read of
    # the article changes exactly when this does. (The body is not a field: it is kept
    # beside the article, in ValidatedFile, so that a body edit leaves the model as it was.)
    front_matter_digest: bytes = field(default=b"", compare=False, repr=False)

    @property
    def url_path(self) -> str:
        return f"articles/{self.slug}/"

    def with_digest(self) -> Article:
        shown = tuple(getattr(self, f.name) for f in fields(self) if f.name != "front_matter_digest")
        return replace(self, front_matter_digest=_digest(repr(shown).encode("utf-8", "surrogatepass")))


_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class _Fields:
    """Reads one file's front matter, recording a problem at the key's line for each bad value."""

    def __init__(self, source: SourceFile, tz: ZoneInfo):
        self.source = source
        self.tz = tz
        self.problems: list[Problem] = []

    def fail(self, key: str | None, message: str) -> None:
        line = self.source.key_lines.get(key) if key else None
        self.problems.append(error(self.source.label, line, message))

    def text(self, key: str, required: bool = False) -> str | None:
        value = self.source.front_matter.get(key)
        if value is None or value == "":
            if required:
                self.fail(
                    key,
                    f"{key}: missing (required)"
                    if key not in self.source.front_matter
                    else f"{key}: must not be empty",
                )
            return None
        if not isinstance(value, str):
            self.fail(key, f"{key}: expected text, got {_describe(value)}")
            return None
        text = value.strip()
        if required and not text:
            self.fail(key, f"{key}: must not be empty")
            return None
        return text or None

    def names(self, key: str, split_commas: bool) -> tuple[str, ...]:
        """A list of names, or one name (or, where allowed, one comma-separated string)."""
        value = self.source.front_matter.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            items = value.split(",") if split_commas else [value]
        elif isinstance(value, list):
            bad = [v for v in value if not isinstance(v, str)]
            if bad:
                self.fail(key, f"{key}: each item must be text, got {_describe(bad[0])}")
                return ()
            items = value
        else:
            self.fail(key, f"{key}: expected a list of names, got {_describe(value)}")
            return ()
        names: dict[str, str] = {}
        for item in (i.strip() for i in items):
            if not item:
                continue
            slug = slugify(item)
            if not slug:
                self.fail(key, f"{key}: {shown(item)} has no letters or digits to make a URL from")
                continue
            kept = names.setdefault(slug, item)
            if name_key(kept) != name_key(item):  # different names, one URL: say which is kept
                line = self.source.key_lines.get(key)
                self.problems.append(
                    warning(
                        self.source.label,
                        line,
                        f"{key}: {item!r} and {kept!r} make one URL; {kept!r} is kept",
                    )
                )
        return tuple(names.values())

    def moment(self, key: str, required: bool = False) -> tuple[dt.datetime | None, bool]:
        """A date or date-time in the site's timezone, and whether a time of day was given."""
        value = self.source.front_matter.get(key)
        if value is None:
            if required:
                self.fail(key, f"{key}: missing (required), e.g. {key}: 2024-12-03")
            return None, False
        has_time = True
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment, has_time = dt.datetime.combine(value, dt.time()), False
        elif isinstance(value, str):
            try:
                moment = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                self.fail(
                    key,
                    f"{key}: {shown(value)} is not a valid date (use 2024-12-03 or "
                    "2024-12-03T14:05, optionally with an offset such as +02:00)",
                )
                return None, False
            has_time = "T" in value or " " in value.strip()
        else:
            self.fail(key, f"{key}: expected a date such as 2024-12-03, got {_describe(value, False)}")
            return None, False
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        try:
            moment.astimezone(dt.UTC)
            local = moment.astimezone(self.tz)
        except (OverflowError, ValueError):
            self.fail(
                key,
                f"{key}: {shown(value)} is too close to the year 1 or 9999 to be shown in UTC "
                "and in the site's timezone",
            )
            return None, False
        # A fixed offset, not the zone: the hour a DST change repeats holds two moments with
        # one wall time, and datetimes of one zone compare by wall time. With their own
        # offsets, articles sort (and feeds pick the later of date and updated) by instant,
        # and still show the site's local time and offset.
        return local.replace(tzinfo=dt.timezone(local.utcoffset() or dt.timedelta(0))), has_time


def validate_file(
    source: SourceFile, tz: ZoneInfo, taxonomies: tuple[str, ...] = ()
) -> tuple[Article | None, str, list[Problem]]:
    """The article, its Markdown body and the problems found. `taxonomies`: the front matter
    keys of the taxonomies site.yaml adds to the built-in ones."""
    # Once, here, so that pages and feeds agree (the front matter's are gone already: yamlfile.py).
    body, dropped = drop_forbidden(source.body, source.label, source.body_line)
    source = replace(source, body=body)
    reader = _Fields(source, tz)
    front = source.front_matter
    title = reader.text("title", required=True)
    date, has_time = reader.moment("date", required=True)
    updated, _ = reader.moment("updated")
    expires, _ = reader.moment("expires")
    if expires is not None and date is not None and expires <= date:
        reader.fail(
            "expires",
            f"expires: {expires.isoformat()} is not after the article's date ({date.isoformat()}): "
            "it would never be listed",
        )
    source_name = reader.text("source", required=True)
    source_url = reader.text("source_url")
    if source_url and not is_web_url(source_url):
        reader.fail("source_url", f"source_url: {shown(source_url)} must be an http:// or https:// URL")
    image = reader.text("image")
    image_parts = split_url(image) if image else None
    if image and (image_parts is None or (image_parts.scheme and not is_web_url(image))):
        reader.fail(
            "image", f"image: {shown(image)} must be a path such as /images/map.png or an http(s) URL"
        )
    draft = front.get("draft", False)
    if not isinstance(draft, bool):
        reader.fail("draft", f"draft: expected true or false, got {shown(draft)}")
    retrieved, retrieved_has_time = reader.moment("retrieved")
    if retrieved and not retrieved_has_time:
        reader.fail(
            "retrieved",
            "retrieved: needs a time, when the original was read, e.g. 2024-12-03T09:15:00+00:00",
        )
    archive = reader.text("archive_url")
    if archive and not is_web_url(archive):
        reader.fail("archive_url", f"archive_url: {shown(archive)} must be an http:// or https:// URL")
    paywalled = front.get("paywalled", False)
    if not isinstance(paywalled, bool):
        reader.fail("paywalled", f"paywalled: expected true or false, got {shown(paywalled)}")
    slug = _slug(reader, source)
    authors = _authors(reader)
    given_summary = reader.text("summary")
    article = Article(
        slug=slug or "",
        title=title or "",
        date=date or dt.datetime.min.replace(tzinfo=tz),
        has_time=has_time,
        source=source_name or "",
        source_url=source_url,
        regions=reader.names("region", split_commas=False),
        tags=reader.names("tags", split_commas=True),
        summary=given_summary or first_paragraph(source.body),
        summary_from_body=not given_summary,
        author=", ".join(authors) or None,
        image=image,
        image_caption=reader.text("image_caption"),
        image_alt=reader.text("image_alt"),
        updated=updated,
        draft=draft is True,
        path=source.label,
        meta={k: v for k, v in front.items() if k not in KNOWN_FIELDS and k not in taxonomies},
        terms={key: reader.names(key, split_commas=True) for key in taxonomies},
        # A story's name may hold a comma ("Gaza, the ceasefire"): only a list gives several.
        stories=reader.names("story", split_commas=False),
        retrieved=retrieved if retrieved_has_time else None,
        archive_url=archive,
        paywalled=paywalled is True,
        authors=authors,
        expires=expires,
    )
    problems = dropped + reader.problems + _near_misses(source, taxonomies)
    return (None if any(p.is_error for p in problems) else article.with_digest()), source.body, problems


def _slug(reader: _Fields, source: SourceFile) -> str | None:
    given = source.front_matter.get("slug")
    if given is None:
        slug = slugify(PurePosixPath(source.label).stem)
        if not slug:
            reader.fail(None, "cannot make a URL slug from the file name; add a 'slug:' line")
        return slug or None
    if not isinstance(given, str) or not ARTICLE_SLUG.match(given):
        reader.fail(
            "slug",
            f"slug: {shown(given)} must be lowercase letters, digits and single "
            "hyphens (no '/', '..' or spaces), e.g. slug: port-strike-ends",
        )
        return None
    return given


def _authors(reader: _Fields) -> tuple[str, ...]:
    """`author:` as one name or a list of names (a name may hold a comma: only a list gives
    several)."""
    value = reader.source.front_matter.get("author")
    if isinstance(value, list):
        return reader.names("author", split_commas=False)
    author = reader.text("author")
    return (author,) if author else ()


def _near_misses(source: SourceFile, taxonomies: tuple[str, ...]) -> list[Problem]:
    """Warn about keys that look like a misspelt field ('tgas', 'Date', 'sumary')."""
    problems = []
    for key in source.front_matter:
        if key in KNOWN_FIELDS or key in RECOGNISED_EXTRAS or key in taxonomies:
            continue
        close = difflib.get_close_matches(key.lower(), KNOWN_FIELDS, n=1, cutoff=0.7)
        if close:
            problems.append(
                warning(
                    source.label,
                    source.key_lines.get(key),
                    f"unknown key {shown(key)}: did you mean {close[0]!r}? (kept as extra data)",
                )
            )
    return problems


def is_web_url(value: str) -> bool:
    """An http:// or https:// address with a host that can be read: the one rule for
    source_url, a remote image, and what `import` and `new` accept or write."""
    parts = split_url(value.strip())
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.hostname)


def _describe(value: object, text_expected: bool = True) -> str:
    kind = "a list" if isinstance(value, list) else "a set of keys" if isinstance(value, dict) else None
    hint = " (put it in quotes if it is meant as text)" if text_expected else ""
    return kind or f"{shown(value)}{hint}"


_BLOCK_START = re.compile(r"^\s{0,3}(#|>|[-*+]\s|\d+[.)]\s|```|~~~|\||<|!\[|\[\^|[-*_=]{3,}\s*$)")
# No part may run over the '[' or '<' that could start another match: with that, a body of
# 20,000 '[' takes linear time, not minutes.
_INLINE_MARKUP = [
    (re.compile(r"!\[[^\[\]]*\]\([^)\[]*\)"), ""),  # images
    (re.compile(r"\[([^\[\]]+)\]\([^)\[]*\)"), r"\1"),  # links
    (re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]"), r"\1"),  # reference links
    (re.compile(r"<[^<>]+>"), ""),  # inline HTML
    (re.compile(r"(\*\*|__|\*|`)"), ""),  # emphasis, code
    (re.compile(r"\s+"), " "),
]


def first_paragraph(markdown: str) -> str:
    """The first paragraph of prose in a Markdown body, as plain text (for the default summary)."""
    for block in re.split(r"\n\s*\n", markdown):
        if block.strip() and not _BLOCK_START.match(block):
            text = block
            for pattern, replacement in _INLINE_MARKUP:
                text = pattern.sub(replacement, text)
            return text.strip()
    return ""


@dataclass(frozen=True)
class ValidatedFile:
    """What reading and validating one article file gave, and the file it came from."""

    stat: SourceStat | None  # None when the file could not be read
    content_hash: str
    article: Article | None
    body: str  # Markdown
    body_digest: bytes  # what a page showing the body depends on
    problems: tuple[Problem, ...]
    key_lines: dict[str, int]  # for the problems that span files (a slug used twice)
    images: tuple[BodyImage, ...] = ()  # the body's images, with their lines
    # The body's sentences, hashed, for the near-duplicate check (sitegen/neardup.py): made
    # where files are validated (in worker processes, once per file) and kept in the cache.
    shingles: frozenset[int] = frozenset()

    def to_plain(self) -> tuple:
        """As plain data (tuples, strings, numbers, dates), for the build cache."""
        article = (
            None if self.article is None else tuple(getattr(self.article, name) for name in _ARTICLE_FIELDS)
        )
        problems = tuple(p.to_plain() for p in self.problems)
        stat = None if self.stat is None else tuple(self.stat)
        images = tuple(tuple(image.__dict__.values()) for image in self.images)
        return (
            stat,
            self.content_hash,
            article,
            self.body,
            self.body_digest,
            problems,
            self.key_lines,
            images,
            tuple(self.shingles),
        )

    @classmethod
    def from_plain(cls, data: tuple) -> ValidatedFile:
        """The inverse of to_plain; raises (TypeError, ValueError) for anything else."""
        stat, content_hash, article, body, body_digest, problems, key_lines, images, hashed = data
        if not (isinstance(content_hash, str) and isinstance(body, str) and isinstance(body_digest, bytes)):
            raise ValueError("not a validated file")
        return cls(
            None if stat is None else SourceStat(*stat),
            content_hash,
            None if article is None else Article(**dict(zip(_ARTICLE_FIELDS, article, strict=True))),
            body,
            body_digest,
            tuple(Problem.from_plain(p) for p in problems),
            dict(key_lines),
            tuple(BodyImage(*image) for image in images),
            frozenset(hashed),
        )


# What the build cache keeps of a validated file, by field: a cache of another shape is
# not read (cache.py keeps plain data, versioned by what it holds).
CACHE_SHAPE = repr(
    (_ARTICLE_FIELDS, tuple(f.name for f in fields(ValidatedFile)), tuple(f.name for f in fields(Problem)))
)


def validate_bytes(
    data: bytes, path: Path, label: str, tz: ZoneInfo, taxonomies: tuple[str, ...], stat: SourceStat | None
) -> ValidatedFile:
    """An article file's bytes, parsed and validated (`taxonomies` as for validate_file)."""
    source, problems = parse_article(data, path, label)
    if source is None:
        return ValidatedFile(stat, content_hash(data), None, "", b"", tuple(problems), {})
    article, body, found = validate_file(source, tz, taxonomies)
    body_digest = _digest(body.encode("utf-8", "surrogatepass"))
    images = body_images(body, source.body_line)
    front = source.front_matter
    has_alt = any(
        isinstance(text, str) and text.strip()
        for text in (front.get("image_alt"), front.get("image_caption"))
    )
    problems += alt_warnings(label, source.key_lines.get("image"), bool(front.get("image")), has_alt, images)
    return ValidatedFile(
        stat,
        content_hash(data),
        article,
        body,
        body_digest,
        (*problems, *found),
        source.key_lines,
        images,
        shingles(body),
    )


def unreadable(label: str, stat: SourceStat | None, exc: OSError) -> ValidatedFile:
    problem = error(label, None, f"cannot be read: {exc.strerror}")
    return ValidatedFile(stat, "", None, "", b"", (problem,), {})


# The front matter keys whose lines the problems that span files name.
CROSS_FILE_KEYS = ("slug", "source_url", "fingerprint")


def cross_file_problems(articles: list[Article], lines: Mapping[str, Mapping[str, int]]) -> list[Problem]:
    """Two articles with one slug (an error), or one source_url or fingerprint (a warning),
    at the line of that key (CROSS_FILE_KEYS) in the later file."""
    by_slug: dict[str, list[Article]] = defaultdict(list)
    by_url: dict[str, list[Article]] = defaultdict(list)
    by_fingerprint: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_slug[article.slug].append(article)
        if article.source_url:
            by_url[article.source_url.rstrip("/")].append(article)
        if article.meta.get("fingerprint"):
            by_fingerprint[str(article.meta["fingerprint"])].append(article)
    problems = []
    for slug, same in by_slug.items():
        for later in same[1:]:
            problems.append(
                error(
                    later.path,
                    lines[later.path].get("slug"),
                    f"slug {slug!r} is also used by {same[0].path}: both would be written to "
                    f"/articles/{slug}/; give one of them another file name or 'slug:'",
                )
            )
    for key, groups in (("source_url", by_url), ("fingerprint", by_fingerprint)):
        for value, same in groups.items():
            for later in same[1:]:
                problems.append(
                    warning(
                        later.path,
                        lines[later.path].get(key),
                        f"{key}: same as {same[0].path} ({value}); is this article there twice?",
                    )
                )
    return problems

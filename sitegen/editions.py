"""Edition files: `content/editions/<YYYY-MM-DD>[-<name>].md`, the editor's pick of
articles for one issue of the briefing (a page, an email, an entry of a feed).

Front matter: `title`, `date` (default: from the file name), `summary`, and exactly one of
`articles:` (an ordered list), `sections:` (ordered groups of such lists) or `select:` (a
rule that picks articles). The Markdown body is the editor's note. They are read on every
build (a few a week), as story files are. Which articles the items name is checked against
the site's articles in the model (sitegen/model.py), which knows them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zoneinfo
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import babel
import babel.dates

from .characters import drop_forbidden
from .config import SiteConfig
from .errors import Problem, error, shown, warning
from .load import (
    CONTENT_DIR,
    EDITIONS_DIR,
    folder_entries,
    is_article_name,
    parse_article,
    printable,
    unknown_key_warnings,
)
from .slugs import slugify
from .validate import Article
from .yamlfile import item_lines, read_bytes, special_kind

EDITION_FIELDS = ("title", "date", "summary", "articles", "sections", "select")
CHOICES = ("articles", "sections", "select")
SELECT_KEYS = ("since", "regions", "tags", "stories", "limit", "group")
_FILE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:-([a-z0-9]+(?:-[a-z0-9]+)*))?$")
_DURATION = re.compile(r"^\s*(\d{1,5})\s*([mhdw])\s*$")
Markdown = Callable[[str, bool], str]  # (text, absolute links?) -> HTML
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class ItemRef:
    """One item as the edition file writes it: an article's slug and the editor's note."""

    slug: str
    note: str
    line: int | None


@dataclass(frozen=True)
class SectionRef:
    title: str  # "" for the one section of an `articles:` list
    items: tuple[ItemRef, ...]


@dataclass(frozen=True)
class Selection:
    """`select:`: the articles of a window that closes when the edition does, newest first."""

    since: dt.timedelta | None  # `since: 24h`: that long before the edition closes
    since_moment: dt.datetime | None  # `since: 2024-12-01`: from that day's start on
    regions: tuple[str, ...]  # names, matched like tags (by slug, aliases included)
    tags: tuple[str, ...]
    stories: tuple[str, ...]
    limit: int | None
    group_by_region: bool
    line: int | None

    def window(self, closes: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """The first and last moment whose articles it picks, for an edition that `closes` then."""
        opens = (
            self.since_moment if self.since_moment is not None else closes - (self.since or dt.timedelta())
        )
        return opens, closes


@dataclass(frozen=True)
class EditionFile:
    slug: str  # the file name without .md
    path: str  # content/editions/<slug>.md
    title: str | None
    date: dt.datetime  # in the site's timezone
    has_time: bool
    summary: str
    note: str  # the body, as HTML
    note_absolute: str  # the same, its links into the site full addresses (email, feed)
    note_text: str  # the body as written (Markdown), for the email's text part
    sections: tuple[SectionRef, ...]  # empty with `select:`
    select: Selection | None

    @property
    def closes(self) -> dt.datetime:
        """The last moment whose articles the edition may pick: its date and time, or the
        end of its day when it has a date only. `select:` windows end here, never at the time
        of the build, so an edition builds the same tomorrow as today."""
        if self.has_time:
            return self.date
        return self.date + dt.timedelta(days=1, microseconds=-1)


def read_edition_files(
    site_dir: Path, markdown: Markdown, timezone: str
) -> tuple[tuple[EditionFile, ...], list[Problem]]:
    """Every edition file, and the problems of each taken alone (its form, its keys); an
    edition with an error is left out. `markdown(text, absolute)` makes a note's HTML, its
    links into the site full addresses if `absolute`."""
    entries, unreadable = folder_entries(site_dir, EDITIONS_DIR)
    if unreadable:
        return (), unreadable
    tz = zoneinfo.ZoneInfo(timezone)
    found: list[EditionFile] = []
    problems: list[Problem] = []
    for entry in entries:
        label = printable(f"{CONTENT_DIR}/{EDITIONS_DIR}/{entry.name}")
        if not is_article_name(entry.name):
            if entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
                problems.append(
                    warning(
                        label, None, "not read: edition files are content/editions/<YYYY-MM-DD>[-<name>].md"
                    )
                )
            continue
        if not entry.is_file():
            kind = special_kind(entry.stat().st_mode) if os.path.exists(entry.path) else None
            problems.append(warning(label, None, f"skipped: it is {kind or 'not a file'}"))
            continue
        edition, edition_problems = _read(Path(entry.path), label, markdown, tz)
        problems += edition_problems
        if edition is not None:
            found.append(edition)
    return tuple(found), problems


def _read(
    path: Path, label: str, markdown: Markdown, tz: zoneinfo.ZoneInfo
) -> tuple[EditionFile | None, list[Problem]]:
    stem = path.name.rsplit(".", 1)[0]
    named = _FILE_NAME.match(stem)
    if named is None:
        return None, [
            error(
                label,
                None,
                "an edition file is named <YYYY-MM-DD>.md or <YYYY-MM-DD>-<name>.md "
                "(lowercase letters, digits and hyphens): rename it",
            )
        ]
    try:
        data = read_bytes(path)
    except OSError as exc:
        return None, [error(label, None, f"cannot be read: {exc.strerror}")]
    source, problems = parse_article(data, path, label)
    if source is None:
        return None, problems
    front, lines = source.front_matter, source.key_lines
    text = data.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
    places = item_lines("\n".join(text[1 : source.body_line - 2]), first_line=2)

    def fail(line: int | None, message: str) -> None:
        problems.append(error(label, line, message))

    problems += unknown_key_warnings(label, front, lines, EDITION_FIELDS, "an edition")
    texts: dict[str, str | None] = {}
    for key in ("title", "summary"):
        value = front.get(key)
        if value is not None and not isinstance(value, str):
            fail(lines.get(key), f"{key}: expected text, got {shown(value)}")
            value = None
        texts[key] = (value.strip() or None) if isinstance(value, str) else None
    try:
        named_day = dt.date.fromisoformat(named.group(1))
    except ValueError:
        return None, [
            *problems,
            error(label, None, f"{named.group(1)} in the file name is not a date: rename it"),
        ]
    date, has_time = _date(front.get("date", named_day), tz, lambda message: fail(lines.get("date"), message))
    chosen = [key for key in CHOICES if key in front]
    sections: tuple[SectionRef, ...] = ()
    select = None
    if len(chosen) != 1:
        given = f"it has {' and '.join(chosen)}" if chosen else "it has none"
        fail(
            lines.get(chosen[1]) if len(chosen) > 1 else None,
            f"an edition chooses its articles with exactly one of articles:, sections: or select: ({given})",
        )
    elif chosen[0] == "articles":
        items = _items(front["articles"], ("articles",), places, lines.get("articles"), fail)
        sections = (SectionRef("", items),)
    elif chosen[0] == "sections":
        sections = _sections(front["sections"], places, lines.get("sections"), fail)
    else:
        select = _selection(front["select"], places, lines.get("select"), tz, fail)
    body, dropped = drop_forbidden(source.body, label, source.body_line)
    problems += dropped
    if any(p.is_error for p in problems) or date is None:
        return None, problems
    edition = EditionFile(
        slug=stem,
        path=label,
        title=texts["title"],
        date=date,
        has_time=has_time,
        summary=texts["summary"] or "",
        note=markdown(body, False) if body.strip() else "",
        note_absolute=markdown(body, True) if body.strip() else "",
        note_text=body.strip(),
        sections=sections,
        select=select,
    )
    return edition, problems


def _date(
    value: object, tz: zoneinfo.ZoneInfo, fail: Callable[[str], None]
) -> tuple[dt.datetime | None, bool]:
    if isinstance(value, str):
        try:
            value = (
                dt.datetime.fromisoformat(value.strip())
                if "T" in value or " " in value.strip()
                else (dt.date.fromisoformat(value.strip()))
            )
        except ValueError:
            fail(f"date: {shown(value)} is not a date (use 2024-12-03 or 2024-12-03T07:00)")
            return None, False
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=tz)
        local = moment.astimezone(tz)
        return local.replace(tzinfo=dt.timezone(local.utcoffset() or dt.timedelta(0))), True
    if isinstance(value, dt.date):
        local = dt.datetime.combine(value, dt.time(), tzinfo=tz)
        return local.replace(tzinfo=dt.timezone(local.utcoffset() or dt.timedelta(0))), False
    fail(f"date: expected a date such as 2024-12-03, got {shown(value)}")
    return None, False


def _items(
    value: object,
    where: tuple[str | int, ...],
    places: dict[tuple[str | int, ...], int],
    line: int | None,
    fail: Callable[[int | None, str], None],
) -> tuple[ItemRef, ...]:
    """A list of items: each an article's slug, or {article: <slug>, note: "..."}."""
    name = ".".join(str(part) for part in where)
    if not isinstance(value, list):
        fail(line, f"{name}: expected a list of article slugs, got {shown(value)}")
        return ()
    items = []
    for number, item in enumerate(value):
        at = places.get((*where, number), line)
        if isinstance(item, str) and item.strip():
            items.append(ItemRef(item.strip(), "", at))
            continue
        if isinstance(item, dict):
            slug, note = item.get("article"), item.get("note", "")
            unknown = [key for key in item if key not in ("article", "note")]
            if unknown:
                fail(at, f"{name}: unknown key {shown(unknown[0])} in an item (it has article, note)")
            elif not isinstance(slug, str) or not slug.strip():
                fail(at, f"{name}: an item needs `article: <slug>`, got {shown(item)}")
            elif not isinstance(note, str):
                fail(at, f"{name}: note: expected text, got {shown(note)}")
            else:
                items.append(ItemRef(slug.strip(), note.strip(), at))
            continue
        fail(at, f"{name}: an item is an article's slug or {{article: <slug>, note: ...}}, got {shown(item)}")
    return tuple(items)


def _sections(
    value: object,
    places: dict[tuple[str | int, ...], int],
    line: int | None,
    fail: Callable[[int | None, str], None],
) -> tuple[SectionRef, ...]:
    if not isinstance(value, list):
        fail(line, f"sections: expected a list of {{title: ..., articles: [...]}}, got {shown(value)}")
        return ()
    sections = []
    for number, section in enumerate(value):
        at = places.get(("sections", number), line)
        title = section.get("title") if isinstance(section, dict) else None
        if not isinstance(section, dict) or not isinstance(title, str) or not title.strip():
            fail(at, f"sections: each section is {{title: ..., articles: [...]}}, got {shown(section)}")
            continue
        unknown = [key for key in section if key not in ("title", "articles")]
        if unknown:
            fail(at, f"sections: unknown key {shown(unknown[0])} in a section (it has title, articles)")
        where = ("sections", number, "articles")
        items = _items(section.get("articles"), where, places, places.get(where, at), fail)
        sections.append(SectionRef(title.strip(), items))
    return tuple(sections)


def _selection(
    value: object,
    places: dict[tuple[str | int, ...], int],
    line: int | None,
    tz: zoneinfo.ZoneInfo,
    fail: Callable[[int | None, str], None],
) -> Selection | None:
    if not isinstance(value, dict):
        fail(line, f"select: expected a mapping such as {{since: 24h}}, got {shown(value)}")
        return None
    ok = True

    def bad(key: str, message: str) -> None:
        nonlocal ok
        ok = False
        fail(places.get(("select", key), line), f"select.{key} {message}")

    for key in value:
        if key not in SELECT_KEYS:
            bad(str(key), f"is not a key of select: (its keys: {', '.join(SELECT_KEYS)})")
    since, since_moment = None, None
    written = value.get("since")
    if isinstance(written, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", written):
        with suppress(ValueError):  # a date in quotes; not a day of the calendar is reported below
            written = dt.date.fromisoformat(written.strip())
    duration = _DURATION.match(written) if isinstance(written, str) else None
    if written is None:
        bad("since", "is missing: say how far back to pick, such as since: 24h or since: 2024-12-01")
    elif duration:
        since = dt.timedelta(**{_UNITS[duration.group(2)]: int(duration.group(1))})
    elif isinstance(written, dt.date):
        day = written.date() if isinstance(written, dt.datetime) else written
        since_moment = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    else:
        bad(
            "since",
            f"must be a duration (90m, 24h, 7d, 2w) or a date such as 2024-12-01, got {shown(written)}",
        )
    names: dict[str, tuple[str, ...]] = {}
    for key in ("regions", "tags", "stories"):
        found = value.get(key, [])
        found = [found] if isinstance(found, str) else found
        if not isinstance(found, list) or not all(isinstance(n, str) and n.strip() for n in found):
            bad(key, f"must be a list of names, got {shown(found)}")
            found = []
        names[key] = tuple(n.strip() for n in found)
    limit = value.get("limit")
    if limit is not None and (type(limit) is not int or limit < 1):
        bad("limit", f"must be a whole number of at least 1, got {shown(limit)}")
    group = value.get("group")
    if group is not None and group != "region":
        bad("group", f"can only be 'region', got {shown(group)}")
    if not ok:
        return None
    return Selection(
        since=since,
        since_moment=since_moment,
        regions=names["regions"],
        tags=names["tags"],
        stories=names["stories"],
        limit=limit,
        group_by_region=group == "region",
        line=line,
    )


# The editions as the site shows them ---------------------------------------------


@dataclass(frozen=True)
class EditionItem:
    article: Article
    note: str  # the editor's line on why it matters (plain text), or ""


@dataclass(frozen=True)
class EditionSection:
    title: str  # "" when the edition is one list
    items: tuple[EditionItem, ...]


@dataclass(frozen=True)
class Edition:
    slug: str
    title: str
    date: dt.datetime
    has_time: bool
    summary: str
    note: str  # the editor's note, HTML
    note_absolute: str  # the same, its links into the site full addresses (for email and feeds)
    note_text: str  # the editor's note as written (Markdown, which reads as plain text)
    sections: tuple[EditionSection, ...]  # at least one item in all
    path: str  # its edition file

    @property
    def url_path(self) -> str:
        return f"{EDITIONS_DIR}/{self.slug}/"

    @property
    def email_path(self) -> str:
        return f"{self.url_path}email.html"

    @property
    def text_path(self) -> str:
        return f"{self.url_path}email.txt"

    @property
    def items(self) -> tuple[EditionItem, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @property
    def count(self) -> int:
        return sum(len(section.items) for section in self.sections)


def newest_first(editions: Iterable[Edition | None]) -> tuple[Edition, ...]:
    """The editions made (None: an edition file with an error), newest first."""
    return tuple(
        sorted(
            (edition for edition in editions if edition is not None),
            key=lambda edition: (edition.date, edition.slug),
            reverse=True,
        )
    )


def resolve_edition(
    edition_file: EditionFile,
    by_slug: Mapping[str, Article],
    shown_now: Container[str],
    published: Sequence[Article],
    config: SiteConfig,
) -> tuple[Edition | None, list[Problem]]:
    """One edition (None when it has no items), and its problems: `by_slug` has every
    article, `shown_now` the slugs of the published and the expired ones."""
    problems: list[Problem] = []
    if edition_file.select is not None:
        sections = _selected(edition_file, edition_file.select, published, config)
    else:
        sections = _named(edition_file, by_slug, shown_now, problems)
    seen: dict[str, int | None] = {}
    kept = []
    for section, refs in sections:
        items = []
        for article, note, line in refs:
            if article.slug in seen:
                first = seen[article.slug]
                problems.append(
                    warning(
                        edition_file.path,
                        line,
                        f"{article.slug} is in this edition already"
                        f"{f' (line {first})' if first else ''}: it is shown once",
                    )
                )
                continue
            seen[article.slug] = line
            items.append(EditionItem(article, note))
        if items:
            kept.append(EditionSection(section, tuple(items)))
    if not kept:
        rule = edition_file.select
        why = (
            "select: picks no article (none was published in its window with its regions, tags and stories)"
            if rule
            else "it names no article"
        )
        problems.append(
            error(edition_file.path, rule.line if rule else None, f"the edition has no items: {why}")
        )
        return None, problems
    edition = Edition(
        slug=edition_file.slug,
        title=edition_file.title or default_title(config, edition_file.date.date()),
        date=edition_file.date,
        has_time=edition_file.has_time,
        summary=edition_file.summary,
        note=edition_file.note,
        note_absolute=edition_file.note_absolute,
        note_text=edition_file.note_text,
        sections=tuple(kept),
        path=edition_file.path,
    )
    return edition, problems


def default_title(config: SiteConfig, day: dt.date) -> str:
    """The site's title and the date, in the site's language ('The Weekly Brief, 3 December 2024')."""
    try:
        shown_date = babel.dates.format_date(day, "long", locale=config.language.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        shown_date = day.isoformat()
    return f"{config.title}, {shown_date}"


_Ref = tuple[Article, str, int | None]  # an item's article, note and line


def _named(
    edition: EditionFile, by_slug: Mapping[str, Article], published: Container[str], problems: list[Problem]
) -> list[tuple[str, list[_Ref]]]:
    sections = []
    for section in edition.sections:
        refs = []
        for item in section.items:
            article = by_slug.get(item.slug)
            if article is None:
                problems.append(error(edition.path, item.line, f"no article has the slug {shown(item.slug)}"))
            elif item.slug not in published:
                why = (
                    "is a draft: an edition may pick it only in a build with --drafts"
                    if article.draft
                    else "is scheduled for later: an edition may pick it only once it is published "
                    "(or in a build with --future)"
                )
                problems.append(error(edition.path, item.line, f"{item.slug} {why}"))
            else:
                refs.append((article, item.note, item.line))
        sections.append((section.title, refs))
    return sections


def _selected(
    edition: EditionFile, rule: Selection, published: Sequence[Article], config: SiteConfig
) -> list[tuple[str, list[_Ref]]]:
    """The articles of `rule`'s window, newest first (at most `limit`), in one section or,
    with `group: region`, a section per region (each article under its first region, by
    region name; those without a region last, under "Other")."""
    opens, closes = rule.window(edition.closes)

    def wanted(key: str, names: tuple[str, ...]) -> set[str]:
        return {slugify(name) for name in config.canonical_names(key, names)}

    regions, tags = wanted("regions", rule.regions), wanted("tags", rule.tags)
    stories = {slugify(name) for name in rule.stories}  # matched as articles join them
    picked = []
    for article in published:  # newest first
        if not opens <= article.date <= closes:
            continue
        if regions and regions.isdisjoint(wanted("regions", article.regions)):
            continue
        if tags and tags.isdisjoint(wanted("tags", article.tags)):
            continue
        if stories and stories.isdisjoint(slugify(name) for name in article.stories):
            continue
        picked.append(article)
        if rule.limit is not None and len(picked) == rule.limit:
            break
    if not rule.group_by_region:
        return [("", [(article, "", None) for article in picked])]
    groups: dict[str, list[_Ref]] = {}
    for article in picked:
        region = config.canonical_names("regions", article.regions[:1])
        groups.setdefault(region[0] if region else "", []).append((article, "", None))
    named = sorted((name for name in groups if name), key=str.casefold)
    return [(name or OTHER_REGION, groups[name]) for name in [*named, *([""] if "" in groups else [])]]


OTHER_REGION = "Other"

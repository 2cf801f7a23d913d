"""`sitegen import` and `sitegen new`: clippings and saved pages -> article files.

The pipeline, one module a step:
    clean.py    page chrome out of a clipping's lines
    text.py     headline, lead, dateline, byline, credit, captions and the date from the lines
    html.py     a saved page's metadata, and its main text (trafilatura)
    extract.py  one clipping -> what it says about itself (`Extracted`)
    outlets.py  outlet names -> one full name each
    steps.py    what is added to each article before it is written (provenance, image,
                excerpt): the one place for a per-article step
    write.py    front matter, slug, path, fingerprint, duplicates, the file itself
    fetch.py, feeds.py, web.py   pages and feeds read off the web, then imported as above
Nothing here prints or exits: every outcome carries its problems as values.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from ..errors import Problem, SiteError, error, warning
from ..load import parse_article
from ..slugs import slugify
from ..validate import is_web_url, validate_file
from . import outlets
from .clean import normalise_line
from .dates import Moment, out_of_range, parse_user_date, settle_utc_day
from .extract import extract
from .fetch import FetchOptions
from .images import download_image
from .model import ClippingInput, Extracted, ImportOutcome, Overrides
from .site_knowledge import SiteKnowledge
from .steps import Draft, StepSettings, after_extraction
from .suggest import ClippingText, Suggestion, suggest
from .write import SiteIndex, fingerprint, render, write_new

__all__ = [
    "ClippingInput",
    "ImportOutcome",
    "Overrides",
    "import_clippings",
    "new_article",
]


def import_clippings(
    site_dir: Path,
    inputs: list[ClippingInput],
    overrides: Overrides,
    *,
    dry_run: bool = False,
    force: bool = False,
    excerpt: int | None = None,
    index: SiteIndex | None = None,
    knowledge: SiteKnowledge | None = None,
    download_images: FetchOptions | None = None,
) -> list[ImportOutcome]:
    """Import each clipping as one article under `site_dir/content/`; one outcome each, in order.

    A clipping with an error (no date, no source, already imported) writes nothing; the others
    are still imported. With `dry_run` nothing is written at all; with `force` an article that
    is already there is imported again under a new slug (the first file is left as it was).
    `excerpt`: the paragraphs kept (0: all; None: site.yaml's `excerpt`). `index`: the site
    as `site_index` read it, and `knowledge` its articles' texts and terms
    (SiteKnowledge.scan), when the caller has them already. `download_images`: store each
    article's remote picture in the site (read with these limits) instead of linking it."""
    editor_zone, site_excerpt = _site_settings(site_dir)
    index = site_index(site_dir) if index is None else index
    knowledge = SiteKnowledge.scan(site_dir) if knowledge is None else knowledge
    today = overrides.today or dt.date.today()
    settings = StepSettings(
        editor_zone,
        site_excerpt if excerpt is None else excerpt,
        dt.datetime.now(dt.UTC),
        download_images,
    )
    return [
        _import_one(clip, overrides, index, knowledge, settings, today, dry_run=dry_run, force=force)
        for clip in inputs
    ]


def site_index(site_dir: Path) -> SiteIndex:
    """What the site holds, as importing cares: slugs, fingerprints and source URLs."""
    return SiteIndex.scan(site_dir, ZoneInfo(_site_settings(site_dir)[0]))


def _import_one(
    clip: ClippingInput,
    overrides: Overrides,
    index: SiteIndex,
    knowledge: SiteKnowledge,
    settings: StepSettings,
    today: dt.date,
    *,
    dry_run: bool,
    force: bool,
) -> ImportOutcome:
    editor_zone = settings.editor_zone
    outcome = ImportOutcome(clip.name)
    problems = outcome.problems
    if not clip.text.strip():
        problems.append(error(clip.name, None, "the clipping is empty"))
        return outcome
    found = extract(clip, today=today)
    front, moment = _front_matter(clip.name, found, overrides, editor_zone, problems)
    if any(p.is_error for p in problems) or moment is None:
        return outcome
    draft, added = after_extraction(Draft(clip, found, front, tuple(found.body)), settings)
    problems.extend(added)
    if any(p.is_error for p in problems):
        return outcome
    front = dict(draft.front)
    print_value = fingerprint(found.fingerprint_text)
    front["fingerprint"] = print_value
    duplicate = index.duplicate_of(print_value, front.get("source_url"))  # type: ignore[arg-type]
    if duplicate:
        first, why = duplicate
        label = _label(first, index.site_dir)
        outcome.duplicate_of = first
        if not force:
            problems.append(
                error(
                    clip.name,
                    None,
                    f"already imported as {label} ({why}); nothing written "
                    "(use --force to import it again under a new name)",
                )
            )
            outcome.path = first
            return outcome
        problems.append(
            warning(clip.name, None, f"already imported as {label} ({why}); imported again (--force)")
        )
    if not _check_near_duplicate(clip.name, found, knowledge, index.site_dir, problems, force=force):
        return outcome
    if overrides.suggest:
        outcome.suggestion = _suggest(found, str(front["title"]), front, knowledge)
    path, slug = index.free_path(moment.day, slugify(str(front["title"])) or "article")
    outcome.path = path
    picture = None
    if settings.download_images and isinstance(front.get("image"), str) and not dry_run:
        stored = download_image(
            str(front["image"]), settings.download_images, index.site_dir, path, moment.day, slug
        )
        if isinstance(stored, str):
            problems.append(
                warning(clip.name, None, f"picture {front['image']} not stored ({stored}); it stays linked")
            )
        else:
            picture, front["image"] = stored
    outcome.markdown = render(front, list(draft.body), draft.ending)
    problems.extend(_build_errors(clip.name, outcome.markdown, path, editor_zone))
    if any(p.is_error for p in problems):
        _remove(picture)
        return outcome
    # Later clippings in the same run see this one, so one run cannot import a story twice.
    index.slugs[slug] = path
    index.add(path, print_value, front.get("source_url"))
    knowledge.add(path, _text(found))
    if not dry_run:
        try:
            write_new(path, outcome.markdown)
        except FileExistsError:
            problems.append(error(clip.name, None, f"{_label(path, index.site_dir)} exists; not replaced"))
            _remove(picture)
            return outcome
        except OSError as exc:
            problems.append(error(clip.name, None, f"cannot write {path}: {exc.strerror or exc}"))
            _remove(picture)
            return outcome
        outcome.written = True
    return outcome


def _text(found: Extracted) -> str:
    return "\n\n".join(found.body)


def _check_near_duplicate(
    name: str,
    found: Extracted,
    knowledge: SiteKnowledge,
    site_dir: Path,
    problems: list[Problem],
    *,
    force: bool,
) -> bool:
    """Whether the clipping may be imported: not when its text is nearly the same as an
    article's (unless `force`). The problem names that article."""
    near = knowledge.near_duplicate_of(_text(found))
    if near is None:
        return True
    path, value = near
    said = (
        f"nearly the same text as {_label(path, site_dir)} ({float(value):.0%} of their sentences in common)"
    )
    if force:
        problems.append(warning(name, None, f"{said}; imported anyway (--force)"))
        return True
    problems.append(error(name, None, f"{said}; nothing written (use --force to import it anyway)"))
    return False


def _suggest(found: Extracted, title: str, front: dict[str, object], knowledge: SiteKnowledge) -> Suggestion:
    """Suggest regions and tags from the clipping's text, and fill them in where the command
    line gave none."""
    lead = found.summary or ""
    body = "\n\n".join(p for p in found.body if p.strip() != lead.strip())
    suggestion = suggest(
        ClippingText(title, " ".join(filter(None, [lead, found.dateline])), body), knowledge.terms
    )
    if front.get("region") is None and suggestion.regions:
        front["region"] = _one_or_list(suggestion.regions)
    if front.get("tags") is None and suggestion.tags:
        front["tags"] = list(suggestion.tags)
    return suggestion


def _front_matter(
    name: str,
    found: Extracted,
    overrides: Overrides,
    editor_zone: str,
    problems: list[Problem],
) -> tuple[dict[str, object], Moment | None]:
    title = (overrides.title or found.title or "").strip()
    if not title:
        problems.append(error(name, None, "no headline found; give one with --title TEXT"))
    source = _source(overrides.source) if overrides.source else found.source
    if not source:
        problems.append(
            error(name, None, "no source (outlet) found in the clipping; give one with --source NAME")
        )
    moment: Moment | None
    if overrides.date:
        moment = parse_user_date(overrides.date)
        if moment is None:
            problems.append(error(name, None, f"--date {overrides.date!r} is not a date; use YYYY-MM-DD"))
    else:
        moment = found.date
        if moment is None:
            problems.append(
                error(name, None, "no date found in the clipping; give one with --date YYYY-MM-DD")
            )
        elif found.date_note:
            problems.append(warning(name, None, found.date_note))
    if moment and out_of_range(moment):
        problems.append(error(name, None, f"date {out_of_range(moment)}; give one with --date YYYY-MM-DD"))
        moment = None
    url = overrides.source_url or found.source_url
    if moment and moment.when and not overrides.date and found.date_from_text:
        # A time printed on the page is often in the reader's zone (AP shows 'GMT+1' to a
        # reader in Paris): the outlet's own zone gives the day it dated the story.
        moment = moment.in_zone(outlets.timezone_for(source, url))
    if moment and moment.when and moment.when.utcoffset() == dt.timedelta(0):
        # A UTC timestamp: the day is the one where the outlet is, or the one the story's
        # weekday names, or else the editor's.
        zone = outlets.timezone_for(source, url)
        settled = None if zone else settle_utc_day(moment, _opening(found))
        if settled:
            problems.append(
                warning(
                    name,
                    None,
                    f"date {settled.day.isoformat()} ({settled.day:%A}) worked out from the UTC "
                    f"time {moment.when:%Y-%m-%d %H:%M} and the weekday in the text; check it",
                )
            )
        moment = settled or moment.in_zone(zone or editor_zone)
    front: dict[str, object] = {
        "title": title,
        "date": _date_value(moment) if moment else None,
        "source": source,
        "source_url": url if url and is_web_url(url) else None,
        "author": overrides.author or found.author,
        "region": _one_or_list(overrides.region),
        "tags": list(overrides.tags) or None,
        "summary": found.summary,
        "dateline": found.dateline,
        "image_caption": found.image_caption,
    }
    # A page's metadata can hold what its text cannot: line breaks and control characters.
    for key in ("title", "source", "author", "summary", "dateline", "image_caption"):
        if isinstance(front[key], str):
            front[key] = normalise_line(str(front[key])) or None
    return front, moment


def _remove(picture: Path | None) -> None:
    """A picture stored for an article that was not written goes too: nothing half-imported."""
    if picture is not None:
        picture.unlink(missing_ok=True)


def _build_errors(name: str, markdown: str, path: Path, zone: str) -> list[Problem]:
    """What the build's own reader says of the article about to be written: a file that the
    build would refuse is not written."""
    source, problems = parse_article(markdown.encode("utf-8"), path, path.name)
    if source is not None:
        problems += validate_file(source, ZoneInfo(zone))[2]
    return [
        error(name, None, f"the article would not build ({p}); nothing written")
        for p in problems
        if p.is_error
    ]


def _opening(found: Extracted) -> str:
    return " ".join([found.summary or "", *found.body[1:3]])


def _source(given: str) -> str:
    known = outlets.lookup(given)
    return known.name if known else given.strip()


def _date_value(moment: Moment) -> dt.date | dt.datetime:
    if moment.when:
        return moment.when.replace(microsecond=0)
    return moment.day


def _one_or_list(values: tuple[str, ...]) -> object:
    values = tuple(v.strip() for v in values if v.strip())
    if not values:
        return None
    return values[0] if len(values) == 1 else list(values)


def _label(path: Path, site_dir: Path) -> str:
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return str(path)


def _site_timezone(site_dir: Path) -> str:
    return _site_settings(site_dir)[0]


def _site_settings(site_dir: Path) -> tuple[str, int]:
    """The site's timezone and default excerpt (paragraphs; 0 for the whole text)."""
    try:
        from ..config import load_config

        config, _ = load_config(site_dir)
        ZoneInfo(config.timezone)
        return config.timezone, config.excerpt
    except Exception:  # a broken site.yaml is the build's to report
        return "UTC", 0


def new_article(site_dir: Path, title: str, overrides: Overrides) -> Path:
    """Write a new article skeleton for `title` and return its path.

    Raises SiteError (nothing written) for an empty title or a date that is not a date. Without
    a source the article is written as a draft with a placeholder source, so that the site still
    builds and the article stays unpublished until the editor names the outlet."""
    title = title.strip()
    problems: list[Problem] = []
    if not title:
        problems.append(error("new", None, "the title is empty"))
    zone = _site_timezone(site_dir)
    if overrides.date:
        moment = parse_user_date(overrides.date)
        if moment is None:
            problems.append(error("new", None, f"--date {overrides.date!r} is not a date; use YYYY-MM-DD"))
        elif out_of_range(moment):
            problems.append(error("new", None, f"--date {out_of_range(moment)}"))
    else:
        moment = Moment(overrides.today or dt.datetime.now(ZoneInfo(zone)).date())
    if overrides.source_url and not is_web_url(overrides.source_url):
        problems.append(error("new", None, f"--url {overrides.source_url!r} is not an http(s) address"))
    if problems or moment is None:
        raise SiteError(problems)
    index = SiteIndex.scan(site_dir, ZoneInfo(zone))
    slug = slugify(title) or "article"
    path, _ = index.free_path(moment.day, slug)
    taken = index.slugs.get(slug) or (path.parent / f"{slug}.md")
    if slug in index.slugs or taken.exists():
        raise SiteError(
            [error(_label(taken, site_dir), None, "an article with this slug exists; not replaced")]
        )
    front: dict[str, object] = {
        "title": title,
        "date": _date_value(moment),
        "source": _source(overrides.source) if overrides.source else "UNKNOWN: name the outlet",
        "source_url": overrides.source_url,
        "author": overrides.author,
        "region": _one_or_list(overrides.region),
        "tags": list(overrides.tags) or None,
        "summary": "",
        "draft": True if not overrides.source else None,
    }
    text = render(front, ["Write the summary here: what happened, and why it matters."])
    problems = _build_errors("new", text, path, zone)
    if problems:
        raise SiteError(problems)
    try:
        write_new(path, text)
    except FileExistsError as exc:
        raise SiteError([error(str(path), None, "exists; not replaced")]) from exc
    return path

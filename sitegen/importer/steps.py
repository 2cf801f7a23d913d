"""The steps each article goes through after extraction and before it is checked for
duplicates and written: the one place where what the importer adds to an article is decided.

A step takes the `Draft` and the run's `StepSettings` and gives a new draft and its problems;
`STEPS` runs them in order. Every step sees the whole text in `draft.found.body`, even after
`cut_excerpt` has shortened `draft.body`, so a step that reads the text (suggestions, a
near-duplicate check) goes anywhere in the list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from ..errors import Problem, warning
from .fetch import FetchOptions
from .model import ClippingInput, Extracted
from .provenance import archive_url, excerpt_body, excerpt_ending


@dataclass(frozen=True)
class StepSettings:
    editor_zone: str  # the site's timezone
    excerpt: int  # paragraphs kept; 0 keeps the whole text
    now: dt.datetime  # aware: when this import runs
    # Store each remote picture in the site (read with these limits) instead of linking it.
    download_images: FetchOptions | None = None


@dataclass(frozen=True)
class Draft:
    """An article about to be written."""

    clip: ClippingInput
    found: Extracted  # everything extraction found, the whole body included
    front: Mapping[str, object]  # the front matter so far (None values are left out)
    body: tuple[str, ...]  # the paragraphs to write, as plain text
    ending: str | None = None  # Markdown the importer writes after them


Step = Callable[[Draft, StepSettings], tuple[Draft, list[Problem]]]


def add_provenance(draft: Draft, settings: StepSettings) -> tuple[Draft, list[Problem]]:
    """`retrieved` for every article (in the site's timezone, with its offset); for a page
    read off the web `archive_url`, the Wayback Machine's copy of its source_url (or the
    address read) at that moment; `paywalled` when the page says so."""
    retrieved = (draft.clip.retrieved or settings.now).astimezone(ZoneInfo(settings.editor_zone))
    front = {**draft.front, "retrieved": retrieved.replace(microsecond=0)}
    url = draft.front.get("source_url") or draft.clip.url
    if draft.clip.from_web and isinstance(url, str):
        front["archive_url"] = archive_url(url, retrieved)
    if draft.found.paywalled:
        front["paywalled"] = True
    return replace(draft, front=front), []


def add_image(draft: Draft, settings: StepSettings) -> tuple[Draft, list[Problem]]:
    """The page's picture (og:image, JSON-LD image) as `image:`, its remote address."""
    if not draft.found.image or draft.front.get("image"):
        return draft, []
    return replace(draft, front={**draft.front, "image": draft.found.image}), []


def cut_excerpt(draft: Draft, settings: StepSettings) -> tuple[Draft, list[Problem]]:
    """With an excerpt of N paragraphs, the first N and a last one linking to the original."""
    if settings.excerpt <= 0:
        return draft, []
    url = draft.front.get("source_url")
    source = str(draft.front.get("source") or "the original")
    problems = []
    if not isinstance(url, str):
        problems.append(
            warning(
                draft.clip.name,
                None,
                "an excerpt without a source_url: its last line names the outlet, with no link",
            )
        )
    body = tuple(excerpt_body(list(draft.body), settings.excerpt))
    ending = excerpt_ending(source, url if isinstance(url, str) else None)
    return replace(draft, body=body, ending=ending), problems


# In order. Region and tag suggestions (issue 12) join here, before cut_excerpt or after it.
STEPS: tuple[Step, ...] = (add_provenance, add_image, cut_excerpt)


def after_extraction(draft: Draft, settings: StepSettings) -> tuple[Draft, list[Problem]]:
    problems: list[Problem] = []
    for step in STEPS:
        draft, found = step(draft, settings)
        problems += found
    return draft, problems

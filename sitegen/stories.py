"""Story files: `content/stories/<slug>.md`, the editor's page for a story that articles
join with `story:` in their front matter.

Front matter: `title`, `status` (developing or concluded; developing unless given),
`summary` and `image`, all optional; the Markdown body is the story's background.
They are read on every build (there are a handful), not cached with the articles.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .characters import drop_forbidden
from .config import split_url
from .errors import Problem, error, shown, warning
from .load import (
    CONTENT_DIR,
    STORIES_DIR,
    folder_entries,
    is_article_name,
    load_file,
    printable,
    unknown_key_warnings,
)
from .slugs import slugify
from .validate import is_web_url
from .yamlfile import special_kind

STATUSES = ("developing", "concluded")
STORY_FIELDS = ("title", "status", "summary", "image")


@dataclass(frozen=True)
class StoryFile:
    slug: str  # from the file's name
    path: str  # content/stories/<slug>.md
    title: str | None
    status: str
    summary: str | None
    image: str | None
    background: str  # the body, as HTML


def read_story_files(
    site_dir: Path, markdown: Callable[[str], str]
) -> tuple[tuple[StoryFile, ...], list[Problem]]:
    """Every story file, and the problems found (a bad status is an error at its line).
    `markdown` turns a background into HTML."""
    entries, unreadable = folder_entries(site_dir, STORIES_DIR)
    if unreadable:
        return (), unreadable
    found: dict[str, StoryFile] = {}
    problems: list[Problem] = []
    for entry in entries:
        label = printable(f"{CONTENT_DIR}/{STORIES_DIR}/{entry.name}")
        if not is_article_name(entry.name):
            if entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
                problems.append(warning(label, None, "not read: story files are content/stories/<slug>.md"))
            continue
        if not entry.is_file():
            kind = special_kind(entry.stat().st_mode) if os.path.exists(entry.path) else None
            problems.append(warning(label, None, f"skipped: it is {kind or 'not a file'}"))
            continue
        story, story_problems = _read(Path(entry.path), label, markdown)
        problems += story_problems
        if story is None:
            continue
        if story.slug in found:
            problems.append(
                error(
                    label,
                    None,
                    f"is the same story as {found[story.slug].path}: remove or rename one of them",
                )
            )
            continue
        found[story.slug] = story
    return tuple(found.values()), problems


def _read(path: Path, label: str, markdown: Callable[[str], str]) -> tuple[StoryFile | None, list[Problem]]:
    source, problems = load_file(path, label)
    if source is None:
        return None, problems
    front, lines = source.front_matter, source.key_lines
    slug = slugify(PurePosixPath(label).stem)
    if not slug:
        problems.append(error(label, None, "cannot make a URL slug from the file name: rename it"))
    values: dict[str, str | None] = {}
    for key in STORY_FIELDS:
        value = front.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(error(label, lines.get(key), f"{key}: expected text, got {shown(value)}"))
            value = None
        values[key] = (value.strip() or None) if isinstance(value, str) else None
    image = values["image"]
    parts = split_url(image) if image else None
    if image and (parts is None or (parts.scheme and not is_web_url(image))):  # as an article's image
        problems.append(
            error(
                label,
                lines.get("image"),
                f"image: {shown(image)} must be a path such as /images/map.png or an http(s) URL",
            )
        )
    status = values["status"] or "developing"
    if status not in STATUSES:
        problems.append(
            error(label, lines.get("status"), f"status: {shown(status)} must be 'developing' or 'concluded'")
        )
    problems += unknown_key_warnings(label, front, lines, STORY_FIELDS, "a story")
    body, dropped = drop_forbidden(source.body, label, source.body_line)
    problems += dropped
    if any(p.is_error for p in problems):
        return None, problems
    story = StoryFile(
        slug=slug,
        path=label,
        title=values["title"],
        status=status,
        summary=values["summary"],
        image=values["image"],
        background=markdown(body) if body.strip() else "",
    )
    return story, problems

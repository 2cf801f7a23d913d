"""Stage 1, load: the files of `content/` -> front matter values and Markdown bodies."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem, error
from .yamlfile import decode_text, parse_mapping

CONTENT_DIR = "content"
ARTICLE_SUFFIXES = (".md", ".markdown")
_FENCE = "---"


@dataclass(frozen=True)
class SourceFile:
    """One article file as written: its front matter values (with the line of each key) and body."""

    path: Path  # on disk
    label: str  # as shown in messages: relative to the site folder, with '/'
    front_matter: dict[str, object]
    key_lines: dict[str, int]
    body: str
    body_line: int  # the file line the body starts on


def find_article_files(site_dir: Path) -> list[Path]:
    """Every article file under content/, sorted; editors' backup and lock files left out."""
    return [site_dir / label for label in article_labels(site_dir)]


def article_labels(site_dir: Path) -> list[str]:
    """The article files as paths relative to the site folder ('content/2024/12/a.md'),
    sorted; plain strings, since a large site has tens of thousands of them."""
    found: list[str] = []
    root = str(site_dir)
    for folder, dirs, files in os.walk(os.path.join(root, CONTENT_DIR)):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        prefix = os.path.relpath(folder, root).replace(os.sep, "/") + "/"
        found.extend(
            prefix + name
            for name in sorted(files)
            if name.endswith(ARTICLE_SUFFIXES) and not name.startswith((".", "~", "#"))
        )
    return found


def load_file(path: Path, label: str) -> tuple[SourceFile | None, list[Problem]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [error(label, None, f"cannot be read: {exc.strerror}")]
    return parse_article(data, path, label)


def parse_article(data: bytes, path: Path, label: str) -> tuple[SourceFile | None, list[Problem]]:
    """Split an article file's bytes into front matter values and body."""
    text, problem = decode_text(data, label)
    if problem:
        return None, [problem]
    if not text.strip():
        return None, [error(label, None, "the file is empty: an article needs front matter and a body")]
    lines = text.splitlines()
    if lines[0].rstrip() != _FENCE:
        return None, [
            error(
                label,
                1,
                "no front matter: the file must start with a '---' line, then "
                "'key: value' lines (title, date, source), then another '---' line",
            )
        ]
    closing = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() in (_FENCE, "...")), None)
    if closing is None:
        return None, [error(label, 1, "the front matter opened on line 1 is never closed by a '---' line")]
    values, key_lines, problems = parse_mapping("\n".join(lines[1:closing]), label, first_line=2)
    if any(p.is_error for p in problems):
        return None, problems
    body = "\n".join(lines[closing + 1 :])
    return SourceFile(path, label, values, key_lines, body, closing + 2), problems

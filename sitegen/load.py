"""Stage 1, load: the files of `content/` -> front matter values and Markdown bodies."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem, error, shown, warning
from .yamlfile import decode_text, parse_mapping, read_bytes, special_kind

CONTENT_DIR = "content"
ARTICLE_SUFFIXES = (".md", ".markdown")
# content/stories/ holds the story files (sitegen/stories.py), not articles.
STORIES_DIR = "stories"
# content/editions/ holds the edition files (sitegen/editions.py), not articles either.
EDITIONS_DIR = "editions"
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
    labels, _ = article_labels(site_dir)
    return [site_dir / label for label in labels]


def article_labels(site_dir: Path) -> tuple[list[str], list[Problem]]:
    """The article files as paths relative to the site folder ('content/2024/12/a.md'),
    sorted (plain strings, since a large site has tens of thousands of them), and the
    problems met on the way.

    Hidden files and folders and editors' backup and lock files are left out. A FIFO,
    socket or device is never opened (reading a FIFO waits for a writer for ever): it is
    skipped with a warning. A name that is not valid UTF-8 cannot be shown, linked or
    written as a page: it is an error, and a folder so named is not read.
    """
    root = str(site_dir)
    found: list[str] = []
    problems: list[Problem] = []
    folders = [CONTENT_DIR]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(os.path.join(root, folder)) as listing:
                entries = list(listing)
        except FileNotFoundError:
            continue  # no content/ folder: no articles
        except OSError as exc:
            problems.append(error(folder, None, f"cannot be read: {exc.strerror}"))
            continue
        for entry in entries:
            name, label = entry.name, f"{folder}/{entry.name}"
            if name.startswith("."):
                continue
            try:  # both follow a symlink
                regular = entry.is_file()
                linked_folder = not regular and entry.is_dir()
            except OSError:  # a link that loops: as a broken one
                regular = linked_folder = False
            if entry.is_dir(follow_symlinks=False):
                if label in (f"{CONTENT_DIR}/{STORIES_DIR}", f"{CONTENT_DIR}/{EDITIONS_DIR}"):
                    continue
                if _is_utf8(name):
                    folders.append(label)
                else:
                    problems.append(_bad_name(label, "folder", " (its articles are not read until then)"))
            elif regular:
                if not is_article_name(name):
                    continue
                if _is_utf8(name):
                    found.append(label)
                else:
                    problems.append(_bad_name(label, "file", ""))
            elif not linked_folder:  # a symlink to a folder is not followed
                kind = _special_kind(entry)
                if kind:
                    problems.append(warning(printable(label), None, f"skipped: it is {kind}, not a file"))
                elif name.endswith(ARTICLE_SUFFIXES):  # a broken symlink: reading it says why
                    found.append(label)
    return sorted(found), problems


def is_article_name(name: str) -> bool:
    """Is a file of this name (in a folder that is read) an article? Not an editor's backup
    or lock file, nor a hidden file."""
    return name.endswith(ARTICLE_SUFFIXES) and not name.startswith(("~", "#", "."))


def article_label(site_dir: Path, path: Path) -> str | None:
    """The label of the article file `path` would be, by the rules of article_labels,
    whether or not it exists; None if it would not be read as an article."""
    try:
        parts = path.relative_to(site_dir / CONTENT_DIR).parts
    except ValueError:
        return None
    if (
        not parts
        or not is_article_name(parts[-1])
        or (len(parts) > 1 and parts[0] in (STORIES_DIR, EDITIONS_DIR))
    ):
        return None
    if any(part.startswith(".") or not _is_utf8(part) for part in parts):
        return None
    return "/".join((CONTENT_DIR, *parts))


def _bad_name(label: str, what: str, consequence: str) -> Problem:
    return error(
        printable(label),
        None,
        f"the {what} name is not valid UTF-8, so it cannot be shown or published: "
        f"rename the {what}{consequence}",
    )


def _special_kind(entry: os.DirEntry[str]) -> str | None:
    try:
        return special_kind(entry.stat().st_mode)
    except OSError:
        return None


def _is_utf8(name: str) -> bool:
    """False for a name whose bytes are not UTF-8 (Python gives them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str) -> str:
    """`text` with the bytes of an undecodable file name shown as '\\xff'."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def load_file(path: Path, label: str) -> tuple[SourceFile | None, list[Problem]]:
    try:
        data = read_bytes(path)
    except OSError as exc:
        return None, [error(label, None, f"cannot be read: {exc.strerror}")]
    return parse_article(data, path, label)


def parse_article(data: bytes, path: Path, label: str) -> tuple[SourceFile | None, list[Problem]]:
    """Split an article file's bytes into front matter values and body.

    Lines end at '\\n' (or '\\r\\n') only: a form feed or U+2028 in a title is part of
    the title, as in the editor that wrote it, and line numbers count what editors count.
    """
    text, problem = decode_text(data, label)
    if problem:
        return None, [problem]
    if not text.strip():
        return None, [error(label, None, "the file is empty: an article needs front matter and a body")]
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()  # the end of the last line, not an empty line after it
    if _stripped(lines[0]) != _FENCE:
        return None, [
            error(
                label,
                1,
                "no front matter: the file must start with a '---' line, then "
                "'key: value' lines (title, date, source), then another '---' line",
            )
        ]
    closing = next((i for i, line in enumerate(lines[1:], 1) if _stripped(line) in (_FENCE, "...")), None)
    if closing is None:
        return None, [error(label, 1, "the front matter opened on line 1 is never closed by a '---' line")]
    values, key_lines, problems = parse_mapping("\n".join(lines[1:closing]), label, first_line=2)
    if any(p.is_error for p in problems):
        return None, problems
    body = "\n".join(lines[closing + 1 :])
    return SourceFile(path, label, values, key_lines, body, closing + 2), problems


def _stripped(line: str) -> str:
    # Spaces and tabs only: str.rstrip() would also take a form feed or U+2028 for blank.
    return line.rstrip(" \t\r")


def touches(changed: str, path: str) -> bool:
    """Whether a change a file watcher reports at `changed` may concern `path` (both
    relative to the site folder): the same path, a folder holding it (moved or removed
    whole, which a watcher reports as the folder only), or, `path` being a folder, a file
    in it."""
    return changed == path or path.startswith(changed + "/") or changed.startswith(path + "/")


def folder_entries(site_dir: Path, name: str) -> tuple[list[os.DirEntry[str]], list[Problem]]:
    """The entries of content/<name> (the story or edition files), by name; none when the
    folder is missing, and an error when it cannot be read."""
    try:
        with os.scandir(site_dir / CONTENT_DIR / name) as listing:
            return sorted(listing, key=lambda entry: entry.name), []
    except (FileNotFoundError, NotADirectoryError):
        return [], []
    except OSError as exc:
        return [], [error(f"{CONTENT_DIR}/{name}", None, f"cannot be read: {exc.strerror}")]


def unknown_key_warnings(
    label: str, front: Mapping[str, object], lines: Mapping[str, int], known: tuple[str, ...], kind: str
) -> list[Problem]:
    """A warning, at its line, for each front matter key of a `kind` file ("story",
    "edition") that is not one of `known`."""
    return [
        warning(label, lines.get(key), f"unknown key {shown(key)} in {kind} file (it has {', '.join(known)})")
        for key in front
        if key not in known
    ]

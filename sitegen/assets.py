"""Theme assets under content-hash names, so that hosts can cache them for a year.

A theme's stylesheets, scripts, images and fonts are written as `<stem>.<hash>.<ext>`
(`css/style.css` -> `css/style.3f9a1c04d2.css`), where the hash is of the bytes written:
a file's name changes exactly when its bytes do. Templates link them with
`asset('css/style.css')`, and the links inside stylesheets (`url(...)`, `@import`) to
other assets are rewritten to their fingerprinted names before a stylesheet's own hash
is taken, so a new font gives its stylesheet a new name too, and every page a new link.

The site's own `static/` files keep their names (editors link them by name, and hosts
ask for `favicon.ico` and `CNAME` by name), unless one replaces a theme asset of the
same name: then it is that asset.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlsplit

from .errors import Problem, error

# What a theme's static files are fingerprinted by: the files pages load, never HTML.
FINGERPRINTED_SUFFIXES = frozenset(
    {".css", ".js", ".mjs", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".ico"}
    | {".woff", ".woff2", ".ttf", ".otf", ".eot"}
)
HASH_LENGTH = 10  # hex digits of SHA-256: a clash needs about a million versions of one file

# A link in a stylesheet: url(x), url("x"), url('x'), or @import "x" / 'x'. Read as
# bytes, so that a stylesheet in any encoding is rewritten in its links only.
_CSS_LINK = re.compile(
    rb"""url\(\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^)"'\s]*))\s*\)"""
    rb"""|@import\s+(?:"(?P<idq>[^"]*)"|'(?P<isq>[^']*)')""",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class StaticFile:
    source: Path
    data: bytes | None = None  # the bytes to write when they are not the source's (links rewritten)


@dataclass(frozen=True)
class StaticOutput:
    files: dict[str, StaticFile]  # every static file, by its path in the output
    names: dict[str, str]  # each fingerprinted file's path in the output, by its own path
    problems: tuple[Problem, ...]


def is_fingerprinted(relative: str, theme_files: Collection[str]) -> bool:
    return relative in theme_files and PurePosixPath(relative).suffix.lower() in FINGERPRINTED_SUFFIXES


def fingerprinted_name(relative: str, data: bytes) -> str:
    stem, suffix = posixpath.splitext(relative)
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:HASH_LENGTH]}{suffix}"


def fingerprint(
    files: Mapping[str, Path], theme_files: Collection[str], label: Callable[[Path], str], hashed: bool = True
) -> StaticOutput:
    """The static files (by their own path: the theme's, then the site's, which win) as they
    go into the output: the theme's assets (`theme_files`, the paths the theme's static
    folders hold) under fingerprinted names (under their own if not `hashed`: the
    preview's), stylesheets with their links rewritten."""
    assets = {relative for relative in files if is_fingerprinted(relative, theme_files)}
    names: dict[str, str] = {}
    rewritten: dict[str, bytes] = {}  # the stylesheets' bytes, their links rewritten
    failed: set[str] = set()  # assets that cannot be named: reported once
    problems: list[Problem] = []

    def name(relative: str, visiting: list[str]) -> str | None:
        """The asset's fingerprinted name, its links' targets' first; None when it cannot
        be made (an unreadable file, stylesheets that import each other)."""
        if relative in names:
            return names[relative]
        if relative in failed:
            return None
        if relative in visiting:
            circle = " -> ".join([*visiting[visiting.index(relative) :], relative])
            problems.append(
                error(label(files[relative]), None, f"stylesheets link each other in a circle ({circle}): "
                      "a name made of their content cannot be given to them")
            )  # fmt: skip
            return None
        try:
            data = files[relative].read_bytes()
        except OSError as exc:
            problems.append(error(label(files[relative]), None, f"cannot read: {exc.strerror or exc}"))
            failed.add(relative)
            return None
        if relative.lower().endswith(".css"):
            targets = {}
            for target in linked_assets(relative, data, assets):
                found = name(target, [*visiting, relative])
                if found is None:
                    failed.add(relative)
                    return None
                targets[target] = found
            data = rewritten[relative] = rewrite_css(relative, data, {**{f: f for f in files}, **targets})
        names[relative] = fingerprinted_name(relative, data) if hashed else relative
        return names[relative]

    for relative in sorted(assets):
        name(relative, [])
    output: dict[str, StaticFile] = {}
    for relative, source in files.items():
        if relative not in assets:
            output[relative] = StaticFile(source)
        elif relative in names:
            output[names[relative]] = StaticFile(source, rewritten.get(relative))
    for relative, new_name in names.items():
        if new_name != relative and new_name in files:
            problems.append(
                error(label(files[new_name]), None, f"clashes with the fingerprinted name of /{relative}: "
                      "rename the static file")
            )  # fmt: skip
    return StaticOutput(output, names, tuple(problems))


def _links(data: bytes) -> list[tuple[int, int, str]]:
    """Each link of a stylesheet: where it is written (start, end) and what it says."""
    found = []
    for match in _CSS_LINK.finditer(data):
        group = next(g for g in ("dq", "sq", "bare", "idq", "isq") if match.group(g) is not None)
        found.append(
            (match.start(group), match.end(group), match.group(group).decode("utf-8", "surrogateescape"))
        )
    return found


def _target(stylesheet: str, link: str) -> tuple[str, str, str] | None:
    """The file of the site a stylesheet's link names (as a path in the output), with the
    link's path and its query or fragment; None for a link elsewhere (another site, data:,
    a fragment of the page, out of the site)."""
    if not link or link.startswith(("#", "//")) or urlsplit(link).scheme:
        return None
    cut = min((i for i in (link.find("?"), link.find("#")) if i >= 0), default=len(link))
    path, rest = link[:cut], link[cut:]
    if not path:
        return None
    if path.startswith("/"):
        target = posixpath.normpath(unquote(path).lstrip("/"))
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(stylesheet), unquote(path)))
    if target == ".." or target.startswith("../"):
        return None
    return target, path, rest


def linked_assets(stylesheet: str, data: bytes, assets: Collection[str]) -> list[str]:
    """The assets a stylesheet links to, itself left out (an SVG's #fragment, say)."""
    found = []
    for _, _, link in _links(data):
        target = _target(stylesheet, link)
        if target and target[0] in assets and target[0] != stylesheet:
            found.append(target[0])
    return found


def rewrite_css(stylesheet: str, data: bytes, names: Mapping[str, str]) -> bytes:
    """The stylesheet with its links to the static files of `names` (each file's path in
    the output by its own path) made links to those paths: a fingerprinted asset's link
    gets its new name; a link from the site's root ('/fonts/x.woff2'), which would miss
    the base path of a site published under one and a site read from disk, becomes
    relative to the stylesheet. Every other byte stays as it was."""
    pieces = []
    end = 0
    for start, stop, link in _links(data):
        target = _target(stylesheet, link)
        if target is None or target[0] not in names:
            continue
        found, path, rest = target
        if path.startswith("/"):
            new = quote(posixpath.relpath(names[found], posixpath.dirname(stylesheet) or "."), safe="/")
        elif names[found] != found:  # as written, the file name fingerprinted: `<stem>.<hash><ext>`
            head, _, last = path.rpartition("/")
            stem, suffix = posixpath.splitext(last)
            digest = posixpath.splitext(posixpath.splitext(names[found])[0])[1]  # ".<hash>"
            new = f"{head}/{stem}{digest}{suffix}" if head else f"{stem}{digest}{suffix}"
        else:
            continue
        pieces += [data[end:start], (new + rest).encode("utf-8", "surrogateescape")]
        end = stop
    pieces.append(data[end:])
    return b"".join(pieces)

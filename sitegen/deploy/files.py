"""What a deploy publishes: the output folder's files, with how a web host should serve them."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from ..write import MARKER

# Top-level entries of the output folder that are not the site: sitegen's marker, and a
# `.git` that a build keeps there for editors who publish the output with git themselves.
NOT_PUBLISHED = frozenset({MARKER, ".git"})

# A fingerprinted asset, `<stem>.<hex hash>.<ext>` (`style.3f9a1c.css`): its name changes
# whenever its bytes do, so hosts may cache it for a year. Every other file may change
# under the same name (HTML is never fingerprinted) and is cached briefly.
_FINGERPRINTED = re.compile(r"^[^/]+\.[0-9a-f]{6,64}\.[A-Za-z0-9]+$")
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"

# Types that Python's table lacks or gives differently on some systems (it reads
# /etc/mime.types), so every machine uploads a file with the same type.
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".ico": "image/vnd.microsoft.icon",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".webp": "image/webp",
    ".avif": "image/avif",
}


@dataclass(frozen=True)
class SiteFile:
    """One file to publish: its path in the site (`articles/x/index.html`) and where it is."""

    path: str
    source: Path
    size: int
    mtime_ns: int
    executable: bool

    def read(self) -> bytes:
        return self.source.read_bytes()


def published_files(output: Path) -> tuple[SiteFile, ...]:
    """Every file of the built site in `output`, by path. Symlinks are not followed (a build
    leaves none; one put there by hand is not the site's)."""
    found: list[SiteFile] = []
    for folder, folders, names in os.walk(output):
        relative_folder = os.path.relpath(folder, output)
        at_top = relative_folder == "."
        if at_top:
            folders[:] = [name for name in folders if name not in NOT_PUBLISHED]
        for name in names:
            if at_top and name in NOT_PUBLISHED:
                continue
            source = Path(folder, name)
            info = os.lstat(source)
            if not stat.S_ISREG(info.st_mode):
                continue
            relative = name if at_top else f"{Path(relative_folder).as_posix()}/{name}"
            found.append(
                SiteFile(relative, source, info.st_size, info.st_mtime_ns, bool(info.st_mode & stat.S_IXUSR))
            )
    return tuple(sorted(found, key=lambda f: f.path))


def publishing_order(paths: list[str]) -> list[str]:
    """Assets before pages: a page sent before the stylesheet it names would be served
    without it, for a moment, while the rest is sent."""
    return sorted(paths, key=lambda path: (path.endswith(".html"), path))


def content_type(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name == "feed.xml" or name.endswith(".atom"):
        return "application/atom+xml; charset=utf-8"
    suffix = os.path.splitext(name)[1].lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def is_fingerprinted(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return not name.endswith((".html", ".htm")) and bool(_FINGERPRINTED.match(name))


def cache_control(path: str) -> str:
    return IMMUTABLE if is_fingerprinted(path) else SHORT


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

"""Stage 5, write: put the rendered site into the output folder, all or nothing.

Pages are staged in a hidden folder inside the output folder and moved into place only
when the whole site has rendered, so a failed build leaves the previous output as it
was. A file whose bytes did not change is not rewritten: its modification time stays,
and uploads of the output stay small. Nothing is written outside the output folder.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .load import CONTENT_DIR

MARKER = ".sitegen-output"  # says that sitegen made this folder and may replace what is in it
STAGING = ".sitegen-staging"
KEEP = {MARKER, ".git"}  # never removed from the output folder's top level


def check_output_dir(site_dir: Path, output_dir: Path, *, force: bool) -> None:
    """Refuse an output folder that would put the site's own files at risk."""
    site = site_dir.resolve()
    output = output_dir.resolve()
    if output == site:
        raise UsageError(f"the output folder {output_dir} is the site folder; choose another with --output")
    if output in site.parents:
        raise UsageError(
            f"the output folder {output_dir} contains the site folder; choose another with --output"
        )
    for own in (CONTENT_DIR, "static", "themes"):
        if (site / own) == output or (site / own) in output.parents:
            raise UsageError(f"the output folder {output_dir} is inside the site's {own}/ folder")
    if output.exists() and not output.is_dir():
        raise UsageError(f"the output folder {output_dir} is a file, not a folder")
    if (output / CONTENT_DIR).exists():
        raise UsageError(
            f"the output folder {output_dir} has a content/ folder: it looks like a site, not output"
        )
    if output.is_dir() and not (output / MARKER).exists() and any(output.iterdir()) and not force:
        raise UsageError(
            f"the output folder {output_dir} is not empty and was not made by sitegen; "
            "choose an empty or new folder with --output, or pass --force to replace its contents"
        )


@dataclass(frozen=True)
class WriteStats:
    written: int  # new or changed files
    unchanged: int
    removed: int


class OutputWriter:
    """Stages files, then `commit()` moves the changed ones into place and removes stale ones."""

    def __init__(self, output_dir: Path):
        self.output_dir = output_dir
        self.staging = output_dir / STAGING
        self._created_output = False
        self._staged: list[str] = []
        self._produced: set[str] = set()
        self._unchanged = 0

    def start(self) -> None:
        self._created_output = not self.output_dir.exists()
        self.output_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.staging, ignore_errors=True)  # left by a build that was killed
        self.staging.mkdir()

    def has(self, relative: str) -> bool:
        return relative in self._produced

    def record(self, relative: str, staged: bool) -> None:
        """Count a file staged by `stage_file` (perhaps in another process) as part of this build."""
        self._produced.add(relative)
        if staged:
            self._staged.append(relative)
        else:
            self._unchanged += 1

    def keep(self, relative: str) -> None:
        """A file of the last build that is still right as it is on disk."""
        self.record(relative, staged=False)

    def copy(self, relative: str, source: Path) -> None:
        target = self.output_dir / relative
        if not target.is_symlink() and _same_file(target, source):
            self.record(relative, staged=False)
            return
        staged = self.staging / relative
        staged.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, staged)  # keeps the source's mtime, which the next build compares
        self.record(relative, staged=True)

    @property
    def produced(self) -> frozenset[str]:
        return frozenset(self._produced)

    @property
    def changed(self) -> frozenset[str]:
        """The files staged to be new or replaced."""
        return frozenset(self._staged)

    def commit(self, previous: frozenset[str] | None = None) -> WriteStats:
        """Move the staged files into place and remove what the site no longer has: the files
        of `previous` (what the last build produced) that this one did not produce, or,
        without that record, every file in the output folder this build did not produce."""
        _move_into(str(self.staging), str(self.output_dir))
        removed = self._remove_stale() if previous is None else self._remove(previous - self._produced)
        marker = b"This folder is written by sitegen: its contents are replaced on every build.\n"
        if not _same_bytes(self.output_dir / MARKER, marker):  # unchanged files keep their mtime
            (self.output_dir / MARKER).write_bytes(marker)
        shutil.rmtree(self.staging, ignore_errors=True)
        return WriteStats(len(self._staged), self._unchanged, removed)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        if self._created_output and not any(self.output_dir.iterdir()):
            self.output_dir.rmdir()

    def _remove(self, stale: frozenset[str]) -> int:
        removed = 0
        for relative in sorted(stale):
            path = self.output_dir / relative
            if path.is_symlink() or path.is_file():
                path.unlink()
                removed += 1
                for folder in path.parents:  # and the folders this leaves empty
                    if folder == self.output_dir or any(folder.iterdir()):
                        break
                    folder.rmdir()
        return removed

    def _remove_stale(self) -> int:
        """Remove what this build did not produce (a deleted article's page), and empty folders."""
        removed = 0
        root = str(self.output_dir)
        for folder, dirs, files in os.walk(root, topdown=False):
            relative_folder = os.path.relpath(folder, root).replace(os.sep, "/")
            prefix = "" if relative_folder == "." else relative_folder + "/"
            if prefix and prefix.split("/", 1)[0] in KEEP | {STAGING}:
                continue
            for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
                relative = prefix + name
                if relative not in self._produced and relative not in KEEP:
                    os.unlink(os.path.join(folder, name))
                    removed += 1
            if prefix and not os.listdir(folder):
                os.rmdir(folder)
        return removed


def _move_into(source: str, target: str) -> None:
    """Move everything in folder `source` into folder `target`. A folder that `target` lacks
    moves whole, in one rename (a cold build moves a handful of folders, not every file);
    a file or symlink in the way is replaced, so a link planted in the output never
    leads a write outside it."""
    for entry in os.scandir(source):
        destination = os.path.join(target, entry.name)
        existing_dir = os.path.isdir(destination) and not os.path.islink(destination)
        if entry.is_dir(follow_symlinks=False):
            if existing_dir:
                _move_into(entry.path, destination)
                continue
            if os.path.lexists(destination):
                os.unlink(destination)
        elif existing_dir:
            shutil.rmtree(destination)
        os.replace(entry.path, destination)


def stage_file(output_dir: Path, relative: str, data: bytes) -> bool:
    """Stage `data` for `relative` unless the output already holds those bytes; True if staged."""
    if _same_bytes(output_dir / relative, data):
        return False
    staged = output_dir / STAGING / relative
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_bytes(data)
    return True


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.is_symlink() or path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _same_file(copy: Path, source: Path) -> bool:
    """Is `copy` a copy of `source`? Size and mtime first (copies keep the mtime), then bytes."""
    try:
        a, b = copy.stat(), source.stat()
    except OSError:
        return False
    if a.st_size != b.st_size:
        return False
    return a.st_mtime_ns == b.st_mtime_ns or copy.read_bytes() == source.read_bytes()

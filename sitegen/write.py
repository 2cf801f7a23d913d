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

    def write(self, relative: str, data: bytes) -> None:
        self._produced.add(relative)
        if _same_bytes(self.output_dir / relative, data):
            self._unchanged += 1
            return
        staged = self.staging / relative
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_bytes(data)
        self._staged.append(relative)

    def copy(self, relative: str, source: Path) -> None:
        self._produced.add(relative)
        target = self.output_dir / relative
        if target.is_file() and not target.is_symlink() and _same_file_contents(target, source):
            self._unchanged += 1
            return
        staged = self.staging / relative
        staged.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, staged)
        self._staged.append(relative)

    def commit(self) -> WriteStats:
        for relative in self._staged:
            target = self.output_dir / relative
            self._make_parent_dirs(target.parent)
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(self.staging / relative, target)
        removed = self._remove_stale()
        marker = b"This folder is written by sitegen: its contents are replaced on every build.\n"
        if not _same_bytes(self.output_dir / MARKER, marker):  # unchanged files keep their mtime
            (self.output_dir / MARKER).write_bytes(marker)
        shutil.rmtree(self.staging, ignore_errors=True)
        return WriteStats(len(self._staged), self._unchanged, removed)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        if self._created_output and not any(self.output_dir.iterdir()):
            self.output_dir.rmdir()

    def _make_parent_dirs(self, folder: Path) -> None:
        """Create `folder` below the output folder, replacing any file or symlink in the way, so
        that a link planted in the output can never lead a write outside it."""
        relative_parts = folder.relative_to(self.output_dir).parts
        current = self.output_dir
        for part in relative_parts:
            current = current / part
            if current.is_symlink() or (current.exists() and not current.is_dir()):
                current.unlink()
            if not current.exists():
                current.mkdir()

    def _remove_stale(self) -> int:
        removed = 0
        for folder, dirs, files in os.walk(self.output_dir, topdown=False):
            relative_folder = Path(folder).relative_to(self.output_dir)
            if relative_folder.parts and relative_folder.parts[0] in KEEP | {STAGING}:
                continue
            for name in files + [d for d in dirs if Path(folder, d).is_symlink()]:
                relative = (relative_folder / name).as_posix()
                if relative not in self._produced and relative not in KEEP:
                    Path(folder, name).unlink()
                    removed += 1
            if relative_folder.parts and not any(Path(folder).iterdir()):
                Path(folder).rmdir()
        return removed


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.is_symlink() or path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _same_file_contents(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    return a.read_bytes() == b.read_bytes()

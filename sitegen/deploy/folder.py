"""`type: folder`: mirror the site into a local folder, as `rsync -a --delete` would, in Python.

A file is sent when the folder lacks it or has it with another size or modification time
(rsync's quick check, to the nanosecond); it is copied with its modification time, so the
next deploy skips it. Everything in the folder that the site does not have is deleted, except
a `.git` at its top (as rsync leaves excluded files). Nothing outside the folder is read or
written: a symlink in it is deleted as a link, never followed.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from ..config import FolderTarget, unsafe_mirror_target
from . import Action, DeployError, DeployPlan, OnStep
from .files import NOT_PUBLISHED, SiteFile, publishing_order


class FolderPublisher:
    def __init__(self, site_dir: Path, target: FolderTarget):
        self.site_dir = site_dir
        self.root = Path(os.path.abspath(site_dir / Path(target.path).expanduser()))
        self.name = target.path

    def plan(self, output: Path, files: tuple[SiteFile, ...]) -> DeployPlan:
        # site.yaml was checked as it was read; the folders may have moved since.
        unsafe = unsafe_mirror_target(self.site_dir, self.root)
        if unsafe:
            raise DeployError(f"deploy.path {unsafe}")
        if self.root.exists() and not self.root.is_dir():
            raise DeployError(f"{self.root}: is a file, not a folder")
        wanted = {file.path: file for file in files}
        folders = {parent for path in wanted for parent in _parents(path)}
        clashing: list[Action] = []  # what stands where the site puts a file or folder
        stale: list[Action] = []
        unchanged: set[str] = set()
        for path, info in _entries(self.root, folders):
            if stat.S_ISDIR(info.st_mode):
                if path not in folders:
                    (clashing if path in wanted else stale).append(Action("delete", path + "/"))
            elif path in wanted and stat.S_ISREG(info.st_mode):
                file = wanted[path]
                if (info.st_size, info.st_mtime_ns) == (file.size, file.mtime_ns):
                    unchanged.add(path)
            else:
                (clashing if path in wanted or path in folders else stale).append(Action("delete", path))
        uploads = [
            Action("upload", path) for path in publishing_order([p for p in wanted if p not in unchanged])
        ]
        return DeployPlan(f"folder {self.root}", (*clashing, *uploads, *stale), len(unchanged))

    def apply(self, plan: DeployPlan, output: Path, files: tuple[SiteFile, ...], on_step: OnStep) -> None:
        by_path = {file.path: file for file in files}
        made: set[Path] = set()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            for step in plan.steps:
                if step.verb == "delete":
                    _delete(self.root / step.path.rstrip("/"))
                else:
                    self._copy(by_path[step.path], made)
                on_step(step)
        except OSError as exc:
            raise DeployError(f"{exc.filename or self.root}: {exc.strerror or exc}") from exc

    def _copy(self, file: SiteFile, made: set[Path]) -> None:
        """Copy `file` in with its modification time, replacing what is there in one step
        (a reader never sees half a file; a deploy stopped half-way leaves at most a hidden
        temporary file, which the next one deletes as not the site's)."""
        destination = self.root / file.path
        self._make_folders(destination.parent, made)
        handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
        os.close(handle)
        try:
            shutil.copy2(file.source, temporary, follow_symlinks=False)
            os.replace(temporary, destination)
        except BaseException:
            os.unlink(temporary)
            raise

    def _make_folders(self, folder: Path, made: set[Path]) -> None:
        """Make `folder` and the folders above it, up to the target, refusing a symlink on
        the way (something put there since the plan): it could lead out of the target."""
        if folder in made or folder == self.root:
            return
        self._make_folders(folder.parent, made)
        try:
            info = os.lstat(folder)
        except FileNotFoundError:
            os.mkdir(folder)
        else:
            if not stat.S_ISDIR(info.st_mode):
                raise DeployError(
                    f"{folder}: is not a folder any more (changed during the deploy); deploy again"
                )
        made.add(folder)


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: index + 1]) for index in range(len(parts))]


def _entries(root: Path, folders: set[str]) -> list[tuple[str, os.stat_result]]:
    """Every entry below `root`, by its path there, without following symlinks and without
    looking inside a folder that is not one of the site's `folders` (it goes whole). The
    top's `.git` is left out: it is kept."""
    found: list[tuple[str, os.stat_result]] = []
    if not root.is_dir():
        return found
    pending = [("", root)]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as scan:
            for entry in scan:
                if not prefix and entry.name in NOT_PUBLISHED:
                    continue
                path = prefix + entry.name
                info = entry.stat(follow_symlinks=False)
                found.append((path, info))
                if stat.S_ISDIR(info.st_mode) and path in folders:
                    pending.append((path + "/", Path(entry.path)))
    return found


def _delete(path: Path) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:  # gone already: a deploy run again after one stopped half-way
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(path)  # removes symlinks inside as links, never what they point to
    else:
        os.unlink(path)

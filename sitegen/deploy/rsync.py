"""`type: rsync`: mirror the site with `rsync -a --delete` to a local path or `host:path`.

rsync decides what to send by size and modification time (to the nanosecond, where both
ends run rsync 3.1.3 or later: a build keeps the mtime of every file whose bytes did not
change, so only what changed is sent), and deletes what the site no longer has, inside the
target only, after everything is sent. The plan is rsync's own dry run (`--dry-run
--itemize-changes`); a remote target is reached through rsync's usual ssh, with the user's
own keys and configuration.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..config import RsyncTarget, is_remote_location, unsafe_mirror_target
from . import Action, DeployError, DeployPlan, OnStep
from .files import NOT_PUBLISHED, SiteFile

# rsync's --itemize-changes: `>f.st...... articles/x/index.html`, `*deleting   old/index.html`.
_SENT = re.compile(r"^[<>ch][f]\S{9} (.+)$")
_DELETED = re.compile(r"^\*deleting +(.+)$")


class RsyncPublisher:
    def __init__(self, site_dir: Path, target: RsyncTarget):
        self.site_dir = site_dir
        self.remote = is_remote_location(target.target)
        local = Path(os.path.abspath(site_dir / Path(target.target).expanduser()))
        self.local = None if self.remote else local
        self.destination = target.target if self.local is None else str(self.local)

    def plan(self, output: Path, files: tuple[SiteFile, ...]) -> DeployPlan:
        if self.local is not None:
            # site.yaml was checked as it was read; the folders may have moved since.
            unsafe = unsafe_mirror_target(self.site_dir, self.local)
            if unsafe:
                raise DeployError(f"deploy.target {unsafe}")
        steps = self._run(output, dry_run=True, on_step=lambda step: None)
        sent = sum(step.verb == "upload" for step in steps)
        return DeployPlan(f"rsync {self.destination}", tuple(steps), len(files) - sent)

    def apply(self, plan: DeployPlan, output: Path, files: tuple[SiteFile, ...], on_step: OnStep) -> None:
        if self.local is not None:
            try:
                self.local.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DeployError(f"{self.local}: cannot make the folder: {exc.strerror or exc}") from exc
        self._run(output, dry_run=False, on_step=on_step)

    def _run(self, output: Path, *, dry_run: bool, on_step: OnStep) -> list[Action]:
        """Run rsync; each file it sends or deletes is told to `on_step` as it goes."""
        if shutil.which("rsync") is None:
            raise DeployError("rsync is not installed (Debian and Ubuntu: apt-get install rsync)")
        command = [
            "rsync",
            "--archive",
            "--delete",
            "--delete-after",  # pages are never left linking to what is already gone
            "--modify-window=-1",  # compare modification times to the nanosecond
            "--8-bit-output",  # names as they are (UTF-8), not escaped
            "--itemize-changes",
            *(f"--exclude=/{name}" for name in sorted(NOT_PUBLISHED)),
            *(["--dry-run"] if dry_run else []),
            f"{output}{os.sep}",
            self.destination.rstrip("/") + "/",
        ]
        steps: list[Action] = []
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=errors, encoding="utf-8", errors="replace"
            )
            assert process.stdout is not None
            with process:
                for line in process.stdout:
                    step = _step(line.rstrip("\n"))
                    if step:
                        steps.append(step)
                        on_step(step)
            if process.returncode:
                errors.seek(0)
                lines = [
                    line for line in errors.read().decode("utf-8", "replace").splitlines() if line.strip()
                ]
                why = lines[0] if lines else f"exit status {process.returncode}"
                raise DeployError(f"rsync to {self.destination} failed: {why}")
        return steps


def _step(line: str) -> Action | None:
    sent = _SENT.match(line)
    if sent:
        return Action("upload", sent.group(1))
    deleted = _DELETED.match(line)
    if deleted:
        return Action("delete", deleted.group(1))
    return None  # a folder made or its times set, rsync's "created directory"

"""`type: git`: commit the site as the whole tree of a branch and push it (GitHub Pages style).

As `mkdocs gh-deploy` (ghp-import) does: the new commit's tree is exactly the output, its
parent is the branch as the remote has it (so the branch keeps its history), and a `CNAME`
or `.nojekyll` that the branch has and the site does not is kept (GitHub Pages' custom
domain and its switch for files starting with `_`). A branch the remote lacks is created.

The clone is a bare repository in the user's cache folder, never in the site folder. Files
are added with git's plumbing (hash-object, update-index with an index of our own,
write-tree, commit-tree), so nothing is checked out, and no `.gitignore` or
`.gitattributes` in the site can change a byte or leave a file out. Nothing is pushed
but the one commit, as a fast-forward: a branch changed by someone else in the meantime
is refused, and running the deploy again builds on the new state.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..cache import cache_folder, content_hash
from ..config import GitTarget, is_remote_location
from ..version import __version__
from . import Action, DeployError, DeployPlan, OnStep
from .files import SiteFile, publishing_order

KEPT = ("CNAME", ".nojekyll")  # files of the branch that the site does not replace
_FETCHED = "refs/sitegen/deployed"  # where the clone keeps the branch as last fetched
# Variables that would point git at another repository or index than the clone's.
_GIT_LOCATIONS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")


class GitPublisher:
    def __init__(self, site_dir: Path, target: GitTarget):
        self.site_dir = site_dir
        self.branch = target.branch
        self.remote = (
            target.remote
            if is_remote_location(target.remote)
            else os.path.abspath(site_dir / Path(target.remote).expanduser())
        )
        key = content_hash(f"{self.remote}\n{self.branch}".encode())[:12]
        self.clone = cache_folder(site_dir) / "deploy" / f"git-{key}.git"
        self._blobs: dict[str, tuple[str, str]] = {}  # site path -> (mode, blob id), from plan()
        self._kept: dict[str, tuple[str, str]] = {}

    def plan(self, output: Path, files: tuple[SiteFile, ...]) -> DeployPlan:
        if shutil.which("git") is None:
            raise DeployError("git is not installed (Debian and Ubuntu: apt-get install git)")
        self._init_clone()
        head = self._fetch()
        current = self._tree(head) if head else {}
        self._blobs = {file.path: (_mode(file), _blob_id(file.read())) for file in files}
        self._kept = {path: current[path] for path in KEPT if path in current and path not in self._blobs}
        sent = [path for path, entry in self._blobs.items() if current.get(path) != entry]
        deleted = sorted(path for path in current if path not in self._blobs and path not in self._kept)
        steps = [
            *(Action("upload", path) for path in publishing_order(sent)),
            *(Action("delete", path) for path in deleted),
            *(Action("keep", path) for path in sorted(self._kept)),
        ]
        if sent or deleted or head is None:
            parent = f"on top of {head[:12]}" if head else "a new branch"
            steps += [
                Action("commit", f"{self.branch} ({parent})"),
                Action("push", f"{self.branch} to {self.remote}"),
            ]
        return DeployPlan(f"git {self.remote} {self.branch}", tuple(steps), len(files) - len(sent), head)

    def apply(self, plan: DeployPlan, output: Path, files: tuple[SiteFile, ...], on_step: OnStep) -> None:
        if plan.changes_nothing:
            return
        self._write_blobs([file for file in files if file.path in set(plan.uploads)])
        tree = self._write_tree()
        parents = ["-p", plan.revision] if plan.revision else []
        commit = self._git("commit-tree", tree, *parents, "-m", self._message(), env=_identity())
        for step in plan.steps:
            if step.verb == "push":
                self._push(commit)
            on_step(step)

    # The clone ---------------------------------------------------------------------

    def _init_clone(self) -> None:
        if not (self.clone / "HEAD").is_file():
            self.clone.mkdir(parents=True, exist_ok=True)
            self._git("init", "--bare", "--quiet")

    def _fetch(self) -> str | None:
        """The branch's commit on the remote, fetched into the clone; None when it has no such branch."""
        listed = self._git("ls-remote", "--heads", self.remote, f"refs/heads/{self.branch}", on_remote=True)
        if not listed.strip():
            return None
        self._git(
            "fetch",
            "--quiet",
            "--no-tags",
            self.remote,
            f"+refs/heads/{self.branch}:{_FETCHED}",
            on_remote=True,
        )
        return self._git("rev-parse", "--verify", f"{_FETCHED}^{{commit}}")

    def _tree(self, commit: str) -> dict[str, tuple[str, str]]:
        """Every file of `commit`'s tree: path -> (mode, object id)."""
        listing = self._git("ls-tree", "-r", "-z", "--full-tree", commit, strip=False)
        entries: dict[str, tuple[str, str]] = {}
        for record in filter(None, listing.split("\0")):
            meta, path = record.split("\t", 1)
            mode, _kind, object_id = meta.split(" ")
            entries[path] = (mode, object_id)
        return entries

    def _write_blobs(self, files: list[SiteFile]) -> None:
        if not files:
            return
        paths = "".join(f"{file.source}\n" for file in files)
        written = self._git("hash-object", "-w", "--no-filters", "--stdin-paths", input=paths).split()
        for file, object_id in zip(files, written, strict=True):
            if self._blobs[file.path][1] != object_id:  # changed since the plan read it
                raise DeployError(f"{file.path} changed while deploying; deploy again")

    def _write_tree(self) -> str:
        """The site's tree with the kept files, written through an index of this deploy's own."""
        entries = {**self._blobs, **self._kept}
        records = "".join(
            f"{mode} {object_id}\t{path}\0" for path, (mode, object_id) in sorted(entries.items())
        )
        handle, index = tempfile.mkstemp(prefix="index-", dir=self.clone)
        os.close(handle)
        os.unlink(index)  # git makes it; an empty file is not an index
        try:
            environment = {"GIT_INDEX_FILE": index}
            self._git("update-index", "-z", "--add", "--index-info", input=records, env=environment)
            return self._git("write-tree", env=environment)
        finally:
            if os.path.exists(index):
                os.unlink(index)

    def _push(self, commit: str) -> None:
        try:
            self._git("push", "--quiet", self.remote, f"{commit}:refs/heads/{self.branch}", on_remote=True)
        except DeployError as exc:
            if "rejected" in str(exc) or "fetch first" in str(exc):
                raise DeployError(
                    f"git push to {self.remote} failed: {self.branch} changed there since it was fetched; "
                    "deploy again"
                ) from exc
            raise

    def _message(self) -> str:
        """Which source was deployed, as `mkdocs gh-deploy` says it: the site's commit, if any."""
        try:
            done = subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"],
                cwd=self.site_dir,
                capture_output=True,
                text=True,
                env=_clean_environment(),
            )
        except OSError:
            done = None
        source = f" {done.stdout.strip()}" if done and done.returncode == 0 else ""
        return f"Deployed{source} with sitegen {__version__}"

    def _git(
        self,
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        on_remote: bool = False,
        strip: bool = True,
    ) -> str:
        """Run git on the clone; a failure is a DeployError with git's own reason."""
        command = ["git", f"--git-dir={self.clone}", *args]
        try:
            done = subprocess.run(
                command,
                input=input,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="surrogateescape",
                env={**_clean_environment(), **(env or {})},
                stdin=None
                if input is not None
                else (None if sys.stdin and sys.stdin.isatty() else subprocess.DEVNULL),
            )
        except OSError as exc:
            raise DeployError(f"git could not be run: {exc.strerror or exc}") from exc
        if done.returncode:
            where = f"git {args[0]} {self.remote}" if on_remote else f"git {args[0]}"
            raise DeployError(f"{where} failed: {_reason(done.stderr)}")
        return done.stdout.strip() if strip else done.stdout


def _clean_environment() -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in _GIT_LOCATIONS}
    if not (sys.stdin and sys.stdin.isatty()):
        environment["GIT_TERMINAL_PROMPT"] = (
            "0"  # no one can answer a password prompt: fail instead of waiting
        )
    return environment


def _identity() -> dict[str, str]:
    """An author for the commit where git has none configured (a CI machine): git would refuse."""
    missing: dict[str, str] = {}
    for setting, default, variables in (
        ("user.name", "sitegen", ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME")),
        ("user.email", "sitegen@localhost", ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL")),
    ):
        configured = subprocess.run(["git", "config", setting], capture_output=True, env=_clean_environment())
        if configured.returncode:
            missing.update({name: os.environ.get(name, default) for name in variables})
    return missing


def _reason(stderr: str) -> str:
    """git's own one-line reason for a failure."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for prefix in ("fatal:", "! ", "error:", "remote:"):
        for line in lines:
            if line.startswith(prefix):
                return line
    return lines[-1] if lines else "no reason given"


def _mode(file: SiteFile) -> str:
    return "100755" if file.executable else "100644"


def _blob_id(data: bytes) -> str:
    """The id git gives a file with these bytes (`git hash-object`)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()

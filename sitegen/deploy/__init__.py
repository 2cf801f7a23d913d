"""`sitegen deploy`: publish a built site to the target that site.yaml's `deploy:` names.

Every target works in two steps: `plan` looks at the target and says what must change (which
files to send, which to delete, which commit to push) without changing anything, and `apply`
does it. A dry run stops after the plan. What is sent is the output folder as it is (see
files.published_files); the caller builds it first. The library never prints: the caller
is told of each step as it is done, through `on_step`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..config import DeployTarget, FolderTarget, GitTarget, RsyncTarget, S3Target
from .files import SiteFile, published_files

__all__ = [
    "Action",
    "DeployError",
    "DeployPlan",
    "DeployResult",
    "SiteFile",
    "deploy_output",
    "published_files",
    "publisher_for",
]


class DeployError(Exception):
    """A deploy that could not be done (a failed push or upload, a missing tool): one line
    saying what failed. Whatever was sent stays sent; running the deploy again finishes it."""


@dataclass(frozen=True)
class Action:
    """One step of a deploy: `upload articles/x/index.html`, `delete old/`, `commit 1a2b3c4`."""

    verb: str  # "upload", "delete", "keep", "commit" or "push"
    path: str  # the file or folder (folders end in '/'), or what a commit or push names

    def __str__(self) -> str:
        return f"{self.verb} {self.path}"


@dataclass(frozen=True)
class DeployPlan:
    target: str  # the target as the user knows it: "s3://bucket/prefix", "git ../site.git gh-pages"
    steps: tuple[Action, ...]  # in the order they are done
    unchanged: int  # files the target already has as they are
    revision: str | None = None  # git: the commit of the branch the plan was made against

    @property
    def uploads(self) -> tuple[str, ...]:
        return tuple(step.path for step in self.steps if step.verb == "upload")

    @property
    def deletions(self) -> tuple[str, ...]:
        return tuple(step.path for step in self.steps if step.verb == "delete")

    @property
    def changes_nothing(self) -> bool:
        return not any(step.verb in ("upload", "delete", "commit") for step in self.steps)


@dataclass(frozen=True)
class DeployResult:
    plan: DeployPlan
    applied: bool  # False for a dry run
    seconds: float


OnStep = Callable[[Action], None]


class Publisher(Protocol):
    def plan(self, output: Path, files: tuple[SiteFile, ...]) -> DeployPlan: ...

    def apply(self, plan: DeployPlan, output: Path, files: tuple[SiteFile, ...], on_step: OnStep) -> None: ...


def publisher_for(target: DeployTarget, site_dir: Path) -> Publisher:
    """The publisher of a target; local paths in it are relative to the site folder."""
    if isinstance(target, FolderTarget):
        from .folder import FolderPublisher

        return FolderPublisher(site_dir, target)
    if isinstance(target, RsyncTarget):
        from .rsync import RsyncPublisher

        return RsyncPublisher(site_dir, target)
    if isinstance(target, GitTarget):
        from .git import GitPublisher

        return GitPublisher(site_dir, target)
    if isinstance(target, S3Target):
        from .s3 import S3Publisher

        return S3Publisher(target)
    raise TypeError(f"not a deploy target: {target!r}")


def deploy_output(
    output: Path,
    target: DeployTarget,
    *,
    site_dir: Path,
    dry_run: bool = False,
    on_step: OnStep | None = None,
) -> DeployResult:
    """Publish the built site in `output` to `target`, or only plan it (`dry_run`).

    Raises DeployError when the output is missing or the target cannot be reached or
    written; nothing outside the target is ever changed."""
    started = time.monotonic()
    if not output.is_dir():
        raise DeployError(f"{output}: no such folder: build the site first (sitegen build)")
    files = published_files(output)
    if not files:
        raise DeployError(f"{output}: the output folder is empty: build the site first (sitegen build)")
    publisher = publisher_for(target, site_dir)
    plan = publisher.plan(output, files)
    if not dry_run:
        publisher.apply(plan, output, files, on_step or (lambda step: None))
    return DeployResult(plan, not dry_run, time.monotonic() - started)

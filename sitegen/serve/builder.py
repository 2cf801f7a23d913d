"""The preview's build process: builds run here, not in the serving process.

The serving process runs the HTTP, event-stream and watcher threads, and a process that
runs threads must not fork (a lock another thread holds is copied locked). So the
preview starts one single-threaded process of its own (a fresh interpreter, not a fork),
which may fork its build workers, and keeps it between rebuilds so that a rebuild does
not pay for Python's start-up and imports again. The process leads a process group of
its own: stopping the preview kills the group, workers included, at once, whatever the
build is doing (even a build that never ends).

Requests and answers are pickled over the process's stdin and stdout; they are
frozen dataclasses of the build's own types, between two copies of the same code.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..config import load_config
from ..engine import BuildResult, Engine
from ..errors import Problem, SiteError, UsageError, error
from ..parallel import few_full_collections
from ..terminal import ProgressLine, interactive

STOP_WAIT_SECONDS = 0.5  # how long a killed process group may take to disappear


@dataclass(frozen=True)
class BuildReport:
    """What one (re)build of the preview did, for the command line to print."""

    result: BuildResult | None  # None when the build failed
    problems: tuple[Problem, ...]
    changed: tuple[Path, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.result is not None


@dataclass(frozen=True)
class BuildRequest:
    site_dir: Path
    output_dir: Path
    drafts: bool
    origin: str  # scheme, host and port the preview serves at: feeds and canonical links use it
    changed: tuple[Path, ...]


@dataclass(frozen=True)
class BuildAnswer:
    report: BuildReport
    base_path: str  # the path the site is served under (from site.yaml's base_url)


class PreviewBuilds:
    """The build process's side: one Engine kept between the preview's builds, so that a
    rebuild applies just the files that changed to the site it holds in memory."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._made_for: tuple[object, ...] = ()
        # A long rebuild (a template every page uses) shows its progress on the terminal.
        self._progress = ProgressLine() if interactive() else None

    def run(self, request: BuildRequest) -> BuildAnswer:
        """One preview build; every failure becomes problems in the report, never an exception."""
        changed = request.changed
        base_path = "/"
        try:
            config, _ = load_config(request.site_dir)
            base_path = config.base_path
            made_for = (request.site_dir, request.drafts, request.origin + base_path)
            if self._engine is None or made_for != self._made_for:
                self._engine = Engine(
                    request.site_dir,
                    drafts=request.drafts,
                    base_url=request.origin + base_path,
                    fingerprint=False,  # a stylesheet edit then renders no page again
                    # The editor's view: scheduled articles too, with a badge (README, Scheduled).
                    future=True,
                )
                self._made_for = made_for
            try:
                result = self._engine.build(
                    request.output_dir, force=True, changed=changed, in_place=True, progress=self._progress
                )
            finally:
                if self._progress:
                    self._progress.clear()
        except SiteError as exc:
            return BuildAnswer(BuildReport(None, tuple(exc.problems), changed), base_path)
        except UsageError as exc:
            return BuildAnswer(
                BuildReport(None, (error(str(request.site_dir), None, str(exc)),), changed), base_path
            )
        except Exception as exc:  # a bug must not take the preview down; show it like an error
            self._engine = None  # and what it held cannot be trusted
            message = f"sitegen failed unexpectedly: {type(exc).__name__}: {exc}"
            return BuildAnswer(
                BuildReport(None, (error(str(request.site_dir), None, message),), changed), base_path
            )
        return BuildAnswer(BuildReport(result, result.warnings, changed), base_path)


def _failed(request: BuildRequest, message: str, base_path: str) -> BuildAnswer:
    return BuildAnswer(
        BuildReport(None, (error(str(request.site_dir), None, message),), request.changed), base_path
    )


class BuildProcess:
    """The build process, seen from the serving process: started on the first build,
    restarted if it died, killed with its whole process group by stop()."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped = False
        self._lock = threading.Lock()  # guards _process and _stopped, never held during a build

    def build(self, request: BuildRequest) -> BuildAnswer | None:
        """Run one build there and wait for it; None when stop() was called (before or during)."""
        with self._lock:
            if self._stopped:
                return None
            if self._process is None or self._process.poll() is not None:
                try:
                    self._process = _start_process()
                except OSError as exc:
                    return _failed(request, f"cannot start the build process: {exc}", "/")
            process = self._process
        assert process.stdin is not None and process.stdout is not None
        try:
            pickle.dump(request, process.stdin)
            process.stdin.flush()
            answer = pickle.load(process.stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            answer = None
        if isinstance(answer, BuildAnswer):
            return answer
        with self._lock:
            if self._stopped:
                return None
        code = process.poll()
        kill_group(process)  # it died or talks nonsense: a fresh one next time
        how = f" (exit code {code})" if code is not None else ""
        return _failed(request, f"the build process stopped unexpectedly{how}", "/")

    def stop(self) -> None:
        """Kill the build process and its workers, at once, and wait until they are gone."""
        with self._lock:
            self._stopped = True
            process = self._process
        if process is not None:
            kill_group(process)


def _start_process() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        # Not `-m`: the classes pickled back must be this module's, not `__main__`'s.
        [sys.executable, "-c", "from sitegen.serve.builder import main; main()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        start_new_session=True,  # its own process group: killed as one; Ctrl-C reaches only us
    )


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill a process started with a process group of its own, with its children, and wait
    until they are gone."""
    with suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            with suppress(OSError):
                stream.close()
    # The workers were killed with the group; wait until the kernel has taken them away,
    # so that none is still writing when the preview removes its folder.
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.01)


def serve_requests(requests: BinaryIO, answers: BinaryIO) -> None:
    """The build process's loop: a build per request, until the serving process closes stdin."""
    builds = PreviewBuilds()
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:
            return
        answer = builds.run(request)
        try:
            pickle.dump(answer, answers)
            answers.flush()
        except BrokenPipeError:  # the serving process is gone: nobody to build for
            return
        # The site kept in memory is millions of objects that live as long as the preview:
        # set them aside from the cyclic garbage collector, whose full passes over them
        # would otherwise stall a rebuild for a tenth of a second now and then.
        gc.freeze()


def main() -> None:
    # Answers go on the original stdout; anything else printed goes to stderr, so that a
    # stray print cannot corrupt the answers.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    with few_full_collections():
        serve_requests(sys.stdin.buffer, answers)

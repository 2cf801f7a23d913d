"""`sitegen serve`: build, serve, watch, rebuild, and tell every open page."""

from __future__ import annotations

import errno
import fcntl
import ipaddress
import shutil
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ..cache import cache_folder
from ..errors import Problem, UsageError
from .builder import BuildProcess, BuildReport, BuildRequest
from .http import LiveState, PreviewHTTPServer, is_unspecified
from .indexer import BackgroundIndex
from .watch import SiteWatcher

__all__ = ["BuildReport", "Preview", "is_loopback"]

SHUTDOWN_POLL_SECONDS = 0.1  # how often the server looks whether it must stop (default 0.5)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    """A host as it is written in a URL: IPv6 addresses in brackets."""
    return f"[{host}]" if ":" in host else host


class Preview:
    """Builds the site into a folder of its own, serves it, and rebuilds on every change.

    The served folder is replaced only by a successful build, so a failed build keeps
    the last good site on screen, with the errors shown over it by the injected script.
    Builds run in a build process of the preview's own (see builder.py); stop() ends
    everything within a moment, in the middle of a build too, and may be called from
    another thread while start() is still building.
    """

    def __init__(
        self,
        site_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        drafts: bool = False,
        report: Callable[[BuildReport], None] = lambda report: None,
        announce: Callable[[str], None] = lambda url: None,
    ):
        self.site_dir = site_dir
        self.host = host
        self.port = port
        self.drafts = drafts
        self.report = report
        self.announce = announce  # told the URL once, after the first build, before any answer
        self.state = LiveState(uuid.uuid4().hex[:12])
        self._workdir: Path | None = None
        self._workdir_lock: BinaryIO | None = None  # held while this preview uses the folder
        self._workdir_is_temporary = False
        self._has_good_build = False
        self._server: PreviewHTTPServer | None = None
        self._watcher: SiteWatcher | None = None
        self._serving: threading.Thread | None = None
        self._builder = BuildProcess()
        self._search = BackgroundIndex()
        self._build_lock = threading.Lock()  # one build at a time
        self._lifecycle = threading.Lock()  # start() and stop() create and end things under it
        self._stopped = False

    @property
    def url(self) -> str:
        return self._origin() + self._server_or_fail().base_path

    @property
    def output_dir(self) -> Path:
        if self._workdir is None:
            raise RuntimeError("the preview has not been started")
        return self._workdir / "site"

    def start(self) -> None:
        """Bind the port, watch, build once, listen, tell the URL, then answer requests in a
        background thread."""
        if not self.site_dir.is_dir():
            raise UsageError(f"the site folder {self.site_dir} does not exist")
        with self._lifecycle:
            if self._stopped:
                return
            self._server = _bind(self.host, self.port, self.state, self._served_root)
            self._claim_workdir()
            # Watching before the first build: a file saved while it runs is built next.
            watcher = SiteWatcher(self.site_dir, self.rebuild)
            try:
                watcher.start()
            except OSError as exc:  # the system's limit on watched folders, say
                raise UsageError(f"cannot watch the site's files for changes: {exc}") from exc
            self._watcher = watcher
        self.rebuild(set())
        with self._lifecycle:
            if self._stopped:
                return
            # Listen, tell the URL, and only then answer. A script that reads the URL and
            # connects at once is never refused, and one that waits for an answer from the
            # port finds the URL printed. (Printing first would refuse the quick readers: the
            # two steps are microseconds apart, and one of the two orders has to come first.)
            self._server.server_activate()
            self.announce(self.url)
            self._serving = threading.Thread(
                target=self._server.serve_forever,
                args=(SHUTDOWN_POLL_SECONDS,),
                name="sitegen-http",
                daemon=True,
            )
            self._serving.start()

    def stop(self) -> None:
        """End the build process first (a build in progress is abandoned), then the rest."""
        with self._lifecycle:
            self._stopped = True
        self._builder.stop()
        self._search.stop()
        self.state.stop()
        if self._watcher:
            self._watcher.stop()
        if self._server:
            if self._serving:  # shutdown() waits for serve_forever(): only once it runs
                self._server.shutdown()
            self._server.server_close()
        with self._build_lock:  # a rebuild still on its way out must not see the folder go
            if self._workdir is not None and self._workdir_is_temporary:
                shutil.rmtree(self._workdir, ignore_errors=True)
            if self._workdir_lock is not None:
                self._workdir_lock.close()  # and so unlocked: the next preview may use it

    def _claim_workdir(self) -> None:
        """The folder the preview builds into: preview-N in the site's build cache folder, the
        first that no running preview holds. It stays between runs, so that the next preview
        of the site builds only what changed, and so that stopping need not delete thousands
        of files (which takes seconds on some disks). Without a usable cache folder, a
        temporary folder, deleted on stop."""
        for number in range(1, 100):
            folder = cache_folder(self.site_dir) / f"preview-{number}"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                lock = (folder / "lock").open("ab")
            except OSError:
                break
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # another preview of the site runs: next number
                lock.close()
                continue
            self._workdir, self._workdir_lock = folder, lock
            return
        self._workdir = Path(tempfile.mkdtemp(prefix="sitegen-serve-"))
        self._workdir_is_temporary = True

    def rebuild(self, changed: set[Path]) -> BuildReport:
        with self._build_lock:
            self._search.cancel()  # the pages it indexes are about to change
            answer = self._builder.build(
                BuildRequest(
                    self.site_dir, self.output_dir, self.drafts, self._origin(), tuple(sorted(changed))
                )
            )
            if answer is None:  # stopped
                return BuildReport(None, ())
            report = answer.report
            if report.ok:
                self._server_or_fail().base_path = answer.base_path
                self._has_good_build = True
                only_css = bool(changed) and all(p.suffix == ".css" for p in changed)
                self.state.publish("css" if only_css else "reload")
                # After the reload event, which does not wait for it; before the next build,
                # which cancels it (see indexer.py).
                self._search.start(self.site_dir, self.output_dir)
        if not report.ok:
            self.state.publish("errors", [_as_dict(p) for p in report.problems if p.is_error])
        self.report(report)
        return report

    def indexing(self) -> bool:
        """Is the search index being brought up to date (in the background) right now?"""
        return self._search.running()

    def _origin(self) -> str:
        return f"http://{url_host(self._display_host())}:{self._server_or_fail().server_port}"

    def _display_host(self) -> str:
        return "127.0.0.1" if is_unspecified(self.host) else self.host

    def _server_or_fail(self) -> PreviewHTTPServer:
        if self._server is None:
            raise RuntimeError("the preview has not been started")
        return self._server

    def _served_root(self) -> Path | None:
        return self.output_dir if self._has_good_build and not self._stopped else None


def _bind(host: str, port: int, state: LiveState, root: Callable[[], Path | None]) -> PreviewHTTPServer:
    """A server bound to the address but not yet accepting connections."""
    try:
        return PreviewHTTPServer((host, port), "/", state, root)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} is already in use; choose another with --port") from exc
        if isinstance(exc, socket.gaierror):
            raise UsageError(f"cannot listen on {host}: unknown host") from exc
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def _as_dict(problem: Problem) -> dict:
    return {"path": problem.path, "line": problem.line, "message": problem.message}

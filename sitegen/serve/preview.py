"""`sitegen serve`: build, serve, watch, rebuild, and tell every open page."""

from __future__ import annotations

import errno
import ipaddress
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..build import BuildResult, build
from ..cache import BuildCache
from ..config import load_config
from ..errors import Problem, SiteError, UsageError, error
from .http import LiveState, PreviewHTTPServer
from .watch import SiteWatcher


@dataclass(frozen=True)
class BuildReport:
    """What one (re)build of the preview did, for the command line to print."""

    result: BuildResult | None  # None when the build failed
    problems: tuple[Problem, ...]
    changed: tuple[Path, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.result is not None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Preview:
    """Builds the site into a temporary folder, serves it, and rebuilds on every change.

    The served folder is replaced only by a successful build, so a failed build keeps
    the last good site on screen, with the errors shown over it by the injected script.
    """

    def __init__(
        self,
        site_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        drafts: bool = False,
        report: Callable[[BuildReport], None] = lambda report: None,
    ):
        self.site_dir = site_dir
        self.host = host
        self.port = port
        self.drafts = drafts
        self.report = report
        self.state = LiveState(uuid.uuid4().hex[:12])
        self._workdir: Path | None = None
        self._has_good_build = False
        self._server: PreviewHTTPServer | None = None
        self._watcher: SiteWatcher | None = None
        self._build_lock = threading.Lock()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://{self._display_host()}:{self._server.server_port}{self._server.base_path}"

    @property
    def output_dir(self) -> Path:
        assert self._workdir is not None
        return self._workdir / "site"

    def start(self) -> None:
        """Bind the port, build once, then serve and watch in background threads."""
        if not self.site_dir.is_dir():
            raise UsageError(f"the site folder {self.site_dir} does not exist")
        try:
            self._server = PreviewHTTPServer((self.host, self.port), "/", self.state, self._served_root)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UsageError(f"port {self.port} is already in use; choose another with --port") from exc
            raise UsageError(f"cannot listen on {self.host}:{self.port}: {exc.strerror}") from exc
        self._workdir = Path(tempfile.mkdtemp(prefix="sitegen-serve-"))
        self.rebuild(set())
        threading.Thread(target=self._server.serve_forever, name="sitegen-http", daemon=True).start()
        self._watcher = SiteWatcher(self.site_dir, self.rebuild)
        self._watcher.start()

    def stop(self) -> None:
        if self._watcher:
            self._watcher.stop()
        self.state.stop()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        with self._build_lock:
            if self._workdir:
                BuildCache(self.site_dir).forget_manifest(self.output_dir)
                shutil.rmtree(self._workdir, ignore_errors=True)
                self._workdir = None

    def rebuild(self, changed: set[Path]) -> BuildReport:
        with self._build_lock:
            if self._workdir is None:  # stopped
                return BuildReport(None, ())
            report = self._build(changed)
        if report.ok:
            only_css = bool(changed) and all(p.suffix == ".css" for p in changed)
            self.state.publish("css" if only_css else "reload")
        else:
            self.state.publish("errors", [_as_dict(p) for p in report.problems if p.is_error])
        self.report(report)
        return report

    def _build(self, changed: set[Path]) -> BuildReport:
        assert self._server is not None
        config, _ = load_config(self.site_dir)
        base_path = config.base_path
        # Served under the base_url's path, with absolute links (feeds, canonical) made local.
        local = f"http://{self._display_host()}:{self._server.server_port}{base_path}"
        try:
            result = build(self.site_dir, self.output_dir, drafts=self.drafts, base_url=local, force=True)
        except SiteError as exc:
            return BuildReport(None, tuple(exc.problems), tuple(sorted(changed)))
        except UsageError as exc:
            return BuildReport(None, (error(str(self.site_dir), None, str(exc)),), tuple(sorted(changed)))
        except Exception as exc:  # a bug must not take the preview down; show it like an error
            message = f"sitegen failed unexpectedly: {type(exc).__name__}: {exc}"
            return BuildReport(None, (error(str(self.site_dir), None, message),), tuple(sorted(changed)))
        self._server.base_path = base_path
        self._has_good_build = True
        return BuildReport(result, result.warnings, tuple(sorted(changed)))

    def _display_host(self) -> str:
        return self.host if is_loopback(self.host) else "127.0.0.1"

    def _served_root(self) -> Path | None:
        return self.output_dir if self._has_good_build and self._workdir else None


def _as_dict(problem: Problem) -> dict:
    return {"path": problem.path, "line": problem.line, "message": problem.message}

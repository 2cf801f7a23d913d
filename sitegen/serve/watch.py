"""Watching the site's files: bursts of file events become one rebuild."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import DirModifiedEvent, FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

WATCHED_FOLDERS = ("content", "themes", "static", "i18n")
WATCHED_FILES = ("site.yaml",)


def is_editor_scratch(name: str) -> bool:
    """Swap, backup and lock files that editors write beside the real one."""
    return (
        name.startswith((".", "#", "~"))
        or name.endswith(("~", ".swp", ".swx", ".tmp", ".part", ".crdownload"))
        or name == "4913"  # vim's probe file
    )


def is_relevant(site_dir: Path, path: Path) -> bool:
    try:
        parts = path.relative_to(site_dir).parts
    except ValueError:
        return False
    if not parts or any(is_editor_scratch(p) for p in parts):
        return False
    return parts[0] in WATCHED_FOLDERS or (len(parts) == 1 and parts[0] in WATCHED_FILES)


class Debouncer:
    """Collects changed paths and calls `action(paths)` once a burst has been quiet for `quiet`
    seconds (or has lasted `longest` seconds), so an editor's save, a `git checkout` of
    hundreds of files or a folder copied in gives one rebuild. Changes that arrive while
    the action runs are kept for the next call."""

    def __init__(self, action: Callable[[set[Path]], object], quiet: float = 0.02, longest: float = 2.0):
        self._action = action
        self._quiet = quiet
        self._longest = longest
        self._pending: set[Path] = set()
        self._last_change = 0.0
        self._wakeup = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="sitegen-debounce", daemon=True)
        self._thread.start()

    def add(self, path: Path) -> None:
        with self._wakeup:
            self._pending.add(path)
            self._last_change = time.monotonic()
            self._wakeup.notify()

    def close(self) -> None:
        with self._wakeup:
            self._closed = True
            self._wakeup.notify()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self._wakeup:
                self._wakeup.wait_for(lambda: self._pending or self._closed)
                if self._closed:
                    return
                first = time.monotonic()
                while not self._closed:
                    now = time.monotonic()
                    remaining = min(self._last_change + self._quiet - now, first + self._longest - now)
                    if remaining <= 0:
                        break
                    self._wakeup.wait(remaining)
                if self._closed:
                    return
                paths, self._pending = self._pending, set()
            self._action(paths)


class _Handler(FileSystemEventHandler):
    def __init__(self, site_dir: Path, debouncer: Debouncer):
        self.site_dir = site_dir
        self.debouncer = debouncer

    def on_any_event(self, event: FileSystemEvent) -> None:
        if isinstance(event, DirModifiedEvent) or event.event_type in ("opened", "closed_no_write"):
            return
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                path = Path(raw if isinstance(raw, str) else raw.decode())
                if is_relevant(self.site_dir, path):
                    self.debouncer.add(path)


class SiteWatcher:
    """Watches content/, themes/, static/, i18n/ and site.yaml of a site (folders created later too)."""

    def __init__(self, site_dir: Path, on_change: Callable[[set[Path]], object]):
        self.site_dir = site_dir
        self.debouncer = Debouncer(on_change)
        self.handler = _Handler(site_dir, self.debouncer)
        self._observer = Observer()
        self._watched: set[str] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        self._observer.schedule(_TopLevel(self), str(self.site_dir), recursive=False)
        self.watch_folders()
        self._observer.start()

    def watch_folders(self) -> None:
        with self._lock:
            for name in WATCHED_FOLDERS:
                folder = self.site_dir / name
                if name not in self._watched and folder.is_dir():
                    self._observer.schedule(self.handler, str(folder), recursive=True)
                    self._watched.add(name)

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=5)
        self.debouncer.close()


class _TopLevel(FileSystemEventHandler):
    """site.yaml, and the watched folders appearing (a first article creates content/)."""

    def __init__(self, watcher: SiteWatcher):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory and event.event_type in ("created", "moved"):
            self.watcher.watch_folders()
        self.watcher.handler.on_any_event(event)

"""The preview's search index, brought up to date in the background after every build.

Indexing every article page takes Pagefind seconds on a large site, and the preview
reloads its pages as soon as a build is written: so the index is made afterwards, in a
process of its own (a fresh interpreter, started like the build process), while the
preview already shows the new pages. A build that starts while an index is being made
kills that process (and Pagefind's, its child) as one process group: its pages are about
to change, and the next index starts after that build. So an index process never runs
while the build process writes into the folder, and neither process runs threads that
fork: the serving process only starts and kills it.

The index process keeps the folder's index while the stamp says it was made from the
same pages (sitegen/search.py); else it has Pagefind index the folder and puts the new
index in place of the old one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from ..config import load_config
from ..search import SEARCH_DIR, SearchError, current_index, indexer
from ..write import TMP, take_inventory
from .builder import kill_group


class BackgroundIndex:
    """The serving process's side: starts an index process after a build, kills it when the
    next build starts or the preview stops."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped = False
        self._lock = threading.Lock()  # guards _process and _stopped

    def start(self, site_dir: Path, folder: Path) -> None:
        """Bring the index of the preview's `folder` up to date, in the background."""
        with self._lock:
            self._kill()
            if self._stopped:
                return
            self._process = subprocess.Popen(
                [sys.executable, "-c", "from sitegen.serve.indexer import main; main()", site_dir, folder],
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: killed with Pagefind as one
            )

    def cancel(self) -> None:
        """Stop an index being made, if one is (a build is about to change the pages)."""
        with self._lock:
            self._kill()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._kill()

    def running(self) -> bool:
        with self._lock:
            return self._process is not None and self._process.poll() is None

    def _kill(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                kill_group(self._process)
            else:
                self._process.wait()
            self._process = None


def update_index(site_dir: Path, folder: Path) -> None:
    """Make the index of the preview's `folder` match its pages, or remove it when the
    site has `search: false`. Raises SearchError when Pagefind fails."""
    config, _ = load_config(site_dir)
    target = folder / SEARCH_DIR
    if not config.search:
        _remove(target)
        return
    pagefind = indexer(config.language)
    if current_index(folder, take_inventory(folder).files, pagefind.digest(folder)) is not None:
        return
    scratch, new, old = (folder / f"{TMP}search{part}" for part in ("", "-new", "-old"))
    for leftover in (scratch, new, old):  # of an index process killed before it was done
        _remove(leftover)
    index = pagefind.index(folder, scratch, lambda done, total: None)
    for relative, data in index.files:
        path = new / Path(relative).relative_to(SEARCH_DIR)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    # Two renames: the index is missing for a moment, which only the preview's reader sees.
    if os.path.lexists(target):
        os.rename(target, old)
    os.rename(new, target)
    _remove(old)


def _remove(path: Path) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)  # removes links inside, never what they point to
    elif os.path.lexists(path):
        os.unlink(path)


def main() -> None:
    """The index process: python -c '...main()' SITE_DIR FOLDER. A failure is shown on the
    preview's terminal (its standard error), and the preview goes on without a new index."""
    site_dir, folder = Path(sys.argv[1]), Path(sys.argv[2])
    try:
        update_index(site_dir, folder)
    except SearchError as exc:
        print(exc.problem, file=sys.stderr)
        sys.exit(1)
    except OSError as exc:
        print(f"search: cannot write the preview's index: {exc}", file=sys.stderr)
        sys.exit(1)

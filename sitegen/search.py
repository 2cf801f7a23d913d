"""Stage 4b, search: a full-text index of the built article pages, made by Pagefind.

Pagefind (https://pagefind.app, the `pagefind` package with its `bin` extra) reads the
built HTML and writes a static index, split into small chunks that the search page's
script fetches as a query needs them, so search works on any static host with no
server. The theme marks what is indexed: the element with `data-pagefind-body` (the
article on an article page; a page without one is not indexed), the metadata
(`data-pagefind-meta`: date, source) and the filters (`data-pagefind-filter`).

Every filter value goes under one filter, `facet`, as `<taxonomy>:<name>` (`tags:Trade`),
which the search page's script splits again.

Pagefind writes the filters of an index (and the metadata file that names them) in the
order of Rust hash maps, which differs from run to run: indexing the same pages twice
gives the same search with different bytes in those few files. So the index carries a
stamp (pagefind/sitegen-index.json) naming what it was made from (Pagefind's version,
the language, the digest of every indexed page) and each of its files' digest; a build
whose pages make the same digest keeps the index it has, byte for byte, and only pages
that changed make a new one. A build twice gives the same output, and a deploy after a
change to no article uploads no index file.

`Indexer.index` runs Pagefind's command (the binary that `pagefind[bin]` installs) as a
subprocess, which is safe from any thread, unlike forking Python itself, and can be
stopped: Pagefind's Python API keeps its process to itself, so a binary that stopped
answering would be left running.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from .cache import content_hash
from .errors import Problem, error

SEARCH_DIR = "pagefind"  # the index's folder in the output
INDEXED_FOLDER = "articles"  # the pages that may carry data-pagefind-body: its HTML files
INDEXED_PAGES = f"{INDEXED_FOLDER}/**/*.html"  # as Pagefind's glob says so
STAMP = f"{SEARCH_DIR}/sitegen-index.json"  # what the index was made from, and its files
# How long Pagefind may take before the build gives up on it (a binary that stopped answering
# would otherwise hang the build): far more than it takes (about 20 s of CPU per 10,000 pages).
BASE_SECONDS = 120
SECONDS_PER_PAGE = 0.05
CHECK_SECONDS = 30  # for `pagefind --version`
INSTALL_HINT = "install it with: python -m pip install 'pagefind[bin]'; or set search: false in site.yaml"


@dataclass(frozen=True)
class SearchIndex:
    """The index's files, by their path in the output (pagefind/...)."""

    files: tuple[tuple[str, bytes], ...]
    pages: int  # how many pages it holds


@dataclass(frozen=True)
class Indexer:
    """Pagefind's binary, checked to run, and the settings an index is made with."""

    binary: Path
    version: str  # what `pagefind --version` says
    language: str

    def digest(self, folder: Path) -> str:
        """What an index of the site in `folder` is made from: Pagefind's version, the
        settings and the bytes of every page it indexes."""
        hasher = hashlib.blake2b(repr((self.version, self.language, INDEXED_PAGES)).encode(), digest_size=16)
        for relative in _indexed(folder):
            data = (folder / relative).read_bytes()
            hasher.update(f"{relative}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
            hasher.update(data)
        return hasher.hexdigest()

    def index(self, folder: Path, scratch: Path, progress: Callable[[int, int], None]) -> SearchIndex:
        """Index the built site in `folder` (its article pages) with Pagefind, which writes
        the index into the new folder `scratch`, read back and removed. Raises SearchError
        when Pagefind fails or does not finish."""
        made_from = self.digest(folder)
        pages = len(_indexed(folder))
        progress(0, pages)
        scratch.mkdir()
        try:
            indexed = self._run(folder, scratch, BASE_SECONDS + SECONDS_PER_PAGE * pages)
            files = [
                (f"{SEARCH_DIR}/{path.relative_to(scratch).as_posix()}", path.read_bytes())
                for path in sorted(scratch.rglob("*"))
                if path.is_file()
            ]
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        progress(pages, pages)
        stamp = {"made_from": made_from, "pages": indexed, "files": {p: content_hash(d) for p, d in files}}
        files.append((STAMP, json.dumps(stamp, indent=1, sort_keys=True).encode() + b"\n"))
        return SearchIndex(tuple(files), indexed)

    def _run(self, folder: Path, scratch: Path, seconds: float) -> int:
        """Run Pagefind's command on `folder`, writing the index into `scratch`; how many
        pages it indexed. Pagefind runs as a process group of its own, killed whole when it
        takes longer than `seconds` or when this build stops (Ctrl-C), so that no Pagefind
        is ever left running."""
        command = [
            os.fspath(self.binary),
            "--site",
            os.fspath(folder.resolve()),
            "--glob",
            INDEXED_PAGES,
            "--output-path",
            os.fspath(scratch.resolve()),
            # One language for the whole site (Pagefind would otherwise split the index by
            # each page's lang, and the site has one).
            "--force-language",
            self.language,
            "--quiet",
        ]
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise SearchError(_problem(f"Pagefind ({self.binary}) cannot run: {exc}")) from None
        try:
            out, err = process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            raise SearchError(
                _problem(
                    f"Pagefind ({self.binary}) did not finish indexing within {seconds:.0f} s; stopped it"
                )
            ) from None
        finally:
            if process.returncode is None:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
        if process.returncode != 0:
            said = (err or out).decode("utf-8", "replace").strip().splitlines()
            why = f": {said[-1]}" if said else ""
            raise SearchError(
                _problem(f"Pagefind ({self.binary}) failed (exit code {process.returncode}){why}")
            )
        try:
            entry = json.loads((scratch / "pagefind-entry.json").read_bytes())
            return int(entry["languages"][self.language]["page_count"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SearchError(_problem(f"Pagefind ({self.binary}) wrote no usable index ({exc})")) from None


def current_index(folder: Path, files: Iterable[str], made_from: str) -> SearchIndex | None:
    """The index in `folder`, whose regular files are `files` (paths in it, found without
    following links), when its stamp says it was made from `made_from` and its files are
    exactly those the stamp lists, with their bytes; else None."""
    own = sorted(f for f in files if f.startswith(SEARCH_DIR + "/"))
    try:
        stamp = json.loads(_read(folder, STAMP)) if STAMP in own else None
        if not isinstance(stamp, dict) or stamp.get("made_from") != made_from:
            return None
        listed = stamp["files"]
        if sorted([*listed, STAMP]) != own:
            return None
        found = [(path, _read(folder, path)) for path in own]
        if any(path != STAMP and content_hash(data) != listed[path] for path, data in found):
            return None
        return SearchIndex(tuple(found), int(stamp["pages"]))
    except (OSError, ValueError, KeyError, TypeError):  # not a stamp sitegen wrote
        return None


class SearchError(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def indexer(language: str) -> Indexer:
    """Pagefind's binary, checked to run: a missing or broken one is a clear error before
    indexing starts (Pagefind's API would wait for its answers for ever)."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        raise SearchError(_problem(f"Pagefind is not installed: {INSTALL_HINT}")) from None
    try:
        binary = get_executable()
    except OSError as exc:  # pagefind_bin is installed without its binary
        raise SearchError(_problem(f"Pagefind's binary is missing ({exc}): {INSTALL_HINT}")) from None
    if binary is None:
        raise SearchError(_problem(f"Pagefind's binary is not installed: {INSTALL_HINT}"))
    try:
        checked = subprocess.run(
            [os.fspath(binary), "--version"], capture_output=True, timeout=CHECK_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchError(_problem(f"Pagefind's binary {binary} cannot run: {exc}")) from None
    if checked.returncode != 0 or not checked.stdout.startswith(b"pagefind"):
        said = (checked.stderr or checked.stdout).decode("utf-8", "replace").strip().splitlines()
        why = f": {said[-1]}" if said else ""
        raise SearchError(
            _problem(f"Pagefind's binary {binary} does not work (exit code {checked.returncode}){why}")
        )
    return Indexer(binary, checked.stdout.decode("utf-8", "replace").strip(), language)


def _indexed(folder: Path) -> list[str]:
    """The pages Pagefind indexes (INDEXED_PAGES), by their path in `folder`, sorted."""
    found = []
    for root, dirs, names in os.walk(folder / INDEXED_FOLDER):
        dirs.sort()
        found += [os.path.join(root, name) for name in sorted(names) if name.endswith(".html")]
    return [Path(path).relative_to(folder).as_posix() for path in found]


def _read(folder: Path, relative: str) -> bytes:
    fd = os.open(folder / relative, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with open(fd, "rb") as stream:
        return stream.read()


def _problem(message: str) -> Problem:
    return error("search", None, message)

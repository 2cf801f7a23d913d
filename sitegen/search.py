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

Pagefind's Python API runs its binary as a subprocess and talks to it through asyncio;
`Indexer.index` runs one asyncio loop for the whole run, in the calling thread (a
fresh one, so it can run in any thread); the API spawns the binary with fork and exec
(subprocess), which is safe from any thread, unlike forking Python itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Coroutine, Iterable
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
WATCH_SECONDS = 0.1  # how often the indexing looks whether Pagefind's binary still runs
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
            try:
                indexed = asyncio.run(
                    _watched(_index(folder, scratch, self.language), BASE_SECONDS + SECONDS_PER_PAGE * pages)
                )
            except TimeoutError:
                raise SearchError(_problem(f"Pagefind ({self.binary}) did not finish indexing")) from None
            except Exception as exc:  # whatever the binary or its API says went wrong
                raise SearchError(_problem(f"Pagefind ({self.binary}) failed: {exc}")) from exc
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


class _Stopped(Exception):
    """Pagefind's binary stopped (and so will never answer)."""


async def _watched(indexing: Coroutine[object, object, int], seconds: float) -> int:
    """Run `indexing`, but not for longer than `seconds`, and not once Pagefind's binary has
    stopped. Pagefind's API reads its binary's answers in a task of its own; when the
    binary dies, that task ends with an error while the requests wait for ever. So every
    other task of this loop is watched: one that ends with an error stops the indexing.
    (Its error is retrieved here, so asyncio never prints it.)"""
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda loop, context: None)  # never print: errors are raised
    tasks = {asyncio.ensure_future(indexing)}  # the indexing, then Pagefind's own tasks
    (main,) = tasks
    deadline = loop.time() + seconds
    while not main.done():
        await asyncio.wait([main], timeout=WATCH_SECONDS)
        tasks |= asyncio.all_tasks() - {asyncio.current_task()}
        why = next((f"{type(e).__name__}: {e}" for e in map(_failure, tasks) if e is not None), None)
        if main.done():
            break
        if why is not None or loop.time() > deadline:
            del main
            await _abandon(tasks)
            if why is not None:
                raise _Stopped(f"it stopped ({why})")
            raise TimeoutError
    return main.result()


def _failure(task: asyncio.Task[int]) -> BaseException | None:
    return task.exception() if task.done() and not task.cancelled() else None


async def _abandon(tasks: set[asyncio.Task[int]]) -> None:
    """Cancel the indexing and Pagefind's own tasks. (A binary that stopped answering but
    still runs is left to itself: Pagefind's API keeps its process to itself.)"""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with suppress(BaseException):
            await task


async def _index(folder: Path, scratch: Path, language: str) -> int:
    from pagefind.index import IndexConfig, PagefindIndex  # here: only a build with search needs it

    # One language for the whole site (Pagefind would otherwise split the index by each
    # page's lang, and the site has one). The index is written as the context ends, to
    # `output_path`: without one, Pagefind would write it to pagefind/ in the current folder.
    config: IndexConfig = {"force_language": language, "output_path": str(scratch.resolve())}
    async with PagefindIndex(config=config) as index:
        result = await index.add_directory(str(folder.resolve()), glob=INDEXED_PAGES)
    return int(result["page_count"])


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

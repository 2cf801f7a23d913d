"""The build cache: what earlier builds learnt, kept between runs, in the user's cache
folder (`$SITEGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/sitegen` or `~/.cache/sitegen`), one
folder per site, so that a build writes nothing in the site folder but its output.

- articles: for every article file, its size, mtime and content hash with the Article
  (and problems) validating it gave, so an unchanged file is neither read nor parsed;
- bodies: rendered Markdown by body hash, in SQLite, so a body is rendered once;
- manifests: for each output folder, what every page written there read as it rendered
  (the dependency graph, sitegen/deps.py), with each file's size and mtime, so a page
  whose inputs and file are unchanged is skipped. A build forgets those of output folders
  that are gone, and those an older sitegen wrote;
- derived data: the related lists and near-duplicate pairs, and the theme's templates as
  Jinja2 compiled them (Python code objects, trusted as Python trusts its own
  __pycache__ files: the cache folder is the user's; each is checked against a digest,
  and Jinja2 compiles again a template whose source changed).

The cache is versioned and safe to delete. One that cannot be read, was written by
another version of sitegen, or holds anything but the plain data it should is ignored
with a warning and rebuilt: it is never trusted.
"""

from __future__ import annotations

import contextlib
import copyreg
import datetime as dt
import hashlib
import io
import json
import os
import pickle
import sqlite3
import sys
import tempfile
import time
import zlib
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, TypeVar

import markdown

from .errors import Problem, warning
from .version import __version__

SHARDS = 16  # files of validated article files per content folder
# What a build derives from the site and a new process would find again at a cost
# (sitegen/related.py, sitegen/neardup.py, the theme's templates compiled), as plain
# data, by name.
DERIVED = ("related", "near-duplicates", "templates")
_SHARD_PREFIX = "validated-"
_MANIFEST_PREFIX = "manifest-"
_OUTPUT_SUFFIX = ".output"
FORMAT = 13  # bump when what the cache holds changes shape, or what validating a file gives
_STAMP = {
    "format": FORMAT,
    "sitegen": __version__,
    "markdown": markdown.__version__,
    "python": sys.version[:4],
}


class FileStat(NamedTuple):
    """An output file as a build left it: copies and hard links keep these."""

    size: int
    mtime_ns: int


# A file changed twice within the file system's timestamp granularity can keep its size and
# mtime ("racy git"): a file modified this recently is trusted by its content only.
RACY_SECONDS = 2


def untrusted_since() -> int:
    """The mtime (in ns) from which a file's stat is not trusted: one modified since may
    change again without its stat showing it."""
    return time.time_ns() - RACY_SECONDS * 1_000_000_000


class SourceStat(NamedTuple):
    """A source file as last read. The change time is here because an edit that keeps the
    size and puts the mtime back (a tool restoring timestamps) still moves it, and no
    program can set it; a file whose three values are unchanged is trusted unread."""

    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, path: Path | str) -> SourceStat | None:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


@dataclass(frozen=True)
class OutputRecord:
    """What the last build wrote into an output folder: what each page read, the
    size and mtime of every file it left there (pages, static files, the marker), and a
    digest of the inputs it was built from, with what it reported then.

    It is only ever a shortcut, never the truth about the folder: a page is skipped only
    if its file is there as recorded, and what a build removes is decided from what the
    folder holds (see write.take_inventory), so a missing page is written again and a
    build with --no-cache, a concurrent one or a hand edit cannot make it lie."""

    graph: dict  # the dependency graph, as plain data (deps.DependencyGraph.to_plain)
    files: Mapping[str, tuple[int, int]]
    inputs: bytes | None
    pages: int
    articles: int
    warnings: tuple[Problem, ...]
    # The span of time over which its schedule holds (model.Schedule; None: unknown), and
    # what it held back, for the summary of a build that finds nothing to do.
    valid: tuple[dt.datetime | None, dt.datetime | None] | None = None
    held_back: int = 0
    next_scheduled: dt.datetime | None = None
    # A digest of what the build's model was made from (engine.SitePages.made_from): while it
    # is the same, and the schedule holds, a new process has the very same model.
    model: bytes = b""


T = TypeVar("T")

# Plain data only: what the standard library's types are made of, never our classes.
_ALLOWED_CLASSES = frozenset(
    {
        ("datetime", "datetime"),
        ("datetime", "date"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("sitegen.cache", "_zone"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
    }
)


def _zone(key: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(key)


def _pickled(value: object) -> Callable[[BinaryIO], None]:
    """What writes `value` pickled into a file, with time zones stored by name (their own
    pickling goes through getattr, which the safe unpickler must not allow). Straight into
    the file, not through bytes in memory: the record of a 10,000-article site's output is
    22 MB, and a copy of it in a buffer (two, with the buffer's growth) would be the build's
    peak of memory."""

    def dump(stream: BinaryIO) -> None:
        pickler = pickle.Pickler(stream, protocol=5)
        pickler.dispatch_table = dict(copyreg.dispatch_table)
        pickler.dispatch_table[zoneinfo.ZoneInfo] = lambda zone: (_zone, (zone.key,))
        pickler.dump(value)

    return dump


class _SafeUnpickler(pickle.Unpickler):
    """Unpickles only the plain data the cache stores, never arbitrary objects."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED_CLASSES:
            raise pickle.UnpicklingError(f"unexpected {module}.{name}")
        return super().find_class(module, name)


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def cache_root() -> Path:
    """The user's sitegen cache folder, which holds one folder per site."""
    return Path(
        os.environ.get("SITEGEN_CACHE_DIR")
        or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "sitegen")
    )


def cache_folder(site_dir: Path) -> Path:
    """The cache folder of the site in `site_dir`: named after it, with a hash of its path."""
    site = site_dir.resolve()
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in site.name)[:40] or "site"
    return cache_root() / f"{name}-{content_hash(os.fsencode(site))[:12]}"


class BuildCache:
    def __init__(self, site_dir: Path, *, enabled: bool = True):
        self.folder = cache_folder(site_dir)
        self.enabled = enabled
        self.warnings: list[Problem] = []
        self._bodies: sqlite3.Connection | None = None
        # What each file of validated article files holds now (read or written by this
        # object), with its settings: a file whose files are the very same is not written again.
        self._shards: dict[str, tuple[str, dict[str, Any]]] = {}

    # Articles --------------------------------------------------------------

    def load_articles(self, settings: str, decode: Callable[[Any], T]) -> dict[str, T]:
        """The validated files of the last build, if it validated with the same `settings`
        (which name the shape of what is kept, too): each kept as plain data, made back
        into a file by `decode`, which raises on anything else.

        They are kept in SHARDS files per content folder (by a hash of each file's path), so
        that an edit rewrites one small file, not the record of every article: a month of a
        large archive holds thousands."""
        files: dict[str, T] = {}
        if not self.enabled or not self.folder.is_dir():
            return files
        for path in sorted(self.folder.glob(f"{_SHARD_PREFIX}*.pickle")):
            data = self._read_pickle(path.name)
            if not data or data.get("settings") != settings:
                continue
            try:
                shard = {label: decode(plain) for label, plain in data["files"].items()}
            except Exception:  # any damage at all: the cache is only ever a shortcut
                self._distrust(path.name, "is corrupt")
                self._shards = {}
                return {}
            files.update(shard)
            self._shards[path.name] = (settings, shard)
        return files

    def save_articles(
        self, settings: str, shards: Mapping[str, Mapping[str, T]], encode: Callable[[T], Any]
    ) -> None:
        """Keep the validated files of the content folders `shards` names (an empty shard:
        the folder has none now), each made plain by `encode`. A file of the cache that
        would hold the very same ones (the same objects) is left as it is."""
        for folder, shard in shards.items():
            parts: list[dict[str, T]] = [{} for _ in range(SHARDS)]
            for label, value in shard.items():
                parts[zlib.crc32(label.encode()) % SHARDS][label] = value
            for number, part in enumerate(parts):
                name = _shard_name(folder, number)
                if self._holds(name, settings, part):
                    continue
                if part:
                    plain = {label: encode(value) for label, value in part.items()}
                    self._write(name, _pickled({"stamp": _STAMP, "settings": settings, "files": plain}))
                elif self.enabled:
                    (self.folder / name).unlink(missing_ok=True)
                self._shards[name] = (settings, part)

    def _holds(self, name: str, settings: str, part: Mapping[str, object]) -> bool:
        """Does the cache's file `name` hold the very objects of `part`, with `settings`?"""
        kept = self._shards.get(name)
        if kept is None or kept[0] != settings or len(kept[1]) != len(part):
            return False
        held = kept[1]
        return all(held.get(label) is value for label, value in part.items())

    # Rendered bodies -------------------------------------------------------

    def bodies(self, keys: list[str]) -> dict[str, str]:
        connection = self._body_db()
        if connection is None or not keys:
            return {}
        found: dict[str, str] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(connection.execute(f"SELECT key, html FROM bodies WHERE key IN ({marks})", chunk))
        return found

    def store_bodies(self, rendered: dict[str, str]) -> None:
        connection = self._body_db()
        if connection is None or not rendered:
            return
        with connection:
            connection.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?)", rendered.items())

    def _body_db(self) -> sqlite3.Connection | None:
        if not self.enabled:
            return None
        if self._bodies is None:
            path = self.folder / f"bodies-v{FORMAT}.sqlite"
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                # Those of other cache formats are never read again (50 MB at 10,000 articles).
                for old in self.folder.glob("bodies-v*.sqlite*"):
                    if not old.name.startswith(path.name):
                        old.unlink(missing_ok=True)
                self._bodies = self._open_bodies(path)
            except sqlite3.DatabaseError as exc:
                self.warnings.append(
                    warning(_label(path), None, f"build cache unreadable ({exc}); starting afresh")
                )
                path.unlink(missing_ok=True)
                self._bodies = self._open_bodies(path)
        return self._bodies

    @staticmethod
    def _open_bodies(path: Path) -> sqlite3.Connection:
        connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        connection.execute("CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, html TEXT NOT NULL)")
        stamp = json.dumps(_STAMP, sort_keys=True)
        row = connection.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
        if row is None or row[0] != stamp:
            with connection:
                connection.execute("DELETE FROM bodies")
                connection.execute("INSERT OR REPLACE INTO meta VALUES ('stamp', ?)", (stamp,))
        connection.isolation_level = "DEFERRED"
        return connection

    # Derived data: related lists, near-duplicates ----------------------------

    def load_derived(self, name: str) -> Any | None:
        """What the site's last build derived under `name` (one of DERIVED), as plain data,
        or None."""
        data = self._read_pickle(_derived_file(name))
        return data.get("plain") if data else None

    def save_derived(self, name: str, plain: Any) -> None:
        self._write(_derived_file(name), _pickled({"stamp": _STAMP, "plain": plain}))

    def distrust_derived(self, name: str, why: str) -> None:
        self._distrust(_derived_file(name), why)

    # Output manifests ------------------------------------------------------

    def load_manifest(self, output_dir: Path) -> OutputRecord | None:
        name = self._manifest_name(output_dir)
        data = self._read_pickle(name)
        if not data or data.get("output") != str(output_dir.resolve()):
            return None
        try:
            fields = data["record"]
            warnings = tuple(Problem.from_plain(p) for p in fields["warnings"])
            return OutputRecord(**{**fields, "warnings": warnings})
        except (KeyError, TypeError, ValueError) as exc:
            self._distrust(name, f"is corrupt ({exc!r})")
            return None

    def save_manifest(self, output_dir: Path, record: OutputRecord) -> None:
        # Plain dicts, tuples and bytes: they unpickle several times faster than objects.
        fields = {
            **record.__dict__,
            "files": {k: v and tuple(v) for k, v in record.files.items()},
            "warnings": tuple(p.to_plain() for p in record.warnings),
        }
        data = {"stamp": _STAMP, "output": str(output_dir.resolve()), "record": fields}
        name = self._manifest_name(output_dir)
        # The folder's name first: a record is never without it (_forget_gone_outputs).
        self._write(_output_file(name), os.fsencode(output_dir.resolve()))
        self._write(name, _pickled(data))
        self._forget_gone_outputs()

    def _forget_gone_outputs(self) -> None:
        """Delete the records of output folders that no longer exist. Each is as large as
        the site's dependency graph (20 MB at 10,000 articles), and a build into a folder
        that goes away (a dry-run deploy's, a script's temporary one) would otherwise leave
        its record in the cache for good; a folder made again is built as if new, which a
        missing page is anyway. Which folder a record is of is in a small file beside it,
        written before the record: a record without one is of a sitegen older than that
        file, which no build reads again, and is deleted too."""
        if not self.enabled:
            return
        sidecars = list(self.folder.glob(f"{_MANIFEST_PREFIX}*{_OUTPUT_SUFFIX}"))
        named = {path.name.removesuffix(_OUTPUT_SUFFIX) for path in sidecars}
        for path in self.folder.glob(f"{_MANIFEST_PREFIX}*.pickle"):
            if path.name.removesuffix(".pickle") not in named:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
        for path in sidecars:
            try:
                output = path.read_bytes()
                if os.path.isdir(output):
                    continue
                (self.folder / (path.name.removesuffix(_OUTPUT_SUFFIX) + ".pickle")).unlink(missing_ok=True)
                path.unlink(missing_ok=True)
            except OSError:  # another build's doing the same, or an unreadable file: left as it is
                continue

    def forget_manifest(self, output_dir: Path) -> None:
        if self.enabled:
            name = self._manifest_name(output_dir)
            (self.folder / name).unlink(missing_ok=True)
            (self.folder / _output_file(name)).unlink(missing_ok=True)

    @staticmethod
    def _manifest_name(output_dir: Path) -> str:
        return f"{_MANIFEST_PREFIX}{content_hash(os.fsencode(output_dir.resolve()))}.pickle"

    # Files -----------------------------------------------------------------

    def close(self) -> None:
        if self._bodies is not None:
            self._bodies.close()
            self._bodies = None

    def _read_pickle(self, name: str) -> dict | None:
        if not self.enabled:
            return None
        path = self.folder / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._distrust(name, f"cannot be read ({exc.strerror})")
            return None
        try:
            record = _SafeUnpickler(io.BytesIO(data)).load()
        except Exception as exc:  # any damage at all: the cache is only ever a shortcut
            self._distrust(name, f"is corrupt ({exc})")
            return None
        if not isinstance(record, dict) or record.get("stamp") != _STAMP:
            self._distrust(name, "was written by another version of sitegen")
            return None
        return record

    def _distrust(self, name: str, why: str) -> None:
        if not self.warnings:  # once: an upgrade makes every cache file foreign at once
            self.warnings.append(
                warning(_label(self.folder / name), None, f"build cache {why}; rebuilding it")
            )

    def _write(self, name: str, data: bytes | Callable[[BinaryIO], None]) -> None:
        """Write the file `name` whole or not at all: `data`, or what `data` writes into it."""
        if not self.enabled:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as stream:
                    if isinstance(data, bytes):
                        stream.write(data)
                    else:
                        data(stream)
                os.replace(temporary, self.folder / name)
            except BaseException:  # a disk full, say: no half-written file left behind
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as exc:  # no cache is slower, never wrong
            self.warnings.append(
                warning(str(self.folder), None, f"cannot write the build cache: {exc.strerror}")
            )
            self.enabled = False


def _output_file(manifest: str) -> str:
    """The file that names the output folder of the record in `manifest`."""
    return manifest.removesuffix(".pickle") + _OUTPUT_SUFFIX


def _shard_name(folder: str, number: int) -> str:
    return f"{_SHARD_PREFIX}{content_hash(folder.encode())}-{number}.pickle"


def _label(path: Path) -> str:
    return str(path)


def _derived_file(name: str) -> str:
    assert name in DERIVED, name
    return f"{name}.pickle"

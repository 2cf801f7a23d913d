"""Stage 5, write: put the rendered site into the output folder, all or nothing.

The new site is staged as a whole folder beside the output, a hidden sibling on the same
filesystem (`.<name>.sitegen-tmp-XXXX`): a file whose bytes did not change is hard-linked
from the current output, so it keeps its inode and mtime (and uploads stay small), and
only changed files are written. When the whole site is staged, the two folders are
exchanged in one atomic step (renameat2 with RENAME_EXCHANGE on Linux; elsewhere two
renames, undone by the next build if one is killed between them), and the old tree is
deleted. A build killed at any moment leaves the old output or the new one, never a mix.

Nothing is followed through a symlink: the current output is read without following
links (lstat), only its regular files are linked, and the old tree is deleted with
`shutil.rmtree`, which removes a link, never what it points to. An output folder that
is a mount point, or whose parent we may not write, cannot be swapped: the new site is
staged inside it and moved in entry by entry (a killed build may then leave a mix,
which the next build corrects).

The preview writes into a folder of its own that nobody else reads from disk while it
is built, and wants a one-page edit written in milliseconds: there `FolderUpdater`
writes just the files that changed, each replaced in one step, and removes those the
site no longer has.
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from .cache import FileStat, cache_root, content_hash
from .errors import Problem, UsageError, warning
from .load import CONTENT_DIR

try:
    import fcntl
except ImportError:  # Windows: no flock; builds into one folder are not serialised there
    fcntl = None  # type: ignore[assignment]

MARKER = ".sitegen-output"  # says that sitegen made this folder and may replace what is in it
KEEP = (".git",)  # carried over from the old output's top level, never removed
MARKER_TEXT = b"This folder is written by sitegen: its contents are replaced on every build.\n"
TMP = ".sitegen-tmp-"  # the name's start of a staging folder inside the output (see start())


def check_output_dir(site_dir: Path, output_dir: Path, *, force: bool) -> None:
    """Refuse an output folder that would put the site's own files at risk. The site's
    folders are resolved first: a content/ that is a symlink is protected where it lives."""
    site = site_dir.resolve()
    output = output_dir.resolve()
    if output == site:
        raise UsageError(f"the output folder {output_dir} is the site folder; choose another with --output")
    if output in site.parents:
        raise UsageError(
            f"the output folder {output_dir} contains the site folder; choose another with --output"
        )
    for own in (CONTENT_DIR, "static", "themes"):
        real = (site / own).resolve()
        if real == output or real in output.parents:
            raise UsageError(f"the output folder {output_dir} is inside the site's {own}/ folder")
        if output in real.parents:
            raise UsageError(f"the output folder {output_dir} contains the site's {own}/ folder ({real})")
    if output.exists() and not output.is_dir():
        raise UsageError(f"the output folder {output_dir} is a file, not a folder")
    if (output / CONTENT_DIR).exists():
        raise UsageError(
            f"the output folder {output_dir} has a content/ folder: it looks like a site, not output"
        )
    marked = os.path.lexists(output / MARKER)
    if output.is_dir() and not marked and any(output.iterdir()) and not force:
        raise UsageError(
            f"the output folder {output_dir} is not empty and was not made by sitegen; "
            "choose an empty or new folder with --output, or pass --force to replace its contents"
        )


class OutputLock:
    """One build at a time writes into an output folder; the next one waits for it.

    The folder itself is swapped by every build, so the lock is a file in the user's cache
    folder named after the output's path (it exists with --no-cache too), or, where that
    cannot be written, the output's parent folder, which builds never replace."""

    def __init__(self, output_dir: Path, on_wait: Callable[[str], None]):
        self._fd = -1
        if fcntl is None:
            return
        output = output_dir.resolve()
        try:
            folder = cache_root() / "locks"
            folder.mkdir(parents=True, exist_ok=True)
            name = f"output-{content_hash(os.fsencode(output))}.lock"
            self._fd = os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            output.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(output.parent, os.O_RDONLY)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait(f"waiting for another build into {output_dir} to finish ...")
            fcntl.flock(self._fd, fcntl.LOCK_EX)

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = -1


@dataclass(frozen=True)
class Inventory:
    """What an output folder holds, read without following a symlink."""

    files: dict[str, FileStat]  # its regular files, by path relative to the folder
    others: int  # anything else: symlinks, special files, empty folders


def take_inventory(output_dir: Path) -> Inventory:
    """The regular files below `output_dir` (without the top level's .git and staging
    folders), each reached through real folders only; symlinks are counted, never followed."""
    files: dict[str, FileStat] = {}
    others = 0

    def walk(folder: str, prefix: str) -> None:
        nonlocal others
        entries = list(os.scandir(folder))
        if prefix and not entries:
            others += 1
        for entry in entries:
            if not prefix and (entry.name in KEEP or entry.name.startswith(TMP)):
                continue
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path, f"{prefix}{entry.name}/")
            elif entry.is_file(follow_symlinks=False):
                found = entry.stat(follow_symlinks=False)
                files[prefix + entry.name] = FileStat(found.st_size, found.st_mtime_ns)
            else:
                others += 1

    if os.path.isdir(output_dir) and not os.path.islink(output_dir):
        walk(str(output_dir), "")
    return Inventory(files, others)


@dataclass(frozen=True)
class StagingArea:
    """Where a build stages the new site; workers stage pages through it."""

    old: str  # the current output folder
    new: str  # the folder the new site is staged in
    old_files: dict[str, FileStat]  # the current output's regular files

    def put(self, relative: str, data: bytes) -> bool:
        """Stage `data` as `relative`: linked from the current output if it holds these
        bytes already (False), else written (True)."""
        if self.holds(relative, data):
            self.link(relative)
            return False
        target = os.path.join(self.new, relative)
        with _naming(target), open(target, "xb") as stream:  # x: never through a link
            stream.write(data)
        return True

    def copy(self, relative: str, source: Path) -> bool:
        """Stage a copy of `source`: linked if the current output holds a copy already
        (same size and mtime, as copies keep the mtime, or same bytes), else copied."""
        if self.holds_copy(relative, source):
            self.link(relative)
            return False
        _copy(str(source), os.path.join(self.new, relative))
        return True

    def holds(self, relative: str, data: bytes) -> bool:
        """Does the current output hold `data` as `relative`?"""
        return self._old_bytes(relative, len(data)) == data

    def holds_copy(self, relative: str, source: Path) -> bool:
        """Does the current output hold a copy of `source` as `relative` (same size and
        mtime, as copies keep the mtime, or same bytes)?"""
        old = self.old_files.get(relative)
        found = os.stat(source)
        return (
            old is not None
            and old.size == found.st_size
            and (
                old.mtime_ns == found.st_mtime_ns
                or self._old_bytes(relative, old.size) == source.read_bytes()
            )
        )

    def link(self, relative: str) -> None:
        """Stage the current output's file as it is (a regular file: see `old_files`)."""
        _link(os.path.join(self.old, relative), os.path.join(self.new, relative))

    def _old_bytes(self, relative: str, size: int) -> bytes | None:
        old = self.old_files.get(relative)
        if old is None or old.size != size:
            return None
        fd = os.open(os.path.join(self.old, relative), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with open(fd, "rb") as stream:
            return stream.read()


@dataclass(frozen=True)
class WriteStats:
    written: int  # new or changed files
    unchanged: int
    removed: int  # files (and links or other entries) of the old output the new one lacks
    files: dict[str, FileStat]  # every file of the new output
    problems: tuple[Problem, ...]


class OutputWriter:
    """Stages the whole new site, then `commit()` puts it in place of the old output.

    Staging waits for a second changed file: until then the writer only notes what it is
    given. A build that changes one file of the old output and removes none (a body edit)
    then replaces that one file in a single rename, which is just as all-or-nothing, instead
    of staging a tree of hard links to every file (at 10,000 articles, linking, swapping and
    deleting the old tree take about a second)."""

    def __init__(self, output_dir: Path, old: Inventory):
        self.output_dir = output_dir.resolve()
        self.old = old
        self.in_place = False  # staged inside the output and moved in entry by entry
        self._current = StagingArea(str(self.output_dir), "", old.files)  # reads the old output
        self._staging: StagingArea | None = None
        self._pages: Collection[str] = ()
        self._folders: Collection[str] = ()
        self._kept: list[str] = []  # old files kept as they are, not staged yet
        self._changed: dict[str, bytes | Path] = {}  # new bytes (or a file to copy), not staged yet
        self._written: set[str] = set()
        self._produced: set[str] = set()

    def start(self, pages: Collection[str], folders: Collection[str]) -> None:
        """`pages`: the output path of every page of the new site; `folders`: those that
        the site's files go into, made when the site is staged."""
        self._pages = pages
        self._folders = folders

    @property
    def area(self) -> StagingArea:
        """The staging folder, made (with what was noted so far) on first use: workers
        stage pages through it."""
        if self._staging is None:
            self._staging = self._make_staging()
            for relative in self._kept:
                self._staging.link(relative)
            for relative, change in self._changed.items():
                if isinstance(change, Path):
                    self._staging.copy(relative, change)
                else:
                    self._staging.put(relative, change)
            self._kept, self._changed = [], {}
        return self._staging

    def put(self, relative: str, data: bytes) -> bool:
        """Stage `data` as `relative`: True if the old output does not hold these bytes."""
        if self._staging is not None:
            return self._staging.put(relative, data)
        if self._current.holds(relative, data):
            self._kept.append(relative)
            return False
        self._change(relative, data)
        return True

    def record(self, relative: str, written: bool) -> None:
        """Count a file staged (perhaps in another process) as part of this build."""
        self._produced.add(relative)
        if written:
            self._written.add(relative)

    def keep_as_left(self, files: Collection[str]) -> None:
        """The files (not pages) that are still right as the last build left them."""
        self._keep(files)
        self._produced.update(files)

    def keep_rest(self, rendered: Collection[str]) -> None:
        """The pages but those `rendered` are still right as the last build left them."""
        rest = [relative for relative in self._pages if relative not in rendered]
        self._keep(rest)
        self._produced.update(rest)

    def copy(self, relative: str, source: Path) -> None:
        if self._staging is not None:
            self.record(relative, self._staging.copy(relative, source))
        elif self._current.holds_copy(relative, source):
            self._kept.append(relative)
            self.record(relative, False)
        else:
            self._change(relative, source)
            self.record(relative, True)

    def add(self, relative: str, data: bytes) -> None:
        """Stage a file made from the staged site (the search index), in folders that
        start() did not know of."""
        os.makedirs(os.path.join(self.area.new, relative.rpartition("/")[0]), exist_ok=True)
        self.record(relative, self.area.put(relative, data))

    def commit(self) -> WriteStats:
        """Put the new site in place of the old output (which is then deleted), or, when
        it differs from the old output in one file only, put that file in place of its old
        self."""
        self.record(MARKER, self.put(MARKER, MARKER_TEXT))
        removed = len(self.old.files.keys() - self._produced) + self.old.others
        problems: list[Problem] = []
        if self._staging is None and not removed and set(self._changed) <= self.old.files.keys():
            for relative, change in self._changed.items():  # one file at the most
                self._replace_one(relative, change)
            files = self._files(str(self.output_dir))
        else:
            staging = self.area.new
            files = self._files(staging)
            if self._written or removed:
                if self.in_place:
                    _sync(staging, str(self.output_dir))
                else:
                    for name in KEEP:
                        if os.path.lexists(self.output_dir / name):
                            _link_tree(str(self.output_dir / name), os.path.join(staging, name))
                    staging = _replace_folder(staging, str(self.output_dir))
            problems = _delete(staging)
        return WriteStats(
            len(self._written), len(self._produced - self._written), removed, files, tuple(problems)
        )

    def abort(self) -> None:
        if self._staging is not None:
            _delete(self._staging.new)

    def public_path(self, path: str) -> str:
        """`path`, with the staging folder shown as the output folder it stands for."""
        if self._staging is not None and path.startswith(self._staging.new):
            return str(self.output_dir) + path[len(self._staging.new) :]
        return path

    def _files(self, folder: str) -> dict[str, FileStat]:
        """Every file of the new site, as it is in `folder`."""
        return {
            relative: self.old.files[relative] if relative not in self._written else _lstat(folder, relative)
            for relative in self._produced
        }

    def _keep(self, files: Collection[str]) -> None:
        if self._staging is not None:
            for relative in files:
                self._staging.link(relative)
        else:
            self._kept.extend(files)

    def _change(self, relative: str, change: bytes | Path) -> None:
        self._changed[relative] = change
        if len(self._changed) > 1:
            self.area  # noqa: B018  (a second changed file: the site is staged whole)

    def _replace_one(self, relative: str, change: bytes | Path) -> None:
        """Put the new version of one file of the output in place of the old, in one rename
        from a scratch file where a staging folder would be (recover() deletes it if the
        build is killed before the rename)."""
        try:
            self._write_scratch(relative, change)
        except PermissionError:
            if self.in_place:
                raise
            self.in_place = True  # the output's parent folder may not be written
            self._write_scratch(relative, change)

    def _write_scratch(self, relative: str, change: bytes | Path) -> None:
        folder, prefix = self._scratch_place()
        staged = os.path.join(folder, prefix + secrets.token_hex(4))
        try:
            if isinstance(change, Path):
                _copy(str(change), staged)
            else:
                _write_new(staged, change)
            os.replace(staged, os.path.join(self.output_dir, relative))
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(staged)
            raise

    def _make_staging(self) -> StagingArea:
        """Make the staging folder, with the folders the site's files go into."""
        self.output_dir.parent.mkdir(parents=True, exist_ok=True)
        folder, prefix = self._scratch_place()
        if not self.in_place:
            try:
                staging = _new_folder(Path(folder), prefix)
            except PermissionError:
                self.in_place = True
        if self.in_place:
            self.output_dir.mkdir(exist_ok=True)
            folder, prefix = self._scratch_place()
            staging = _new_folder(Path(folder), prefix)
        elif self.output_dir.is_dir():  # the new output keeps the old one's permissions
            os.chmod(staging, stat.S_IMODE(os.stat(self.output_dir).st_mode))
        for folder in sorted(self._folders):  # a folder sorts after the folders it is in
            os.mkdir(os.path.join(staging, folder))
        return StagingArea(str(self.output_dir), staging, self.old.files)

    def _scratch_place(self) -> tuple[str, str]:
        """Where new files are made before they go into the output: the folder, and the
        start of their names. A hidden sibling of the output, on its file system; inside
        the output where the output cannot be swapped (a mount point) or its parent folder
        may not be written (/var/www/site, say: in_place, once that is found)."""
        self.in_place = self.in_place or os.path.ismount(self.output_dir)
        if self.in_place:
            return str(self.output_dir), TMP
        return str(self.output_dir.parent), _hidden_prefix(self.output_dir) + "tmp-"


class FolderUpdater:
    """Brings an output folder up to date in place: the files that changed are staged
    beside their old selves and renamed over them when the whole site has rendered (so a
    failed build changes nothing), unchanged files are left alone, and those the site no
    longer has are removed (with folders left empty). Same interface as OutputWriter;
    `put` may be called from worker processes."""

    def __init__(self, output_dir: Path, old: Inventory, same_paths: bool = False):
        """`same_paths`: the new site has exactly the files `old` lists (its caller knows: the
        same pages, static files and images as the build that left them), so none is gone:
        at 100,000 articles, finding which are costs a tenth of a second."""
        self.output_dir = output_dir.resolve()
        self.root = str(self.output_dir)
        self.old_files = old.files
        self.others = old.others
        self.same_paths = same_paths
        self._pages: Collection[str] = ()
        self._written: set[str] = set()
        self._recorded: set[str] = set()  # the files counted by record(): static files, rendered pages

    @property
    def area(self) -> FolderUpdater:
        return self

    def start(self, pages: Collection[str], folders: Collection[str]) -> None:
        """`pages`: the output path of every page of the new site; folders are made as
        files need them."""
        self._pages = pages
        self.output_dir.mkdir(parents=True, exist_ok=True)

    def keep_rest(self, rendered: Collection[str]) -> None:
        """Nothing to do: a file not staged stays as it is."""

    def keep_as_left(self, files: Collection[str]) -> None:
        """Count the files as part of the new site, as they are (in one step: a site may have
        a hundred thousand images; in none with `same_paths`, where nothing is gone)."""
        if not self.same_paths:
            self._recorded.update(files)

    def put(self, relative: str, data: bytes) -> bool:
        """Stage `data` as `relative` unless the file holds these bytes already (False)."""
        old = self.old_files.get(relative)
        if old is not None and old.size == len(data):
            with suppress(OSError), open(os.path.join(self.root, relative), "rb") as stream:
                if stream.read() == data:
                    return False
        self._stage(relative, lambda staged: _write_new(staged, data))
        return True

    def copy(self, relative: str, source: Path) -> None:
        old = self.old_files.get(relative)
        found = os.stat(source)
        unchanged = old is not None and (old.size, old.mtime_ns) == (found.st_size, found.st_mtime_ns)
        if not unchanged:
            self._stage(relative, lambda staged: _copy(str(source), staged))
        self.record(relative, written=not unchanged)

    def record(self, relative: str, written: bool) -> None:
        """Count a file (perhaps staged in another process) as part of the new site."""
        self._recorded.add(relative)
        if written:
            self._written.add(relative)

    def commit(self) -> WriteStats:
        self.record(MARKER, self.put(MARKER, MARKER_TEXT))
        for relative in self._written:
            target = os.path.join(self.root, relative)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)  # a folder where the site now has a file
            os.replace(_staged(self.root, relative), target)
        gone = [] if self.same_paths else sorted(self.old_files.keys() - self._pages - self._recorded)
        for relative in gone:
            with suppress(FileNotFoundError):
                os.unlink(os.path.join(self.root, relative))
        for folder in sorted(folders_of(gone), key=len, reverse=True):  # the deepest first
            with suppress(OSError):  # not empty: it holds what the site still has
                os.rmdir(os.path.join(self.root, folder))
        files = dict(self.old_files)
        for relative in gone:
            del files[relative]
        files.update((relative, _lstat(self.root, relative)) for relative in self._written)
        unchanged = len(files) - len(self._written)
        return WriteStats(len(self._written), unchanged, len(gone) + self.others, files, ())

    def abort(self) -> None:
        """Remove what was staged: the folder stays as the last build left it."""
        for relative in self._written:
            with suppress(FileNotFoundError):
                os.unlink(_staged(self.root, relative))

    def public_path(self, path: str) -> str:
        return path

    def _stage(self, relative: str, make: Callable[[str], None]) -> None:
        staged = _staged(self.root, relative)
        with suppress(FileNotFoundError):
            os.unlink(staged)  # left by a build that was killed
        try:
            make(staged)
        except FileNotFoundError:  # a folder the site did not have before
            _make_folders(self.root, relative.rpartition("/")[0])
            make(staged)


def _staged(root: str, relative: str) -> str:
    """Where FolderUpdater stages a new version of `relative`: beside it, hidden."""
    folder, _, name = relative.rpartition("/")
    return os.path.join(root, folder, TMP + name)


def _write_new(path: str, data: bytes) -> None:
    with _naming(path), open(path, "xb") as stream:  # x: never through a link
        stream.write(data)


def _make_folders(root: str, relative: str) -> None:
    """Make the folders of `relative` below `root`, replacing a file or link that is
    where a folder must be."""
    current = root
    for part in relative.split("/") if relative else ():
        current = os.path.join(current, part)
        if os.path.lexists(current) and not (os.path.isdir(current) and not os.path.islink(current)):
            os.unlink(current)
        with suppress(FileExistsError):  # made meanwhile by another worker
            os.mkdir(current)


def folders_of(paths: Iterable[str]) -> set[str]:
    """Every folder that the relative paths `paths` (a/b/c.html) are in: a, a/b."""
    folders: set[str] = set()
    for path in paths:
        folder = path.rpartition("/")[0]
        while folder and folder not in folders:  # string work: PurePosixPath is 20x slower
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    return folders


def recover(output_dir: Path) -> list[Problem]:
    """Undo what a killed build left: restore an old output parked by a half-done swap,
    and delete staging folders. Call with the output's lock held."""
    output = output_dir.resolve()
    parked = str(output.parent / (_hidden_prefix(output) + "old"))
    if not os.path.lexists(output) and os.path.isdir(parked) and not os.path.islink(parked):
        os.rename(parked, output)
    leftovers: list[str] = []
    for folder, prefix in ((output.parent, _hidden_prefix(output)), (output, TMP)):
        with suppress(OSError):  # a folder we may not list holds nothing we made
            leftovers += [entry.path for entry in os.scandir(folder) if entry.name.startswith(prefix)]
    return [problem for path in leftovers for problem in _delete(path)]


def _new_folder(parent: Path, prefix: str) -> str:
    """A new folder named `prefix` and a random tail, with the usual permissions (those of
    os.mkdir under the umask: tempfile.mkdtemp's would hide the site from a web server)."""
    while True:
        path = os.path.join(parent, prefix + secrets.token_hex(4))
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            continue


def _hidden_prefix(output: Path) -> str:
    """The start of the name of the output's staging siblings: `.<name>.sitegen-`, with a
    digest for a name so long that the sibling's name would not fit in 255 bytes."""
    name = (
        output.name
        if len(output.name.encode("utf-8", "surrogateescape")) <= 200
        else content_hash(os.fsencode(output.name))
    )
    return f".{name}.sitegen-"


def _replace_folder(new: str, current: str) -> str:
    """Put folder `new` in place of folder `current`; returns where the old tree now is."""
    if not os.path.lexists(current):
        os.rename(new, current)
        return new  # nothing there now
    try:
        try:
            _exchange(new, current)
            return new
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
        # No atomic exchange here: two renames; a build killed between them leaves the old
        # output parked, and `recover` puts it back.
        parked = os.path.join(os.path.dirname(current), _hidden_prefix(Path(current)) + "old")
        os.rename(current, parked)
        try:
            os.rename(new, current)
        except OSError:
            os.rename(parked, current)
            raise
        return parked
    except OSError as exc:
        if exc.errno not in (errno.EBUSY, errno.EXDEV):  # a mount point (a bind mount, say)
            raise
        _sync(new, current)
        return new


def _exchange(first: str, second: str) -> None:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE)."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), second)


def _sync(source: str, target: str, top: bool = True) -> None:
    """Make folder `target` hold what folder `source` holds, moving entries one by one
    (the top level's .git and staging folders stay)."""
    names = set(os.listdir(source))
    for entry in os.scandir(target):
        if entry.name not in names and not (top and (entry.name in KEEP or entry.name.startswith(TMP))):
            _remove(entry.path)
    for entry in os.scandir(source):
        destination = os.path.join(target, entry.name)
        is_folder = os.path.isdir(destination) and not os.path.islink(destination)
        if entry.is_dir(follow_symlinks=False) and is_folder:
            _sync(entry.path, destination, top=False)
            continue
        if is_folder or (entry.is_dir(follow_symlinks=False) and os.path.lexists(destination)):
            _remove(destination)
        try:
            os.replace(entry.path, destination)  # a hard link onto its own inode: nothing happens
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            if entry.is_dir(follow_symlinks=False):
                os.mkdir(destination)
                _sync(entry.path, destination, top=False)
            else:
                temporary = os.path.join(target, TMP + entry.name)
                _copy(entry.path, temporary)
                os.replace(temporary, destination)


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)  # removes links inside, never what they point to
    else:
        os.unlink(path)


def _delete(path: str) -> list[Problem]:
    """Delete a staging folder or an old output tree; a failure is a warning (the next build
    tries again), not an error: the new output is in place."""
    if not os.path.lexists(path):
        return []
    try:
        _remove(path)
    except OSError as exc:
        return [warning(path, None, f"could not delete this leftover of a build: {exc.strerror}")]
    return []


def _link(source: str, target: str) -> None:
    """Hard-link `source` (never through a symlink) to `target`, or copy it where links are refused."""
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EMLINK, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        _copy(source, target)


def _copy(source: str, target: str) -> None:
    """Copy a file with its mtime into a new file (never into an existing one, which may be a
    hard link to a file of the old output)."""
    with _naming(target), open(source, "rb") as reader, open(target, "xb") as writer:
        shutil.copyfileobj(reader, writer)
    shutil.copystat(source, target)


@contextmanager
def _naming(path: str) -> Iterator[None]:
    """Name `path` in an OSError that does not say which file it concerns (a failed write)."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            exc.filename = path
        raise


def _link_tree(source: str, target: str) -> None:
    """Recreate `source` at `target`: folders made, regular files hard-linked, symlinks
    recreated as links (never followed), special files left out."""
    mode = os.lstat(source).st_mode
    if stat.S_ISDIR(mode):
        os.mkdir(target)
        for entry in os.scandir(source):
            _link_tree(entry.path, os.path.join(target, entry.name))
    elif stat.S_ISLNK(mode):
        os.symlink(os.readlink(source), target)
    elif stat.S_ISREG(mode):
        _link(source, target)


def _lstat(folder: str, relative: str) -> FileStat:
    found = os.lstat(os.path.join(folder, relative))
    return FileStat(found.st_size, found.st_mtime_ns)

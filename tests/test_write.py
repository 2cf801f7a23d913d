"""Output safety: nothing written, deleted or followed outside the output folder, a clean
build's output after whatever the folder went through, clear errors for clashes and disks."""

from __future__ import annotations

import contextlib
import errno
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from siteutil import REPO, article, run_subprocess, snapshot, write_site

from sitegen import SiteError, UsageError, build, write
from sitegen.cache import cache_folder

SITE = {
    "content/2024/10/port-strike-ends.md": article(tags="[shipping]", region="Europe"),
    "content/2024/11/budget-vote.md": article(title="Budget vote", date="2024-11-02", tags="[politics]"),
    "static/images/map.svg": "<svg/>",
    "static/images/old.svg": "<svg>old</svg>",
}


def tree(folder: Path) -> dict[str, object]:
    """Every entry below `folder`: a file's bytes, a link's target, None for a folder."""
    found: dict[str, object] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root, name)
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[relative] = ("link", os.readlink(path))
            elif path.is_dir():
                found[relative] = None
            else:
                found[relative] = path.read_bytes()
    return found


def clean(site: Path, tmp_path: Path, name: str = "clean") -> dict[str, object]:
    out = tmp_path / name
    shutil.rmtree(out, ignore_errors=True)
    build(site, out, use_cache=False, jobs=1)
    return tree(out)


def leftovers(out: Path) -> list[str]:
    """Staging folders or a parked old output left beside or inside the output folder."""
    beside = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.sitegen-")]
    inside = [p.name for p in out.iterdir() if p.name.startswith(".sitegen-tmp-")] if out.is_dir() else []
    return beside + inside


# --- symlinks in the output -------------------------------------------------------------------


def test_a_symlinked_folder_in_the_output_is_replaced_not_followed(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    outside = tmp_path / "outside"
    shutil.copytree(out / "images", outside)
    (outside / "mine.txt").write_text("the user's own file")
    shutil.rmtree(out / "images")
    (out / "images").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    (site / "static" / "images" / "old.svg").unlink()  # the rebuild removes its copy
    build(site, out)
    assert snapshot(outside) == before
    assert not (out / "images").is_symlink() and (out / "images" / "map.svg").read_text() == "<svg/>"
    assert tree(out) == clean(site, tmp_path)
    # the same without the cache
    shutil.rmtree(out / "images")
    (out / "images").symlink_to(outside, target_is_directory=True)
    build(site, out, use_cache=False)
    assert snapshot(outside) == before
    assert tree(out) == clean(site, tmp_path)


@pytest.mark.parametrize("use_cache", [True, False])
def test_a_symlinked_file_in_the_output_is_replaced_not_written_through(tmp_path: Path, use_cache: bool):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    for relative in ("index.html", "images/map.svg", "robots.txt", "gone.html"):
        (out / relative).unlink(missing_ok=True)
        (out / relative).symlink_to(victim)
    (site / "content" / "2024" / "10" / "port-strike-ends.md").write_text(article(title="Changed"))
    build(site, out, use_cache=use_cache)
    assert victim.read_text() == "keep me"
    assert tree(out) == clean(site, tmp_path)


def test_a_symlink_planted_at_the_marker_is_never_written_through(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (out / write.MARKER).unlink()
    (out / write.MARKER).symlink_to(victim)
    (site / "content" / "2024" / "10" / "port-strike-ends.md").write_text(article(title="Changed"))
    build(site, out)
    build(site, out, use_cache=False)
    assert victim.read_text() == "keep me"
    assert not (out / write.MARKER).is_symlink() and (out / write.MARKER).read_bytes() == write.MARKER_TEXT


def test_the_output_folder_given_as_a_symlink_is_built_where_it_points(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    real = tmp_path / "real-out"
    real.mkdir()
    link = tmp_path / "out"
    link.symlink_to(real, target_is_directory=True)
    build(site, link)
    (site / "content" / "2024" / "10" / "port-strike-ends.md").write_text(article(title="Changed"))
    build(site, link)
    assert link.is_symlink() and tree(real) == clean(site, tmp_path)


# --- symlinked site folders ---------------------------------------------------------------------


@pytest.mark.parametrize("own", ["content", "static", "themes"])
def test_a_symlinked_site_folder_is_protected_where_it_lives(tmp_path: Path, own: str):
    site = write_site(tmp_path / "site", {**SITE, "themes/mine/static/x.css": "x"})
    real = tmp_path / "elsewhere" / own
    real.parent.mkdir()
    (site / own).rename(real)
    (site / own).symlink_to(real, target_is_directory=True)
    before = snapshot(real)
    for output in (real, real / "sub"):
        with pytest.raises(UsageError, match=f"inside the site's {own}/"):
            build(site, output, force=True)
    with pytest.raises(UsageError, match=f"contains the site's {own}/"):
        build(site, real.parent, force=True)
    assert snapshot(real) == before
    result = run_subprocess("build", "--site", site, "--output", real, "--force")
    assert result.code == 2 and "Traceback" not in result.err
    assert snapshot(real) == before


# --- what a build removes is decided from the folder --------------------------------------------


@pytest.mark.parametrize("use_cache", [True, False])
def test_stray_files_are_removed_with_and_without_the_cache(tmp_path: Path, use_cache: bool):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    (out / "stray.txt").write_text("not part of the site")
    (out / "articles" / "stray").mkdir()
    (out / "empty").mkdir()
    result = build(site, out, use_cache=use_cache)
    assert result.removed == 3
    assert tree(out) == clean(site, tmp_path)


def test_a_stray_file_is_noticed_when_nothing_else_changed(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    for path in site.rglob("*"):  # old enough for the no-change check to trust mtimes
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - 3600 * 10**9))
    out = tmp_path / "out"
    build(site, out)
    (out / "stray.txt").write_text("not part of the site")
    build(site, out)
    assert tree(out) == clean(site, tmp_path)


def test_a_deleted_article_does_not_stay_published_after_a_no_cache_build(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    added = site / "content" / "2024" / "12" / "late.md"
    added.parent.mkdir()
    added.write_text(article(title="Late news", date="2024-12-01"))
    build(site, out, use_cache=False)
    assert (out / "articles" / "late" / "index.html").is_file()
    added.unlink()
    build(site, out)
    assert not (out / "articles" / "late").exists()
    assert tree(out) == clean(site, tmp_path)


def test_a_page_deleted_by_hand_is_written_again(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    (out / "index.html").unlink()
    shutil.rmtree(out / "articles")
    build(site, out)
    assert tree(out) == clean(site, tmp_path)


def test_the_record_holds_only_files_that_are_there(tmp_path: Path):
    from sitegen.cache import BuildCache

    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    record = BuildCache(site).load_manifest(out)
    assert record is not None
    assert record.files == write.take_inventory(out).files


# --- no change, no swap; unchanged files keep their inode --------------------------------------


def test_a_build_that_changes_nothing_swaps_nothing(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    folder = out.stat().st_ino
    inodes = {p: p.stat().st_ino for p in out.rglob("*")}
    for use_cache in (True, False):
        result = build(site, out, use_cache=use_cache)
        assert (result.written, result.removed) == (0, 0)
        assert out.stat().st_ino == folder
        assert {p: p.stat().st_ino for p in out.rglob("*")} == inodes
    assert leftovers(out) == []


def test_an_edit_keeps_the_inode_and_mtime_of_unchanged_files(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    before = {p.relative_to(out): (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*.*")}
    path = site / "content" / "2024" / "11" / "budget-vote.md"
    path.write_text(path.read_text() + "\nA closing sentence.\n")
    result = build(site, out)
    after = {p.relative_to(out): (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*.*")}
    changed = {str(p) for p in after if after[p] != before.get(p)}
    assert changed == {"articles/budget-vote/index.html", "feed.xml"}, changed
    assert result.written == 2
    assert leftovers(out) == []


def test_the_output_folder_has_the_usual_permissions_and_keeps_those_given(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    (tmp_path / "plain").mkdir()
    assert out.stat().st_mode == (tmp_path / "plain").stat().st_mode  # not mkdtemp's 0700
    out.chmod(0o750)
    (site / "static" / "images" / "old.svg").unlink()
    build(site, out)
    assert out.stat().st_mode & 0o777 == 0o750


def test_hard_links_refused_fall_back_to_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    mtimes = {p.relative_to(out): p.stat().st_mtime_ns for p in out.rglob("*.*")}

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", refuse)
    (site / "content" / "2024" / "10" / "port-strike-ends.md").write_text(article(title="Changed"))
    build(site, out)
    assert tree(out) == clean(site, tmp_path)
    kept = {p.relative_to(out): p.stat().st_mtime_ns for p in out.rglob("*.*")}
    assert kept[Path("images/map.svg")] == mtimes[Path("images/map.svg")]


def test_without_an_atomic_exchange_two_renames_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def unsupported(first: str, second: str) -> None:
        raise OSError(errno.ENOSYS, "no renameat2")

    monkeypatch.setattr(write, "_exchange", unsupported)
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    (site / "static" / "images" / "old.svg").unlink()
    build(site, out)
    assert tree(out) == clean(site, tmp_path)
    assert leftovers(out) == []


def test_a_build_killed_between_two_renames_is_undone_by_the_next(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    old = tree(out)
    # What a build killed between its two renames leaves: the old output parked, the new staged.
    staged = tmp_path / ".out.sitegen-tmp-x1y2"
    shutil.copytree(out, staged)
    (staged / "index.html").write_text("half a new site")
    out.rename(tmp_path / ".out.sitegen-old")
    write.recover(out)
    assert tree(out) == old and leftovers(out) == []
    (site / "static" / "images" / "old.svg").unlink()
    build(site, out)
    assert tree(out) == clean(site, tmp_path)


def test_a_parent_folder_that_may_not_be_written_stages_inside_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    make_folder = write._new_folder

    def refuse_beside(parent: Path, prefix: str) -> str:  # as in /var/www owned by root
        if Path(parent) == tmp_path:
            raise PermissionError(errno.EACCES, "Permission denied", str(parent))
        return make_folder(parent, prefix)

    monkeypatch.setattr(write, "_new_folder", refuse_beside)
    (site / "static" / "images" / "old.svg").unlink()
    (site / "content" / "2024" / "10" / "port-strike-ends.md").write_text(article(title="Changed"))
    build(site, out)
    assert tree(out) == clean(site, tmp_path)
    assert leftovers(out) == []


def test_the_output_keeps_its_git_folder_with_links_inside(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    git = out / ".git"
    (git / "refs").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "hooks").symlink_to(tmp_path / "hooks-elsewhere")
    (site / "static" / "images" / "old.svg").unlink()
    build(site, out)
    assert (git / "HEAD").read_text() == "ref: refs/heads/main\n" and (git / "refs").is_dir()
    assert os.readlink(git / "hooks") == str(tmp_path / "hooks-elsewhere")
    assert not (out / "images" / "old.svg").exists()


# --- static files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "static, words",
    [
        ("static/tags", "clashes with the folder /tags/ (sitegen generates /tags/index.html in it)"),
        ("static/robots.txt", "clashes with /robots.txt, which sitegen generates"),
        ("static/feed.xml/x.txt", "is in a folder named like /feed.xml, which sitegen generates"),
        ("static/articles/budget-vote/index.html/x", "named like /articles/budget-vote/index.html"),
        ("static/articles", "clashes with the folder /articles/"),
    ],
)
def test_a_static_file_that_clashes_with_a_generated_path_is_an_error_naming_both(
    tmp_path: Path, static: str, words: str
):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    before = snapshot(out)
    write_site(site, {static: "mine"})
    for use_cache in (True, False):
        with pytest.raises(SiteError) as caught:
            build(site, out, use_cache=use_cache)
        messages = [str(p) for p in caught.value.problems if p.is_error]
        assert len(messages) == 1 and messages[0].startswith(f"{static}: ") and words in messages[0], messages
        assert snapshot(out) == before
    with pytest.raises(SiteError):
        build(site, tmp_path / "fresh")  # a clean build says so too
    result = run_subprocess("build", "--site", site, "--output", tmp_path / "fresh")
    assert result.code == 1 and words in result.err and "Traceback" not in result.err


def test_a_static_file_named_like_a_static_folder_is_an_error(tmp_path: Path):
    site = write_site(tmp_path / "site", {**SITE, "themes/default/static/images": "a file"})
    with pytest.raises(SiteError) as caught:
        build(site, tmp_path / "out")
    messages = [str(p) for p in caught.value.problems]
    assert any("is in a folder named like the static file /images" in m for m in messages), messages


def test_special_files_in_static_are_skipped_with_a_warning(tmp_path: Path):
    site = write_site(tmp_path / "site", {**SITE, "themes/default/static/css/extra.css": "x"})
    os.mkfifo(site / "static" / "pipe.txt")
    os.mkfifo(site / "themes" / "default" / "static" / "css" / "pipe.css")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(site / "static" / "images" / "s.sock"))
    try:
        result = run_subprocess("build", "--site", site)  # opening a FIFO would hang: a subprocess
    finally:
        server.close()
    assert result.code == 0, result.err
    for name in ("static/pipe.txt", "static/images/s.sock", "themes/default/static/css/pipe.css"):
        assert f"{name}: warning: not copied: not a regular file" in result.err
    out = site / "output"
    assert (out / "images" / "map.svg").is_file()
    assert not (out / "pipe.txt").exists() and not (out / "images" / "s.sock").exists()


# --- locks --------------------------------------------------------------------------------------


def test_a_second_build_waits_for_the_first(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    messages: list[str] = []
    lock = write.OutputLock(out, messages.append)  # a build in progress
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "build", "--site", str(site), "--output", str(out)],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()  # blocks until the build says it waits
        assert f"waiting for another build into {out}" in line
        assert not out.exists()
    finally:
        lock.release()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert tree(out) == clean(site, tmp_path)
    assert messages == []


# --- disks --------------------------------------------------------------------------------------


def _limit_file_size() -> None:
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))


def test_a_disk_that_takes_no_more_is_a_clear_error_and_the_output_stays(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out)
    before = snapshot(out)
    path = site / "content" / "2024" / "10" / "port-strike-ends.md"
    path.write_text(article(title="Changed", body="A longer body. " * 200))
    done = subprocess.run(
        [sys.executable, "-m", "sitegen", "build", "--site", str(site), "--output", str(out)],
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"{out}/" in done.stderr and "cannot write the output: File too large" in done.stderr
    assert snapshot(out) == before
    assert leftovers(out) == []


def _mount_tmpfs(folder: Path, options: str = "size=16m") -> None:
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0, reason="needs root to mount")
def test_a_read_only_disk_is_a_clear_error_and_the_output_stays(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    disk = tmp_path / "disk"
    _mount_tmpfs(disk)
    try:
        out = disk / "out"
        build(site, out)
        before = snapshot(out)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        (site / "content" / "2024" / "10" / "port-strike-ends.md").write_text(article(title="Changed"))
        result = run_subprocess("build", "--site", site, "--output", out)
        assert result.code == 1 and "Traceback" not in result.err
        assert f"{disk}" in result.err and "cannot write the output: Read-only file system" in result.err
        assert snapshot(out) == before
    finally:
        subprocess.run(["umount", str(disk)], check=True)


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0, reason="needs root to mount")
def test_a_full_disk_is_a_clear_error_and_the_output_stays(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "size=400k")
    try:
        out = disk / "out"
        build(site, out)
        before = snapshot(out)
        filler = disk / "filler"
        with contextlib.suppress(OSError), open(filler, "wb", buffering=0) as stream:
            while True:  # fill the disk up
                stream.write(b"x" * 4096)
        (site / "content" / "2024" / "10" / "port-strike-ends.md").write_text(article(body="New. " * 2000))
        result = run_subprocess("build", "--site", site, "--output", out)
        assert result.code == 1 and "Traceback" not in result.err
        assert f"{out}/" in result.err and "cannot write the output: No space left on device" in result.err
        assert snapshot(out) == before
        assert leftovers(out) == []
    finally:
        subprocess.run(["umount", str(disk)], check=True)


@pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0, reason="needs root to mount")
@pytest.mark.parametrize("mount", ["tmpfs", "bind"])  # a bind mount of the same disk: found by the swap
def test_an_output_folder_that_is_a_mount_point_is_updated_in_place(tmp_path: Path, mount: str):
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    if mount == "tmpfs":
        _mount_tmpfs(out)
    else:
        (tmp_path / "bound").mkdir()
        out.mkdir()
        if subprocess.run(["mount", "--bind", str(tmp_path / "bound"), str(out)]).returncode != 0:
            pytest.skip("cannot bind-mount here")
    try:
        build(site, out)
        (out / ".git").mkdir()
        (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
        (out / "stray.txt").write_text("x")
        kept = (out / "images" / "map.svg").stat()
        (site / "static" / "images" / "old.svg").unlink()
        (site / "content" / "2024" / "10" / "port-strike-ends.md").write_text(article(title="Changed"))
        build(site, out)
        assert (out / ".git" / "HEAD").is_file()
        shutil.rmtree(out / ".git")
        assert tree(out) == clean(site, tmp_path)
        now = (out / "images" / "map.svg").stat()
        assert now.st_mtime_ns == kept.st_mtime_ns  # unchanged, and the same file where links work
        assert mount == "bind" or now.st_ino == kept.st_ino
        assert leftovers(out) == []
    finally:
        subprocess.run(["umount", str(out)], check=True)


def test_the_build_cache_folder_holds_the_lock_even_without_the_cache(tmp_path: Path):
    site = write_site(tmp_path / "site", SITE)
    build(site, tmp_path / "out", use_cache=False)
    assert not cache_folder(site).exists()  # --no-cache writes no cache, only the lock file
    assert list((cache_folder(site).parent / "locks").glob("output-*.lock"))


# --- builds killed, builds at once ---------------------------------------------------------------

TAGS = ["energy", "trade", "shipping", "climate", "elections", "health", "courts"]


def story(rng: random.Random, number: int, extra: str = "") -> str:
    return article(
        title=f"Story {number} {rng.choice(['rises', 'falls', 'holds'])}",
        date=f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:30:00+01:00",
        source=rng.choice(["Meridian Wire", "The Northern Ledger", "Harbour Broadcasting"]),
        body=f"Lead paragraph of story {number}.\n\nSecond paragraph {rng.random()}.{extra}",
        region=rng.choice(["Europe", "Asia", "Africa"]),
        tags="[" + ", ".join(rng.sample(TAGS, rng.randint(1, 3))) + "]",
    )


def story_site(root: Path, rng: random.Random, count: int) -> Path:
    files = {f"content/2024/story-{i}.md": story(rng, i) for i in range(count)}
    files["static/images/map.svg"] = "<svg/>"
    files["site.yaml"] = 'title: "Brief"\nbase_url: "https://example.org/"\nsearch: false\nper_page: 5\n'
    return write_site(root, files)


def build_process(site: Path, out: Path, *options: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "sitegen", "build", "--site", str(site), "--output", str(out)]
    return subprocess.Popen(
        [*command, "--jobs", "2", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@pytest.mark.slow
def test_a_build_killed_at_any_moment_leaves_the_old_site_or_the_new_one(tmp_path: Path):
    rng = random.Random(8)
    site = story_site(tmp_path / "site", rng, 140)
    out = tmp_path / "out"
    assert build(site, out).pages >= 300
    current: dict[str, object] | None = tree(out)
    seconds: dict[str, float] = {}  # how long the last whole build of each kind took
    kills = trials = 0
    while kills < 32:
        trials += 1
        assert trials < 80, f"only {kills} of {trials} builds were killed before they ended"
        kind = "cold" if trials % 3 == 0 else "edit"
        path = site / "content" / "2024" / f"story-{rng.randrange(140)}.md"
        path.write_text(story(rng, trials, extra=f"\n\nEdit {trials}."))
        if kind == "cold":
            shutil.rmtree(cache_folder(site), ignore_errors=True)
            if trials % 2:
                shutil.rmtree(out)
                current = None
        expected = clean(site, tmp_path)
        started = time.monotonic()
        process = build_process(site, out)
        try:  # at a random moment of a build like the last one, late moments more often
            process.wait(timeout=seconds[kind] * rng.random() ** 0.5 if kind in seconds else None)
        except subprocess.TimeoutExpired:
            process.kill()
        process.communicate()
        if process.returncode == -signal.SIGKILL:
            kills += 1
        else:
            assert process.returncode == 0
            seconds[kind] = time.monotonic() - started
        found = tree(out) if out.exists() else None
        assert found in (current, expected), f"a mix after {trials} builds"
        build(site, out)  # waits for workers of a killed build, which hold its lock
        assert tree(out) == expected, f"the build after build {trials} is not a clean build's"
        assert leftovers(out) == []
        current = expected


@pytest.mark.slow
def test_builds_started_together_give_a_clean_build(tmp_path: Path):
    site = story_site(tmp_path / "site", random.Random(9), 140)
    out = tmp_path / "out"
    for options in ((), ("--no-cache",)):
        processes = [build_process(site, out, *options) for _ in range(2)]
        for process in processes:
            _, err = process.communicate(timeout=300)
            assert process.returncode == 0, err
            assert "Traceback" not in err
        expected = clean(site, tmp_path)
        assert tree(out) == expected
        again = build(site, out)
        assert again.written == 0 and tree(out) == expected
        (site / "content" / "2024" / "story-3.md").write_text(story(random.Random(1), 3, extra="\n\nEdit."))


# --- any history of edits, hand changes and builds ends in a clean build's output ----------------

HAND_CHANGES = st.sampled_from(
    [
        "edit article", "delete article", "add article", "add static", "delete static",
        "delete page", "tamper page", "add stray", "link folder out", "link file out",
        "build", "build without cache",
    ]
)  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(HAND_CHANGES, min_size=1, max_size=8), seed=st.integers(0, 1000))
def test_any_history_converges_to_a_clean_build(tmp_path_factory: pytest.TempPathFactory, changes, seed):
    rng = random.Random(seed)
    root = tmp_path_factory.mktemp("history")
    site = story_site(root / "site", rng, 6)
    out = root / "out"
    outside = root / "outside"
    (outside / "images").mkdir(parents=True)
    (outside / "images" / "map.svg").write_text("the user's")
    (outside / "file.txt").write_text("the user's")
    before = snapshot(outside)
    build(site, out)
    for number, change in enumerate(changes):
        articles = sorted((site / "content").rglob("*.md"))
        pages = sorted(p for p in out.rglob("*.html") if p.is_file() and not p.is_symlink())
        if change == "edit article" and articles:
            rng.choice(articles).write_text(story(rng, number, extra=f"\n\nEdit {number}."))
        elif change == "delete article" and articles:
            rng.choice(articles).unlink()
        elif change == "add article":
            (site / "content" / "2024" / f"added-{number}.md").write_text(story(rng, 100 + number))
        elif change == "add static":
            write_site(site, {f"static/extra/{number}.txt": f"static {number}"})
        elif change == "delete static":
            for path in (site / "static").rglob("*.*"):
                path.unlink()
        elif change == "delete page" and pages:
            rng.choice(pages).unlink()
        elif change == "tamper page" and pages:
            rng.choice(pages).write_text("tampered")
        elif change == "add stray" and out.is_dir():
            (out / f"stray-{number}.txt").write_text("stray")
        elif change == "link folder out" and out.is_dir():
            shutil.rmtree(out / "images", ignore_errors=True)
            (out / "images").unlink(missing_ok=True)
            (out / "images").symlink_to(outside / "images", target_is_directory=True)
        elif change == "link file out" and pages:
            page = rng.choice(pages)
            page.unlink()
            page.symlink_to(outside / "file.txt")
        elif change == "build":
            build(site, out)
        elif change == "build without cache":
            build(site, out, use_cache=False)
    build(site, out)
    assert snapshot(outside) == before
    assert tree(out) == clean(site, root)
    assert leftovers(out) == []


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "b", "index.html", "é", "x.y"]), min_size=1, max_size=4)))
def test_folders_of_are_the_parents_of_every_path(parts: list[list[str]]):
    from pathlib import PurePosixPath

    paths = ["/".join(p) for p in parts]
    expected = {str(up) for path in paths for up in PurePosixPath(path).parents} - {"."}
    assert write.folders_of(paths) == expected


# --- the writer's one-file shortcut -----------------------------------------------------------

OUTPUT_PATHS = ["index.html", "feed.xml", "a/index.html", "a/b/index.html", "c/x.css"]
OUTPUT_FILES = st.dictionaries(st.sampled_from(OUTPUT_PATHS), st.sampled_from([b"", b"1", b"2", b"12"]))


def write_through(out: Path, new: dict[str, bytes], copied: set[str], whole: bool) -> tuple[object, ...]:
    """Write `new` over the output `out` holds (the files in `copied` as copies of a source
    file) with an OutputWriter; `whole`: stage the whole site from the start."""
    sources = out.parent / f"{out.name}-sources"
    sources.mkdir()
    before = {p: os.lstat(out / p).st_ino for p in write.take_inventory(out).files}
    writer = write.OutputWriter(out, write.take_inventory(out))
    writer.start(list(new), write.folders_of(new))
    if whole:
        writer.area  # noqa: B018
    for relative, data in sorted(new.items()):
        if relative in copied:
            source = sources / relative.replace("/", "-")
            source.write_bytes(data)
            writer.copy(relative, source)
        else:
            writer.record(relative, writer.put(relative, data))
    stats = writer.commit()
    after = {p: os.lstat(out / p).st_ino for p in write.take_inventory(out).files}
    new_inodes = sorted(p for p in after if before.get(p) != after[p])
    sizes = {relative: stat.size for relative, stat in stats.files.items()}
    assert {p: stat for p, stat in stats.files.items()} == {
        p: write.FileStat(os.lstat(out / p).st_size, os.lstat(out / p).st_mtime_ns) for p in after
    }
    return tree(out), new_inodes, stats.written, stats.unchanged, stats.removed, sizes, leftovers(out)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(old=OUTPUT_FILES, new=OUTPUT_FILES, copied=st.sets(st.sampled_from(OUTPUT_PATHS)), other=st.booleans())
def test_a_one_file_change_written_alone_is_what_staging_the_site_gives(
    tmp_path_factory: pytest.TempPathFactory, old, new, copied, other
):
    """The writer replaces one changed file on its own (no staging folder): the output, the
    files it replaced (new inodes), its counts and record are what staging the whole new
    site gives, from any old output (one with a symlink in it too)."""
    root = tmp_path_factory.mktemp("one-file")
    results = []
    for whole in (False, True):
        out = root / f"out-{whole}"
        for relative, data in {write.MARKER: write.MARKER_TEXT, **old}.items():
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            (out / relative).write_bytes(data)
        if other:
            (out / "link").symlink_to("index.html")
        results.append(write_through(out, new, copied & new.keys(), whole))
    assert results[0] == results[1]
    assert results[0][0] == {
        **{k: None for k in write.folders_of(new)},
        write.MARKER: write.MARKER_TEXT,
        **new,
    }


def built_site_with_one_file_edit(tmp_path: Path) -> tuple[Path, Path]:
    """A site built into out/, and an edit that changes one file of it: the feed holds the
    newest article only, and the oldest's body is edited."""
    site_yaml = 'title: "Brief"\nbase_url: "https://example.org/"\nsearch: false\nfeed_limit: 1\n'
    site = write_site(tmp_path / "site", {**SITE, "site.yaml": site_yaml})
    out = tmp_path / "out"
    build(site, out)
    path = site / "content" / "2024" / "10" / "port-strike-ends.md"
    path.write_text(path.read_text() + "\nA closing sentence.\n")
    return site, out


def test_a_one_file_edit_replaces_that_file_and_stages_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    site, out = built_site_with_one_file_edit(tmp_path)
    staged: list[str] = []
    monkeypatch.setattr(write, "_new_folder", lambda parent, prefix: staged.append(prefix) or "")
    result = build(site, out)
    assert (result.written, result.rendered_paths, staged) == (
        1,
        ("articles/port-strike-ends/index.html",),
        [],
    )
    assert "A closing sentence." in (out / "articles" / "port-strike-ends" / "index.html").read_text()
    monkeypatch.undo()
    assert tree(out) == clean(site, tmp_path)
    assert leftovers(out) == []


def test_a_one_file_edit_that_fails_to_rename_leaves_the_output_and_no_scratch_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    site, out = built_site_with_one_file_edit(tmp_path)
    before = tree(out)

    def refused(source: str, target: str) -> None:
        raise OSError(errno.EIO, "Input/output error", target)

    monkeypatch.setattr(write.os, "replace", refused)
    with pytest.raises(SiteError, match="cannot write the output"):
        build(site, out)
    monkeypatch.undo()
    assert tree(out) == before
    assert leftovers(out) == []
    build(site, out)
    assert tree(out) == clean(site, tmp_path)

"""`sitegen serve` on sites large enough for worker processes, as a user runs it: it answers,
reloads, and Ctrl-C or SIGTERM stop it within 2 s at any moment, mid-build too, leaving
no process and no temporary folder behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from liveutil import EventStream, fetch, write_corpus

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/environ").exists(), reason="finds the server's processes through /proc (Linux)"
)

STOP_SECONDS = 2.0
PATIENCE = 240  # for conditions that need a whole build on two busy cores


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes_marked(mark: str) -> list[int]:
    """Every live process whose environment carries the mark: the server and all it started."""
    needle = f"SITEGEN_TEST_MARK={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:  # gone, or not ours
            continue
    return found


class Serve:
    """`python -m sitegen serve` with its own temporary folder, empty build cache and mark."""

    def __init__(self, site: Path, *args: str):
        self.mark = uuid.uuid4().hex
        self.tmp = site.parent / f"tmp-{self.mark[:8]}"
        self.tmp.mkdir()
        self.port = free_port()
        env = {
            **os.environ,
            "TMPDIR": str(self.tmp),
            "SITEGEN_CACHE_DIR": str(site.parent / f"cache-{self.mark[:8]}"),
            "SITEGEN_TEST_MARK": self.mark,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", str(self.port), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._changed = threading.Condition()
        for stream, into in ((self.process.stdout, self.lines), (self.process.stderr, self.errors)):
            threading.Thread(target=self._read, args=(stream, into), daemon=True).start()

    def _read(self, stream, into: list[str]) -> None:
        for line in stream:
            with self._changed:
                into.append(line)
                self._changed.notify_all()

    def wait_for_line(self, text: str, timeout: float = PATIENCE) -> str:
        with self._changed:
            found = self._changed.wait_for(
                lambda: any(text in line for line in self.lines) or self.process.poll() is not None, timeout
            )
        line = next((line for line in self.lines if text in line), None)
        assert found and line, f"no {text!r} line: {self.lines} {self.errors}"
        return line

    def stop(self, signum: int) -> float:
        """Send the signal; the seconds until the server had exited."""
        sent = time.monotonic()
        self.process.send_signal(signum)
        try:
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        return time.monotonic() - sent

    def assert_stopped_cleanly(self, signum: int) -> None:
        """Stopped within 2 s, leaving nothing behind."""
        seconds = self.stop(signum)
        assert seconds <= STOP_SECONDS, f"took {seconds:.2f} s to stop"
        assert self.process.returncode == 0, (self.lines, self.errors)
        assert processes_marked(self.mark) == [], "a process was left behind"
        assert list(self.tmp.iterdir()) == [], "a temporary folder was left behind"
        assert not any("Traceback" in line for line in self.errors), self.errors

    def wait_for_processes(self, count: int, timeout: float = PATIENCE) -> None:
        """Until the server runs `count` processes (itself, the build process, its workers)."""
        deadline = time.monotonic() + timeout
        while len(processes_marked(self.mark)) < count:
            assert self.process.poll() is None, (self.lines, self.errors)
            assert time.monotonic() < deadline, f"never {count} processes"
            time.sleep(0.01)


@pytest.fixture(scope="module")
def large_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("large") / "site"
    write_corpus(site, 1000)
    return site


def edit_base_template(site: Path, marker: str) -> None:
    templates = site / "themes" / "default" / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "base.html").write_text(
        '{% extends "default/base.html" %}\n'
        f'{{% block head %}}<meta name="edited" content="{marker}">{{% endblock %}}\n'
    )


@pytest.mark.slow
def test_a_fresh_1000_article_site_is_served_reloaded_and_stopped(large_site: Path):
    server = Serve(large_site)
    try:
        line = server.wait_for_line("Serving")
        assert f"http://127.0.0.1:{server.port}/" in line
        status, _, body = fetch(f"http://127.0.0.1:{server.port}/articles/story-10/")
        assert status == 200 and b"Story number 10" in body
        events = EventStream(f"http://127.0.0.1:{server.port}/__sitegen/events")
        try:
            assert events.next_event()[0] == "hello"
            edit_base_template(large_site, "first edit")  # every page changes: a pool build
            assert events.next_event()[0] == "reload"
        finally:
            events.close()
        _, _, body = fetch(f"http://127.0.0.1:{server.port}/articles/story-10/")
        assert b'content="first edit"' in body
    finally:
        server.assert_stopped_cleanly(signal.SIGTERM)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
# The earliest moment is when the build process is up: before, Python itself is starting,
# and a signal then ends it the interpreter's way, before any of sitegen's code runs.
@pytest.mark.parametrize("moment", ["build process up", "workers busy", "idle", "rebuilding"])
def test_a_signal_stops_serve_within_2_s_at_any_moment(large_site: Path, signum: int, moment: str):
    server = Serve(large_site)
    try:
        if moment == "build process up":
            server.wait_for_processes(2)
        elif moment == "workers busy":
            server.wait_for_processes(3)  # the first build (empty cache) forks its workers
        elif moment == "idle":
            server.wait_for_line("Serving")
        elif moment == "rebuilding":
            server.wait_for_line("Serving")
            edit_base_template(large_site, f"edit {uuid.uuid4().hex}")
            server.wait_for_processes(3)  # every page renders again, in workers
    finally:
        server.assert_stopped_cleanly(signum)


def test_a_build_that_never_ends_does_not_keep_serve_from_stopping(tmp_path: Path):
    site = tmp_path / "site"
    write_corpus(site, 3)
    templates = site / "themes" / "default" / "templates"
    templates.mkdir(parents=True)
    (templates / "base.html").write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n"
    )
    server = Serve(site)
    server.wait_for_processes(2)
    server.assert_stopped_cleanly(signal.SIGINT)
    assert not any("Serving" in line for line in server.lines)


def test_the_url_is_printed_before_the_port_accepts_connections(tmp_path: Path):
    """A script that waits for the port, then reads the log, must find the URL there."""
    import socket

    site = tmp_path / "site"
    write_corpus(site, 150)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", str(port)],
            stdout=output,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "SITEGEN_CACHE_DIR": str(tmp_path / "cache")},
        )
    try:
        deadline = time.monotonic() + PATIENCE
        while True:
            assert process.poll() is None
            assert time.monotonic() < deadline, "the port never accepted a connection"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                break
            except OSError:
                time.sleep(0.02)
        assert f"Serving http://127.0.0.1:{port}/" in log.read_text()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)

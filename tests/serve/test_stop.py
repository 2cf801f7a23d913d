"""`sitegen serve` on sites large enough for worker processes, as a user runs it: it answers,
reloads, and Ctrl-C or SIGTERM stop it within 2 s at any moment, mid-build too, leaving
no process and no temporary folder behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from liveutil import PATIENCE, EventStream, Serve, fetch, free_port, processes_marked, write_corpus

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/environ").exists(), reason="finds the server's processes through /proc (Linux)"
)

STOP_SECONDS = 2.0


@pytest.fixture(scope="module")
def large_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("large") / "site"
    write_corpus(site, 1000)
    return site


def assert_stopped_cleanly(server: Serve, signum: int) -> None:
    """Stopped within 2 s, leaving nothing behind."""
    seconds = server.stop(signum)
    assert seconds <= STOP_SECONDS, f"took {seconds:.2f} s to stop"
    assert server.process.returncode == 0, (server.lines, server.errors)
    assert processes_marked(server.mark) == [], "a process was left behind"
    assert list(server.tmp.iterdir()) == [], "a temporary folder was left behind"
    assert not any("Traceback" in line for line in server.errors), server.errors


def edit_base_template(site: Path, marker: str) -> None:
    templates = site / "themes" / "default" / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "base.html").write_text(
        '{% extends "default/base.html" %}\n'
        f'{{% block head %}}<meta name="edited" content="{marker}">{{% endblock %}}\n'
    )


def serve_reload_and_stop(site: Path) -> None:
    """Serve a fresh site (empty build cache), read a page, edit base.html (every page
    changes: a build with workers), see the open page told to reload, stop with SIGTERM."""
    server = Serve(site)
    try:
        line = server.lines[server.wait_for_line("Serving") - 1]
        assert f"Serving http://127.0.0.1:{server.port}/" in line
        status, _, body = fetch(f"http://127.0.0.1:{server.port}/articles/story-10/")
        assert status == 200 and b"Story number 10" in body
        events = EventStream(f"http://127.0.0.1:{server.port}/__sitegen/events")
        try:
            assert events.next_event()[0] == "hello"
            edit_base_template(site, "first edit")
            assert events.next_event()[0] == "reload"
        finally:
            events.close()
        _, _, body = fetch(f"http://127.0.0.1:{server.port}/articles/story-10/")
        assert b'content="first edit"' in body
    finally:
        assert_stopped_cleanly(server, signal.SIGTERM)


@pytest.mark.slow
def test_a_fresh_1000_article_site_is_served_reloaded_and_stopped(large_site: Path):
    serve_reload_and_stop(large_site)


@pytest.mark.slow
def test_a_fresh_10000_article_site_is_served_reloaded_and_stopped(tmp_path: Path):
    site = tmp_path / "site"
    write_corpus(site, 10_000)
    serve_reload_and_stop(site)


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
        assert_stopped_cleanly(server, signum)


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
    assert_stopped_cleanly(server, signal.SIGINT)
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

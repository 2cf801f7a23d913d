"""`sitegen serve` as users run it: a subprocess, stopped with Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from liveutil import PATIENCE, Serve, fetch, write_article


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_serve(site: Path, *args: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "TMPDIR": str(site.parent / "tmp")}
    (site.parent / "tmp").mkdir(exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--site", str(site), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = ""
    deadline = time.monotonic() + 30
    while "Serving" not in line and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
    return process, line


def test_ctrl_c_stops_cleanly_and_leaves_no_temporary_folder(site: Path):
    port = free_port()
    process, line = start_serve(site, "--port", str(port))
    try:
        assert f"http://127.0.0.1:{port}/" in line
        assert fetch(f"http://127.0.0.1:{port}/")[0] == 200
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "Traceback" not in err
    assert list((site.parent / "tmp").iterdir()) == []


def test_port_in_use_is_a_one_line_error(site: Path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert f"port {port} is already in use" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_network_host_warns(site: Path):
    port = free_port()
    process, line = start_serve(site, "--host", "0.0.0.0", "--port", str(port))
    try:
        assert "Serving" in line
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert "visible to other machines on the network" in err


def test_build_errors_are_printed_in_the_terminal(site: Path):
    server = Serve(site)
    try:
        seen = server.wait_for_line("Serving")
        broken = site / "content" / "2024" / "12" / "port-strike.md"
        broken.write_text("---\ntitle: x\n---\nno date or source\n")
        seen = server.wait_for_line("The build failed", since=seen)
        server.wait_for_line("content/2024/12/port-strike.md: date: missing", errors=True)
        server.wait_for_line("content/2024/12/port-strike.md: source: missing", errors=True)
        write_article(site, "port-strike", "Port strike ends", "Fixed.\n")
        server.wait_for_line("Built 19 pages from 2 articles", since=seen)  # the search page is one
    finally:
        server.stop(signal.SIGINT)
    assert server.process.returncode == 0


def test_a_burst_of_files_gives_one_rebuild(preview, site: Path):
    before = len(preview.reports)
    folder = site / "content" / "2023" / "05"
    folder.mkdir(parents=True)
    for i in range(300):
        (folder / f"copied-{i}.md").write_text(
            f'---\ntitle: "Copied {i}"\ndate: 2023-05-01\nsource: Wire\n---\nBody {i}.\n'
        )
    assert wait_for(lambda: len(preview.reports) > before)
    # One more file after that rebuild: had the burst been split, a rebuild of part of it
    # would come between (or this one would be missing).
    (folder / "sentinel.md").write_text('---\ntitle: "Sentinel"\ndate: 2023-05-02\nsource: Wire\n---\nS.\n')
    assert wait_for(lambda: preview.reports[-1].ok and preview.reports[-1].result.articles == 303)
    assert [report.result.articles for report in preview.reports[before:]] == [302, 303]


def wait_for(predicate, timeout: float = PATIENCE) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_serving_before_any_good_build_shows_the_errors(tmp_path: Path):
    from sitegen.serve import Preview

    site = tmp_path / "broken"
    (site / "content").mkdir(parents=True)
    (site / "content" / "bad.md").write_text("no front matter\n")
    server = Preview(site, port=0)
    server.start()
    try:
        status, _, body = fetch(server.url)
        assert status == 503
        assert b"/__sitegen/livereload.js" in body
        assert server.state.errors[0]["path"] == "content/bad.md"
        (site / "content" / "bad.md").write_text(
            "---\ntitle: ok\ndate: 2024-01-01\nsource: Wire\n---\nFine.\n"
        )
        assert wait_for(lambda: fetch(server.url)[0] == 200)
    finally:
        server.stop()


@pytest.mark.parametrize("port", ["99999", "-1", "http", "65536"])
def test_a_port_out_of_range_is_a_usage_error(cli, site: Path, port: str):
    run = cli("serve", "--site", site, "--port", port)
    assert run.code == 2
    assert "Traceback" not in run.err
    assert f"--port: '{port}' is not a port number (0 to 65535)" in run.err

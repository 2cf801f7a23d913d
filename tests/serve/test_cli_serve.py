"""`sitegen serve` as users run it: a subprocess, stopped with Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from liveutil import fetch, write_article


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
    port = free_port()
    process, _line = start_serve(site, "--port", str(port))
    try:
        broken = site / "content" / "2024" / "12" / "port-strike.md"
        broken.write_text("---\ntitle: x\n---\nno date or source\n")
        time.sleep(1.5)
        write_article(site, "port-strike", "Port strike ends", "Fixed.\n")
        time.sleep(1.5)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert "content/2024/12/port-strike.md: date: missing" in err, (out, err)
    assert "content/2024/12/port-strike.md: source: missing" in err
    assert "The build failed" in out


def test_a_burst_of_files_gives_one_rebuild(preview, site: Path):
    before = len(preview.reports)
    folder = site / "content" / "2023" / "05"
    folder.mkdir(parents=True)
    for i in range(300):
        (folder / f"copied-{i}.md").write_text(
            f'---\ntitle: "Copied {i}"\ndate: 2023-05-01\nsource: Wire\n---\nBody {i}.\n'
        )
    deadline = time.monotonic() + 20
    while len(preview.reports) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # any further rebuild would have started by now
    assert len(preview.reports) - before == 1
    assert preview.reports[-1].result.articles == 302


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
        deadline = time.monotonic() + 10
        while fetch(server.url)[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fetch(server.url)[0] == 200
    finally:
        server.stop()

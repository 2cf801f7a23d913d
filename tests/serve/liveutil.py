"""Helpers for the preview tests: articles on disk, raw HTTP, an event-stream client."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ARTICLE = """---
title: "{title}"
date: 2024-12-0{day}T10:00:00+00:00
source: "Meridian Wire"
region: Europe
tags: [shipping]
---

{body}
"""


def write_article(site: Path, slug: str, title: str, body: str, day: int = 3) -> Path:
    path = site / "content" / "2024" / "12" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ARTICLE.format(title=title, body=body, day=day), encoding="utf-8")
    return path


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    """GET without following redirects; returns status, headers, body."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def raw_get(port: int, target: str, host: str | None = "") -> tuple[int, bytes]:
    """Send a request line exactly as given (no client-side normalising of '..'), with the
    Host header given (default: 127.0.0.1 and the port; None: no Host header at all)."""
    host_line = "" if host is None else f"Host: {host or f'127.0.0.1:{port}'}\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(f"GET {target} HTTP/1.1\r\n{host_line}Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


class EventStream:
    """A minimal Server-Sent Events client for the preview's reload channel."""

    def __init__(self, url: str):
        self.response = urllib.request.urlopen(url, timeout=20)

    def next_event(self, timeout: float = 120) -> tuple[str, dict]:
        """The next event; TimeoutError if none comes within `timeout` seconds (keep-alive
        comments, every 15 s, do not count)."""
        deadline = time.monotonic() + timeout
        kind, data = "message", ""
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no event in {timeout} s")
            line = self.response.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif line == "" and data:
                return kind, json.loads(data)

    def close(self) -> None:
        self.response.close()


def write_corpus(site: Path, count: int) -> None:
    """A generated site of `count` articles, large enough that builds use worker processes."""
    (site / "content").mkdir(parents=True, exist_ok=True)
    (site / "site.yaml").write_text('title: "Generated"\nbase_url: "https://example.org/"\n')
    sources = ["Meridian Wire", "Harbor Times", "Northern Ledger", "Coastal Post"]
    regions = ["Europe", "Asia", "Africa", "Americas"]
    for i in range(count):
        month = i % 12 + 1
        paragraph = (
            f'Officials in case {i} said the *proposed* deal would "cost more" than expected -- '
            f"a [report](https://example.org/{i}) found, and the **vote** comes next week."
        )
        body = "\n\n".join([paragraph] * 12) + "\n"
        path = site / "content" / "2024" / f"{month:02d}" / f"story-{i}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f'---\ntitle: "Story number {i}"\ndate: 2024-{month:02d}-{i % 28 + 1:02d}T10:00:00+00:00\n'
            f'source: "{sources[i % 4]}"\nregion: {regions[i % 4]}\ntags: [tag-{i % 40}, tag-{i % 7}]\n'
            f"---\n\n{body}",
            encoding="utf-8",
        )


PATIENCE = 240  # for conditions that need a whole build on two busy cores


def free_port() -> int:
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
        # The stream ended: the server is exiting. Whoever waits for a line is told once it
        # has, instead of waiting out its time.
        self.process.wait()
        with self._changed:
            self._changed.notify_all()

    def wait_for_line(
        self, text: str, since: int = 0, errors: bool = False, timeout: float = PATIENCE
    ) -> int:
        """Until a line holding `text` is printed (on stderr if `errors`), after the first
        `since` lines; returns the number of lines up to and including it."""
        lines = self.errors if errors else self.lines

        def found() -> int | None:
            return next((i + 1 for i in range(since, len(lines)) if text in lines[i]), None)

        with self._changed:
            self._changed.wait_for(lambda: found() or self.process.poll() is not None, timeout)
            number = found()
        assert number, f"no {text!r} line: {self.lines} {self.errors}"
        return number

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

    def wait_for_processes(self, count: int, timeout: float = PATIENCE) -> None:
        """Until the server runs `count` processes (itself, the build process, its workers)."""
        deadline = time.monotonic() + timeout
        while len(processes_marked(self.mark)) < count:
            assert self.process.poll() is None, (self.lines, self.errors)
            assert time.monotonic() < deadline, f"never {count} processes"
            time.sleep(0.01)

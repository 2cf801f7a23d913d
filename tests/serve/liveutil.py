"""Helpers for the preview tests: articles on disk, raw HTTP, an event-stream client."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
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

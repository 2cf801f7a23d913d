"""Edit-to-reload latency of `sitegen serve`: from the moment a saved file lands to the
moment a connected page receives the reload event.

    python bench/serve_latency.py                    # the sample site, 1,000 and 10,000 articles
    python bench/serve_latency.py --sizes sample,1000 --runs 5

Generated sites come from ../shared/bench/make_corpus.py (written once into --work).
Each run appends a sentence to one article and times the reload event; the figure
quoted is the median of the runs. The server runs as a subprocess, as a user runs it,
with an empty build cache of its own, so "first build" is a cold build.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKE_CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"


def corpus(size: str, work: Path) -> Path:
    if size == "sample":
        site = work / "sample"
        if not site.exists():
            site.mkdir(parents=True)
            shutil.copytree(ROOT / "content", site / "content")
            shutil.copy(ROOT / "site.yaml", site / "site.yaml")
        return site
    site = work / f"corpus-{size}"
    if not site.exists():
        subprocess.run(
            [sys.executable, str(MAKE_CORPUS), str(site), "--articles", size],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return site


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Events:
    def __init__(self, url: str):
        self.response = urllib.request.urlopen(url, timeout=600)

    def next(self, timeout: float = 600) -> tuple[str, dict]:
        deadline = time.monotonic() + timeout
        kind, data = "message", ""
        while True:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no event in {timeout} s: is the server stuck?")
            line = self.response.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif line == "" and data:
                return kind, json.loads(data)


def measure(site: Path, runs: int, work: Path) -> tuple[float, list[float]]:
    port = free_port()
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "SITEGEN_CACHE_DIR": str(cache)},
    )
    try:
        while "Serving" not in (server.stdout.readline() or "Serving"):
            pass
        first_build = time.perf_counter() - started
        events = Events(f"http://127.0.0.1:{port}/__sitegen/events")
        assert events.next()[0] == "hello"
        article = sorted((site / "content").rglob("*.md"))[len(list((site / "content").rglob("*.md"))) // 2]
        original = article.read_bytes()
        latencies = []
        try:
            for run in range(runs):
                with article.open("ab") as handle:
                    handle.write(f"\nOne more sentence, run {run}.\n".encode())
                landed = time.perf_counter()
                kind, _ = events.next()
                latencies.append(time.perf_counter() - landed)
                assert kind == "reload", kind
                time.sleep(0.3)
        finally:
            article.write_bytes(original)
        return first_build, latencies
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
        shutil.rmtree(cache, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="sample,1000,10000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "sitegen-bench")
    args = parser.parse_args()
    print("| site | articles | first build (s) | edit-to-reload median (s) | min | max |")
    print("| --- | --- | --- | --- | --- | --- |")
    for size in args.sizes.split(","):
        site = corpus(size, args.work)
        count = len(list((site / "content").rglob("*.md")))
        first, latencies = measure(site, args.runs, args.work)
        print(
            f"| {size} | {count} | {first:.2f} | {statistics.median(latencies):.3f} | "
            f"{min(latencies):.3f} | {max(latencies):.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

"""Edit-to-reload latency of `sitegen serve`: from the moment a saved file lands to the
moment a connected page receives the reload event.

    python bench/serve_latency.py                    # the sample site, 1,000 and 10,000 articles
    python bench/serve_latency.py --sizes 10000,100000 --runs 10 --edits body,tags,date

Generated sites come from ../shared/bench/make_corpus.py (written once into --work).
Each run edits one article (`body`: appends a sentence; `tags`: gives it another tag;
`date`: moves it by a day, which moves it in every listing) and times the reload
event; the figure quoted is the median of the runs. The server runs as a subprocess,
as a user runs it, with an empty build cache of its own, so "first build" is a cold
build.
"""

from __future__ import annotations

import argparse
import datetime as dt
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

from run import prepare_corpus

ROOT = Path(__file__).resolve().parent.parent
MAKE_CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"


def corpus(size: str, work: Path) -> Path:
    if size == "sample":
        site = work / "sample"
        if not site.exists():
            site.mkdir(parents=True)
            shutil.copytree(ROOT / "content", site / "content")
            shutil.copytree(ROOT / "static", site / "static")
            shutil.copy(ROOT / "site.yaml", site / "site.yaml")
        return site
    site = work / f"corpus-{size}"
    if not site.exists():
        subprocess.run(
            [sys.executable, str(MAKE_CORPUS), str(site), "--articles", size],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    prepare_corpus(site)  # as bench/run.py prepares it
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


def edited(original: str, kind: str, run: int) -> str:
    """The article's text after edit `run` of the given kind."""
    if kind == "body":
        return original + f"\nOne more sentence, run {run}.\n"
    head, _, body = original.partition("\n---\n")
    lines = head.split("\n")
    if kind == "tags":
        at = lines.index("tags:")
        lines.insert(at + 1, f"  - benchmark-tag-{run}")
    elif kind == "date":  # a day later each run, as an editor correcting a date would
        at = next(i for i, line in enumerate(lines) if line.startswith("date: "))
        moment = dt.datetime.fromisoformat(lines[at][len("date: ") :].strip().strip('"'))
        lines[at] = f"date: {(moment + dt.timedelta(days=run + 1)).isoformat()}"
    else:
        raise ValueError(f"unknown edit {kind!r}")
    return "\n".join(lines) + "\n---\n" + body


def measure(site: Path, runs: int, work: Path, kinds: list[str]) -> tuple[float, dict[str, list[float]]]:
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
        articles = sorted((site / "content").rglob("*.md"))
        article = articles[len(articles) // 2]
        original = article.read_text()
        latencies: dict[str, list[float]] = {kind: [] for kind in kinds}
        try:
            for kind in kinds:
                for run in range(runs):
                    article.write_text(edited(original, kind, run))
                    landed = time.perf_counter()
                    event, _ = events.next()
                    latencies[kind].append(time.perf_counter() - landed)
                    assert event == "reload", event
                    time.sleep(0.3)
                article.write_text(original)
                assert events.next()[0] == "reload"
                time.sleep(0.3)
        finally:
            article.write_text(original)
        return first_build, latencies
    finally:
        # SIGTERM, which the preview takes as Ctrl-C: a shell's background job ignores SIGINT.
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        shutil.rmtree(cache, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="sample,1000,10000")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--edits", default="body", help="body, tags and/or date, comma-separated")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "sitegen-bench")
    args = parser.parse_args()
    kinds = args.edits.split(",")
    print("| site | articles | first build (s) | edit | edit-to-reload median (s) | min | max |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for size in args.sizes.split(","):
        site = corpus(size, args.work)
        count = len(list((site / "content").rglob("*.md")))
        first, latencies = measure(site, args.runs, args.work, kinds)
        for kind in kinds:
            found = latencies[kind]
            print(
                f"| {size} | {count} | {first:.2f} | {kind} | {statistics.median(found):.3f} | "
                f"{min(found):.3f} | {max(found):.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

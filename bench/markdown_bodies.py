"""CPU time per body of sitegen's Markdown renderer, in one process, over a corpus's bodies.

    python bench/markdown_bodies.py /tmp/corpus1000/content    # a corpus from make_corpus.py

It times the renderer the build uses (one instance, reset between bodies) with this
thread's CPU time, best of --runs passes, so other work on the machine barely shows.
Run it with another tree first on PYTHONPATH to compare two versions of sitegen.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sitegen.render.markdown import MarkdownRenderer


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("content", type=Path, help="a folder of article files")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    files = sorted(args.content.rglob("*.md"))
    bodies = [path.read_text(encoding="utf-8").split("\n---\n", 1)[-1] for path in files]
    renderer = MarkdownRenderer("/")
    passes = []
    for _ in range(args.runs):
        started = time.thread_time()
        for body in bodies:
            renderer.convert(body)
        passes.append(time.thread_time() - started)
    per_body = min(passes) / len(bodies) * 1000
    print(f"{per_body:.2f} ms of CPU per body, {len(bodies)} bodies, best of {args.runs}")


if __name__ == "__main__":
    main()

"""Where a preview edit's time goes, inside the build process: an Engine made as `sitegen
serve` makes its own builds the site into a scratch folder, then one article in the middle
of the archive is edited --runs times (`body`: a sentence appended; `tags`: another tag;
`date`: moved by a day more each time) and each rebuild's stages are printed (the
engine's timings), with the median; --profile adds a profile of the last rebuild. As the
preview's build process does, it runs with the garbage collector's full passes put off
(sitegen/parallel.py, few_full_collections), and the objects alive after each build are
set aside from the collector (gc.freeze), whose full passes over the site would
otherwise add 0.4 s to one edit in four at 10,000 articles.

    python bench/preview_edit.py SITE_DIR --edit date [--runs 8] [--profile [--sort tottime]]

The article is put back as it was at the end. It writes the build cache of the site, so
give it a copy of a corpus that other benchmarks do not share.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitegen.engine import Engine  # noqa: E402
from sitegen.parallel import few_full_collections  # noqa: E402


def edited(text: str, kind: str, run: int) -> str:
    if kind == "body":
        return text + f"\nAnother sentence, number {run}.\n"
    if kind == "tags":
        return re.sub(r"^tags:\n", f"tags:\n  - preview-edit-{run}\n", text, count=1, flags=re.M)
    if kind == "date":

        def moved(match: re.Match[str]) -> str:
            moment = dt.datetime.fromisoformat(match.group(1))
            return f"date: {(moment + dt.timedelta(days=run + 1)).isoformat()}"

        return re.sub(r"^date: (.*)$", moved, text, count=1, flags=re.M)
    raise ValueError(f"unknown edit {kind!r}")


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("site", type=Path)
    parser.add_argument("--edit", choices=["body", "tags", "date"], default="date")
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--sort", choices=["cumulative", "tottime"], default="cumulative", help="the profile's order"
    )
    args = parser.parse_args()
    with few_full_collections():  # as the preview's build process runs (sitegen/serve/builder.py)
        run(args)


def run(args: argparse.Namespace) -> None:
    output = Path(tempfile.mkdtemp(prefix="preview-edit-"))
    engine = Engine(args.site, base_url="http://127.0.0.1:8000/", fingerprint=False, future=True)
    engine.build(output, force=True, in_place=True)
    gc.freeze()  # as the preview's build process does after each build (sitegen/serve/builder.py)
    articles = sorted((args.site / "content").rglob("*.md"))
    article = articles[len(articles) // 2]
    original = article.read_text(encoding="utf-8")
    seconds = []
    profile = cProfile.Profile()
    try:
        for run in range(args.runs):
            article.write_text(edited(original, args.edit, run), encoding="utf-8")
            last = args.profile and run == args.runs - 1
            started = time.perf_counter()
            if last:
                profile.enable()
            result = engine.build(output, force=True, in_place=True, changed=[article])
            if last:
                profile.disable()
            seconds.append(time.perf_counter() - started)
            gc.freeze()
            stages = ", ".join(f"{stage} {took:.3f}" for stage, took in result.timings.items())
            print(f"run {run}: {seconds[-1]:.3f} s, {result.rendered} pages rendered ({stages})")
    finally:
        article.write_text(original, encoding="utf-8")
        shutil.rmtree(output, ignore_errors=True)
    print(f"median {statistics.median(seconds):.3f} s of {args.runs} {args.edit} edits")
    if args.profile:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(40)


if __name__ == "__main__":
    main()

"""What related articles cost: the model of a site built with and without them, in this process.

    python bench/related.py SITE_DIR [--runs 3] [--jobs N]

Reads and validates the site's articles once (as a cold build does), then times, --runs
times each, the model as `sitegen build` makes it (related lists included) and the related
lists alone (sitegen.model.related_lists), and the related lists found again after an edit
(one article given another tag, as the preview's rebuild after a tag edit finds them: only
the lists the edit can change), and prints the medians in seconds, of CPU time (this
process only: with --jobs 2, the workers' time is not counted) and of wall time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from sitegen.config import load_config
from sitegen.engine import Engine
from sitegen.model import build_site, related_lists
from sitegen.related import Candidate, find_related


def timed(work) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1, help="processes (as sitegen build --jobs)")
    options = parser.parse_args()
    engine = Engine(options.site, use_cache=False)
    config, _ = load_config(engine.site_dir)
    files, _ = engine.read_articles(config)
    articles = [f.article for f in files.values() if f.article]
    site = build_site(config, articles, drafts=False)
    jobs = options.jobs
    model = [
        timed(lambda: build_site(config, articles, drafts=False, jobs=jobs)) for _ in range(options.runs)
    ]
    related = [timed(lambda: related_lists(site, jobs)) for _ in range(options.runs)]
    before = related_lists(site, jobs)
    candidates = list(before.candidates.values())
    edits = []
    for n in range(options.runs):
        # A different article each run, given the tag its neighbour in time has.
        edited, neighbour = candidates[n * 97 % len(candidates)], candidates[(n * 97 + 1) % len(candidates)]
        tag = next((term for term in neighbour.terms if term[0] == "tags"), ("tags", "extra"))
        changed = Candidate(edited.slug, edited.time, edited.terms | {tag})
        after = [changed if c.slug == edited.slug else c for c in candidates]
        edits.append(timed(lambda after=after: find_related(after, before, jobs=jobs)))
    print(f"{len(articles)} articles, {jobs} process(es), medians of {options.runs}")
    measured = (("model (with related)", model), ("related lists", related), ("after a tag edit", edits))
    for name, runs in measured:
        cpu = statistics.median(run[0] for run in runs)
        wall = statistics.median(run[1] for run in runs)
        print(f"{name:22} cpu {cpu:6.2f} s   wall {wall:6.2f} s")


if __name__ == "__main__":
    main()

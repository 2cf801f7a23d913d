"""What the related lists cost after a one-article edit, against finding them all again.

    python bench/related_update.py SITE_DIR [--runs 7]

Loads the site as `sitegen build` does (Engine(site).load()), then edits one article in
memory, as the preview's model sees a saved file: the middle article (in time) given another
tag (its neighbour's), or another date (a week later), and the article nearest the middle on
the site's largest tag (the most lists to look at) given another tag. For each edit it makes
the edited site with build_site (the other articles the very same objects) and times,
--runs times each, `related_lists(site, 1, before)` given the loaded site's lists (what
`sitegen serve` does) and without them (the plain path), checks that both give the same
lists, and prints the medians in milliseconds, of wall and of CPU time.
Run it on a copy of a corpus: it reads the site and may fill its build cache.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sitegen.engine import Engine
from sitegen.model import Site, build_site, related_lists
from sitegen.related import RelatedLists
from sitegen.validate import Article


def median_ms(work: Callable[[], object], runs: int) -> tuple[float, float]:
    """The median wall and CPU time of `work`, in milliseconds (CPU time says more on a
    machine that other work keeps busy)."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def edited_site(site: Site, at: int, edit: Callable[[Article], Article]) -> Site:
    """The site with its article `at` edited, every other article the very same object."""
    articles = list(site.articles)
    articles[at] = edit(articles[at])
    return build_site(site.config, articles, drafts=False)


def another_tag(site: Site, at: int) -> Callable[[Article], Article]:
    """A tag the next article has and article `at` has not."""
    mine, next_ones = site.articles[at].tags, site.articles[at + 1].tags
    tag = next((tag for tag in next_ones if tag not in mine), "bench-extra")
    return lambda article: replace(article, tags=(*article.tags, tag))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    site = Engine(options.site, jobs=1).load().site
    before = site.related
    assert isinstance(before, RelatedLists)
    articles = site.articles
    middle = len(articles) // 2
    largest = max(site.taxonomies["tags"].terms, key=lambda term: len(term.articles))
    on_largest = min(
        (n for n, article in enumerate(articles[:-1]) if article in largest.articles),
        key=lambda n: abs(n - middle),
    )
    edits: dict[str, tuple[int, Callable[[Article], Article]]] = {
        "tag edit": (middle, another_tag(site, middle)),
        "date edit": (middle, lambda article: replace(article, date=article.date + dt.timedelta(days=7))),
        f"tag edit, on {largest.slug} ({len(largest.articles)})": (on_largest, another_tag(site, on_largest)),
    }
    print(f"{len(articles)} articles, 1 process, medians of {options.runs} (ms)")
    for name, (at, edit) in edits.items():
        after = edited_site(site, at, edit)
        updated = related_lists(after, 1, before)
        plain = related_lists(after, 1)
        assert dict(updated.lists) == dict(plain.lists), "the update's lists differ from the plain path's"
        changed = sum(updated.lists[slug] != before.lists.get(slug) for slug in updated.lists)
        update, update_cpu = median_ms(lambda after=after: related_lists(after, 1, before), options.runs)
        plain, plain_cpu = median_ms(lambda after=after: related_lists(after, 1), options.runs)
        print(
            f"{name:34} update {update:5.1f} (CPU {update_cpu:5.1f})   "
            f"plain {plain:7.1f} (CPU {plain_cpu:7.1f})   {changed} lists changed"
        )


if __name__ == "__main__":
    main()

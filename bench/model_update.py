"""The model after a front-matter edit: made from nothing, or updated from the last one
(`build_site(..., before=site)`, sitegen/model_update.py).

    python bench/model_update.py SITE_DIR [--runs 7]

Loads the site as the engine does (`Engine(site).load()`), then edits one article in the
middle of the archive (a tag added, its date moved by a day, its title changed) and times
`build_site` without and with `before`, median of --runs each, in one process (jobs=1).
The related lists (sitegen/related.py) are timed apart: the update finds them again through
`related_lists`, and the figure "update without related" leaves them out (median, and the
best run: on a busy machine the median carries the other processes' share). Do not point it at
a site other benchmarks share: it reads the site only, but loading it writes the build cache.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sitegen import model_update  # noqa: E402
from sitegen.engine import Engine  # noqa: E402
from sitegen.model import Site, build_site  # noqa: E402
from sitegen.validate import Article  # noqa: E402


def edits(article: Article) -> dict[str, Article]:
    return {
        "tag": replace(article, tags=(*article.tags, "Benchmark edit")),
        "date": replace(article, date=article.date + dt.timedelta(days=1)),
        "title": replace(article, title=article.title + " (updated)"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("site", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    loaded = Engine(args.site).load()
    site = loaded.site
    basis = site.basis
    assert basis is not None
    target = site.articles[len(site.articles) // 2]
    print(f"{len(basis.articles)} articles, {len(site.pages)} pages; editing {target.path}")

    related_seconds: list[float] = []
    find_related = model_update.related_lists

    def timed_related(*args, **kwargs):
        started = time.perf_counter()
        try:
            return find_related(*args, **kwargs)
        finally:
            related_seconds.append(time.perf_counter() - started)

    model_update.related_lists = timed_related  # type: ignore[assignment]

    def build(articles: list[Article], before: Site | None) -> Site:
        return build_site(
            basis.config,
            articles,
            drafts=basis.drafts,
            story_files=basis.story_files,
            edition_files=basis.edition_files,
            jobs=1,
            before=before,
            now=basis.now,
            future=basis.future,
            images=basis.images,
        )

    print(
        f"{'edit':<6} {'plain ms':>9} {'update ms':>10} {'related ms':>11} "
        f"{'update without related ms':>26} {'(best)':>7}"
    )
    for name, edited in edits(target).items():
        articles = [edited if a.slug == target.slug else a for a in basis.articles.values()]
        plain, update, related = [], [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            build(articles, None)
            plain.append(time.perf_counter() - started)
            related_seconds.clear()
            started = time.perf_counter()
            updated = build(articles, site)
            update.append(time.perf_counter() - started)
            assert updated.basis is not None and updated.basis.updated, "the model was made again"
            related.append(sum(related_seconds))
        without = [u - r for u, r in zip(update, related, strict=True)]
        print(
            f"{name:<6} {statistics.median(plain) * 1000:>9.1f} {statistics.median(update) * 1000:>10.1f} "
            f"{statistics.median(related) * 1000:>11.1f} {statistics.median(without) * 1000:>26.1f} "
            f"{min(without) * 1000:>7.1f}"
        )


if __name__ == "__main__":
    main()

"""The library's entry points: build a site, or load it to check it.

Both run the engine (sitegen/engine.py) for one build, keeping what it learns in the
build cache (sitegen/cache.py), so that the next build reads, parses and renders only
what changed. `sitegen serve` keeps an Engine of its own between builds instead.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .engine import BuildResult, Engine, LoadedSite, Notify, Progress

__all__ = ["BuildResult", "LoadedSite", "build", "load_site"]


def load_site(
    site_dir: Path | str,
    *,
    drafts: bool = False,
    base_url: str | None = None,
    use_cache: bool = False,
    future: bool = False,
    now: dt.datetime | None = None,
) -> LoadedSite:
    """Read and check everything the site is made of; raises SiteError with every problem found."""
    return Engine(site_dir, drafts=drafts, base_url=base_url, use_cache=use_cache, future=future).load(
        now=now
    )


def build(
    site_dir: Path | str = ".",
    output_dir: Path | str | None = None,
    *,
    drafts: bool = False,
    base_url: str | None = None,
    force: bool = False,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    notify: Notify | None = None,
    future: bool = False,
    now: dt.datetime | None = None,
) -> BuildResult:
    """Build the site in `site_dir` into `output_dir` (default: its output/ folder).

    Raises UsageError for an unsafe output folder and SiteError for content, configuration
    or template errors; in both cases the previous output is left exactly as it was.
    `jobs` processes render a large build (default: one per core); `use_cache=False`
    neither reads nor writes the build cache. A build into an output folder that another
    build is writing waits for it, telling `notify` so. `now` is the build's clock (default:
    the time of the call): articles dated later are held back unless `future`, and those
    whose `expires:` passed leave every listing and feed.
    """
    engine = Engine(site_dir, drafts=drafts, base_url=base_url, jobs=jobs, use_cache=use_cache, future=future)
    return engine.build(output_dir, force=force, progress=progress, notify=notify, now=now)

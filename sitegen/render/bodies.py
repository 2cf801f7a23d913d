"""Article bodies, Markdown -> HTML: each body once per content, cached, in parallel when many."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ..cache import BuildCache
from ..errors import Problem, warning
from ..parallel import chunked, map_in_processes
from ..validate import Article
from .markdown import MarkdownRenderer, settings

PARALLEL_FROM = 200  # fewer bodies than this are quicker in this process than in a pool
# A body that takes longer than this to render gets a warning naming its file: a few
# kinds of text (20,000 '[' take Python-Markdown over 20 s) make a build crawl silently.
SLOW_BODY_SECONDS = 2.0


@dataclass(frozen=True)
class RenderedBodies:
    html: Mapping[str, str]  # by article slug
    warnings: tuple[Problem, ...]  # the bodies that were slow to render


def body_key(body: str, base_path: str) -> str:
    data = f"{settings(base_path)}\0{body}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def render_bodies(
    articles: Iterable[Article],
    base_path: str,
    cache: BuildCache,
    jobs: int,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> RenderedBodies:
    """The HTML of each article's body, by slug: from the cache, or rendered (and cached)."""
    articles = list(articles)
    keys = {article.slug: body_key(article.body, base_path) for article in articles}
    bodies_by_key = {article.slug: article.body for article in articles}
    known = cache.bodies(list(set(keys.values())))
    missing = {key: bodies_by_key[slug] for slug, key in keys.items() if key not in known}
    rendered: dict[str, str] = {}
    seconds: dict[str, float] = {}
    total = len(missing)
    # Few bodies render quicker here than in a pool; map_in_processes runs them here then.
    workers = jobs if total >= PARALLEL_FROM else 1
    chunks = chunked(list(missing.items()), workers * 8) if workers > 1 else [list(missing.items())]
    for results in map_in_processes(base_path, _convert_chunk, chunks, workers):
        for key, body_html, took in results:
            rendered[key], seconds[key] = body_html, took
        progress(len(rendered), total)
    cache.store_bodies(rendered)
    html_by_key = {**known, **rendered}
    slow = [
        warning(
            article.path,
            None,
            f"the Markdown body took {seconds[keys[article.slug]]:.1f} s to render (more than "
            f"{SLOW_BODY_SECONDS:g} s); Python-Markdown is very slow on some text, such as a "
            "long run of '[' that are never closed: look for one in this file",
        )
        for article in articles
        if seconds.get(keys[article.slug], 0.0) > SLOW_BODY_SECONDS
    ]
    return RenderedBodies({slug: html_by_key[key] for slug, key in keys.items()}, tuple(slow))


def _convert_chunk(base_path: object, items: list[tuple[str, str]]) -> list[tuple[str, str, float]]:
    """(key, html, seconds) for each (key, body); the time is this thread's CPU time, so a
    busy machine does not make a body look slow."""
    renderer = MarkdownRenderer(str(base_path))
    results = []
    for key, body in items:
        started = time.thread_time()
        html = renderer.convert(body)
        results.append((key, html, time.thread_time() - started))
    return results

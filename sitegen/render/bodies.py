"""Article bodies, Markdown -> HTML: each body once per content, cached, in parallel when many."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from ..cache import BuildCache
from ..parallel import can_fork, chunked, map_in_processes
from ..validate import Article
from .markdown import EXTENSIONS, MarkdownRenderer

PARALLEL_FROM = 200  # fewer bodies than this are quicker in this process than in a pool


def body_key(body: str, base_path: str) -> str:
    settings = f"{EXTENSIONS}|smarten|trimmed-inline|{base_path}|"
    return hashlib.blake2b((settings + body).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def render_bodies(
    articles: Iterable[Article],
    base_path: str,
    cache: BuildCache,
    jobs: int,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> dict[str, str]:
    """The HTML of each article's body, by slug: from the cache, or rendered (and cached)."""
    articles = list(articles)
    keys = {article.slug: body_key(article.body, base_path) for article in articles}
    bodies_by_key = {article.slug: article.body for article in articles}
    known = cache.bodies(list(set(keys.values())))
    missing = {key: bodies_by_key[slug] for slug, key in keys.items() if key not in known}
    rendered: dict[str, str] = {}
    total = len(missing)
    if jobs > 1 and total >= PARALLEL_FROM and can_fork():
        chunks = [chunk for chunk in chunked(list(missing.items()), jobs * 8) if chunk]
        for results in map_in_processes(base_path, _convert_chunk, chunks, jobs):
            rendered.update(results)
            progress(len(rendered), total)
    else:
        rendered = dict(_convert_chunk(base_path, list(missing.items())))
        progress(total, total)
    cache.store_bodies(rendered)
    html = {**known, **rendered}
    return {slug: html[key] for slug, key in keys.items()}


def _convert_chunk(base_path: object, items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    renderer = MarkdownRenderer(str(base_path))
    return [(key, renderer.convert(body)) for key, body in items]

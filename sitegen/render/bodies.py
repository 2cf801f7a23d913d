"""Article bodies, Markdown -> HTML (the engine keeps them, and spreads many over processes)."""

from __future__ import annotations

import hashlib
import time
from typing import cast

from ..errors import Problem, warning
from .markdown import MarkdownRenderer, settings

# A body that takes longer than this to render gets a warning naming its file: a few
# kinds of text (20,000 '[' take Python-Markdown over 20 s) make a build crawl silently.
SLOW_BODY_SECONDS = 2.0


def body_key(body: str, link_base: str, relative_depth: int | None = None) -> str:
    data = f"{settings(link_base, relative_depth)}\0{body}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def slow_body(path: str, seconds: float) -> Problem:
    return warning(
        path,
        None,
        f"the Markdown body took {seconds:.1f} s to render (more than {SLOW_BODY_SECONDS:g} s); "
        "Python-Markdown is very slow on some text, such as a long run of '[' that are never "
        "closed: look for one in this file",
    )


def convert_bodies(links: object, items: list[tuple[str, str]]) -> list[tuple[str, str, float]]:
    """(key, html, seconds) for each (key, body); the time is this thread's CPU time, so a
    busy machine does not make a body look slow. `links`: (link_base, relative_depth), as
    MarkdownRenderer takes them."""
    link_base, relative_depth = cast(tuple[str, int | None], links)
    renderer = MarkdownRenderer(link_base, relative_depth, mark_images=True)
    results = []
    for key, body in items:
        started = time.thread_time()
        html = renderer.convert(body)
        results.append((key, html, time.thread_time() - started))
    return results

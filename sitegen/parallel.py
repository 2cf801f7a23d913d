"""Work spread over processes that inherit the build's data by fork instead of pickling it."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# The shared data of a pool's worker process, set once by the pool's initializer.
# It lives only in worker processes; the building process never reads it.
_worker_state: object = None


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def map_in_processes(
    state: object,
    function: Callable[[object, Item], Result],
    items: Iterable[Item],
    jobs: int,
) -> Iterator[Result]:
    """`function(state, item)` for every item, in `jobs` forked processes, results as they come.

    `state` (the site model, the renderer) reaches the workers by fork, never pickled;
    `function` must be a module-level function, and items and results must pickle.
    """
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_set_state, initargs=(state,)) as pool:
        yield from pool.imap_unordered(partial(_call, function), items)


def chunked(items: list[Item], parts: int) -> list[list[Item]]:
    """`items` dealt into about `parts` lists, interleaved so that costly runs spread out."""
    parts = max(1, min(parts, len(items)))
    return [items[i::parts] for i in range(parts)]


def _set_state(state: object) -> None:
    global _worker_state
    _worker_state = state


def _call(function: Callable[[object, Item], Result], item: Item) -> Result:
    return function(_worker_state, item)

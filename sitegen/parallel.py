"""Work spread over processes that inherit the build's data by fork instead of pickling it.

Fork is used only where it is safe: not on macOS (system libraries there may not survive
a fork, and Python defaults to spawn), and never from a process that runs other threads
(a lock one of them held is copied locked into the child, which can deadlock; Python
3.12+ warns). Where fork is not safe the work runs in the calling process, one item
after another: the site model and the templates cannot be pickled to a spawned process.
`sitegen serve` runs its builds in a single-threaded build process of its own, so its
builds use forked workers too.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# The shared data of a pool's worker process, set once by the pool's initializer.
# It lives only in worker processes; the building process never reads it.
_worker_state: object = None

# The cyclic collector's thresholds while a process builds (few_full_collections).
FEW_FULL_COLLECTIONS = (100_000, 50, 100)


def default_jobs() -> int:
    """The CPUs this process may run on: os.process_cpu_count() (Python 3.13+), else the
    CPU affinity mask, else every CPU of the machine."""
    process_cpu_count = getattr(os, "process_cpu_count", None)
    if process_cpu_count is not None:
        return process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether worker processes may be forked from this process now."""
    return (
        sys.platform != "darwin"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


def map_in_processes(
    state: object,
    function: Callable[[object, Item], Result],
    items: Iterable[Item],
    jobs: int,
) -> Iterator[Result]:
    """`function(state, item)` for every item, in `jobs` forked processes, results as they come;
    in this process, one after another, when forking is not safe here (see can_fork).

    `state` (the site model, the renderer) reaches the workers by fork, never pickled;
    `function` must be a module-level function, and items and results must pickle.
    """
    if jobs <= 1 or not can_fork():
        for item in items:
            yield function(state, item)
        return
    context = multiprocessing.get_context("fork")
    # The workers share the building process's memory page by page until they write to a
    # page; a collection of the garbage writes into every object it looks at, so each
    # worker would soon hold a copy of the whole model. Frozen objects are never looked at.
    gc.freeze()
    try:
        with context.Pool(jobs, initializer=_set_state, initargs=(state,)) as pool:
            yield from pool.imap_unordered(partial(_call, function), items)
    finally:
        gc.unfreeze()


@contextmanager
def few_full_collections() -> Iterator[None]:
    """Run the block with the cyclic garbage collector's passes over the whole heap put off.

    A build makes millions of objects (the site model, what each page read) that live to
    its end, and almost no cyclic garbage (a few hundred objects). With CPython's default
    thresholds the collector goes over the whole heap each time it grew by a quarter:
    eight times in a one-article build of 10,000 articles, which spent a third of its time
    there (docs/benchmarks.md, issue 9 session 11). Young objects are still collected, every
    100,000 allocations; a full pass comes after 500 million. For a process's own
    commands (the command line, the preview's build process), never inside the library:
    the thresholds are the whole process's."""
    before = gc.get_threshold()
    gc.set_threshold(*FEW_FULL_COLLECTIONS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def chunked(items: list[Item], parts: int) -> list[list[Item]]:
    """`items` dealt into about `parts` lists, interleaved so that costly runs spread out."""
    parts = max(1, min(parts, len(items)))
    return [items[i::parts] for i in range(parts)]


def _set_state(state: object) -> None:
    global _worker_state
    _worker_state = state
    # A worker must die when the pool ends it (SIGTERM), even if the building process had
    # its own handler, which fork copied here; Ctrl-C is the building process's to handle.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _call(function: Callable[[object, Item], Result], item: Item) -> Result:
    return function(_worker_state, item)

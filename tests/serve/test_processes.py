"""Worker processes: forked only where that is safe, ended when their pool ends, and as
many as the CPUs this process may use."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from liveutil import write_corpus

from sitegen import build, parallel


def test_a_build_in_a_process_with_other_threads_does_not_fork(tmp_path: Path, monkeypatch):
    site = tmp_path / "site"
    write_corpus(site, 400)  # enough for every stage's pool
    forks: list[int] = []

    def refuse_fork() -> int:
        forks.append(1)
        raise AssertionError("forked from a process that runs other threads")

    monkeypatch.setattr(os, "fork", refuse_fork)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        result = build(site, tmp_path / "out", jobs=2, use_cache=False)
    finally:
        release.set()
        other.join()
    assert forks == []
    assert result.articles == 400
    assert (tmp_path / "out" / "articles" / "story-7" / "index.html").is_file()


def test_no_fork_on_macos(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert not parallel.can_fork()


def test_the_work_is_done_in_this_process_where_fork_is_unsafe(monkeypatch):
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked"))
    results = parallel.map_in_processes(10, _plus_sum, [[1, 2], [3]], jobs=4)
    assert sorted(results) == [13, 13]


def _plus_sum(state: object, items: list[int]) -> int:
    return int(str(state)) + sum(items)


def test_jobs_follow_the_cpus_this_process_may_use(monkeypatch):
    monkeypatch.setattr(os, "process_cpu_count", lambda: 3, raising=False)
    assert parallel.default_jobs() == 3
    monkeypatch.delattr(os, "process_cpu_count")
    if hasattr(os, "sched_getaffinity"):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 5})
        monkeypatch.setattr(os, "cpu_count", lambda: 64)
        assert parallel.default_jobs() == 2


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork")
def test_workers_end_with_their_pool_even_under_a_sigterm_handler():
    """The hang of `sitegen serve`: workers forked from a process with a SIGTERM handler
    inherited it, so the pool's clean-up (SIGTERM) never ended them and the build waited."""
    script = textwrap.dedent(
        """
        import signal, time
        from sitegen.parallel import map_in_processes

        def slow_square(state, item):
            time.sleep(0.3)
            return item * item

        signal.signal(signal.SIGTERM, lambda *_: None)
        for _ in range(3):
            # Stop after the first result: the pool ends while a worker is still busy.
            results = map_in_processes(None, slow_square, range(40), jobs=2)
            print(next(results) >= 0)
            results.close()
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"] * 3

"""Where in a build its memory peaks: runs a command (a cold `sitegen build --timings`, say),
samples every 0.1 s the resident size of its main process and the proportional set size
of its whole process tree (as bench/run.py measures the peak), and prints both peaks and
a timeline of about 60 lines, with how many child processes (workers) were alive.

    XDG_CACHE_HOME=$(mktemp -d) python bench/memory_timeline.py \\
        python -m sitegen build --timings --site SITE --output OUT

Compare the timeline's seconds with the stages `--timings` prints (they run in order).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from run import _tree_pss_kb


def resident_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def children(pid: int) -> int:
    try:
        return sum(
            len((task / "children").read_text().split()) for task in Path(f"/proc/{pid}/task").iterdir()
        )
    except (FileNotFoundError, ProcessLookupError):
        return 0


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    started = time.perf_counter()
    process = subprocess.Popen(sys.argv[1:])
    samples: list[tuple[float, int, int, int]] = []  # seconds, main MB, tree MB, children
    while process.poll() is None:
        samples.append(
            (
                time.perf_counter() - started,
                resident_kb(process.pid) // 1024,
                _tree_pss_kb(process.pid) // 1024,
                children(process.pid),
            )
        )
        time.sleep(0.1)
    if not samples:
        return
    tree = max(samples, key=lambda sample: sample[2])
    main_peak = max(samples, key=lambda sample: sample[1])
    print(f"tree PSS peak {tree[2]} MB at {tree[0]:.1f} s", end="; ")
    print(f"main process peak {main_peak[1]} MB at {main_peak[0]:.1f} s")
    for seconds, main_mb, tree_mb, workers in samples[:: max(1, len(samples) // 60)]:
        print(f"{seconds:6.1f} s  main {main_mb:5d} MB  tree {tree_mb:5d} MB  children {workers}")
    sys.exit(process.returncode)


if __name__ == "__main__":
    main()

"""One body edit, rebuilt by two checkouts of sitegen in turn: medians of every stage.

    git archive <commit> | tar -x -C /tmp/sitegen-old
    python bench/compare_edit.py --site /dev/shm/corpus-10000 --old /tmp/sitegen-old --runs 7

Each run appends a sentence to the same article and builds with the old code, then with
the new code (this checkout by default), each into its own output folder and build cache
under --work, so both see the same edit under the same load. The outputs must have been
built once before (the first runs fill them). Prints the median of `--timings` per stage
of the build, and of the wall time of the whole command.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--site", type=Path, required=True, help="a site, e.g. from make_corpus.py")
    parser.add_argument("--old", type=Path, required=True, help="a checkout of the code to compare with")
    parser.add_argument("--new", type=Path, default=ROOT)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path("/dev/shm") if Path("/dev/shm").is_dir() else None)
    args = parser.parse_args()
    work = (args.work or Path(tempfile.gettempdir())) / "sitegen-compare-edit"
    work.mkdir(parents=True, exist_ok=True)
    files = sorted((args.site / "content").rglob("*.md"))
    article = files[len(files) // 2]
    original = article.read_text(encoding="utf-8")
    stages: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    try:
        for run in range(args.runs + 1):  # the first run fills the outputs and caches
            for name, code in (("old", args.old), ("new", args.new)):
                article.write_text(original + f"\nOne more sentence {run} {name}.\n", encoding="utf-8")
                env = {**os.environ, "PYTHONPATH": str(code)}
                env["SITEGEN_CACHE_DIR"] = str(work / f"cache-{name}")
                command = [sys.executable, "-m", "sitegen", "build", "--site", str(args.site)]
                command += ["--output", str(work / f"out-{name}"), "--timings"]
                started = time.perf_counter()
                # cwd: `python -m` puts the current folder first on the path, before PYTHONPATH.
                done = subprocess.run(command, env=env, cwd=work, capture_output=True, text=True, check=True)
                wall = time.perf_counter() - started
                found = {m[0]: float(m[1]) for m in re.findall(r"^\s+(\w+)\s+([\d.]+) s$", done.stdout, re.M)}
                found["build"] = float(re.search(r" in ([\d.]+) s ", done.stdout)[1])  # type: ignore[index]
                found["wall"] = wall  # with Python's start-up
                if run:
                    stages[name].append(found)
    finally:
        article.write_text(original, encoding="utf-8")
    for name, runs in stages.items():
        medians = {key: statistics.median(r.get(key, 0.0) for r in runs) for key in runs[0]}
        print(f"{name}: " + "  ".join(f"{key} {value:.3f}" for key, value in medians.items()))


if __name__ == "__main__":
    main()

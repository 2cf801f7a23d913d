"""What the build's near-duplicate check costs at scale: CPU seconds of the check alone
(shingling every article's body, then the indexed search for pairs), and of an edit
(one body changed: its shingles again, then its comparison with the texts that share a
sentence with it, as the preview's rebuild does).

    python bench/neardup_cost.py SITE

SITE is a site folder, e.g. a copy of /dev/shm/sgbench/corpus-10000. CPU time
(time.process_time), not wall time, so that other work on the machine counts less; compare it
with the CPU time of a cold build (`time python -m sitegen build --no-cache ...`: user + sys).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sitegen.config import load_config  # noqa: E402
from sitegen.engine import Engine  # noqa: E402
from sitegen.neardup import NearDuplicates, shingles  # noqa: E402


def main() -> None:
    site = Path(sys.argv[1])
    config, _ = load_config(site)
    files, _ = Engine(site, use_cache=False, jobs=1).read_articles(config)
    texts = {label: f.body for label, f in files.items() if f.article}
    start = time.process_time()
    bodies = {label: (f.body_digest, shingles(f.body)) for label, f in files.items() if f.article}
    hashing = time.process_time() - start
    near = NearDuplicates()
    start = time.process_time()
    near.update(bodies)
    problems = near.problems()
    cold = time.process_time() - start
    label = next(iter(bodies))
    edited = (b"edited", shingles(texts[label] + "\n\nOne more sentence for the edit."))
    start = time.process_time()
    near.update({label: edited})
    near.problems()
    edit = time.process_time() - start
    print(f"{len(bodies)} articles, {len(problems)} near-duplicate pairs")
    print(
        f"hashing every body's sentences (done where files are validated, in the build's worker "
        f"processes): {hashing:.2f} s CPU; the search for pairs in a cold build (in the main "
        f"process): {cold:.2f} s CPU; after one body edit: {edit:.3f} s CPU"
    )


if __name__ == "__main__":
    main()

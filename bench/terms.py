"""How long `sitegen terms` takes: loading the site, and listing its vocabulary with its flags.

    python bench/terms.py --site /dev/shm/sgbench/corpus-10000 --runs 5 --terms 10000

Times (medians of --runs) loading the site (`sitegen.build.load_site`, without the cache),
`sitegen.vocabulary.vocabulary()` on it, and `similar_groups()` on a made-up vocabulary of
--terms terms (two- and three-word names from the corpus's tag words, a tenth of them given a
plural, a hyphen dropped or a letter swapped, so that some look alike), which the corpus's
few hundred tags do not stretch.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from sitegen.build import load_site
from sitegen.slugs import slugify
from sitegen.vocabulary import Listed, similar_groups, vocabulary


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--site", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--terms", type=int, default=10000)
    args = parser.parse_args()
    loads, lists, lists_cpu = [], [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        site = load_site(args.site).site
        loads.append(time.perf_counter() - started)
        started, started_cpu = time.perf_counter(), time.process_time()
        found = vocabulary(site)
        lists.append(time.perf_counter() - started)
        lists_cpu.append(time.process_time() - started_cpu)
    terms = sum(len(taxonomy.terms) for taxonomy in site.taxonomies.values())
    print(f"{len(site.articles)} articles, {terms} terms, {len(found.suggestions)} suggestions")
    print(
        f"load_site (no cache): {statistics.median(loads):.2f} s; vocabulary(): "
        f"{statistics.median(lists):.3f} s ({statistics.median(lists_cpu):.3f} s of CPU)"
    )
    words = sorted({word for t in site.taxonomies["tags"].terms for word in t.slug.split("-")})
    made = made_up(words, args.terms)
    times, cpu = [], []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        groups = similar_groups(made)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(
        f"similar_groups() on {len(made)} made-up terms: {statistics.median(times):.3f} s "
        f"({statistics.median(cpu):.3f} s of CPU; {len(groups)} groups)"
    )


def made_up(words: list[str], count: int) -> list[Listed]:
    chance = random.Random(11)
    names: dict[str, str] = {}
    while len(names) < count:
        name = " ".join(chance.sample(words, chance.choice((2, 3))))
        if chance.random() < 0.1:  # a variant: a plural, a hyphen dropped, two letters swapped
            at = chance.randrange(1, len(name) - 1)
            name = chance.choice(
                [
                    name + "s",
                    name.replace(" ", "", 1),
                    name[: at - 1] + name[at] + name[at - 1] + name[at + 1 :],
                ]
            )
        names.setdefault(slugify(name), name)
    return [Listed("tags", name, slug, ()) for slug, name in names.items()]


if __name__ == "__main__":
    main()

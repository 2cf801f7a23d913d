"""How good the importer's region and tag suggestions are: precision and recall.

    python bench/suggest_eval.py [--verbose]

Two sets, each against tags and regions an editor chose:
- the sample briefing (content/), leave-one-out: each article is suggested for from the other
  articles' tags and regions only (its own tags do not count towards how often a tag is used,
  and a tag only it uses is not in the vocabulary);
- the held-out clippings (tests/fixtures/suggest/heldout.yaml), written and tagged by hand
  before the rules were written, suggested for from the whole sample site.

Precision: the share of suggested names the editor chose too; recall: the share of the
editor's names that were suggested (summed over articles: micro-averaged). Names are compared
by their slug.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sitegen.config import load_config  # noqa: E402
from sitegen.engine import Engine  # noqa: E402
from sitegen.importer.suggest import ClippingText, SiteTerms, site_terms, suggest  # noqa: E402
from sitegen.slugs import slugify  # noqa: E402
from sitegen.validate import Article  # noqa: E402

HELD_OUT = ROOT / "tests" / "fixtures" / "suggest" / "heldout.yaml"


@dataclass
class Score:
    suggested: int = 0
    chosen: int = 0
    right: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, label: str, suggested: tuple[str, ...], chosen: tuple[str, ...]) -> None:
        got = {slugify(n) for n in suggested}
        wanted = {slugify(n) for n in chosen}
        self.suggested += len(got)
        self.chosen += len(wanted)
        self.right += len(got & wanted)
        if got != wanted:
            self.misses.append(f"{label}: suggested {sorted(got)}, chosen {sorted(wanted)}")

    def line(self, name: str) -> str:
        precision = self.right / self.suggested if self.suggested else 1.0
        recall = self.right / self.chosen if self.chosen else 1.0
        return (
            f"{name:<28} precision {precision:.2f} ({self.right}/{self.suggested})   "
            f"recall {recall:.2f} ({self.right}/{self.chosen})"
        )


def article_text(article: Article, body: str) -> ClippingText:
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    if article.summary_from_body and paragraphs:
        paragraphs = paragraphs[1:]  # the lead is the body's first paragraph: counted once
    return ClippingText(article.title, article.summary, "\n\n".join(paragraphs))


def sample_site(site: Path) -> tuple[list[tuple[Article, str]], object]:
    config, _ = load_config(site)
    files, _ = Engine(site, use_cache=False).read_articles(config)
    return [(f.article, f.body) for f in files.values() if f.article and not f.article.draft], config


def evaluate(site: Path, verbose: bool) -> None:
    articles, config = sample_site(site)
    regions, tags = Score(), Score()
    for article, body in articles:
        others = [a for a, _ in articles if a is not article]
        terms = site_terms(others, config)  # type: ignore[arg-type]
        got = suggest(article_text(article, body), terms)
        chosen_tags = config.canonical_names("tags", article.tags)  # type: ignore[attr-defined]
        regions.add(article.path, got.regions, article.regions)
        tags.add(article.path, got.tags, chosen_tags)
    report("sample briefing (leave-one-out)", regions, tags, verbose)

    terms: SiteTerms = site_terms([a for a, _ in articles], config)  # type: ignore[arg-type]
    regions, tags = Score(), Score()
    for item in yaml.safe_load(HELD_OUT.read_text(encoding="utf-8")):
        lines = item["text"].strip().splitlines()
        got = suggest(ClippingText(item["title"], lines[0], "\n".join(lines[1:])), terms)
        regions.add(item["title"], got.regions, tuple(item["regions"]))
        tags.add(item["title"], got.tags, tuple(item["tags"]))
    report(f"held-out clippings ({HELD_OUT.relative_to(ROOT)})", regions, tags, verbose)


def report(title: str, regions: Score, tags: Score, verbose: bool) -> None:
    print(title)
    print("  " + regions.line("regions"))
    print("  " + tags.line("tags"))
    if verbose:
        for miss in regions.misses + tags.misses:
            print("    " + miss)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--site", type=Path, default=ROOT, help="the site (default: the sample briefing)")
    parser.add_argument("--verbose", action="store_true", help="list every article whose suggestions differ")
    args = parser.parse_args()
    evaluate(args.site, args.verbose)


if __name__ == "__main__":
    main()

"""What the importer's suggestions and near-duplicate check need to know of the site: its
tags, regions and `regions_map:`, and the shingles of each article's text."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ..config import load_config
from ..engine import Engine
from ..neardup import THRESHOLD, shingles, similarity
from .suggest import SiteTerms, site_terms


@dataclass
class SiteKnowledge:
    terms: SiteTerms
    texts: dict[Path, frozenset[int]] = field(default_factory=dict)  # article file -> shingles

    @classmethod
    def scan(cls, site_dir: Path) -> SiteKnowledge:
        """The site's articles as the build reads them; a broken site.yaml or article is the
        build's to report, and suggestions make do with the rest."""
        config, _ = load_config(site_dir)  # with defaults in place of values that are wrong
        files, _ = Engine(site_dir, use_cache=False).read_articles(config)
        articles = [f.article for f in files.values() if f.article]
        knowledge = cls(site_terms(articles, config))
        for label, read in files.items():
            if read.article:
                knowledge.texts[site_dir / label] = shingles(read.body)
        return knowledge

    def near_duplicate_of(self, text: str) -> tuple[Path, Fraction] | None:
        """The article whose text is most like `text`, when they are near-duplicates."""
        own = shingles(text)
        best: tuple[Path, Fraction] | None = None
        for path, other in self.texts.items():
            value = similarity(own, other)
            if value >= THRESHOLD and (best is None or value > best[1]):
                best = (path, value)
        return best

    def add(self, path: Path, text: str) -> None:
        self.texts[path] = shingles(text)

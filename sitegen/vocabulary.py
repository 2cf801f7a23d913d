"""The site's vocabulary, for `sitegen terms`: every term with its use, and flags that help an
editor keep it tidy (terms used once, spellings that look like one term, alias targets that
no article names).

The listing is made from a plain sequence of `Listed` terms (taxonomy, name, slug, articles),
so anything taxonomy-like joins it by adding its terms to `listed_terms`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import yaml

from .errors import Problem, UsageError
from .model import Site, names_of
from .slugs import slugify
from .validate import Article

# The flags, as `sitegen terms` prints them and its JSON lists them.
USED_ONCE = "used-once"  # one article has the term
SIMILAR = "similar:"  # + another term's slug: the two look like one term spelt two ways
ALIAS_TARGET_MISSING = "alias-target-missing"  # an `aliases:` target that no article names itself

# Likeness keys (below) this long or longer one edit apart look like one term; shorter ones
# one letter apart are often different terms ('iran', 'iraq').
MIN_TYPO_LENGTH = 5


@dataclass(frozen=True)
class Listed:
    """One term as the listing takes it."""

    taxonomy: str
    name: str
    slug: str
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class TermUse:
    """A term with how it is used, and its flags."""

    taxonomy: str
    name: str
    slug: str
    count: int
    first: dt.datetime | None  # its oldest article's date (none for an alias target without articles)
    latest: dt.datetime | None
    flags: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "taxonomy": self.taxonomy,
            "name": self.name,
            "slug": self.slug,
            "count": self.count,
            "first": self.first.isoformat() if self.first else None,
            "latest": self.latest.isoformat() if self.latest else None,
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class AliasSuggestion:
    """Terms that look like one: the one with the most articles, and the others as its aliases."""

    taxonomy: str
    canonical: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    terms: tuple[TermUse, ...]  # by taxonomy (in the site's order), then by name
    suggestions: tuple[AliasSuggestion, ...]
    warnings: tuple[Problem, ...]  # what loading the site found

    def suggestions_yaml(self) -> str:
        """The suggestions as an `aliases:` entry that can be pasted into site.yaml."""
        entries: dict[str, dict[str, list[str]]] = defaultdict(dict)
        for suggestion in self.suggestions:
            entries[suggestion.taxonomy][suggestion.canonical] = list(suggestion.aliases)
        if not entries:
            return ""
        return yaml.safe_dump(
            {"aliases": dict(entries)},
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=None,
            width=1000,
        )


STORIES = "stories"  # how `sitegen terms` names the stories, listed after the taxonomies


def load_vocabulary(site_dir: Path | str, taxonomy: str | None = None) -> Vocabulary:
    """The vocabulary of the site in `site_dir` (published articles, as a build shows them),
    all taxonomies or one; raises SiteError for content and configuration errors and
    UsageError for a taxonomy the site does not have."""
    from .build import load_site  # the engine imports much: only this entry point needs it

    loaded = load_site(site_dir, use_cache=True)  # the articles as the last build validated them
    known = [*loaded.site.taxonomies, STORIES]
    if taxonomy is not None and taxonomy not in known:
        raise UsageError(
            f"--taxonomy {taxonomy!r}: the site has no such taxonomy (it has: {', '.join(known)})"
        )
    return vocabulary(loaded.site, taxonomy, loaded.warnings)


def listed_terms(site: Site) -> list[Listed]:
    """Every term of every taxonomy of the site, in the order of its taxonomies, then the
    stories (named in front matter like terms, under `story:`)."""
    terms = [
        Listed(term.taxonomy, term.name, term.slug, term.articles)
        for taxonomy in site.taxonomies.values()
        for term in taxonomy.terms
    ]
    return terms + [Listed(STORIES, story.title, story.slug, story.articles) for story in site.stories]


def vocabulary(site: Site, taxonomy: str | None = None, warnings: Sequence[Problem] = ()) -> Vocabulary:
    """The terms of the site's model (of one taxonomy, or all) with their flags, and an alias
    suggestion for each group of look-alike spellings."""
    listed = [term for term in listed_terms(site) if taxonomy is None or term.taxonomy == taxonomy]
    flags: dict[tuple[str, str], list[str]] = defaultdict(list)
    for term in listed:
        if len(term.articles) == 1:
            flags[(term.taxonomy, term.slug)].append(USED_ONCE)
    groups = similar_groups(listed)
    for group in groups:
        for term in group:
            others = sorted(other.slug for other in group if other is not term)
            flags[(term.taxonomy, term.slug)] += [SIMILAR + slug for slug in others]
    missing = _missing_alias_targets(site, listed, taxonomy, flags)
    uses = [_use(term, flags[(term.taxonomy, term.slug)]) for term in listed] + missing
    order = {name: i for i, name in enumerate(site.taxonomies)}
    uses.sort(
        key=lambda use: (order.get(use.taxonomy, len(order)), use.taxonomy, use.name.casefold(), use.slug)
    )
    return Vocabulary(tuple(uses), tuple(_suggestion(group) for group in groups), tuple(warnings))


def _use(term: Listed, flags: list[str]) -> TermUse:
    dates = [article.date for article in term.articles]
    return TermUse(
        term.taxonomy,
        term.name,
        term.slug,
        len(term.articles),
        min(dates) if dates else None,
        max(dates) if dates else None,
        tuple(flags),
    )


def _missing_alias_targets(
    site: Site, listed: list[Listed], taxonomy: str | None, flags: dict[tuple[str, str], list[str]]
) -> list[TermUse]:
    """Flag each `aliases:` target that no article names itself (a misspelt target gathers
    its aliases' articles under a name nobody uses); one without any articles at all is
    listed too, with a count of 0."""
    targets = {
        (spec.taxonomy, slugify(spec.canonical)): spec.canonical
        for spec in site.config.aliases
        if taxonomy is None or spec.taxonomy == taxonomy
    }
    if not targets:
        return []
    named: set[tuple[str, str]] = set()
    slugs: dict[str, str] = {}
    for name_of_taxonomy in {name for name, _ in targets}:
        for article in site.articles:
            for name in names_of(article, name_of_taxonomy):
                slug = slugs.get(name) or slugs.setdefault(name, slugify(name))
                named.add((name_of_taxonomy, slug))
    listed_keys = {(term.taxonomy, term.slug) for term in listed}
    missing = []
    for key, name in targets.items():
        if key in named:
            continue
        if key in listed_keys:
            flags[key].append(ALIAS_TARGET_MISSING)
        else:
            missing.append(TermUse(key[0], name, key[1], 0, None, None, (ALIAS_TARGET_MISSING,)))
    return missing


def _suggestion(group: list[Listed]) -> AliasSuggestion:
    canonical = min(group, key=lambda term: (-len(term.articles), term.name.casefold(), term.slug))
    aliases = tuple(term.name for term in sorted(group, key=lambda t: t.slug) if term is not canonical)
    return AliasSuggestion(canonical.taxonomy, canonical.name, aliases)


# --- Spellings that look like one term -------------------------------------------------------


def likeness_key(slug: str) -> str:
    """What spellings of one term keep in common beyond their slug (which already drops case
    and accents): the words singular and run together, so that 'sanction', 'sanctions',
    'cyber-attack' and 'cyberattack' meet."""
    return "".join(_singular(word) for word in slug.split("-"))


def _singular(word: str) -> str:
    if not word.isascii() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def similar_groups(terms: Iterable[Listed]) -> list[list[Listed]]:
    """Terms of one taxonomy that look like one term, in groups: those whose likeness keys are
    equal, or one edit apart (a letter added, dropped or changed, or two neighbours swapped;
    keys of MIN_TYPO_LENGTH letters or more). Fast at thousands of terms: terms are bucketed
    by their key, and two keys are compared only when deleting one letter from each (or none)
    makes them equal, which two keys one edit apart always do; never all pairs."""
    by_taxonomy: dict[str, dict[str, list[Listed]]] = defaultdict(lambda: defaultdict(list))
    for term in terms:
        by_taxonomy[term.taxonomy][likeness_key(term.slug)].append(term)
    groups: list[list[Listed]] = []
    for buckets in by_taxonomy.values():
        parent = {key: key for key in buckets}
        for first, second in _near_keys(list(buckets)):
            parent[_root(parent, first)] = _root(parent, second)
        joined: dict[str, list[Listed]] = defaultdict(list)
        for key, members in buckets.items():
            joined[_root(parent, key)] += members
        groups += [sorted(group, key=lambda t: t.slug) for group in joined.values() if len(group) > 1]
    groups.sort(key=lambda group: (group[0].taxonomy, group[0].slug))
    return groups


def _root(parent: dict[str, str], key: str) -> str:
    """The key that stands for the group `key` is in (union-find, with path halving)."""
    while parent[key] != key:
        parent[key] = parent[parent[key]]
        key = parent[key]
    return key


def _near_keys(keys: list[str]) -> set[tuple[str, str]]:
    """The pairs of keys (MIN_TYPO_LENGTH letters or more) one edit apart."""
    by_variant: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        if len(key) >= MIN_TYPO_LENGTH:
            by_variant[key].append(key)
            for i in range(len(key)):
                by_variant[key[:i] + key[i + 1 :]].append(key)
    pairs: set[tuple[str, str]] = set()
    for sharing in by_variant.values():
        if len(sharing) > 1:  # most variants belong to one key
            for pair in combinations(sorted(set(sharing)), 2):
                if pair not in pairs and one_edit_apart(*pair):
                    pairs.add(pair)
    return pairs


def one_edit_apart(first: str, second: str) -> bool:
    """Whether two different strings differ by one letter added, dropped or changed, or by two
    neighbouring letters swapped (an optimal-string-alignment distance of 1)."""
    if len(first) > len(second):
        first, second = second, first
    if len(second) - len(first) > 1 or first == second:
        return False
    start = next((i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b), len(first))
    if len(first) < len(second):  # one letter added to `first`
        return first[start:] == second[start + 1 :]
    if first[start + 1 :] == second[start + 1 :]:  # one letter changed
        return True
    return (  # two neighbours swapped
        first[start : start + 2] == second[start : start + 2][::-1]
        and first[start + 2 :] == second[start + 2 :]
    )

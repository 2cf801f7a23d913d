"""Region and tag suggestions for an imported clipping: pure rules on its text and on what
the site already has (its regions, its tags with their aliases and how often editors used
them, and site.yaml's `regions_map:`).

Where a name occurs weighs in: the headline counts HEADLINE_WEIGHT times, the lead (and the
dateline) LEAD_WEIGHT times, the rest of the body once.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .. import places
from ..config import SiteConfig
from ..validate import Article
from ..vocabulary import likeness_key

HEADLINE_WEIGHT = 3
LEAD_WEIGHT = 2
BODY_WEIGHT = 1
MAX_TAGS = 5
MAX_REGIONS = 2
# A region is suggested when its places score at least this much (one mention in the lead,
# or two in the body): a place named once in passing is not what the story is about.
MIN_REGION_SCORE = 2
# A second region is suggested when it scores at least this share of the first's.
SECOND_REGION_SHARE = 0.5
# Tag spellings this short ('lng', 'eu', 'ai') match only when the text writes them in
# capitals, so that 'us' the word is never the tag 'us'.
SHORT_TAG_LETTERS = 3


@dataclass(frozen=True)
class ClippingText:
    """The parts of a clipping the rules read."""

    headline: str
    lead: str
    body: str

    def zones(self) -> tuple[tuple[str, int], ...]:
        return ((self.headline, HEADLINE_WEIGHT), (self.lead, LEAD_WEIGHT), (self.body, BODY_WEIGHT))


@dataclass(frozen=True)
class KnownTag:
    """A tag the site already has: its name as editors write it most, the spellings that
    stand for it (its name and its aliases), and how many articles use it."""

    name: str
    spellings: tuple[str, ...]
    uses: int


@dataclass(frozen=True)
class SiteTerms:
    """What suggestions may choose from: the site's tags, the region names its articles use,
    and site.yaml's `regions_map:` (a country or M49 group name -> a region of the site)."""

    tags: tuple[KnownTag, ...]
    regions_used: tuple[str, ...] = ()
    regions_map: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Suggestion:
    regions: tuple[str, ...]
    tags: tuple[str, ...]

    def describe(self) -> str:
        """One line for the editor to check: 'suggested region: Europe; tags: energy, gas'."""
        region = "region" if len(self.regions) <= 1 else "regions"
        return (
            f"suggested {region}: {', '.join(self.regions) or '(none)'}; "
            f"tags: {', '.join(self.tags) or '(none)'}"
        )


def suggest(text: ClippingText, terms: SiteTerms) -> Suggestion:
    return Suggestion(suggest_regions(text, terms), suggest_tags(text, terms.tags))


# --- Regions --------------------------------------------------------------------------------


def country_scores(text: ClippingText) -> Counter[str]:
    """Each country the text names, with its weighted count of mentions (cities count for
    their country). An ambiguous name (places.AMBIGUOUS) counts only for a country the text
    also names another way."""
    gazetteer = places.gazetteer()
    scores: Counter[str] = Counter()
    ambiguous: list[tuple[tuple[str, ...], int]] = []
    for zone, weight in text.zones():
        for match in gazetteer.pattern.finditer(zone):
            name = match.group(0)
            if name in places.AMBIGUOUS:
                ambiguous.append((places.AMBIGUOUS[name], weight))
                continue
            for code in gazetteer.countries_of[name]:
                scores[code] += weight
    confirmed = set(scores)
    for codes, weight in ambiguous:
        for code in codes:
            if code in confirmed:
                scores[code] += weight
    return scores


def region_of(code: str, terms: SiteTerms) -> str | None:
    """The site's region for a country: `regions_map`'s entry for the country or else for its
    most specific M49 group; else the most specific M49 group the site already uses as a
    region; else its M49 sub-region."""
    groups = places.m49_groups().get(code)
    mapped = {places.fold(key): value for key, value in terms.regions_map}
    for name in places.country_names().get(code, ()):
        if places.fold(name) in mapped:
            return mapped[places.fold(name)]
    if groups is None:
        return None
    for group in groups.chain:
        if places.fold(group) in mapped:
            return mapped[places.fold(group)]
    used = {places.fold(name): name for name in terms.regions_used}
    for group in groups.chain:
        if places.fold(group) in used:
            return used[places.fold(group)]
    return groups.subregion


def suggest_regions(text: ClippingText, terms: SiteTerms) -> tuple[str, ...]:
    """The best region, and a second one when it scores at least SECOND_REGION_SHARE of the
    first; none below MIN_REGION_SCORE. Ties go to the region named first in the alphabet."""
    scores: Counter[str] = Counter()
    for code, score in country_scores(text).items():
        region = region_of(code, terms)
        if region:
            scores[region] += score
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    ranked = [(name, score) for name, score in ranked if score >= MIN_REGION_SCORE]
    if not ranked:
        return ()
    best = ranked[0][1]
    return tuple(name for name, score in ranked[:MAX_REGIONS] if score >= best * SECOND_REGION_SHARE)


# --- Tags -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Word:
    key: str  # folded and singular
    capitals: bool  # written in capitals in the text


def _words(text: str) -> list[_Word]:
    """The text's words as tags are matched: accents dropped, case folded, plurals singular
    (vocabulary.likeness_key), so 'Elections' meets the tag 'election'."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return [_Word(likeness_key(word.casefold()), word.isupper()) for word in re.findall(r"[^\W_]+", plain)]


def _spelling_keys(spelling: str) -> tuple[str, ...]:
    return tuple(word.key for word in _words(spelling.replace("-", " ")))


@dataclass(frozen=True)
class _Zone:
    """One part of the text: its words, where each word occurs, and its weight."""

    words: list[_Word]
    places: dict[str, list[int]]
    weight: int

    @classmethod
    def of(cls, text: str, weight: int) -> _Zone:
        words = _words(text)
        places: dict[str, list[int]] = {}
        for i, word in enumerate(words):
            places.setdefault(word.key, []).append(i)
        return cls(words, places, weight)

    def count(self, keys: tuple[str, ...]) -> int:
        """How often `keys` occur as consecutive whole words; a short one-word spelling only
        where the text writes it in capitals."""
        if not keys:
            return 0
        short = len(keys) == 1 and len(keys[0]) <= SHORT_TAG_LETTERS
        return sum(
            1
            for i in self.places.get(keys[0], ())
            if tuple(w.key for w in self.words[i : i + len(keys)]) == keys
            and (not short or self.words[i].capitals)
        )


def tag_scores(text: ClippingText, tags: Iterable[KnownTag]) -> dict[str, int]:
    """Each known tag the text mentions (by its name or an alias), with its weighted count."""
    zones = [_Zone.of(zone, weight) for zone, weight in text.zones()]
    scores: dict[str, int] = {}
    for tag in tags:
        keys = {_spelling_keys(spelling) for spelling in tag.spellings}
        score = sum(zone.weight * zone.count(key) for zone in zones for key in keys)
        if score:
            scores[tag.name] = score
    return scores


def suggest_tags(text: ClippingText, tags: tuple[KnownTag, ...]) -> tuple[str, ...]:
    """At most MAX_TAGS of the site's tags that the text mentions, by weighted mentions, then
    by how many articles use them, then by name."""
    uses = {tag.name: tag.uses for tag in tags}
    scores = tag_scores(text, tags)
    ranked = sorted(scores, key=lambda name: (-scores[name], -uses[name], name.casefold()))
    return tuple(ranked[:MAX_TAGS])


def site_terms(articles: Iterable[Article], config: SiteConfig) -> SiteTerms:
    """What suggestions choose from in a site: the tags and regions of `articles` (pass all
    but one to leave that one out), the tag aliases and regions_map of `config`."""
    articles = list(articles)
    aliases: dict[str, list[str]] = {}
    for spec in config.aliases:
        if spec.taxonomy == "tags":
            aliases.setdefault(spec.canonical, []).append(spec.alias)
    tags = known_tags((config.canonical_names("tags", a.tags) for a in articles), aliases)
    regions = tuple(dict.fromkeys(name for a in articles for name in a.regions))
    return SiteTerms(tags, regions, config.regions_map)


def known_tags(
    articles_tags: Iterable[Iterable[str]], aliases: Mapping[str, Iterable[str]]
) -> tuple[KnownTag, ...]:
    """The site's tags from each article's tags (canonical names: aliases already resolved)
    and site.yaml's aliases (canonical -> alias spellings). Spellings of one slug are one tag,
    named as most articles write it."""
    from ..slugs import slugify

    spelled: dict[str, Counter[str]] = {}
    for names in articles_tags:
        for name in dict.fromkeys(names):
            spelled.setdefault(slugify(name), Counter())[name] += 1
    alias_by_slug: dict[str, list[str]] = {}
    for canonical, spellings in aliases.items():
        alias_by_slug.setdefault(slugify(canonical), []).extend(spellings)
    result = []
    for slug, counts in spelled.items():
        name = min(counts, key=lambda n: (-counts[n], n))
        spellings = (*counts, slug.replace("-", " "), *alias_by_slug.get(slug, ()))
        result.append(KnownTag(name, tuple(dict.fromkeys(spellings)), sum(counts.values())))
    return tuple(sorted(result, key=lambda tag: tag.name))

"""Which pages a build must render: the dependency graph of the last build, checked
against this build's model.

Every page (and every card, which listings share) is kept with the keys it read while
it rendered (sitegen/render/reads.py) and the value behind each key then. A page is
rendered again exactly when one of those values differs now, when a card it shows
would, when its *shape* changed (its template, the identities of what the model gives
it, sitegen's settings), or when it is new.

Checking every key of 10,000 articles on every build would cost much of a render, so
an article's keys are checked only when the article's front matter or body changed:
every field of an article, and the terms `site.terms_of` gives it, follows from one of
the two (with whether the build's clock has it scheduled or expired, which its front
matter's digest takes in: ModelValues.article_digests), whose digests the graph keeps.
Keys of the rest of the model (terms, taxonomies, the timeline, `site`) are few and are
checked one by one.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import filterfalse
from operator import attrgetter
from typing import Any

from .model import Month, Site, Year
from .render.reads import SITEMAP_ENTRIES, WHOLE_SITE, Key, identity
from .validate import Article

MISSING = b"\0missing"


def digest(*parts: object) -> bytes:
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=16).digest()


class ModelValues:
    """The value (as a digest) behind any key in one build's model, each computed once."""

    def __init__(
        self,
        site: Site,
        template_source: Callable[[str], str | None],
        body_digest: Callable[[Article], bytes],
        last: ModelValues | None = None,
        assets: Mapping[str, str] | None = None,
        strings: Mapping[str, object] | None = None,
    ):
        """`body_digest` gives an article's body digest (bodies are kept beside the
        articles); `last`: the values of an earlier build, whose lookup tables serve again
        if it had the same model; `assets`: the fingerprinted names of the theme's assets;
        `strings`: the theme's strings in the site's language (sitegen/i18n.py), by key."""
        self.site = site
        self.assets = assets or {}
        self.strings = strings or {}
        self.template_source = template_source
        self.body_digest = body_digest
        self.articles: dict[str, Article]
        self._years: dict[int, Year]
        self._months: dict[tuple[int, int], Month]
        if last is not None and last.site is site:
            self.articles, self._years, self._months = last.articles, last._years, last._months
        else:
            # An expired article is in no list, but its page reads it.
            self.articles = {a.slug: a for a in (*site.articles, *site.schedule.expired)}
            self._years = {y.year: y for y in site.years}
            self._months = {(m.year, m.month): m for y in site.years for m in y.months}
        self._expired = frozenset(a.slug for a in site.schedule.expired)
        self._memo: dict[Key, bytes] = {}
        # The last build's model, with its lookup tables (not its ModelValues: a chain of them
        # would keep every model alive).
        self._before = None if last is None else (last.site, last._years, last._months)

    def of(self, key: Key) -> bytes:
        value = self._memo.get(key)
        if value is None:
            value = self._memo[key] = self._value(key)
        return value

    def article_digests(self, slug: str) -> tuple[bytes, bytes]:
        """What the article's front matter and body are now: every field of it, the terms
        it has and whether it is scheduled or expired follow from the first (with the
        build's clock); its rendered body from the second."""
        article = self.articles.get(slug)
        if article is None:
            return MISSING, MISSING
        front = article.front_matter_digest
        # Published ahead of its date, or expired (in no list, so with no terms): when the
        # clock passes its date or its expiry, the article's keys are looked at again, as
        # after an edit of its front matter.
        if self.site.scheduled(article):
            front = digest(front, "scheduled")
        elif slug in self._expired:
            front = digest(front, "expired")
        return front, self.body_digest(article)

    def _value(self, key: Key) -> bytes:
        kind = key[0]
        if kind == "template":
            source = self.template_source(key[1])
            return MISSING if source is None else digest(source)
        if kind == "site":
            return self._site_value(key)
        if kind == "asset":  # its name stands for its bytes (and those of what it links)
            return digest(self.assets.get(key[1]))
        if kind == "string":
            return digest(self.strings.get(key[1]))
        entity = self._entity(key)
        if entity is None:
            return MISSING
        name = key[-1]
        if name == "@repr":
            return digest(repr(entity))
        if name == "body":  # its digest stands for it
            return self.body_digest(entity)  # type: ignore[arg-type]
        if name == "@entry":
            return entity.front_matter_digest  # type: ignore[attr-defined]
        found = getattr(entity, name, MISSING)
        return found if found is MISSING else digest(identity(found))

    def _entity(self, key: Key) -> object | None:
        if key[0] == "article":
            return self.articles.get(key[1])
        return _entity_of(self.site, self._years, self._months, key)

    def as_in(self, model: Site | None, key: Key) -> bool:
        """Is `key`'s value in this model known to be what it was in `model` (the last
        build's), without computing it: it reads a field of the very same object (a term, a
        taxonomy, a month, a year, a story or an edition, all frozen), or the very same slugs
        of an article's terms? An edit that rebuilds the model keeps every object it did not
        touch."""
        before = self._before
        if before is None or model is None or before[0] is not model:
            return False
        kind = key[0]
        if kind in _ENTITIES:
            entity = _entity_of(self.site, self._years, self._months, key)
            return entity is not None and entity is _entity_of(*before, key)
        if kind == "site" and key[1] == "terms_of":
            about = (key[2], key[3])
            return self.site.terms_by_article.get(about) is model.terms_by_article.get(about)
        return False

    def _site_value(self, key: Key) -> bytes:
        site = self.site
        what = key[1]
        if what == "terms_of":
            return digest(identity(site.terms_by_article.get((key[2], key[3]), ())))
        if what == "term":
            return digest(identity(site.term(key[2], key[3])))
        if what == "scheduled":
            return digest(key[2] in site.schedule.scheduled)
        if key == WHOLE_SITE:
            return digest([(a.slug, self.article_digests(a.slug)) for a in site.articles])
        if key == SITEMAP_ENTRIES:  # every page listed, with the article it shows, for its dates
            entries = b"".join(map(_SITEMAP_ENTRY, site.pages))  # in C: each page keeps its entry
            return hashlib.blake2b(entries, digest_size=16).digest()
        return digest(identity(getattr(site, what)))


_SITEMAP_ENTRY = attrgetter("sitemap_entry")

# The kinds of keys about one object of the model other than an article, each frozen.
_ENTITIES = ("term", "taxonomy", "year", "month", "story", "edition")


def _entity_of(
    site: Site, years: Mapping[int, Year], months: Mapping[tuple[int, int], Month], key: Key
) -> object | None:
    """The object of the model (not an article) that `key` is about, or None."""
    kind = key[0]
    if kind == "term":
        return site.terms_by_slug.get(key[1], {}).get(key[2])
    if kind == "taxonomy":
        return site.taxonomies.get(key[1])
    if kind == "year":
        return years.get(key[1])
    if kind == "month":
        return months.get((key[1], key[2]))
    if kind == "story":
        return site.stories_by_slug.get(key[1])
    if kind == "edition":
        return site.editions_by_slug.get(key[1])
    raise ValueError(f"not a key of the model: {key!r}")


# Which of an article's two digests a key about it follows.
FRONT, BODY, BOTH = "front", "body", "both"


def _article_part(key: Key) -> tuple[str, str] | None:
    """The slug of the article a key is about (a field of it, or the terms it has), with
    the part of the article that field comes from; None for any other key."""
    if key[0] == "article":
        field = key[2]
        return key[1], BODY if field == "body" else BOTH if field == "@repr" else FRONT
    if key[0] == "site" and key[1] in ("terms_of", "scheduled"):
        return key[2], FRONT
    return None


@dataclass(frozen=True)
class Reshaped:
    """Where a build's page shapes may differ from those of an earlier one (`before`, that
    very mapping): at `paths` (pages made again, new or gone); elsewhere they are the same."""

    before: Mapping[str, bytes]
    paths: frozenset[str]


def _ids(numbers: Iterable[int]) -> array:
    return array("I", sorted(numbers))


@dataclass
class DependencyGraph:
    """What every page and card of the last build read, and the values it read then.

    Keys are numbered; a page's or card's reads are an array of those numbers, which is
    also how the build cache keeps them (`to_plain` / `from_plain`: plain data only)."""

    keys: list[Key] = field(default_factory=list)
    values: list[bytes] = field(default_factory=list)  # by key number; b"" for a card
    articles: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # slug -> its digests
    article_keys: dict[tuple[str, str], array] = field(default_factory=dict)  # (slug, part) -> numbers
    other_keys: array = field(default_factory=lambda: array("I"))  # numbers of the rest but cards
    pages: dict[str, tuple[bytes, array]] = field(default_factory=dict)  # path -> shape, reads
    cards: dict[int, array] = field(default_factory=dict)  # card_key's number -> reads
    _changed: set[int] = field(default_factory=set)
    _numbers: dict[Key, int] = field(default_factory=dict)  # keys' numbers, made when first needed
    # The set of keys each card's reads were recorded from, while in memory, with the cards
    # among them: a card shown with the very same (frozen) set read the same keys.
    _card_reads: dict[int, tuple[Collection[Key], tuple[Key, ...]]] = field(default_factory=dict)
    # While in memory (the preview): the model and the shapes of the last build recorded,
    # and who reads what, made when an edit first asks.
    model: Site | None = None
    shapes: Mapping[str, bytes] | None = None
    _readers: _Readers | None = None

    def stale(
        self,
        shapes: Mapping[str, bytes],
        now: ModelValues,
        articles_changed: Collection[str] | None = None,
        reshaped: Reshaped | None = None,
    ) -> set[str]:
        """The output paths of the pages (of `shapes`, this build's) that must be rendered.
        `articles_changed`: the slugs of the only articles whose front matter or body may
        differ from the last build recorded, when the caller knows (None: any may).
        `reshaped`: where `shapes` may differ from some earlier shapes, when the caller knows."""
        changed: set[int] = set()
        if articles_changed is None:
            articles_changed = self.articles.keys() | now.articles.keys()
        dirty = []
        for slug in articles_changed:
            before = self.articles.get(slug, (None, None))
            after = now.article_digests(slug)
            if before == after:
                continue
            dirty.append(slug)
            for part, differs in ((FRONT, before[0] != after[0]), (BODY, before[1] != after[1])):
                if differs:  # which of the fields read differ?
                    for about in ((slug, part), (slug, BOTH)):
                        ids = self.article_keys.get(about, ())
                        changed.update(i for i in ids if now.of(self.keys[i]) != self.values[i])
        # With the last build's very model (a body edit in the preview), only the templates,
        # the assets, the theme's strings and what depends on bodies can differ: the rest
        # follows from the model.
        same_model = now.site is self.model
        others_changed = False
        for i in self.other_keys:
            key = self.keys[i]
            if same_model and key[0] not in ("template", "asset", "string") and key != WHOLE_SITE:
                continue
            if not same_model and now.as_in(self.model, key):
                continue
            if now.of(key) != self.values[i]:
                changed.add(i)
                others_changed = True
        if self._readers is not None or (shapes is self.shapes and not others_changed):
            # Who read what is known (the preview), or the same pages as last time read only
            # articles that changed: ask who read them.
            stale = self._readers_of(dirty, changed, shapes, reshaped)
        else:
            stale = self._scan(shapes, changed)
        self._changed = changed
        return stale

    def _scan(self, shapes: Mapping[str, bytes], changed: set[int]) -> set[str]:
        """Every page whose shape changed, that is new, or that read a changed key (`changed`
        grows by the cards that read one)."""
        grown = True
        while grown:  # a card may show another card
            count = len(changed)
            changed.update(card for card, reads in self.cards.items() if not changed.isdisjoint(reads))
            grown = len(changed) > count
        stale = set()
        for path, shape in shapes.items():
            known = self.pages.get(path)
            if known is None or known[0] != shape or not changed.isdisjoint(known[1]):
                stale.add(path)
        return stale

    def _readers_of(
        self, dirty: list[str], changed: set[int], shapes: Mapping[str, bytes], reshaped: Reshaped | None
    ) -> set[str]:
        """As _scan, through who read what: only the pages and cards that read a key of the
        articles `dirty` or another changed key are looked at, and the cards and pages that
        show a card that changed; with other shapes than last time's, also every page whose
        shape changed or that is new (of those `reshaped` names, when it is about last time's)."""
        readers = self.index_readers()
        suspects: set[str] = set()
        queue = [reader for slug in dirty for reader in readers.of_article.get(slug, ())]
        for i in list(changed):
            queue.extend(readers.of_other.get(i, ()))
        while queue:
            reader = queue.pop()
            if isinstance(reader, str):
                suspects.add(reader)
            elif reader not in changed and not changed.isdisjoint(self.cards[reader]):
                changed.add(reader)
                queue.extend(readers.of_card.get(reader, ()))
        stale = {path for path in suspects if path in shapes and not changed.isdisjoint(self.pages[path][1])}
        if shapes is not self.shapes:
            # Elsewhere the shapes are the very ones recorded last time.
            paths = reshaped.paths if reshaped is not None and reshaped.before is self.shapes else shapes
            for path in paths:
                shape = shapes.get(path)
                known = self.pages.get(path)
                if shape is not None and (known is None or known[0] != shape):
                    stale.add(path)
        return stale

    def index_readers(self) -> _Readers:
        """Who read what, made once for a graph kept in memory (the preview), and kept up to
        date by record()."""
        if self._readers is None:
            self._readers = _Readers(self.keys)
            for path, (_, reads) in self.pages.items():
                self._readers.add(path, reads)
            for card, reads in self.cards.items():
                self._readers.add(card, reads)
        return self._readers

    def not_right(self, cards: Collection[Key], fresh: Iterable[Key] | None = None) -> set[Key]:
        """After stale(): those of `cards` (what the last build's renderer holds) that may not be
        right for this build: those the graph has not recorded, and those that read a key that
        changed. `fresh`: the only ones of `cards` that may be unknown to the graph, when the
        caller knows (the others were checked by an earlier call; the graph forgets no key).
        Every card key the graph has numbered has its reads recorded (record())."""
        keys = self.keys
        unknown = set(filterfalse(self._numbering().__contains__, cards if fresh is None else fresh))
        changed = [keys[i] for i in self._changed if keys[i][0] == "card"]
        return unknown.union(key for key in changed if key in cards)

    def _numbering(self) -> dict[Key, int]:
        """Each key's number, made again when keys were added since (from_plain)."""
        if len(self._numbers) != len(self.keys):
            self._numbers = {key: i for i, key in enumerate(self.keys)}
        return self._numbers

    def record(
        self,
        shapes: Mapping[str, bytes],
        rendered: Mapping[str, Collection[Key]],
        cards: Mapping[Key, Collection[Key]],
        now: ModelValues,
        articles_changed: Collection[str] | None = None,
    ) -> None:
        """Take in this build: the pages it rendered with what they read (and what each
        card they show read, from `cards`), the others as they were (nothing they read
        changed), and the pages it no longer has gone. `articles_changed` as for stale()."""
        number = self._numbering()

        def add(key: Key) -> int:
            i = number[key] = len(self.keys)
            self.keys.append(key)
            self.values.append(b"")
            about = _article_part(key)
            if about is not None:
                self.article_keys.setdefault(about, array("I")).append(i)
            elif key[0] != "card":
                self.other_keys.append(i)
            self._changed.add(i)
            return i

        def ids(reads: Collection[Key]) -> array:
            # Most keys are known: look them all up at once, then number the new ones.
            found = [number.get(key) for key in reads]
            if None in found:
                found = [add(key) if i is None else i for key, i in zip(reads, found, strict=True)]
            return _ids(found)  # type: ignore[arg-type]

        readers = self._readers

        def note(reader: str | int, reads: array, before: array | None) -> None:
            if readers is not None:
                if before is not None:
                    readers.remove(reader, before)
                readers.add(reader, reads)

        if shapes is not self.shapes:
            for path in self.pages.keys() - shapes.keys():
                if readers is not None:
                    readers.remove(path, self.pages[path][1])
                del self.pages[path]
        # The pages not rendered kept their shape (a page whose shape changed is stale).
        for path, page_reads in rendered.items():
            reads = ids(page_reads)
            before = self.pages.get(path)
            if before is None or before[1] != reads:  # a page rendered again most often read the same
                note(path, reads, before[1] if before else None)
            self.pages[path] = (shapes[path], reads)
        # The cards the rendered pages show, as they read them (cards rendered by an earlier
        # build of the same model included), and the cards those show.
        shown = [key for reads in rendered.values() for key in reads if key[0] == "card"]
        done: set[Key] = set()
        while shown:
            card = shown.pop()
            if card in done:
                continue
            done.add(card)
            i = number[card]  # the page that shows it numbered it
            card_reads = cards[card]
            # Most cards shown were kept from the last build: the very same set of reads.
            known = self._card_reads.get(i)
            if known is not None and known[0] is card_reads:
                inner = known[1]
            else:
                reads = ids(card_reads)
                recorded = self.cards.get(i)
                if recorded != reads:
                    note(i, reads, recorded)
                    self.cards[i] = reads
                inner = tuple([key for key in card_reads if key[0] == "card"])
                self._card_reads[i] = (card_reads, inner)
            shown.extend(inner)
        for i in self._changed:
            key = self.keys[i]
            if key[0] != "card":
                self.values[i] = now.of(key)
        if articles_changed is None:
            self.articles = {slug: now.article_digests(slug) for slug in now.articles}
        else:
            for slug in articles_changed:
                if slug in now.articles:
                    self.articles[slug] = now.article_digests(slug)
                else:
                    self.articles.pop(slug, None)
        self._changed = set()
        self.model = now.site
        self.shapes = shapes

    def to_plain(self) -> dict:
        return {
            "keys": self.keys,
            "values": self.values,
            "articles": self.articles,
            "article_keys": [(about, ids.tobytes()) for about, ids in self.article_keys.items()],
            "other_keys": self.other_keys.tobytes(),
            "pages": {path: (shape, ids.tobytes()) for path, (shape, ids) in self.pages.items()},
            "cards": {card: ids.tobytes() for card, ids in self.cards.items()},
        }

    @staticmethod
    def shapes_in(data: Mapping) -> dict[str, bytes]:
        """The pages' shapes, by output path, in a graph as plain data (to_plain)."""
        return {path: shape for path, (shape, _) in data["pages"].items()}

    @classmethod
    def from_plain(cls, data: Mapping) -> DependencyGraph:
        def ids(numbers: bytes) -> array:
            found = array("I")
            found.frombytes(numbers)
            return found

        return cls(
            keys=[tuple(key) for key in data["keys"]],
            values=list(data["values"]),
            articles=dict(data["articles"]),
            article_keys={tuple(about): ids(numbers) for about, numbers in data["article_keys"]},
            other_keys=ids(data["other_keys"]),
            pages={path: (shape, ids(numbers)) for path, (shape, numbers) in data["pages"].items()},
            cards={card: ids(numbers) for card, numbers in data["cards"].items()},
        )


class _Readers:
    """Who read what (pages by output path, cards by number): for each article, those that
    read a key about it; for each card, those that show it; for any other key (by number),
    those that read it."""

    def __init__(self, keys: list[Key]):
        self.keys = keys
        self.of_article: dict[str, set[str | int]] = {}
        self.of_card: dict[int, set[str | int]] = {}
        self.of_other: dict[int, set[str | int]] = {}

    def add(self, reader: str | int, reads: Iterable[int]) -> None:
        for i in reads:
            table, about = self._slot(i)
            table.setdefault(about, set()).add(reader)

    def remove(self, reader: str | int, reads: Iterable[int]) -> None:
        for i in reads:
            table, about = self._slot(i)
            table.get(about, set()).discard(reader)

    def _slot(self, i: int) -> tuple[dict[Any, set[str | int]], str | int]:
        """Where the readers of key number `i` are listed."""
        key = self.keys[i]
        if key[0] == "card":
            return self.of_card, i
        about = _article_part(key)
        return (self.of_other, i) if about is None else (self.of_article, about[0])

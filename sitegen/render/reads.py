"""What a page reads while it renders, recorded as it happens.

Templates reach the model only through Jinja2's attribute and subscript lookups
(`article.title`, `term['articles']`, and the `attr`, `map`, `sort`, `selectattr` and
`groupby` filters, which use the same lookups), through `site.terms_of()`, `site.term()`
and `site.scheduled()`, through the templates they extend, include or import, and through
`asset()`, whose answer is an asset's fingerprinted name (sitegen/assets.py). The
environment below notes each of these as a *key*: the model object's identity (an
article's slug, a term's taxonomy and slug, ...) with the field read, or a template's
name. The build keeps each page's keys; a page is rendered again exactly when the value
behind one of them changed (sitegen/deps.py).

Model objects themselves are stood for by their identity: what a page read of
`term.articles` is the list of which articles, in order; what it then read of each is
recorded when it reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from operator import attrgetter
from typing import Any

import jinja2

from ..editions import Edition, EditionItem, EditionSection
from ..model import (
    Month,
    PageData,
    Site,
    Story,
    StoryDay,
    StoryMonth,
    StoryPosition,
    StoryWeek,
    Taxonomy,
    Term,
    Year,
)
from ..validate import Article

Key = tuple[Any, ...]  # plain strings and numbers, so that the build cache can keep it

# How each kind of model object a template may meet is named across builds.
_IDENTITY: dict[type, Callable[[Any], tuple[Any, ...]]] = {
    Article: lambda a: ("article", a.slug),
    Term: lambda t: ("term", t.taxonomy, t.slug),
    Taxonomy: lambda t: ("taxonomy", t.key),
    Year: lambda y: ("year", y.year),
    Month: lambda m: ("month", m.year, m.month),
    Site: lambda s: ("site",),
    Story: lambda s: ("story", s.slug),
    Edition: lambda e: ("edition", e.slug),
}
# Values that hold model objects but are not objects of the model themselves: a page's
# shape holds them field by field (so an article's place in a story is part of its page's
# shape), and what a template reads of the model objects inside them is recorded.
_VALUES = (StoryPosition, StoryDay, StoryMonth, StoryWeek, EditionSection, EditionItem)

_ARTICLE_TYPE = {Article}
_slug = attrgetter("slug")

# What a template may read of `site`; anything else makes the page depend on all of it.
SITE_FIELDS = frozenset({"articles", "taxonomies", "years", "config", "stories", "editions"})
WHOLE_SITE: Key = ("site", "@all")
SITEMAP_ENTRIES: Key = ("site", "@sitemap")  # what the sitemap lists


def card_key(slug: str, variant: int | str, depth: int = 0) -> Key:
    """A page's key for an article's fragment it shows, rendered once and shared: a card
    (`variant`: its heading level) or a headline ("headline"). It stands for everything the
    fragment read. `depth`: how deep the pages are whose links it has (relative_urls), else 0."""
    return card_keys([slug], variant, depth)[0]


def card_keys(slugs: Iterable[str], variant: int | str, depth: int = 0) -> list[Key]:
    """card_key of each slug, in one call (a year page shows thousands)."""
    return [("card", slug, variant, depth) for slug in slugs]


def asset_key(name: str) -> Key:
    """A page's key for a static file it links with asset(): its fingerprinted name."""
    return ("asset", name)


def feed_entry_key(slug: str) -> Key:
    """A feed's key for an article it lists: the feed shows most of its front matter."""
    return ("article", slug, "@entry")


def string_key(name: str) -> Key:
    """A page's key for a theme string it shows (sitegen/i18n.py): the string's text."""
    return ("string", name)


def scheduled_key(slug: str | None) -> Key:
    """A page's key for whether an article is published ahead of its date (site.scheduled):
    that follows from its date and the build's clock (sitegen/deps.py)."""
    return ("site", "scheduled", slug)


def body_key(slug: str) -> Key:
    return ("article", slug, "body")


def identity(value: object) -> object:
    """`value` with every model object in it replaced by its identity: a value that can be
    compared with the same thing in another build."""
    kind = type(value)
    named = _IDENTITY.get(kind)
    if named is not None:
        return named(value)
    if kind is tuple or kind is list:
        # A list of articles, the commonest value by far, in C loops (map) for speed.
        if value and set(map(type, value)) == _ARTICLE_TYPE:  # type: ignore[call-overload]
            return ("articles", *map(_slug, value))  # type: ignore[call-overload]
        return tuple([identity(item) for item in value])  # type: ignore[attr-defined]
    if isinstance(value, PageData):  # its fields
        return (kind.__name__, *[identity(item) for item in value.__dict__.values()])
    if isinstance(value, dict):
        return tuple([(key, identity(item)) for key, item in value.items()])
    if kind in _VALUES:
        return (kind.__name__, *[identity(getattr(value, f.name)) for f in fields(value)])  # type: ignore[arg-type]
    return value


def same_identity(data: PageData, other: PageData) -> bool:
    """Would identity() give the same for the two page data, as seen without computing it:
    the same kind, each field the very same object or a model object of the same name
    (a month's page after an edit that rebuilt its year, not its month)."""
    if type(data) is not type(other):
        return False
    mine, theirs = data.__dict__, other.__dict__
    if mine.keys() != theirs.keys():
        return False
    for name, value in mine.items():
        known = theirs[name]
        if value is known:
            continue
        named = _IDENTITY.get(type(value))
        if named is None or type(known) is not type(value) or named(value) != named(known):
            return False
    return True


class Recorder:
    """The keys read by what is rendering now; a card rendered inside a page records
    into its own set, which the card then hands to every page that shows it."""

    def __init__(self) -> None:
        self._open: list[set[Key]] = []
        # One tuple for each key, however many pages read it (a key is made afresh at each
        # read): a corpus of 2,000 articles has 3,172 pages that read 202,240 keys, 49,214
        # different ones, all held until the build records them.
        self._keys: dict[Key, Key] = {}

    @contextmanager
    def recording(self) -> Iterator[set[Key]]:
        reads: set[Key] = set()
        self._open.append(reads)
        try:
            yield reads
        finally:
            self._open.pop()

    def add(self, key: Key) -> None:
        if self._open:
            self._open[-1].add(self._keys.setdefault(key, key))

    def add_all(self, keys: Sequence[Key]) -> None:
        if self._open:
            self._open[-1].update(map(self._keys.setdefault, keys, keys))


class TrackingEnvironment(jinja2.Environment):
    """A Jinja2 environment that tells its recorder what templates read of the model."""

    def __init__(self, recorder: Recorder, **options: Any):
        super().__init__(**options)
        self.recorder = recorder
        self.finalize = self._shown

    def getattr(self, obj: Any, attribute: str) -> Any:
        method = self._note(obj, attribute)
        return method if method is not None else super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        method = self._note(obj, argument) if isinstance(argument, str) else None
        return method if method is not None else super().getitem(obj, argument)

    def _note(self, obj: Any, field: str) -> Callable | None:
        """Record the read of `field` of a model object; for `site.terms_of` and
        `site.term`, the function to give the template instead, which records its calls."""
        named = _IDENTITY.get(type(obj))
        if named is None:
            return None
        if type(obj) is Site:
            if field == "terms_of":
                return self._terms_of(obj)
            if field == "term":
                return self._term(obj)
            if field == "scheduled":
                return self._scheduled(obj)
            self.recorder.add(("site", field) if field in SITE_FIELDS else WHOLE_SITE)
        else:
            self.recorder.add((*named(obj), field))
        return None

    def _terms_of(self, site: Site) -> Callable[[Article, str], tuple[Term, ...]]:
        def terms_of(article: Article, taxonomy: str) -> tuple[Term, ...]:
            self.recorder.add(("site", "terms_of", getattr(article, "slug", None), taxonomy))
            return site.terms_of(article, taxonomy)

        return terms_of

    def _term(self, site: Site) -> Callable[[str, str], Term | None]:
        def term(taxonomy: str, name: str) -> Term | None:
            self.recorder.add(("site", "term", taxonomy, name))
            return site.term(taxonomy, name)

        return term

    def _scheduled(self, site: Site) -> Callable[[Article], bool]:
        def scheduled(article: Article) -> bool:
            self.recorder.add(scheduled_key(getattr(article, "slug", None)))
            return site.scheduled(article)

        return scheduled

    def _shown(self, value: Any) -> Any:
        # `{{ article }}` prints the whole object: the page depends on all of it.
        named = _IDENTITY.get(type(value))
        if named is not None:
            self.recorder.add((*named(value), "@repr"))
        return value

    def get_template(self, name: Any, parent: Any = None, globals: Any = None) -> jinja2.Template:
        self._note_template(name, parent)
        return super().get_template(name, parent, globals)

    def select_template(self, names: Any, parent: Any = None, globals: Any = None) -> jinja2.Template:
        # Every name tried counts: creating an earlier one changes which is used.
        for name in names if not isinstance(names, jinja2.Undefined) else ():
            self._note_template(name, parent)
        return super().select_template(names, parent, globals)

    def _note_template(self, name: Any, parent: Any) -> None:
        if isinstance(name, str):
            self.recorder.add(("template", self.join_path(name, parent) if parent else name))

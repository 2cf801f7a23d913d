"""Stage 3, model: the whole site built from its articles before anything is rendered.

Articles, taxonomies (tags, regions, sources), the timeline, and the list of pages to
write, each page with the template that renders it and the data it shows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import ClassVar

from .config import SiteConfig, TaxonomySpec
from .errors import Problem, warning
from .slugs import name_key, slugify
from .validate import Article

FEED = "feed.atom"  # built-in renderers, not theme templates
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
SEARCH_PATH = "search/"


@dataclass(frozen=True)
class Term:
    """One tag, region or source, with its articles newest first."""

    taxonomy: str  # "tags", "regions" or "sources"
    slug: str
    name: str
    articles: tuple[Article, ...]

    @property
    def url_path(self) -> str:
        return f"{self.taxonomy}/{self.slug}/"

    @property
    def feed_path(self) -> str:
        return f"{self.url_path}feed.xml"


@dataclass(frozen=True)
class Taxonomy:
    key: str  # as in URLs: "tags"
    title: str  # "Tags"
    singular: str  # "Tag"
    terms: tuple[Term, ...]  # by name
    has_feeds: bool

    @property
    def url_path(self) -> str:
        return f"{self.key}/"


# Where the built-in taxonomies' names are in an article; a taxonomy site.yaml adds is read
# from the front matter key of its name (Article.terms).
_BUILTIN_NAMES: dict[str, Callable[[Article], tuple[str, ...]]] = {
    "tags": lambda article: article.tags,
    "regions": lambda article: article.regions,
    "sources": lambda article: (article.source,),
}


def names_of(article: Article, taxonomy: str) -> tuple[str, ...]:
    """The article's names under a taxonomy, as its front matter gives them."""
    builtin = _BUILTIN_NAMES.get(taxonomy)
    return builtin(article) if builtin else article.terms.get(taxonomy, ())


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    articles: tuple[Article, ...]

    @property
    def url_path(self) -> str:
        return f"timeline/{self.year:04d}/{self.month:02d}/"


@dataclass(frozen=True)
class Year:
    year: int
    months: tuple[Month, ...]  # newest first

    @property
    def count(self) -> int:
        return sum(len(m.articles) for m in self.months)

    @property
    def url_path(self) -> str:
        return f"timeline/{self.year:04d}/"


@dataclass(frozen=True)
class Paginator:
    number: int
    count: int  # pages in all
    base_path: str  # the first page's URL path

    def path(self, number: int) -> str:
        return self.base_path if number == 1 else f"{self.base_path}page/{number}/"

    @property
    def previous_path(self) -> str | None:
        return self.path(self.number - 1) if self.number > 1 else None

    @property
    def next_path(self) -> str | None:
        return self.path(self.number + 1) if self.number < self.count else None


# Page kinds. Each is the typed data one kind of page shows, and its fields are the
# variables its template gets; `template` names the theme template that renders it (or
# one of the files sitegen writes itself). A new kind of page is a class here, the
# function below that yields its pages, and its template.


@dataclass(frozen=True)
class PageData:
    template: ClassVar[str]

    def variables(self) -> dict[str, object]:
        return dict(self.__dict__)  # its fields: a frozen dataclass has nothing else there

    def listed(self) -> tuple[Article, ...]:
        """The articles it lists, each as a card."""
        return ()

    def shown_in_full(self) -> tuple[Article, ...]:
        """The articles whose rendered body it shows."""
        return ()


@dataclass(frozen=True)
class Listing(PageData):
    """The home page and its later pages: the newest articles."""

    template = "index.html"
    title: str
    articles: tuple[Article, ...]
    paginator: Paginator

    def listed(self) -> tuple[Article, ...]:
        return self.articles


@dataclass(frozen=True)
class ArticlePage(PageData):
    """One article, in full; the renderer adds `body`, its rendered HTML."""

    template = "article.html"
    article: Article
    older: Article | None
    newer: Article | None

    def shown_in_full(self) -> tuple[Article, ...]:
        return (self.article,)


@dataclass(frozen=True)
class TermsPage(PageData):
    """A taxonomy's terms, with how many articles each has."""

    template = "terms.html"
    taxonomy: Taxonomy


@dataclass(frozen=True)
class TermPage(PageData):
    """One term's articles, a page of them."""

    template = "term.html"
    taxonomy: Taxonomy
    term: Term
    articles: tuple[Article, ...]
    paginator: Paginator

    def listed(self) -> tuple[Article, ...]:
        return self.articles


@dataclass(frozen=True)
class TimelinePage(PageData):
    template = "timeline.html"
    years: tuple[Year, ...]


@dataclass(frozen=True)
class YearPage(PageData):
    template = "year.html"
    year: Year


@dataclass(frozen=True)
class MonthPage(PageData):
    template = "month.html"
    year: Year
    month: Month

    def listed(self) -> tuple[Article, ...]:
        return self.month.articles


@dataclass(frozen=True)
class SearchPage(PageData):
    """The search page: a search box over the index that the build makes of the article
    pages (sitegen/search.py); its results can be filtered by the site's taxonomies
    (`config.taxonomies`, as the navigation shows them)."""

    template = "search.html"


@dataclass(frozen=True)
class NotFoundPage(PageData):
    template = "404.html"


@dataclass(frozen=True)
class Feed(PageData):
    """An Atom feed: the site's (full text) or a term's (summaries)."""

    template = FEED
    title: str  # "" for the site's own feed
    url_path: str  # of the page the feed is the feed of
    articles: tuple[Article, ...]
    full_content: bool

    def shown_in_full(self) -> tuple[Article, ...]:
        return self.articles if self.full_content else ()


@dataclass(frozen=True)
class Sitemap(PageData):
    template = SITEMAP


@dataclass(frozen=True)
class Robots(PageData):
    template = ROBOTS


@dataclass(frozen=True)
class Page:
    """One file to write: `url_path` ('' is the home page; a path ending in '/' is written
    as its index.html) and the data it shows."""

    url_path: str
    data: PageData

    @cached_property
    def file_path(self) -> str:
        path = self.url_path
        return path + "index.html" if path.endswith("/") or not path else path

    @property
    def template(self) -> str:
        return self.data.template


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    articles: tuple[Article, ...]  # newest first
    taxonomies: dict[str, Taxonomy]
    years: tuple[Year, ...]  # newest first
    pages: tuple[Page, ...] = ()
    terms_by_slug: dict[str, dict[str, Term]] = field(default_factory=dict, compare=False)
    terms_by_article: dict[tuple[str, str], tuple[Term, ...]] = field(default_factory=dict, compare=False)
    warnings: tuple[Problem, ...] = ()  # different names shown as one term

    def terms_of(self, article: Article, taxonomy: str) -> tuple[Term, ...]:
        """The article's tags (or regions, or its source) as the site's terms; none under a
        taxonomy the site does not have, so a theme may ask for one that site.yaml left out."""
        return self.terms_by_article.get((article.slug, taxonomy), ())

    def term(self, taxonomy: str, name: str) -> Term | None:
        return self.terms_by_slug.get(taxonomy, {}).get(slugify(name))


def build_site(config: SiteConfig, articles: list[Article], *, drafts: bool) -> Site:
    published = sorted(
        (a for a in articles if drafts or not a.draft),
        key=lambda a: (a.date, a.slug),
        reverse=True,
    )
    # Thousands of articles share a few hundred names: make each name's slug once.
    keys = [spec.name for spec in config.taxonomies]
    names_by_key = {key: [(article, names_of(article, key)) for article in published] for key in keys}
    distinct = {name for listed in names_by_key.values() for _, names in listed for name in names}
    slugs = {name: slugify(name) for name in distinct}
    taxonomies = {spec.name: _taxonomy(names_by_key[spec.name], slugs, spec) for spec in config.taxonomies}
    terms_by_slug = {key: {t.slug: t for t in taxonomy.terms} for key, taxonomy in taxonomies.items()}
    terms_by_article = {}
    for key, listed in names_by_key.items():
        terms = terms_by_slug[key]
        for article, names in listed:
            terms_by_article[(article.slug, key)] = tuple([terms[slugs[name]] for name in names])
    site = Site(
        config=config,
        articles=tuple(published),
        taxonomies=taxonomies,
        years=_timeline(published),
        terms_by_slug=terms_by_slug,
        warnings=_names_sharing_a_slug(names_by_key, slugs),
        terms_by_article=terms_by_article,
    )
    return replace(site, pages=tuple(_pages(site)))


def _taxonomy(
    listed: list[tuple[Article, tuple[str, ...]]], slugs: dict[str, str], spec: TaxonomySpec
) -> Taxonomy:
    """A taxonomy's terms, from each article's names under it (newest article first)."""
    key = spec.name
    members: dict[str, list[Article]] = defaultdict(list)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for article, names in listed:
        for name in names:
            slug = slugs[name]
            members[slug].append(article)
            spellings[slug][name] += 1
    terms = [
        Term(key, slug, _most_common_spelling(spellings[slug]), tuple(found))
        for slug, found in members.items()
    ]
    terms.sort(key=lambda t: (t.name.casefold(), t.slug))
    return Taxonomy(key, spec.title, spec.singular, tuple(terms), spec.feeds)


def _names_sharing_a_slug(
    names_by_key: dict[str, list[tuple[Article, tuple[str, ...]]]], slugs: dict[str, str]
) -> tuple[Problem, ...]:
    """Names that make one slug but are not the same name (slugs.name_key) become one term:
    say so, naming both spellings and a file of each."""
    problems = []
    for key, listed in names_by_key.items():
        # A few hundred names: find the slugs made from different names first, so that the
        # articles are looked through only when there are some.
        keys_of = {name: name_key(name) for name in {name for _, names in listed for name in names}}
        spellings_of: dict[str, set[str]] = defaultdict(set)
        for name, spelling in keys_of.items():
            spellings_of[slugs[name]].add(spelling)
        shared = {slug for slug, spellings in spellings_of.items() if len(spellings) > 1}
        first: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)  # slug -> key -> name, file
        for article, names in sorted(listed, key=lambda item: item[0].path) if shared else ():
            for name in names:
                if slugs[name] in shared:
                    first[slugs[name]].setdefault(keys_of[name], (name, article.path))
        for slug, spellings in first.items():
            (name, path), *others = spellings.values()
            for other, other_path in others:
                problems.append(
                    warning(
                        other_path,
                        None,
                        f"{key}: {other!r} and {name!r} ({path}) are different names with one URL, "
                        f"/{key}/{slug}/, and are shown as one; spell them alike or rename one",
                    )
                )
    return tuple(problems)


def _most_common_spelling(spellings: Counter[str]) -> str:
    # Ties go to the spelling that sorts first, so 'Ukraine' wins over 'ukraine'.
    return min(spellings, key=lambda name: (-spellings[name], name))


def _timeline(articles: list[Article]) -> tuple[Year, ...]:
    by_month: dict[tuple[int, int], list[Article]] = defaultdict(list)
    for article in articles:
        by_month[(article.date.year, article.date.month)].append(article)
    years: dict[int, list[Month]] = defaultdict(list)
    for (year, month), found in sorted(by_month.items(), reverse=True):
        years[year].append(Month(year, month, tuple(found)))
    return tuple(Year(year, tuple(months)) for year, months in years.items())


def _paginated(base_path: str, articles: tuple[Article, ...], per_page: int, make):
    chunks = [articles[i : i + per_page] for i in range(0, len(articles), per_page)] or [()]
    for number, chunk in enumerate(chunks, 1):
        paginator = Paginator(number, len(chunks), base_path)
        yield Page(paginator.path(number), make(chunk, paginator))


def _pages(site: Site):
    config = site.config
    articles = site.articles
    yield from _paginated("", articles, config.per_page, lambda chunk, pages: Listing("Latest", chunk, pages))
    for i, article in enumerate(articles):
        older = articles[i + 1] if i + 1 < len(articles) else None
        newer = articles[i - 1] if i > 0 else None
        yield Page(article.url_path, ArticlePage(article, older, newer))
    for taxonomy in site.taxonomies.values():
        yield Page(taxonomy.url_path, TermsPage(taxonomy))
        for term in taxonomy.terms:
            yield from _paginated(
                term.url_path,
                term.articles,
                config.per_page,
                lambda chunk, pages, taxonomy=taxonomy, term=term: TermPage(taxonomy, term, chunk, pages),
            )
            if taxonomy.has_feeds:
                # A tag's or region's feed carries summaries; the site's feed, full text.
                latest = term.articles[: config.feed_limit]
                yield Page(term.feed_path, Feed(term.name, term.url_path, latest, full_content=False))
    yield Page("timeline/", TimelinePage(site.years))
    for year in site.years:
        yield Page(year.url_path, YearPage(year))
        for month in year.months:
            yield Page(month.url_path, MonthPage(year, month))
    yield Page("feed.xml", Feed("", "", articles[: config.feed_limit], True))
    if config.search:
        yield Page(SEARCH_PATH, SearchPage())
    yield Page("404.html", NotFoundPage())
    yield Page("sitemap.xml", Sitemap())
    yield Page("robots.txt", Robots())

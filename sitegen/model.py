"""Stage 3, model: the whole site built from its articles before anything is rendered.

Articles, taxonomies (tags, regions, sources), the timeline, and the list of pages to
write, each page with the template that renders it and the data it shows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .config import SiteConfig, TaxonomySpec
from .errors import Problem, warning
from .slugs import name_key, slugify
from .validate import Article

FEED = "feed.atom"  # built-in renderers, not theme templates
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"


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


@dataclass(frozen=True)
class Page:
    """One file to write: `url_path` ('' is the home page; a path ending in '/' is written
    as its index.html), the template that renders it, and the template's variables."""

    url_path: str
    template: str
    context: dict[str, Any] = field(compare=False)

    @property
    def file_path(self) -> str:
        return (
            self.url_path + "index.html"
            if self.url_path.endswith("/") or not self.url_path
            else self.url_path
        )


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
    names = {name for article in published for key in keys for name in names_of(article, key)}
    slugs = {name: slugify(name) for name in names}
    taxonomies = {spec.name: _taxonomy(published, slugs, spec) for spec in config.taxonomies}
    terms_by_slug = {key: {t.slug: t for t in taxonomy.terms} for key, taxonomy in taxonomies.items()}
    site = Site(
        config=config,
        articles=tuple(published),
        taxonomies=taxonomies,
        years=_timeline(published),
        terms_by_slug=terms_by_slug,
        warnings=_names_sharing_a_slug(published, slugs, keys),
        terms_by_article={
            (article.slug, key): tuple(terms_by_slug[key][slugs[name]] for name in names_of(article, key))
            for article in published
            for key in taxonomies
        },
    )
    return replace(site, pages=tuple(_pages(site)))


def _taxonomy(articles: list[Article], slugs: dict[str, str], spec: TaxonomySpec) -> Taxonomy:
    key = spec.name
    members: dict[str, list[Article]] = defaultdict(list)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for article in articles:
        for name in names_of(article, key):
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
    articles: list[Article], slugs: dict[str, str], keys: list[str]
) -> tuple[Problem, ...]:
    """Names that make one slug but are not the same name (slugs.name_key) become one term:
    say so, naming both spellings and a file of each."""
    problems = []
    for key in keys:
        first: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)  # slug -> key -> name, file
        keys_of: dict[str, str] = {}  # name -> name_key(name), made once for each of a few hundred names
        for article in sorted(articles, key=lambda a: a.path):
            for name in names_of(article, key):
                if name not in keys_of:
                    keys_of[name] = name_key(name)
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


def _paginated(base_path: str, template: str, articles, per_page: int, **context):
    chunks = [articles[i : i + per_page] for i in range(0, len(articles), per_page)] or [()]
    for number, chunk in enumerate(chunks, 1):
        paginator = Paginator(number, len(chunks), base_path)
        yield Page(paginator.path(number), template, {**context, "articles": chunk, "paginator": paginator})


def _pages(site: Site):
    config = site.config
    articles = site.articles
    yield from _paginated("", "index.html", articles, config.per_page, title="Latest")
    for i, article in enumerate(articles):
        older = articles[i + 1] if i + 1 < len(articles) else None
        newer = articles[i - 1] if i > 0 else None
        yield Page(article.url_path, "article.html", {"article": article, "older": older, "newer": newer})
    for taxonomy in site.taxonomies.values():
        yield Page(taxonomy.url_path, "terms.html", {"taxonomy": taxonomy})
        for term in taxonomy.terms:
            yield from _paginated(
                term.url_path,
                "term.html",
                term.articles,
                config.per_page,
                taxonomy=taxonomy,
                term=term,
            )
            if taxonomy.has_feeds:
                yield Page(
                    term.feed_path,
                    FEED,
                    {
                        "title": term.name,
                        "url_path": term.url_path,
                        "articles": term.articles[: config.feed_limit],
                        # A tag's or region's feed carries summaries; the site's feed, full text.
                        "full_content": False,
                    },
                )
    yield Page("timeline/", "timeline.html", {"years": site.years})
    for year in site.years:
        yield Page(year.url_path, "year.html", {"year": year})
        for month in year.months:
            yield Page(month.url_path, "month.html", {"year": year, "month": month})
    yield Page(
        "feed.xml",
        FEED,
        {"title": "", "url_path": "", "articles": articles[: config.feed_limit], "full_content": True},
    )
    yield Page("404.html", "404.html", {})
    yield Page("sitemap.xml", SITEMAP, {})
    yield Page("robots.txt", ROBOTS, {})

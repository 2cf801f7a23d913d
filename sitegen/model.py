"""Stage 3, model: the whole site built from its articles before anything is rendered.

Articles, taxonomies (tags, regions, sources), the timeline, and the list of pages to
write, each page with the template that renders it and the data it shows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import chain
from pathlib import PurePosixPath
from typing import ClassVar, TypeVar, cast

from .config import CONFIG_FILE, SiteConfig, TaxonomySpec
from .editions import Edition, EditionFile, newest_first, resolve_edition
from .errors import Problem, error, warning
from .images import ArticleImages, Picture, ShareImage
from .related import Candidate, RelatedLists, update_related
from .slugs import name_key, slugify
from .stories import StoryFile
from .validate import Article

FEED = "feed.atom"  # built-in renderers, not theme templates
EDITIONS_FEED = "editions.atom"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
HOME_STORIES = 3  # developing stories on the home page
COLLAPSE_FROM = 40  # a story with more articles shows all but its latest month folded
RELATED_BY = ("tags", "regions", "sources")  # the taxonomies related articles share, with stories
SEARCH_PATH = "search/"
_Listed = TypeVar("_Listed")  # what a paginated listing lists: articles, editions


@dataclass(frozen=True)
class Term:
    """One tag, region or source, with its articles newest first."""

    taxonomy: str  # "tags", "regions" or "sources"
    slug: str
    name: str
    articles: tuple[Article, ...]

    @property
    def count(self) -> int:
        """How many articles it has (a page that shows only this is not made again when
        they change order: a date edit)."""
        return len(self.articles)

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
    def count(self) -> int:
        return len(self.articles)

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
class Story:
    """A story that articles join with `story:`, with what its story file says, if it has one."""

    slug: str
    title: str  # the story file's title, else the most common spelling of its name
    status: str  # "developing" or "concluded"
    summary: str
    image: str | None
    background: str  # HTML, from the story file's body
    path: str | None  # its story file
    articles: tuple[Article, ...]  # oldest first

    @property
    def url_path(self) -> str:
        return f"stories/{self.slug}/"

    @property
    def feed_path(self) -> str:
        return f"{self.url_path}feed.xml"

    @property
    def first(self) -> Article:
        return self.articles[0]

    @property
    def latest(self) -> Article:
        return self.articles[-1]

    @property
    def count(self) -> int:
        return len(self.articles)

    @property
    def developing(self) -> bool:
        return self.status == "developing"


@dataclass(frozen=True)
class StoryPosition:
    """Where an article stands in one of its stories: article `number` of `count`."""

    story: Story
    number: int
    count: int
    previous: Article | None  # the one before it in the story, or none
    next: Article | None


@dataclass(frozen=True)
class StoryDay:
    date: dt.date  # in the site's timezone
    articles: tuple[Article, ...]  # oldest first


@dataclass(frozen=True)
class StoryMonth:
    year: int
    month: int
    days: tuple[StoryDay, ...]  # oldest first
    collapsed: bool  # shown folded: a long story unfolds its latest month only

    @property
    def count(self) -> int:
        return sum(len(day.articles) for day in self.days)


@dataclass(frozen=True)
class StoryWeek:
    start: dt.date  # its Monday
    count: int  # articles that week


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
    in_sitemap: ClassVar[bool] = True  # for the pages written as index.html

    def listed_in_sitemap(self) -> bool:
        return self.in_sitemap

    def variables(self, site: Site) -> dict[str, object]:
        """What its template gets: its fields (a frozen dataclass has nothing else in its
        __dict__), and what a kind looks up in the site."""
        return dict(self.__dict__)

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
    developing: tuple[Story, ...] = ()  # on the first page: the most recently active developing stories

    def listed(self) -> tuple[Article, ...]:
        return self.articles


@dataclass(frozen=True)
class ArticlePage(PageData):
    """One article, in full; the renderer adds `body`, its rendered HTML."""

    template = "article.html"
    article: Article
    older: Article | None
    newer: Article | None
    in_stories: tuple[StoryPosition, ...] = ()  # each story it is part of
    related: tuple[Article, ...] = ()  # best first (sitegen/related.py)
    lead_image: Picture | None = None  # its `image:` as published (sitegen/images.py)
    share_image: ShareImage | None = None  # what link previews show: the lead image, or its card
    scheduled: bool = False  # published ahead of its date (the preview, --future): a badge
    expired: bool = False  # past its `expires`: listed nowhere, its page with a notice

    def listed_in_sitemap(self) -> bool:
        return not self.expired

    in_editions: tuple[Edition, ...] = ()  # the editions that picked it, newest first

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
    term: Term
    articles: tuple[Article, ...]
    paginator: Paginator

    def variables(self, site: Site) -> dict[str, object]:
        # The taxonomy is looked up rather than held: a new term, or a term's new count, is
        # a new taxonomy, and the pages of every other term stay as they were.
        return {"taxonomy": site.taxonomies[self.term.taxonomy], **super().variables(site)}

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
class StoriesPage(PageData):
    """Every story: developing ones first, each group by latest activity."""

    template = "stories.html"
    stories: tuple[Story, ...]


@dataclass(frozen=True)
class StoryPage(PageData):
    """The story so far: its latest development, background and timeline."""

    template = "story.html"
    story: Story
    months: tuple[StoryMonth, ...]  # the timeline, oldest first, by month and day
    weeks: tuple[StoryWeek, ...]  # articles per week across the story's span, for the chart
    peak: int  # the most articles in one week


@dataclass(frozen=True)
class EditionsPage(PageData):
    """Every edition, newest first, a page of them."""

    template = "editions.html"
    editions: tuple[Edition, ...]
    paginator: Paginator


@dataclass(frozen=True)
class EditionPage(PageData):
    """One edition: the editor's note, then its items section by section."""

    template = "edition.html"
    edition: Edition
    older: Edition | None
    newer: Edition | None


@dataclass(frozen=True)
class EditionsFeed(PageData):
    """The editions' Atom feed: each edition whole, as its entry's content
    (the theme's feed/edition.html)."""

    template = EDITIONS_FEED
    editions: tuple[Edition, ...]


@dataclass(frozen=True)
class EditionEmail(PageData):
    """An edition as an email's HTML part, its CSS inlined after rendering (sitegen/email.py)."""

    template = "email/edition.html"
    in_sitemap = False
    edition: Edition
    unsubscribe: str | None  # email.unsubscribe of site.yaml, shown in the footer


@dataclass(frozen=True)
class EditionText(PageData):
    """An edition as an email's plain-text part."""

    template = "email/edition.txt"
    in_sitemap = False
    edition: Edition
    unsubscribe: str | None


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
class RedirectPage(PageData):
    """An address that moved (an alias's term page, an old path in `redirects:`): a page that
    sends the reader on at once, left out of the sitemap."""

    template = "redirect.html"
    in_sitemap = False
    target: str  # a site path ('tags/ukraine-war/'), or an http(s) address elsewhere
    external: bool  # whether `target` is an address elsewhere


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

    @cached_property
    def in_sitemap(self) -> bool:
        return self.file_path.endswith("index.html") and self.data.listed_in_sitemap()

    @cached_property
    def sitemap_entry(self) -> bytes:
        """What the sitemap shows of the page, as bytes: nothing when it is not listed; else
        its path, with the digest of the article's front matter on an article's page (the
        dates it shows follow from it). Kept with the page, which a model update keeps."""
        if not self.in_sitemap:
            return b""
        path = self.url_path.encode("utf-8", "surrogatepass")
        data = self.data
        shown = data.article.front_matter_digest if isinstance(data, ArticlePage) else b""
        return b"%d:%s%d:%s" % (len(path), path, len(shown), shown)

    @property
    def template(self) -> str:
        return self.data.template


@dataclass(frozen=True)
class Schedule:
    """What the build's clock decided. `now` is taken once per build (the engine's, or a
    test's) and never read here: an article dated later than now is held back (no page, in
    no listing, feed, sitemap, search, related list or story), or with `future` published and
    marked scheduled; one whose `expires` has passed leaves every listing, feed, related list,
    story and the sitemap (and search) but keeps its page, with a notice. The decision stays
    right while the clock is within [valid_from, valid_until): the engine keeps the model
    while it is, and makes it again when a scheduled time or an expiry passes."""

    held_back: tuple[Article, ...] = ()  # dated after now, oldest first (none with future)
    scheduled: frozenset[str] = frozenset()  # slugs published ahead of their date (future)
    expired: tuple[Article, ...] = ()  # newest first
    valid_from: dt.datetime | None = None  # the latest date or expiry at or before now
    valid_until: dt.datetime | None = None  # the earliest after now

    def holds_at(self, now: dt.datetime | None) -> bool:
        """Would the clock at `now` decide the same? (None: a build without a clock.)"""
        if now is None:
            return self.valid_from is None and self.valid_until is None
        return (self.valid_from is None or self.valid_from <= now) and (
            self.valid_until is None or now < self.valid_until
        )


def plan_schedule(articles: Collection[Article], now: dt.datetime | None, future: bool) -> Schedule:
    """The schedule of `articles` (drafts already left out) at `now`; None: no clock, so every
    article is published and none expires."""
    if now is None:
        return Schedule()
    times = [a.date for a in articles] + [a.expires for a in articles if a.expires is not None]
    ahead = sorted((a for a in articles if a.date > now), key=lambda a: (a.date, a.slug))
    return Schedule(
        held_back=() if future else tuple(ahead),
        scheduled=frozenset(a.slug for a in ahead) if future else frozenset(),
        # Validation keeps `expires` after `date`: an article held back has not expired.
        expired=tuple(
            sorted(
                (a for a in articles if a.expires is not None and a.expires <= now),
                key=lambda a: (a.date, a.slug),
                reverse=True,
            )
        ),
        valid_from=max((t for t in times if t <= now), default=None),
        valid_until=min((t for t in times if t > now), default=None),
    )


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    articles: tuple[Article, ...]  # newest first
    taxonomies: dict[str, Taxonomy]
    years: tuple[Year, ...]  # newest first
    pages: tuple[Page, ...] = ()
    terms_by_slug: dict[str, dict[str, Term]] = field(default_factory=dict, compare=False)
    # The slugs of each article's terms, by (article's slug, taxonomy): slugs, not terms, so
    # that a term made again (a new member) leaves its other members' entries as they were.
    terms_by_article: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict, compare=False)
    # Different names shown as one term; aliases without articles; redirects that clash.
    warnings: tuple[Problem, ...] = ()
    stories: tuple[Story, ...] = ()  # developing first, each group by latest activity
    related: RelatedLists | None = field(default=None, compare=False)  # for the next model
    schedule: Schedule = Schedule()  # what the build's clock decided
    editions: tuple[Edition, ...] = ()  # newest first
    # What it was made from, and its parts, for the next model to update (sitegen/model_update.py).
    basis: ModelBasis | None = field(default=None, compare=False, repr=False)

    @cached_property
    def stories_by_slug(self) -> dict[str, Story]:
        return {story.slug: story for story in self.stories}

    @cached_property
    def editions_by_slug(self) -> dict[str, Edition]:
        return {edition.slug: edition for edition in self.editions}

    def terms_of(self, article: Article, taxonomy: str) -> tuple[Term, ...]:
        """The article's tags (or regions, or its source) as the site's terms; none under a
        taxonomy the site does not have, so a theme may ask for one that site.yaml left out."""
        slugs = self.terms_by_article.get((article.slug, taxonomy))
        if not slugs:
            return ()
        terms = self.terms_by_slug[taxonomy]
        return tuple([terms[slug] for slug in slugs])

    def scheduled(self, article: Article) -> bool:
        """Is the article published ahead of its date (--future, the preview)? Its page and
        every listing show it with a badge (partials/badges.html)."""
        return article.slug in self.schedule.scheduled

    def term(self, taxonomy: str, name: str) -> Term | None:
        """The term of that name (any spelling with its slug, or an alias of it), or None."""
        [canonical] = self.config.canonical_names(taxonomy, [name]) or [name]
        return self.terms_by_slug.get(taxonomy, {}).get(slugify(canonical))


def build_site(
    config: SiteConfig,
    articles: list[Article],
    *,
    drafts: bool,
    story_files: Sequence[StoryFile] = (),
    edition_files: Sequence[EditionFile] = (),
    jobs: int = 1,
    before: Site | None = None,
    now: dt.datetime | None = None,
    future: bool = False,
    images: Mapping[str, ArticleImages] | None = None,
    related_before: RelatedLists | None = None,
) -> Site:
    """The site: its articles, terms, stories and timeline, and every page. `jobs`
    processes may find the related articles (sitegen/related.py); given the model `before`
    an edit (or, without it, the related lists of an earlier model: `related_before`, the
    build cache's),
    only the related lists that the edit can change are found again. `now`: the
    build's clock, which holds back articles dated later (unless `future`) and expires
    articles (Schedule); None publishes every article. `images`: each article's images as
    published, by slug (sitegen/images.py)."""
    if before is not None and before.basis is not None:
        from .model_update import updated_site  # it builds on this module, so it is imported here

        updated = updated_site(
            before,
            before.basis,
            config,
            articles,
            drafts=drafts,
            story_files=tuple(story_files),
            edition_files=tuple(edition_files),
            jobs=jobs,
            now=now,
            future=future,
            images=images or {},
        )
        if updated is not None:
            return updated
    candidates = [a for a in articles if drafts or not a.draft]
    schedule = plan_schedule(candidates, now, future)
    left_out = {a.slug for a in (*schedule.held_back, *schedule.expired)}
    published = sorted(
        (a for a in candidates if a.slug not in left_out),
        key=lambda a: (a.date, a.slug),
        reverse=True,
    )
    # Thousands of articles share a few hundred names: make each name's slug once.
    keys = [spec.name for spec in config.taxonomies]
    written = {key: [(article, names_of(article, key)) for article in published] for key in keys}
    distinct = {name for listed in written.values() for _, names in listed for name in names}
    distinct.update(spec.canonical for spec in config.aliases)
    slugs = {name: slugify(name) for name in distinct}
    # An alias counts as its canonical term, spelt as site.yaml spells it. Without aliases that
    # changes nothing (validation already keeps each slug of an article once: a test proves
    # it), and is skipped: it costs a tenth of the model at 10,000 articles.
    names_by_key = written
    if config.aliases:
        names_by_key = {
            key: [
                (article, config.canonical_names(key, names, slugs.__getitem__)) for article, names in listed
            ]
            for key, listed in written.items()
        }
    made = {spec.name: _taxonomy(names_by_key[spec.name], slugs, spec) for spec in config.taxonomies}
    taxonomies = {key: taxonomy for key, (taxonomy, _) in made.items()}
    spellings = {key: found for key, (_, found) in made.items()}
    raw_spellings = {key: _spellings(written[key], slugs) for key in keys} if config.aliases else spellings
    terms_by_slug = {key: {t.slug: t for t in taxonomy.terms} for key, taxonomy in taxonomies.items()}
    terms_by_article = {}
    for key, listed in names_by_key.items():
        terms = terms_by_slug[key]
        for article, names in listed:
            terms_by_article[(article.slug, key)] = tuple([terms[slugs[name]].slug for name in names])
    name_warnings = {key: names_sharing_a_slug({key: written[key]}, slugs) for key in keys}
    stories, story_warnings = _stories(published, story_files)
    by_slug = {article.slug: article for article in articles}
    shown_now = {article.slug for article in (*published, *schedule.expired)}
    resolved = tuple(
        (edition, tuple(found))
        for edition, found in (
            resolve_edition(edition_file, by_slug, shown_now, published, config)
            for edition_file in edition_files
        )
    )
    editions = newest_first(edition for edition, _ in resolved)
    site = Site(
        config=config,
        articles=tuple(published),
        taxonomies=taxonomies,
        years=_timeline(published),
        terms_by_slug=terms_by_slug,
        warnings=model_warnings(name_warnings, story_warnings, resolved),
        terms_by_article=terms_by_article,
        stories=stories,
        schedule=schedule,
        editions=editions,
    )
    related = related_lists(site, jobs, before.related if before is not None else related_before)
    shown = {article.slug: article for article in published}
    related_articles = {
        slug: tuple([shown[other] for other in found]) for slug, found in related.lists.items()
    }
    sections = _sections(site, related_articles, images or {})
    moved, problems = redirect_pages(site, sections.pages())
    sections = replace(sections, moved=tuple(moved))
    basis = ModelBasis(
        config=config,
        drafts=drafts,
        future=future,
        now=now,
        story_files=tuple(story_files),
        edition_files=tuple(edition_files),
        articles=by_slug,
        images=images or {},
        spellings=spellings,
        raw_spellings=raw_spellings,
        name_warnings=name_warnings,
        editions=resolved,
        sections=sections,
    )
    return replace(
        site,
        pages=sections.pages(),
        warnings=(*site.warnings, *problems),
        related=related,
        # Two articles with one slug (an error the build reports) leave nothing to update.
        basis=basis if len(by_slug) == len(articles) else None,
    )


def model_warnings(
    name_warnings: Mapping[str, tuple[Problem, ...]],
    story_warnings: tuple[Problem, ...],
    editions: Iterable[tuple[Edition | None, tuple[Problem, ...]]],
) -> tuple[Problem, ...]:
    """The model's warnings in their order: names that share a slug (by taxonomy), story
    files no article names, each edition file's problems."""
    return (
        *chain.from_iterable(name_warnings.values()),
        *story_warnings,
        *(problem for _, found in editions for problem in found),
    )


def redirect_pages(site: Site, pages: Sequence[Page]) -> tuple[list[Page], list[Problem]]:
    """The pages that send readers on: each alias's term page (and its feed, which a feed
    reader keeps asking for) leads to its canonical term's, and each `redirects:` source to
    its target. A redirect from a page the site builds is an error."""
    config = site.config
    moved: list[Page] = []
    problems: list[Problem] = []
    for spec in config.aliases:
        taxonomy = site.taxonomies[spec.taxonomy]
        canonical = site.term(spec.taxonomy, spec.canonical)
        alias_path = f"{taxonomy.url_path}{slugify(spec.alias)}/"
        if canonical is None:
            problems.append(
                warning(
                    CONFIG_FILE,
                    None,
                    f"aliases: {spec.taxonomy}: {spec.canonical!r} has no articles, so /{alias_path} "
                    "(its alias's old address) leads to a page that does not exist",
                )
            )
            missing = f"{taxonomy.url_path}{slugify(spec.canonical)}/"
            moved.append(Page(alias_path, RedirectPage(missing, False)))
            continue
        moved.append(Page(alias_path, RedirectPage(canonical.url_path, False)))
        if taxonomy.has_feeds:
            latest = canonical.articles[: config.feed_limit]
            feed = Feed(canonical.name, canonical.url_path, latest, full_content=False)
            moved.append(Page(f"{alias_path}feed.xml", feed))
    built = {page.file_path for page in chain(pages, moved)} if config.redirects else set()
    for redirect in config.redirects:
        page = Page(redirect.source, RedirectPage(redirect.target, redirect.external))
        clash = page.file_path in built or any(str(p) in built for p in PurePosixPath(page.file_path).parents)
        if clash:
            problems.append(
                error(
                    CONFIG_FILE,
                    redirect.line,
                    f"redirects: /{redirect.source} is a page the site builds: a redirect may only keep an "
                    "old address that no page has now",
                )
            )
        else:
            moved.append(page)
            built.add(page.file_path)
    return moved, problems


def missing_redirect_targets(site: Site, *files: Collection[str]) -> list[Problem]:
    """A warning for each redirect of `redirects:` to a path of the site that is in none of
    `files` (the pages, the static files the build writes)."""
    problems = []
    for spec in site.config.redirects:
        target = spec.target
        folder = target if not target or target.endswith("/") else target + "/"
        if spec.external or any(target in paths or folder + "index.html" in paths for paths in files):
            continue
        problems.append(
            warning(
                CONFIG_FILE,
                spec.line,
                f"redirects: /{spec.source} leads to /{target}, which the site does not have",
            )
        )
    return problems


def _taxonomy(
    listed: list[tuple[Article, tuple[str, ...]]], slugs: dict[str, str], spec: TaxonomySpec
) -> tuple[Taxonomy, dict[str, Counter[str]]]:
    """A taxonomy's terms, from each article's names under it (newest article first), and
    each term's names counted (the spelling shown is the most common)."""
    key = spec.name
    members: dict[str, list[Article]] = defaultdict(list)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for article, names in listed:
        for name in names:
            slug = slugs[name]
            members[slug].append(article)
            spellings[slug][name] += 1
    terms = [
        Term(key, slug, most_common_spelling(spellings[slug]), tuple(found))
        for slug, found in members.items()
    ]
    return taxonomy_of(spec, terms), dict(spellings)


def taxonomy_of(spec: TaxonomySpec, terms: Iterable[Term]) -> Taxonomy:
    return Taxonomy(
        spec.name,
        spec.title,
        spec.singular,
        tuple(sorted(terms, key=lambda t: (t.name.casefold(), t.slug))),
        spec.feeds,
    )


def _spellings(
    listed: list[tuple[Article, tuple[str, ...]]], slugs: dict[str, str]
) -> dict[str, Counter[str]]:
    """The names under one taxonomy counted, by slug."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for _, names in listed:
        for name in names:
            spellings[slugs[name]][name] += 1
    return dict(spellings)


def names_sharing_a_slug(
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


def _stories(
    published: list[Article], files: Sequence[StoryFile]
) -> tuple[tuple[Story, ...], tuple[Problem, ...]]:
    """The stories the articles name (matched like tags), with their story files; a story
    file no article names is a warning, and has no page."""
    members: dict[str, list[Article]] = defaultdict(list)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for article in reversed(published):  # oldest first
        for name in article.stories:
            slug = slugify(name)
            members[slug].append(article)
            spellings[slug][name] += 1
    by_slug = {story_file.slug: story_file for story_file in files}
    stories = [story_of(slug, found, spellings[slug], by_slug.get(slug)) for slug, found in members.items()]
    return stories_in_order(stories), unused_story_files(files, members)


def story_of(
    slug: str, found: Sequence[Article], spellings: Counter[str], story_file: StoryFile | None
) -> Story:
    """A story of `found` (oldest first), which spell its name as counted in `spellings`."""
    return Story(
        slug=slug,
        title=(story_file and story_file.title) or most_common_spelling(spellings),
        status=story_file.status if story_file else "developing",
        summary=(story_file and story_file.summary) or "",
        image=story_file.image if story_file else None,
        background=story_file.background if story_file else "",
        path=story_file.path if story_file else None,
        articles=tuple(found),
    )


def stories_in_order(stories: Iterable[Story]) -> tuple[Story, ...]:
    """Developing stories first, each group by latest activity, then by slug."""
    found = sorted(stories, key=lambda story: story.slug)
    found.sort(key=lambda story: story.latest.date, reverse=True)
    found.sort(key=lambda story: not story.developing)
    return tuple(found)


def unused_story_files(files: Sequence[StoryFile], named: Container[str]) -> tuple[Problem, ...]:
    """A warning for each story file that no published article names (by slug)."""
    return tuple(
        warning(
            story_file.path,
            None,
            f"no published article names this story (story: {story_file.title or story_file.slug}), "
            "so it has no page",
        )
        for story_file in files
        if story_file.slug not in named
    )


def _story_page(story: Story) -> StoryPage:
    """The timeline of a story by month and day, and its articles per week."""
    days: dict[dt.date, list[Article]] = defaultdict(list)
    for article in story.articles:
        days[article.date.date()].append(article)
    months: dict[tuple[int, int], list[StoryDay]] = defaultdict(list)
    for day, found in days.items():
        months[(day.year, day.month)].append(StoryDay(day, tuple(found)))
    long_story = story.count > COLLAPSE_FROM
    last = max(months)
    timeline = tuple(
        StoryMonth(year, month, tuple(found), collapsed=long_story and (year, month) != last)
        for (year, month), found in months.items()
    )
    first_week = _monday(story.first.date.date())
    per_week = Counter((_monday(a.date.date()) - first_week).days // 7 for a in story.articles)
    weeks = tuple(
        StoryWeek(first_week + dt.timedelta(weeks=n), per_week.get(n, 0)) for n in range(max(per_week) + 1)
    )
    return StoryPage(story, timeline, weeks, max(per_week.values()))


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def related_lists(
    site: Site,
    jobs: int = 1,
    before: RelatedLists | None = None,
    edited: Mapping[str, Article | None] | None = None,
) -> RelatedLists:
    """Each article's related articles (sitegen/related.py), by slug; given the lists of the
    model `before`, only those that can have changed are found again.

    An article's candidate follows from the article and the configuration alone (its terms
    under RELATED_BY and its stories' slugs), so it is made again only for an article that is
    not the very object it was made from before (the engine keeps unchanged articles'
    objects), or when the configuration changed. `edited`: when the caller knows them, the
    only published articles that may not be those `before` was made from, by slug (None:
    no longer published); the others are not looked at (a model update)."""
    made_from = before.made_from if before is not None and before.made_with == site.config else {}
    if edited is not None and made_from:
        articles = cast(dict[str, Article], dict(made_from))
        for slug, article in edited.items():
            if article is None:
                articles.pop(slug, None)
            else:
                articles[slug] = article
        remaking = [article for article in edited.values() if article is not None]
    else:
        articles = {article.slug: article for article in site.articles}
        remaking = list(articles.values())
    remade = {
        article.slug: Candidate(
            article.slug,
            article.date.timestamp(),
            frozenset(
                [
                    *((key, term.slug) for key in RELATED_BY for term in site.terms_of(article, key)),
                    *(("story", slugify(name)) for name in article.stories),
                ]
            ),
        )
        for article in remaking
        if made_from.get(article.slug) is not article
    }
    return update_related(
        before, articles.keys(), remade, jobs=jobs, made_from=articles, made_with=site.config
    )


def _story_positions(site: Site) -> dict[str, tuple[StoryPosition, ...]]:
    positions: dict[str, list[StoryPosition]] = defaultdict(list)
    for story in sorted(site.stories, key=lambda story: story.slug):
        found = story.articles
        for n, article in enumerate(found):
            previous = found[n - 1] if n > 0 else None
            following = found[n + 1] if n + 1 < len(found) else None
            positions[article.slug].append(StoryPosition(story, n + 1, len(found), previous, following))
    return {slug: tuple(found) for slug, found in positions.items()}


def most_common_spelling(spellings: Counter[str]) -> str:
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


def _paginated(base_path: str, articles: tuple[_Listed, ...], per_page: int, make):
    chunks = [articles[i : i + per_page] for i in range(0, len(articles), per_page)] or [()]
    for number, chunk in enumerate(chunks, 1):
        paginator = Paginator(number, len(chunks), base_path)
        yield Page(paginator.path(number), make(chunk, paginator))


def edition_pages(site: Site):
    """The archive (made with no edition too, as the navigation links it), each edition's
    page and email parts, and the editions' feed (when there are editions)."""
    editions = site.editions
    config = site.config
    unsubscribe = config.email.unsubscribe if config.email else None
    yield from _paginated(
        "editions/", editions, config.per_page, lambda chunk, pages: EditionsPage(chunk, pages)
    )
    for i, edition in enumerate(editions):
        older = editions[i + 1] if i + 1 < len(editions) else None
        newer = editions[i - 1] if i > 0 else None
        yield Page(edition.url_path, EditionPage(edition, older, newer))
        yield Page(edition.email_path, EditionEmail(edition, unsubscribe))
        yield Page(edition.text_path, EditionText(edition, unsubscribe))
    if editions:  # a feed of nothing would be a feed reader's broken subscription
        yield Page("editions/feed.xml", EditionsFeed(editions[: config.feed_limit]))


Group = tuple[Page, dict[str, tuple[Page, ...]]]  # an index page, and each member's pages, in order


@dataclass(frozen=True)
class PageSections:
    """The site's pages in their order, in the parts that an update replaces one by one."""

    listing: tuple[Page, ...]  # the home page and its later pages
    articles: tuple[Page, ...]  # the published articles' pages, as Site.articles
    expired: tuple[Page, ...]  # as Schedule.expired
    taxonomies: dict[str, Group]  # by key: its terms page, each term's pages
    stories: Group  # stories/, each story's pages
    editions: tuple[Page, ...]
    timeline: tuple[Page, ...]
    tail: tuple[Page, ...]  # the site's feed, search, 404, sitemap, robots.txt
    moved: tuple[Page, ...] = ()  # redirects

    def pages(self) -> tuple[Page, ...]:
        groups = (*self.taxonomies.values(), self.stories)
        return tuple(
            chain(
                self.listing,
                self.articles,
                self.expired,
                *(chain((index,), *members.values()) for index, members in groups),
                self.editions,
                self.timeline,
                self.tail,
                self.moved,
            )
        )


@dataclass(frozen=True)
class ModelBasis:
    """What a model was made from, and what lets the next one update it (its parts are
    reused by identity; sitegen/model_update.py)."""

    config: SiteConfig
    drafts: bool
    future: bool
    now: dt.datetime | None
    story_files: tuple[StoryFile, ...]
    edition_files: tuple[EditionFile, ...]
    articles: dict[str, Article]  # every article given (drafts too), by slug
    images: Mapping[str, ArticleImages]
    spellings: dict[str, dict[str, Counter[str]]]  # by taxonomy, by term slug: its names counted
    raw_spellings: dict[str, dict[str, Counter[str]]]  # the same before aliases apply
    name_warnings: dict[str, tuple[Problem, ...]]  # by taxonomy
    editions: tuple[tuple[Edition | None, tuple[Problem, ...]], ...]  # each edition file's
    sections: PageSections
    updated: bool = False  # made by updating the model before it (tests look)


def _sections(
    site: Site, related: Mapping[str, tuple[Article, ...]], images: Mapping[str, ArticleImages]
) -> PageSections:
    config = site.config
    positions = _story_positions(site)
    picked_by = editions_by_article(site.editions)
    return PageSections(
        listing=tuple(listing_pages(site)),
        articles=tuple(
            article_page(site, i, positions.get(a.slug, ()), related[a.slug], images.get(a.slug), picked_by)
            for i, a in enumerate(site.articles)
        ),
        expired=tuple(expired_page(a, images.get(a.slug), picked_by) for a in site.schedule.expired),
        taxonomies={
            key: (Page(taxonomy.url_path, TermsPage(taxonomy)), term_groups(config, taxonomy))
            for key, taxonomy in site.taxonomies.items()
        },
        stories=(stories_page(site), {story.slug: story_pages(config, story) for story in site.stories}),
        editions=tuple(edition_pages(site)),
        timeline=tuple(timeline_pages(site)),
        tail=tuple(tail_pages(site)),
    )


def editions_by_article(editions: Sequence[Edition]) -> dict[str, tuple[Edition, ...]]:
    """The editions that picked each article (newest first), by slug."""
    picked_by: dict[str, list[Edition]] = defaultdict(list)
    for edition in editions:
        for item in edition.items:
            picked_by[item.article.slug].append(edition)
    return {slug: tuple(found) for slug, found in picked_by.items()}


def listing_pages(site: Site):
    developing = home_stories(site.stories)
    return _paginated(
        "",
        site.articles,
        site.config.per_page,
        lambda chunk, pages: Listing("Latest", chunk, pages, developing if pages.number == 1 else ()),
    )


def home_stories(stories: Sequence[Story]) -> tuple[Story, ...]:
    """The developing stories the home page shows: the most recently active."""
    return tuple(story for story in stories if story.developing)[:HOME_STORIES]


def article_page(
    site: Site,
    index: int,
    positions: tuple[StoryPosition, ...],
    related: tuple[Article, ...],
    shown: ArticleImages | None,
    picked_by: Mapping[str, tuple[Edition, ...]],
) -> Page:
    """The page of the published article at `index` of site.articles."""
    articles = site.articles
    article = articles[index]
    return Page(
        article.url_path,
        ArticlePage(
            article,
            articles[index + 1] if index + 1 < len(articles) else None,
            articles[index - 1] if index > 0 else None,
            positions,
            related,
            lead_image=shown.lead if shown else None,
            share_image=shown.share if shown else None,
            scheduled=site.scheduled(article),
            in_editions=picked_by.get(article.slug, ()),
        ),
    )


def expired_page(
    article: Article, shown: ArticleImages | None, picked_by: Mapping[str, tuple[Edition, ...]]
) -> Page:
    """An expired article's page, with a notice: it is in no list."""
    return Page(
        article.url_path,
        ArticlePage(
            article,
            None,
            None,
            lead_image=shown.lead if shown else None,
            share_image=shown.share if shown else None,
            expired=True,
            in_editions=picked_by.get(article.slug, ()),
        ),
    )


def term_groups(config: SiteConfig, taxonomy: Taxonomy) -> dict[str, tuple[Page, ...]]:
    return {term.slug: term_pages(config, taxonomy, term) for term in taxonomy.terms}


def term_pages(config: SiteConfig, taxonomy: Taxonomy, term: Term) -> tuple[Page, ...]:
    pages = list(
        _paginated(
            term.url_path,
            term.articles,
            config.per_page,
            lambda chunk, pages: TermPage(term, chunk, pages),
        )
    )
    if taxonomy.has_feeds:
        # A tag's or region's feed carries summaries; the site's feed, full text.
        latest = term.articles[: config.feed_limit]
        pages.append(Page(term.feed_path, Feed(term.name, term.url_path, latest, full_content=False)))
    return tuple(pages)


def stories_page(site: Site) -> Page:
    return Page("stories/", StoriesPage(site.stories))


def story_pages(config: SiteConfig, story: Story) -> tuple[Page, ...]:
    newest = story.articles[::-1][: config.feed_limit]
    return (
        Page(story.url_path, _story_page(story)),
        Page(story.feed_path, Feed(story.title, story.url_path, newest, full_content=False)),
    )


def timeline_pages(site: Site):
    yield Page("timeline/", TimelinePage(site.years))
    for year in site.years:
        yield Page(year.url_path, YearPage(year))
        for month in year.months:
            yield Page(month.url_path, MonthPage(year, month))


def tail_pages(site: Site):
    config = site.config
    yield Page("feed.xml", Feed("", "", site.articles[: config.feed_limit], True))
    if config.search:
        yield Page(SEARCH_PATH, SearchPage())
    yield Page("404.html", NotFoundPage())
    yield Page("sitemap.xml", Sitemap())
    yield Page("robots.txt", Robots())

"""The model updated after an edit: `build_site(..., before=site)` in time proportional to
what changed, giving exactly what a model made from nothing gives.

An article changed when its Article (or its ArticleImages) is not the very object the model
before was made from: the engine keeps the objects of files that did not change. Everything
the edit does not touch is the very object it was (terms, taxonomies, months, years,
stories, editions, pages and their data), so that the engine can keep what it derived from
them. Whatever is rare (the configuration, the options, story or edition files changed, the
clock passing an article's date or expiry, many articles changed) makes the model again.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import fields, is_dataclass, replace
from itertools import compress

from .config import SiteConfig
from .editions import Edition, EditionFile, newest_first, resolve_edition
from .errors import Problem
from .images import ArticleImages
from .model import (
    ArticlePage,
    Group,
    Listing,
    ModelBasis,
    Month,
    Page,
    PageSections,
    Paginator,
    Schedule,
    Site,
    Story,
    StoryPosition,
    Taxonomy,
    Term,
    TermsPage,
    Year,
    article_page,
    edition_pages,
    editions_by_article,
    expired_page,
    home_stories,
    model_warnings,
    most_common_spelling,
    names_of,
    names_sharing_a_slug,
    redirect_pages,
    related_lists,
    stories_in_order,
    stories_page,
    story_of,
    story_pages,
    tail_pages,
    taxonomy_of,
    term_pages,
    timeline_pages,
    unused_story_files,
)
from .slugs import name_key, slugify
from .stories import StoryFile
from .validate import Article

MOST_CHANGED = 100  # more changed articles than this, or than a twentieth of them: made again
FEWEST_LIMIT = 8  # ... but a small site updates this many
# Made of articles, and kept when unchanged: compared by identity, as the engine does.
_SHARED = (Article, Term, Taxonomy, Month, Year, Story, Edition)


def updated_site(
    before: Site,
    basis: ModelBasis,
    config: SiteConfig,
    articles: Sequence[Article],
    *,
    drafts: bool,
    story_files: tuple[StoryFile, ...],
    edition_files: tuple[EditionFile, ...],
    jobs: int,
    now: dt.datetime | None,
    future: bool,
    images: Mapping[str, ArticleImages],
) -> Site | None:
    """`before` updated for what changed since it was made from `basis`, or None when the
    model must be made again."""
    same_inputs = (
        drafts == basis.drafts
        and future == basis.future
        and (now is None) == (basis.now is None)
        and (config is basis.config or config == basis.config)
        and story_files == basis.story_files
        and edition_files == basis.edition_files
    )
    if not same_inputs or before.related is None or (now is not None and not before.schedule.holds_at(now)):
        return None
    given = dict(zip(map(_slug, articles), articles, strict=True))
    if len(given) != len(articles):
        return None
    changed = _changed(given, basis.articles)
    imaged: set[str] = set()
    if images is not basis.images:
        imaged = {s for s in images.keys() | basis.images.keys() if images.get(s) is not basis.images.get(s)}
    if len(changed) + len(imaged) > min(MOST_CHANGED, max(FEWEST_LIMIT, len(given) // 20)):
        return None
    return _Update(before, basis, config, given, changed, imaged, drafts, now, future, images).site(jobs)


class _Update:
    """One update: the changed articles' versions before and after, then each part of the
    model made again where they are, in the order build_site makes them."""

    def __init__(
        self,
        before: Site,
        basis: ModelBasis,
        config: SiteConfig,
        given: dict[str, Article],
        changed: list[str],
        imaged: set[str],
        drafts: bool,
        now: dt.datetime | None,
        future: bool,
        images: Mapping[str, ArticleImages],
    ) -> None:
        self.before, self.basis, self.config = before, basis, config
        self.given, self.images = given, images
        self.drafts, self.now, self.future = drafts, now, future
        self.changed = set(changed)
        self.imaged = imaged
        olds = [basis.articles[slug] for slug in changed if slug in basis.articles]
        news = [given[slug] for slug in changed if slug in given]
        self.old_candidates = [a for a in olds if self.candidate(a)]
        self.new_candidates = [a for a in news if self.candidate(a)]
        self.leaving = [a for a in self.old_candidates if self.published(a)]  # old published versions
        self.coming = [a for a in self.new_candidates if self.published(a)]
        self.leaving_and_coming = [*self.leaving, *self.coming]

    # Which articles are published: the rule of plan_schedule, for one article.
    def candidate(self, article: Article) -> bool:
        return self.drafts or not article.draft

    def held(self, article: Article) -> bool:
        return self.now is not None and not self.future and article.date > self.now

    def expired(self, article: Article) -> bool:
        return self.now is not None and article.expires is not None and article.expires <= self.now

    def published(self, article: Article) -> bool:
        return not self.held(article) and not self.expired(article)

    def site(self, jobs: int) -> Site:
        before, basis, config = self.before, self.basis, self.config
        schedule = self.schedule()
        published = list(before.articles)
        article_pages: list[Page | None] = list(basis.sections.articles)
        for article in self.leaving:
            at = _position(published, article)
            del published[at], article_pages[at]
        for article in self.coming:
            at = _position(published, article)
            published.insert(at, article)
            article_pages.insert(at, None)
        self.published_list = published
        spellings, raw_spellings, name_warnings = dict(basis.spellings), dict(basis.raw_spellings), {}
        taxonomies, terms_by_slug = dict(before.taxonomies), dict(before.terms_by_slug)
        terms_by_article = (
            dict(before.terms_by_article) if self.leaving_and_coming else before.terms_by_article
        )
        for spec in config.taxonomies:
            key = spec.name
            spellings[key], rebuilt = self.terms(key, spellings[key])
            if config.aliases:
                raw_spellings[key] = self.raw_spellings(key, raw_spellings[key])
            as_written = raw_spellings if config.aliases else spellings  # without aliases, the same
            name_warnings[key] = self.name_warnings(key, basis.raw_spellings[key], as_written[key])
            if rebuilt:
                old_terms = before.terms_by_slug[key]
                terms = {**old_terms, **{slug: t for slug, t in rebuilt.items() if t is not None}}
                for slug, term in rebuilt.items():
                    if term is None:
                        del terms[slug]
                taxonomy = _kept(taxonomy_of(spec, terms.values()), before.taxonomies[key])
                taxonomies[key] = taxonomy
                terms_by_slug[key] = {term.slug: term for term in taxonomy.terms}
        for article in self.leaving:
            for key in terms_by_slug:
                del terms_by_article[(article.slug, key)]
        for article in self.coming:
            for key, terms in terms_by_slug.items():
                terms_by_article[(article.slug, key)] = tuple(
                    [terms[slugify(n)].slug for n in self.names(article, key)]
                )
        if not config.aliases:
            raw_spellings = spellings
        stories = self.stories()
        editions, resolved = self.editions(schedule)
        site = Site(
            config=config,
            articles=before.articles if not self.leaving_and_coming else tuple(published),
            taxonomies=taxonomies,
            years=self.years(),
            terms_by_slug=terms_by_slug,
            warnings=model_warnings(
                name_warnings, unused_story_files(basis.story_files, {s.slug for s in stories}), resolved
            ),
            terms_by_article=terms_by_article,
            stories=stories,
            schedule=schedule,
            editions=editions,
        )
        edited: dict[str, Article | None] = {article.slug: None for article in self.leaving}
        edited.update((article.slug, article) for article in self.coming)
        related = related_lists(site, jobs, before.related, edited)
        sections = self.sections(site, article_pages, related.lists)
        moved, problems = redirect_pages(site, sections.pages())
        old_moved = {page.url_path: page for page in basis.sections.moved}
        sections = replace(sections, moved=tuple(_kept_page(page, old_moved) for page in moved))
        new_basis = replace(
            basis,
            config=config,
            now=self.now,
            articles=self.given,
            images=self.images,
            spellings=spellings,
            raw_spellings=raw_spellings,
            name_warnings=name_warnings,
            editions=resolved,
            sections=sections,
            updated=True,
        )
        return replace(
            site,
            pages=sections.pages(),
            warnings=(*site.warnings, *problems),
            related=related,
            basis=new_basis,
        )

    # The schedule --------------------------------------------------------------------

    def schedule(self) -> Schedule:
        """Schedule of the articles given, from the one before: the clock still decides the
        same for the unchanged articles (Schedule.holds_at)."""
        old, now = self.before.schedule, self.now
        if now is None:
            return old
        gone = {a.slug for a in self.old_candidates}
        coming = self.new_candidates
        ahead = [a for a in coming if a.date > now]
        expired = [a for a in old.expired if a.slug not in gone] + [a for a in coming if self.expired(a)]
        leaving_times = {t for a in self.old_candidates for t in (a.date, a.expires) if t is not None}
        if old.valid_from in leaving_times or old.valid_until in leaving_times:
            candidates = [a for a in self.given.values() if self.candidate(a)]
            times = [a.date for a in candidates] + [a.expires for a in candidates if a.expires is not None]
        else:
            times = [a.date for a in coming] + [a.expires for a in coming if a.expires is not None]
            times += [t for t in (old.valid_from, old.valid_until) if t is not None]
        new = Schedule(
            held_back=()
            if self.future
            else tuple(sorted([a for a in old.held_back if a.slug not in gone] + ahead, key=_by_date)),
            scheduled=(old.scheduled - gone) | {a.slug for a in ahead} if self.future else frozenset(),
            expired=tuple(sorted(expired, key=_by_date, reverse=True)),
            valid_from=max((t for t in times if t <= now), default=None),
            valid_until=min((t for t in times if t > now), default=None),
        )
        return old if new == old else new

    # Terms -----------------------------------------------------------------------------

    def names(self, article: Article, key: str) -> tuple[str, ...]:
        """The article's names under a taxonomy, aliases as their canonical term (as build_site)."""
        names = names_of(article, key)
        return self.config.canonical_names(key, names) if self.config.aliases else names

    def terms(
        self, key: str, counted: dict[str, Counter[str]]
    ) -> tuple[dict[str, Counter[str]], dict[str, Term | None]]:
        """The spellings counted after the edit, and each term it touched made again (None:
        it has no article left)."""
        counted, touched = _recounted(counted, self.leaving, self.coming, lambda a: self.names(a, key))
        if not touched:
            return counted, {}
        old_terms = self.before.terms_by_slug[key]
        rebuilt: dict[str, Term | None] = {}
        for slug in touched:
            old = old_terms.get(slug)
            members = [a for a in old.articles if a.slug not in self.changed] if old else []
            for article in self.coming:
                if any(slugify(name) == slug for name in self.names(article, key)):
                    members.insert(_position(members, article), article)
            if not members:
                rebuilt[slug] = None
                continue
            term = Term(key, slug, most_common_spelling(counted[slug]), tuple(members))
            rebuilt[slug] = _kept(term, old)
        return counted, {
            slug: term for slug, term in rebuilt.items() if term is None or term is not old_terms.get(slug)
        }

    def raw_spellings(self, key: str, counted: dict[str, Counter[str]]) -> dict[str, Counter[str]]:
        return _recounted(counted, self.leaving, self.coming, lambda a: names_of(a, key))[0]

    def name_warnings(
        self, key: str, old: Mapping[str, Counter[str]], new: Mapping[str, Counter[str]]
    ) -> tuple[Problem, ...]:
        """The warnings of names sharing a slug, found again over the taxonomy when a slug
        the edit touched has (or had) names that are not the same name."""
        touched = {slugify(n) for a in self.leaving_and_coming for n in names_of(a, key)}
        if not any(
            len({name_key(n) for n in found.get(slug, ())}) > 1 for found in (old, new) for slug in touched
        ):
            return self.basis.name_warnings[key]
        listed = [(article, names_of(article, key)) for article in self.published_list]
        slugs = {name: slugify(name) for _, names in listed for name in names}
        return names_sharing_a_slug({key: listed}, slugs)

    # Stories, editions, the timeline ------------------------------------------------

    def stories(self) -> tuple[Story, ...]:
        before = self.before
        touched = dict.fromkeys(slugify(n) for a in self.leaving_and_coming for n in a.stories)
        if not touched:
            self.rebuilt_stories: list[Story] = []
            return before.stories
        files = {story_file.slug: story_file for story_file in self.basis.story_files}
        by_slug = dict(before.stories_by_slug)
        for slug in touched:
            old = by_slug.pop(slug, None)
            members = [a for a in old.articles if a.slug not in self.changed] if old else []
            for article in self.coming:
                for name in article.stories:
                    if slugify(name) == slug:
                        members.insert(_position(members, article, oldest_first=True), article)
            if members:
                spellings = Counter(n for a in members for n in a.stories if slugify(n) == slug)
                by_slug[slug] = _kept(story_of(slug, members, spellings, files.get(slug)), old)
        stories = stories_in_order(by_slug.values())
        self.rebuilt_stories = []  # before and after, where they differ
        for slug in touched:
            old, new = before.stories_by_slug.get(slug), by_slug.get(slug)
            if new is not old:
                self.rebuilt_stories += [story for story in (old, new) if story is not None]
        return before.stories if _identical(stories, before.stories) else stories

    def editions(self, schedule: Schedule) -> tuple[tuple[Edition, ...], tuple]:
        """The editions, and each edition file's edition and problems: made again for the
        files that name a changed article or whose window holds one."""
        old = self.basis.editions
        self.rebuilt_editions: list[Edition] = []
        if not self.changed or not old:
            return self.before.editions, old
        shown = _Shown(self)
        resolved = []
        for edition_file, (edition, problems) in zip(self.basis.edition_files, old, strict=True):
            if self.touches(edition_file):
                made, found = resolve_edition(
                    edition_file, self.given, shown, self.published_list, self.config
                )
                made = _kept(made, edition) if made is not None and edition is not None else made
                if made is not edition:
                    self.rebuilt_editions += [e for e in (edition, made) if e is not None]
                edition, problems = made, tuple(found)
            resolved.append((edition, problems))
        editions = newest_first(edition for edition, _ in resolved)
        editions = self.before.editions if _identical(editions, self.before.editions) else editions
        return editions, tuple(resolved)

    def touches(self, edition_file: EditionFile) -> bool:
        if edition_file.select is None:
            return any(
                item.slug in self.changed for section in edition_file.sections for item in section.items
            )
        opens, closes = edition_file.select.window(edition_file.closes)
        return any(opens <= a.date <= closes for a in self.leaving_and_coming)

    def years(self) -> tuple[Year, ...]:
        before = self.before
        touched = {(a.date.year, a.date.month) for a in self.leaving_and_coming}
        if not touched:
            return before.years
        years = {year.year: year for year in before.years}
        months = {(year.year, m.month): m for year in before.years for m in year.months}
        for place in touched:
            old = months.pop(place, None)
            members = [a for a in old.articles if a.slug not in self.changed] if old else []
            for article in self.coming:
                if (article.date.year, article.date.month) == place:
                    members.insert(_position(members, article), article)
            if members:
                months[place] = _kept(Month(*place, tuple(members)), old)
        for number in {year for year, _ in touched}:
            found = tuple(sorted((m for (y, _), m in months.items() if y == number), key=lambda m: -m.month))
            old_year = years.pop(number, None)
            if found:
                years[number] = _kept(Year(number, found), old_year)
        return tuple(years[number] for number in sorted(years, reverse=True))

    # Pages ---------------------------------------------------------------------------

    def sections(
        self, site: Site, article_pages: list[Page | None], lists: Mapping[str, tuple[str, ...]]
    ) -> PageSections:
        old = self.basis.sections
        config = site.config
        picked_by = editions_by_article(site.editions) if site.editions else {}
        dirty = self.dirty_articles(site, lists)
        positions = _Positions(site)
        given = self.given
        for slug in dirty:
            article = given.get(slug)
            if article is None or not self.candidate(article) or not self.published(article):
                continue
            at = _position(site.articles, article)
            page = article_page(
                site,
                at,
                positions.of(article),
                tuple([given[other] for other in lists[slug]]),
                self.images.get(slug),
                picked_by,
            )
            kept = article_pages[at]
            article_pages[at] = kept if kept is not None and _same(kept.data, page.data) else page
        old_expired = {p.data.article.slug: p for p in old.expired if isinstance(p.data, ArticlePage)}
        edition_dirty = {item.article.slug for e in self.rebuilt_editions for item in e.items}
        expired = []
        for article in site.schedule.expired:
            slug = article.slug
            kept = old_expired.get(slug)
            if kept is None or slug in self.changed or slug in self.imaged or slug in edition_dirty:
                page = expired_page(article, self.images.get(slug), picked_by)
                kept = kept if kept is not None and _same(kept.data, page.data) else page
            expired.append(kept)
        return PageSections(
            listing=self.listing(site),
            # Every place left empty for an article that came was filled: it is dirty.
            articles=tuple(article_pages),  # type: ignore[arg-type]
            expired=tuple(expired),
            taxonomies={
                key: self.taxonomy_group(config, taxonomy) for key, taxonomy in site.taxonomies.items()
            },
            stories=self.stories_group(site),
            editions=old.editions
            if site.editions is self.before.editions
            else _kept_pages(edition_pages(site), old.editions),
            timeline=old.timeline
            if site.years is self.before.years
            else _kept_pages(timeline_pages(site), old.timeline),
            tail=_kept_pages(tail_pages(site), old.tail),
        )

    def dirty_articles(self, site: Site, lists: Mapping[str, tuple[str, ...]]) -> set[str]:
        """The published articles whose page may show something else: the changed ones,
        their neighbours before and after, the members of the stories and editions made
        again, those whose related list changed or names a changed article."""
        dirty = {a.slug for a in self.coming} | self.imaged
        for articles, versions in ((self.before.articles, self.leaving), (site.articles, self.coming)):
            for article in versions:
                at = _position(articles, article)
                dirty.update(a.slug for a in articles[max(at - 1, 0) : at + 2])
        for story in self.rebuilt_stories:
            dirty.update(a.slug for a in story.articles)
        for edition in self.rebuilt_editions:
            dirty.update(item.article.slug for item in edition.items)
        old_lists = self.before.related.lists  # type: ignore[union-attr]
        if lists is not old_lists:
            # Passes at C speed: 10,000 lists compared one by one in Python take a few ms.
            slugs, found = list(lists.keys()), list(lists.values())
            dirty.update(compress(slugs, map(operator.ne, found, map(old_lists.get, slugs))))
            dirty.update(compress(slugs, map(operator.not_, map(self.changed.isdisjoint, found))))
        return dirty

    def listing(self, site: Site) -> tuple[Page, ...]:
        """The home page and its later pages: those whose slice of the articles changed
        (all of them when their number did), and the first when its stories did."""
        old, before = self.basis.sections.listing, self.before
        if site.articles is before.articles and site.stories is before.stories:
            return old
        per_page, articles = site.config.per_page, site.articles
        count = max(1, -(-len(articles) // per_page))
        if count != len(old):
            numbers: Iterable[int] = range(1, count + 1)
        else:
            # Before the first place an article left or came, and (when as many articles
            # are listed) after the last, the listing is as it was.
            places = [_position(before.articles, a) for a in self.leaving]
            places += [_position(articles, a) for a in self.coming]
            first = min(places, default=len(articles))
            last = max(places) if len(articles) == len(before.articles) else len(articles) - 1
            numbers = {1, *range(first // per_page + 1, last // per_page + 2)}
        developing = home_stories(site.stories)
        pages = list(old[:count])
        for number in numbers:
            paginator = Paginator(number, count, "")
            chunk = articles[(number - 1) * per_page : number * per_page]
            page = Page(
                paginator.path(number), Listing("Latest", chunk, paginator, developing if number == 1 else ())
            )
            pages[number - 1 : number] = [
                _kept_page(page, {page.url_path: old[number - 1]} if number <= len(old) else {})
            ]
        return tuple(pages)

    def taxonomy_group(self, config: SiteConfig, taxonomy: Taxonomy) -> Group:
        old_taxonomy = self.before.taxonomies.get(taxonomy.key)
        index, old_groups = self.basis.sections.taxonomies[taxonomy.key]
        if taxonomy is old_taxonomy:
            return index, old_groups
        old_terms = self.before.terms_by_slug[taxonomy.key]
        groups = {}
        for term in taxonomy.terms:
            kept = old_groups.get(term.slug)
            if kept is not None and term is old_terms.get(term.slug):
                groups[term.slug] = kept  # the term is as it was, and so are its pages
            else:
                groups[term.slug] = _kept_pages(term_pages(config, taxonomy, term), kept or ())
        return Page(taxonomy.url_path, TermsPage(taxonomy)), groups

    def stories_group(self, site: Site) -> Group:
        index, old_groups = self.basis.sections.stories
        if site.stories is self.before.stories and not self.rebuilt_stories:
            return index, old_groups
        old_stories = self.before.stories_by_slug
        groups = {
            story.slug: old_groups[story.slug]
            if story is old_stories.get(story.slug)
            else _kept_pages(story_pages(site.config, story), old_groups.get(story.slug, ()))
            for story in site.stories
        }
        return _kept_page(stories_page(site), {index.url_path: index}), groups


class _Shown:
    """The slugs of the articles published or expired: what an edition may name."""

    def __init__(self, update: _Update) -> None:
        self.update = update

    def __contains__(self, slug: object) -> bool:
        update = self.update
        article = update.given.get(slug) if isinstance(slug, str) else None
        return (
            article is not None
            and update.candidate(article)
            and (update.expired(article) or not update.held(article))
        )


class _Positions:
    """Where the articles stand in their stories (as build_site's _story_positions)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.indexes: dict[str, dict[str, list[int]]] = {}

    def of(self, article: Article) -> tuple[StoryPosition, ...]:
        found = []
        for slug in sorted({slugify(name) for name in article.stories}):
            story = self.site.stories_by_slug.get(slug)
            if story is None:
                continue
            if slug not in self.indexes:
                where: dict[str, list[int]] = {}
                for n, member in enumerate(story.articles):
                    where.setdefault(member.slug, []).append(n)
                self.indexes[slug] = where
            members = story.articles
            for n in self.indexes[slug].get(article.slug, ()):
                previous = members[n - 1] if n > 0 else None
                following = members[n + 1] if n + 1 < len(members) else None
                found.append(StoryPosition(story, n + 1, len(members), previous, following))
        return tuple(found)


def _recounted(
    counted: dict[str, Counter[str]],
    leaving: Iterable[Article],
    coming: Iterable[Article],
    names: Callable[[Article], tuple[str, ...]],
) -> tuple[dict[str, Counter[str]], dict[str, None]]:
    """The names counted by slug after `leaving` left and `coming` came (a copy where it
    changed), and the slugs touched."""
    leaving, coming = list(leaving), list(coming)
    touched = dict.fromkeys(slugify(name) for article in (*leaving, *coming) for name in names(article))
    if not touched:
        return counted, touched
    counted = dict(counted)
    for slug in touched:
        counted[slug] = Counter(counted.get(slug, ()))
    for sign, articles in ((-1, leaving), (1, coming)):
        for article in articles:
            for name in names(article):
                counter = counted[slugify(name)]
                counter[name] += sign
                if not counter[name]:
                    del counter[name]
    for slug in touched:
        if not counted[slug]:
            del counted[slug]
    return counted, touched


def _position(articles: Sequence[Article], article: Article, oldest_first: bool = False) -> int:
    """Where `article` is, or goes, in `articles` ordered newest first by (date, slug) (or
    oldest first)."""
    key = (article.date, article.slug)
    lo, hi = 0, len(articles)
    while lo < hi:
        mid = (lo + hi) // 2
        other = articles[mid]
        before = (other.date, other.slug) < key if oldest_first else (other.date, other.slug) > key
        if before:
            lo = mid + 1
        else:
            hi = mid
    return lo


_slug = operator.attrgetter("slug")


def _changed(given: Mapping[str, Article], known: Mapping[str, Article]) -> list[str]:
    """The slugs whose article is not the very one it was, or is new, or is gone."""
    if list(given) == list(known):  # as the engine keeps them: compared in one pass at C speed
        return list(compress(given, map(operator.is_not, given.values(), known.values())))
    changed = [slug for slug, article in given.items() if known.get(slug) is not article]
    return changed + [slug for slug in known if slug not in given]


def _by_date(article: Article) -> tuple[dt.datetime, str]:
    return article.date, article.slug


def _identical(a: Sequence[object], b: Sequence[object]) -> bool:
    return len(a) == len(b) and all(map(operator.is_, a, b))


def _same(a: object, b: object) -> bool:
    """Equal, the model's objects made of articles compared by identity (kept when unchanged)."""
    if a is b:
        return True
    if type(a) is not type(b) or isinstance(a, _SHARED):
        return False
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(map(_same, a, b))
    if is_dataclass(a):
        return _same_fields(a, b)
    return a == b


def _same_fields(a: object, b: object) -> bool:
    return type(a) is type(b) and all(_same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))  # type: ignore[arg-type]


def _kept(new, old):
    """`old` when `new` is the same as it, else `new`."""
    return old if old is not None and _same_fields(new, old) else new


def _kept_page(page: Page, old: Mapping[str, Page]) -> Page:
    kept = old.get(page.url_path)
    return kept if kept is not None and _same(kept.data, page.data) else page


def _kept_pages(pages: Iterable[Page], old: Iterable[Page]) -> tuple[Page, ...]:
    by_path = {page.url_path: page for page in old}
    return tuple(_kept_page(page, by_path) for page in pages)

"""The engine: runs load -> validate -> model -> render -> write for one site, and keeps
what each build learns so that the next one does only what changed.

The stages know nothing of caches or processes. The engine decides what must be done
again, spreads large work over processes (sitegen/parallel.py), and keeps:

- every article file as validated, trusted while its size, mtime and change time are
  unchanged (or, failing that, its bytes);
- the model, for as long as no article's fields changed (a body is not a field: a body
  edit leaves the model as it was);
- every rendered body;
- for each output folder, what every page read as it rendered (sitegen/deps.py) and the
  files it left there.

`sitegen build` runs an Engine for one build and keeps what it learns in the build cache
(sitegen/cache.py). `sitegen serve` keeps one Engine, in memory, for the whole preview:
the watcher tells it which files changed, so a rebuild looks at those files only, and it
writes into the preview's folder just the files that changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
import os
import stat
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from functools import cache, cached_property, partial
from itertools import chain, compress
from pathlib import Path
from typing import cast

import jinja2

from .assets import StaticOutput, fingerprint
from .cache import BuildCache, FileStat, OutputRecord, SourceStat, content_hash, untrusted_since
from .config import CONFIG_FILE, SiteConfig, load_config
from .deps import DependencyGraph, ModelValues, Reshaped, digest
from .editions import EditionFile, read_edition_files
from .errors import Problem, SiteError, UsageError, error, warning
from .i18n import I18N_DIR, Strings, load_strings
from .images import Images, SiteImages
from .imaging import CardStyle, theme_colours
from .load import CONTENT_DIR, article_label, article_labels, touches
from .model import Feed, Page, Schedule, Site, build_site, missing_redirect_targets
from .neardup import NearDuplicates
from .parallel import can_fork, chunked, default_jobs, map_in_processes
from .related import RelatedLists
from .render import CompiledTemplates, Renderer, RenderError
from .render.bodies import SLOW_BODY_SECONDS, body_key, convert_bodies, slow_body
from .render.links import LinkStyle, depth_of
from .render.markdown import MarkdownRenderer
from .render.markdown import settings as markdown_settings
from .render.pictures import responsive_body
from .render.reads import Key, identity, same_identity
from .render.theme import Theme, builtin_themes_dir, find_theme
from .search import SEARCH_DIR, SearchError, current_index, indexer
from .stories import StoryFile, read_story_files
from .validate import (
    CACHE_SHAPE,
    CROSS_FILE_KEYS,
    Article,
    ValidatedFile,
    cross_file_problems,
    unreadable,
    validate_bytes,
)
from .version import __version__
from .write import (
    MARKER,
    TMP,
    FolderUpdater,
    Inventory,
    OutputLock,
    OutputWriter,
    StagingArea,
    check_output_dir,
    folders_of,
    recover,
    take_inventory,
)
from .yamlfile import read_bytes

OUTPUT_DIR = "output"
CARD_FONTS = ("fonts/social-card.ttf", "fonts/social-card-bold.ttf")  # in a theme's folder
STATIC_DIR = "static"
PARALLEL_PAGES_FROM = 300  # fewer pages than this render quicker in this process than in a pool
PARALLEL_FILES_FROM = 500  # fewer article files than this parse quicker in this process
PARALLEL_BODIES_FROM = 200  # fewer bodies than this render quicker in this process
UNTRUSTED_MTIME = -1

Progress = Callable[[str, int, int], None]  # (stage, done, total)
Notify = Callable[[str], None]  # a message for the user, such as "waiting for another build"


@dataclass(frozen=True)
class LoadedSite:
    site: Site
    theme: Theme
    warnings: tuple[Problem, ...]
    files: Mapping[str, ValidatedFile]  # every article file, by its path in the site folder
    strings: Strings  # the theme's words in the site's language
    images: SiteImages  # the published articles' images (sitegen/images.py)

    def body(self, article: Article) -> str:
        return self.files[article.path].body


@dataclass(frozen=True)
class BuildResult:
    output_dir: Path
    pages: int  # files made from the model (HTML pages, feeds, sitemap)
    articles: int
    rendered: int  # pages rendered this time; the others were unchanged since the last build
    written: int  # files new or changed on disk, static files included
    unchanged: int
    removed: int
    seconds: float
    warnings: tuple[Problem, ...]
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    rendered_paths: tuple[str, ...] = ()  # the output paths of the pages rendered this time
    held_back: int = 0  # articles dated later than the build's clock, not published
    next_scheduled: dt.datetime | None = None  # the first of them to be due (site timezone)
    images_encoded: int = 0  # image files (copies of images, social cards) encoded this time


@dataclass(frozen=True)
class _Delta:
    """The article files that a batch of file events added, removed and touched (the
    added included)."""

    added: set[str]
    removed: set[str]
    touched: set[str]


def _front(validated: ValidatedFile | None) -> bytes | None:
    """What the model takes from a file: its article's front matter, if it has one."""
    if validated is None:
        return None
    return validated.article.front_matter_digest if validated.article else b""


def _cross_inputs(validated: ValidatedFile | None) -> object:
    """What the problems that span files (a slug used twice) take from a file."""
    if validated is None or validated.article is None:
        return None
    article = validated.article
    fingerprint = article.meta.get("fingerprint")
    lines = tuple(validated.key_lines.get(key) for key in CROSS_FILE_KEYS)
    return article.slug, article.source_url, fingerprint, lines


def _body(validated: ValidatedFile | None) -> tuple[bytes, frozenset[int]] | None:
    """What the near-duplicate check takes from a file: its body's digest and shingles."""
    if validated is None or validated.article is None:
        return None
    return validated.body_digest, validated.shingles


@dataclass(frozen=True)
class SitePages:
    """A model of the site with what a build derives from its pages (site_pages())."""

    site: Site
    settings: bytes  # what every page's shape depends on
    shapes: dict[str, bytes]  # each page's shape (deps.DependencyGraph.stale), by output path
    pages: dict[str, Page]  # by output path
    generated: frozenset[str]  # every page's output path
    folders: Mapping[str, int]  # the folders those are in, with how many of them each holds
    # The shapes of the model it was updated from, and the paths where `shapes` may differ
    # from those (pages made again, added or gone); None when it was made from nothing.
    reshaped: Reshaped | None = None
    inputs: object = None  # what the engine built the model from (configuration, options, ...)
    # A digest of the same, that a later process can compare, made when asked (see
    # Engine._site_model).
    made_from: Callable[[], bytes] | None = None

    @cached_property
    def position(self) -> dict[int, int]:
        """Each page's place in site.pages, by the page's id (the site keeps them alive)."""
        pages = self.site.pages
        return dict(zip(map(id, pages), range(len(pages)), strict=True))


@dataclass
class _Output:
    """What the engine knows of an output folder it wrote: what each page read, and the
    files it left there."""

    graph: DependencyGraph
    files: dict[str, FileStat]
    generation: int  # the engine's read_articles that its last build saw
    schedule: Schedule  # what its last build's clock decided
    images: bytes = b""  # what its last build's pages showed of images (SiteImages.shown)
    static: StaticOutput | None = None  # the static files its last build left there
    images_published: Mapping[str, str] = field(default_factory=dict)  # SiteImages.files, as left there
    generated: frozenset[str] = frozenset()  # its pages' paths


# What the static files' clashes follow from: the static files, the pages' paths, the search
# setting and the images published.
_ClashInputs = tuple[StaticOutput, frozenset[str], bool, Mapping[str, str]]


class Engine:
    """Builds one site, again and again, doing only what changed since its last build.

    `changed`, given to load() and build(), lists the files that changed since the last
    build of this Engine (as a file watcher reports them); without it, every article
    file is looked at (by its size, mtime and change time)."""

    def __init__(
        self,
        site_dir: Path | str,
        *,
        drafts: bool = False,
        base_url: str | None = None,
        jobs: int | None = None,
        use_cache: bool = True,
        fingerprint: bool = True,
        index_search: bool = True,
        future: bool = False,
    ):
        self.site_dir = _site_folder(Path(site_dir))
        self.drafts = drafts
        # Publish the articles dated later than the build's clock (--future, the preview).
        self.future = future
        self.base_url = base_url
        self.jobs = max(1, jobs or default_jobs())
        self.use_cache = use_cache
        # Theme assets under content-hash names (sitegen/assets.py). The preview keeps their
        # names: then a stylesheet edit renders no page again, and is swapped in place.
        self.fingerprint = fingerprint
        # The search index (with `search:` on); `sitegen check` makes none: it follows no
        # link into it, and indexing 10,000 pages costs Pagefind about 20 s.
        self.index_search = index_search
        self.cache = BuildCache(self.site_dir, enabled=use_cache)
        self.images = Images(self.site_dir, self.cache.folder if use_cache else None)
        # What earlier builds of this Engine learnt.
        self._validated_with: str | None = None  # the settings self._files were validated with
        self._files: dict[str, ValidatedFile] = {}
        self._scan_problems: list[Problem] = []
        self._file_problems: list[Problem] = []  # each file's own
        self._cross_problems: list[Problem] = []  # those that span files
        self._near_duplicates = NearDuplicates()  # among them
        self._folders: dict[str, set[str]] = {}  # the article files in each folder
        self._front_version = 0  # moves on when an article's front matter changes
        # Each read_articles is numbered; what it changed: the slugs of the articles that may
        # differ after it (None: any), for outputs whose last build is a few reads behind.
        self._generation = 0
        self._changes: dict[int, frozenset[str] | None] = {}
        self._model: SitePages | None = None
        self._bodies: dict[str, str] = {}  # rendered bodies by body_key
        self._outputs: dict[Path, _Output] = {}
        self._renderer: tuple[object, Renderer] | None = None  # with what it was made for
        self._compiled: CompiledTemplates | None = None  # loaded from the build cache when first needed
        self._values: ModelValues | None = None  # the last build's
        # The files a watcher reported changed that each memo below has not seen yet (None:
        # unknown, so it looks at every file): kept across a failed build, which may stop
        # before a memo had its look.
        self._unseen: dict[str, set[Path] | None] = {"images": None, "static": None}
        self._static: tuple[object, StaticOutput] | None = None  # the last build's, with what for
        self._clashes: tuple[_ClashInputs, list[Problem]] | None = None
        self._related_saved: RelatedLists | None = None  # the related lists the build cache holds
        self._near_saved: object = None  # the near-duplicates as the build cache holds them (to_plain)

    # Load, validate, model ------------------------------------------------------

    def load(self, changed: Collection[Path] | None = None, now: dt.datetime | None = None) -> LoadedSite:
        """Read and check everything the site is made of; raises SiteError with every
        problem found. `now`: the clock that decides which articles are published (default:
        the time of the call)."""
        return self._load(changed, now or _clock())[0]

    def _load(
        self, changed: Collection[Path] | None, now: dt.datetime, record: OutputRecord | None = None
    ) -> tuple[LoadedSite, SitePages]:
        """load(), with the model's pages; `record`: the last build's of the output folder,
        whose pages' shapes serve while the model is made from what that build's was."""
        for memo, unseen in self._unseen.items():
            self._unseen[memo] = None if unseen is None or changed is None else unseen | set(changed)
        config, problems = load_config(self.site_dir, self.base_url)
        theme, theme_problems = find_theme(self.site_dir, config.theme)
        files, file_problems = self.read_articles(config, changed)
        # A handful of files: read on every build, so that no change to one is missed.
        markdown = MarkdownRenderer(config.base_path).convert
        stories, story_problems = read_story_files(self.site_dir, markdown)
        absolute = MarkdownRenderer(config.absolute_base).convert  # for emails and feeds
        editions, edition_problems = read_edition_files(
            self.site_dir, lambda text, full: (absolute if full else markdown)(text), config.timezone
        )
        problems += theme_problems + file_problems + story_problems + edition_problems
        if theme is None:
            raise SiteError(problems)
        # A handful of small files, read on every build: the theme's strings and the site's own.
        strings, string_problems = load_strings(self.site_dir, theme.folders, config.language)
        images, image_problems = self.images.resolve(
            config, _card_style(theme), files, self.drafts, self._take_unseen("images")
        )
        problems += string_problems + image_problems
        if any(p.is_error for p in problems):
            raise SiteError(problems)
        model = self._site_model(config, files, stories, editions, now, images, record)
        if any(p.is_error for p in model.site.warnings):  # a redirect from a page the site builds
            raise SiteError([*problems, *model.site.warnings])
        site_warnings = (*problems, *model.site.warnings)
        return LoadedSite(model.site, theme, site_warnings, files, strings, images), model

    def read_articles(
        self, config: SiteConfig, changed: Collection[Path] | None = None
    ) -> tuple[dict[str, ValidatedFile], list[Problem]]:
        """Every article file validated, by its path in the site folder, and the problems
        found, those that span files (a slug used twice) included."""
        added = config.added_taxonomies
        # What validating a file depends on, and the shape in which the cache keeps the result.
        settings = f"{config.timezone}|{','.join(added)}|{CACHE_SHAPE}"
        fresh = settings != self._validated_with
        if fresh:
            self._files = (
                self.cache.load_articles(settings, ValidatedFile.from_plain)
                if self._validated_with is None
                else {}
            )
            changed = None
        remembered = self._files
        delta = self._labels_after(changed) if changed is not None else None
        if delta is None:
            labels, self._scan_problems = article_labels(self.site_dir)
            to_check = labels
            files = {label: remembered[label] for label in labels if label in remembered}
            gone = remembered.keys() - files.keys()
        else:  # the watcher's events: only the files they name are looked at
            to_check = sorted(delta.touched)
            files = dict(remembered)
            gone = delta.removed
            for label in gone:
                files.pop(label, None)
        pending = []
        recent = untrusted_since()
        root = str(self.site_dir)
        for label in to_check:
            found = SourceStat.of(os.path.join(root, label))
            if found and found.mtime_ns >= recent:
                found = SourceStat(found.size, UNTRUSTED_MTIME, found.ctime_ns)
            known = remembered.get(label)
            if known and found is not None and found == known.stat and found.mtime_ns != UNTRUSTED_MTIME:
                continue
            pending.append((label, found))
        state = _ReadState(self.site_dir, config.tz, remembered, added)
        if self.jobs > 1 and len(pending) >= PARALLEL_FILES_FROM and can_fork():
            for chunk in map_in_processes(state, _read_chunk, chunked(pending, self.jobs * 4), self.jobs):
                files.update(chunk)
        else:
            files.update(_read_chunk(state, pending))
        if delta is None or delta.added:
            files = dict(sorted(files.items()))
        differs = [*gone, *(label for label, _ in pending)]
        self._take_in(files, differs, fresh, settings)
        near = self._near_duplicates.problems()
        return files, self._scan_problems + self._file_problems + self._cross_problems + near

    def _take_in(
        self, files: dict[str, ValidatedFile], differs: list[str], whole: bool, settings: str
    ) -> None:
        """Keep `files`, of which those labelled `differs` may differ from the last ones
        (`whole`: any may), with what follows from them, redone only where they changed."""
        before = self._files
        pairs = [(before.get(label), files.get(label)) for label in differs]
        slugs = {f.article.slug for pair in pairs for f in pair if f is not None and f.article}
        self._generation += 1
        self._changes[self._generation] = None if whole else frozenset(slugs)
        if whole or any(_front(old) != _front(new) for old, new in pairs):
            self._front_version += 1
        if whole or any(f.problems for pair in pairs for f in pair if f is not None):
            self._file_problems = [p for f in files.values() for p in f.problems]
        if whole or any(_cross_inputs(old) != _cross_inputs(new) for old, new in pairs):
            articles = [f.article for f in files.values() if f.article]
            lines = {label: f.key_lines for label, f in files.items()}
            self._cross_problems = cross_file_problems(articles, lines)
        if whole:
            bodies = {label: _body(files.get(label)) for label in files.keys() | before.keys()}
            if not self._near_resumed(bodies):
                self._near_duplicates.update(bodies)
        else:
            self._near_duplicates.update({label: _body(files.get(label)) for label in differs})
        folders = {label.rpartition("/")[0] for label in differs}
        if whole:
            self._folders = {}
            for label in files:
                self._folders.setdefault(label.rpartition("/")[0], set()).add(label)
            folders |= self._folders.keys()
        else:
            for label in differs:
                listed = self._folders.setdefault(label.rpartition("/")[0], set())
                if label in files:
                    listed.add(label)
                else:
                    listed.discard(label)
        shards = {
            folder: {label: files[label] for label in self._folders.get(folder, ())} for folder in folders
        }
        self.cache.save_articles(settings, shards, ValidatedFile.to_plain)
        self._files, self._validated_with = files, settings

    def _near_resumed(self, bodies: Mapping[str, tuple[bytes, frozenset[int]] | None]) -> bool:
        """Did the near-duplicate check start from the pairs the last build of the site kept
        in the build cache (a new process: finding every pair takes about half a second at
        10,000 articles), and take in `bodies`?"""
        if not self.use_cache or self._near_saved is not None:
            return False
        plain = self.cache.load_derived("near-duplicates")
        if plain is None:
            return False
        try:
            self._near_duplicates.resume(plain, bodies)
        except (TypeError, ValueError, AttributeError, ArithmeticError):  # any damage: a shortcut only
            self.cache.distrust_derived("near-duplicates", "is corrupt")
            self._near_duplicates = NearDuplicates()
            return False
        self._near_saved = plain
        return True

    def _take_unseen(self, memo: str) -> list[str] | None:
        """The files changed (relative to the site folder) that `memo` has not seen; it has now."""
        unseen, self._unseen[memo] = self._unseen[memo], set()
        if unseen is None or self.site_dir in unseen:
            return None
        return [
            path.relative_to(self.site_dir).as_posix()
            for path in unseen
            if path.is_relative_to(self.site_dir)
        ]

    def _static_output(self, theme: Theme) -> StaticOutput:
        """The static files (_static_files): the last build's while no file in a static
        folder changed, as the watcher reports (a site may have thousands of images there)."""
        unseen = self._take_unseen("static")
        made_for = (theme, self.fingerprint)
        if self._static is not None and self._static[0] == made_for and unseen is not None:
            folders = [_label(folder, self.site_dir) for folder in theme.static_dirs()]
            folders.append(STATIC_DIR)
            if not any(touches(path, folder) for path in unseen for folder in folders):
                return self._static[1]
        static = _static_files(self.site_dir, theme, self.fingerprint)
        self._static = (made_for, static)
        return static

    def _static_clashes(self, static: StaticOutput, model: SitePages, images: SiteImages) -> list[Problem]:
        """_clashes, the last build's while the static files, the pages' paths, the search
        setting and the images are as they were (a tag edit leaves them so)."""
        inputs = (static, model.generated, model.site.config.search, images.files)
        kept = self._clashes
        if kept is not None:
            (kept_static, kept_generated, kept_search, kept_images), clashes = kept
            if (
                kept_static is static
                and kept_images is images.files
                and kept_search == model.site.config.search
                and (kept_generated is model.generated or kept_generated == model.generated)
            ):
                return clashes
        clashes = _clashes(self.site_dir, static, model, images.files.keys())
        self._clashes = (inputs, clashes)
        return clashes

    def _changed_since(self, generation: int) -> frozenset[str] | None:
        """The slugs of the articles that may have changed since read_articles' `generation`
        (None: any may have)."""
        slugs: set[str] = set()
        for number in range(generation + 1, self._generation + 1):
            found = self._changes.get(number)
            if found is None:
                return None
            slugs |= found
        return frozenset(slugs)

    def _forget_changes(self) -> None:
        """Forget what changed before the oldest last build of an output this engine keeps."""
        oldest = min(output.generation for output in self._outputs.values())
        for number in [n for n in self._changes if n <= oldest]:
            del self._changes[number]

    def _labels_after(self, changed: Collection[Path]) -> _Delta | None:
        """What changed among the article files, from the last scan and the files that
        changed since; None when a change is not one of an article file (a folder, say),
        which only a scan can tell."""
        if self._validated_with is None:
            return None
        known = self._files
        delta = _Delta(set(), set(), set())
        content = self.site_dir / CONTENT_DIR
        for path in changed:
            if content not in path.parents:
                continue
            label = article_label(self.site_dir, path)
            try:
                mode: int | None = os.lstat(path).st_mode
            except FileNotFoundError:
                mode = None
            if label is None:
                if mode is not None and stat.S_ISDIR(mode):
                    return None  # a folder, perhaps of articles
                if mode is None:  # gone: was it a folder of articles (moved away whole)?
                    prefix = path.relative_to(self.site_dir).as_posix() + "/"
                    if any(label.startswith(prefix) for label in known):
                        return None
                continue  # not an article file
            if mode is None:
                if label in known:
                    delta.removed.add(label)
                delta.added.discard(label)
                delta.touched.discard(label)
            elif stat.S_ISREG(mode):
                delta.removed.discard(label)
                if label not in known:
                    delta.added.add(label)
                delta.touched.add(label)
            else:  # a link, a folder or a special file by an article's name: the scan judges it
                return None
        return delta

    def _site_model(
        self,
        config: SiteConfig,
        files: Mapping[str, ValidatedFile],
        stories: tuple[StoryFile, ...],
        editions: tuple[EditionFile, ...],
        now: dt.datetime,
        images: SiteImages,
        record: OutputRecord | None = None,
    ) -> SitePages:
        """The model, with what the build derives from it; the last build's while no
        article's fields, the story and edition files, the lead images, the configuration or
        the options changed, and no article's scheduled time or expiry passed
        (Schedule.holds_at). The same holds across processes for the pages' shapes: those of
        `record` (an output's last build) serve while its model was made from the same."""
        inputs = (config, self.drafts, self.future, self._front_version, stories, editions, images.digest)
        kept = self._model
        if kept is not None and kept.inputs == inputs and kept.site.schedule.holds_at(now):
            return kept
        articles = [f.article for f in files.values() if f.article]
        site = build_site(
            config,
            articles,
            drafts=self.drafts,
            story_files=stories,
            edition_files=editions,
            jobs=self.jobs,
            before=self._model.site if self._model is not None else None,
            now=now,
            future=self.future,
            images=images.articles,
            related_before=self._stored_related() if self._model is None else None,
        )
        settings = digest(
            __version__, self.drafts, self.fingerprint, repr(config), markdown_settings(config.base_path)
        )
        # All the model is made from, as `inputs` above has it (the configuration whole: its
        # repr leaves out `email`), with every article's fields instead of their version.
        # Made when asked, once: the preview's later builds keep no record and never ask,
        # and hashing every article's digest takes 46 ms at 100,000 articles.
        future = self.future
        made_from = cache(
            lambda: digest(
                settings,
                config.email,
                future,
                stories,
                editions,
                images.digest,
                [_front(f) for f in files.values()],
            )
        )
        recorded = None
        if record is not None and record.model == made_from() and _holds(record.valid, now):
            # A new process (a command-line build): the model is the one the record's build
            # made, page for page, so each page has the shape recorded (a shape takes a
            # walk through everything its page shows: 0.3 s at 10,000 articles).
            recorded = DependencyGraph.shapes_in(record.graph)
        self._model = replace(site_pages(site, settings, kept, inputs, recorded), made_from=made_from)
        return self._model

    def _stored_related(self) -> RelatedLists | None:
        """The related lists the last build of the site kept in the build cache: a new process
        then finds again only those that its edits can change (at 10,000 articles, finding
        them all takes about a second of CPU)."""
        if not self.use_cache:
            return None
        plain = self.cache.load_derived("related")
        try:
            self._related_saved = None if plain is None else RelatedLists.from_plain(plain)
        except (TypeError, ValueError, AttributeError):  # any damage: the cache is only a shortcut
            self.cache.distrust_derived("related", "is corrupt")
            self._related_saved = None
        return self._related_saved

    def _stored_templates(self) -> CompiledTemplates:
        """The templates as earlier builds of the site compiled them, kept in the build
        cache: a new process then compiles only those that changed."""
        plain = self.cache.load_derived("templates") if self.use_cache else None
        try:
            return CompiledTemplates() if plain is None else CompiledTemplates.from_plain(plain)
        except (TypeError, ValueError, AttributeError):  # any damage: the cache is only a shortcut
            self.cache.distrust_derived("templates", "is corrupt")
            return CompiledTemplates()

    # Build ------------------------------------------------------------------------

    def build(
        self,
        output_dir: Path | str | None = None,
        *,
        force: bool = False,
        changed: Collection[Path] | None = None,
        in_place: bool = False,
        progress: Progress | None = None,
        notify: Notify | None = None,
        now: dt.datetime | None = None,
    ) -> BuildResult:
        """Build the site into `output_dir` (default: its output/ folder).

        `now` is the build's clock, taken once (default: the time of the call): articles
        dated later are held back unless the Engine is `future`, and those whose `expires`
        passed are listed nowhere.

        Raises UsageError for an unsafe output folder and SiteError for content,
        configuration or template errors; in both cases the previous output is left
        exactly as it was. The new output replaces the old one in one step, unless
        `in_place` (the preview's own folder), where only the files that changed are
        written, one by one. With `search` on, the new output is indexed for search before it
        replaces the old one; an `in_place` build leaves the index to its caller (the
        preview makes it in the background: sitegen/serve/indexer.py). A build into an
        output folder that another build is writing waits for it, telling `notify` so.
        """
        started = time.perf_counter()
        output = Path(output_dir) if output_dir is not None else self.site_dir / OUTPUT_DIR
        check_output_dir(self.site_dir, output, force=force)
        report = progress or (lambda stage, done, total: None)
        timings: dict[str, float] = {}
        try:
            lock = OutputLock(output, notify or (lambda message: None))
        except OSError as exc:
            raise SiteError([_write_error(exc, None)]) from exc
        try:
            return self._build(output, changed, in_place, report, timings, started, now or _clock())
        finally:
            self.cache.close()
            lock.release()

    def _build(
        self,
        output: Path,
        changed: Collection[Path] | None,
        in_place: bool,
        report: Progress,
        timings: dict[str, float],
        started: float,
        now: dt.datetime,
    ) -> BuildResult:
        cache = self.cache
        remembered = self._outputs.get(output.resolve())
        with _timed(timings, "check"):
            try:
                cleanup = recover(output)  # what a killed build left
                if remembered is not None and in_place:
                    present = Inventory(remembered.files, 0)  # the preview's own folder
                else:
                    present = take_inventory(output)
            except OSError as exc:
                raise SiteError([_write_error(exc, None)]) from exc
            previous = cache.load_manifest(output) if remembered is None else None
            inputs = None
            if remembered is None and self.use_cache:
                inputs = _inputs_digest(
                    self.site_dir, (self.drafts, self.future, self.base_url, self.fingerprint)
                )
                if (
                    previous
                    and inputs
                    and previous.inputs == inputs
                    and _intact(present, previous.files)
                    and _holds(previous.valid, now)
                ):
                    # Nothing the site is made of has changed, no article's scheduled time or
                    # expiry has passed, and the output is as it was left.
                    return BuildResult(
                        output, previous.pages, previous.articles, 0, 0, len(previous.files), 0,
                        time.perf_counter() - started, (*previous.warnings, *cleanup, *cache.warnings),
                        timings, held_back=previous.held_back, next_scheduled=previous.next_scheduled,
                    )  # fmt: skip
        with _timed(timings, "load"):
            loaded, model = self._load(changed, now, previous)
        site = loaded.site
        last_renderer = self._renderer[1] if self._renderer else None
        with _timed(timings, "plan"):
            static = self._static_output(loaded.theme)
            static_problems = [*static.problems, *self._static_clashes(static, model, loaded.images)]
        renderer = self._renderer_for(site, loaded.theme, static.names, loaded.strings)
        with _timed(timings, "plan"):
            shapes = model.shapes
            sources = loaded.files
            template_source = partial(_template_source, renderer.env)
            shown_in_bodies = loaded.images.body_digests
            images_state = loaded.images.shown
            values = ModelValues(
                site,
                template_source,
                lambda article: _body_digest(
                    sources[article.path].body_digest, shown_in_bodies.get(article.slug)
                ),
                self._values,
                static.names,
                loaded.strings.texts,
            )
            self._values = values
            articles_changed = None
            if remembered is not None:
                graph = remembered.graph
                files: Mapping[str, tuple[int, int]] = remembered.files
                articles_changed = self._changed_since(remembered.generation)
                if remembered.schedule != site.schedule:
                    # Articles came in, or left the lists, with no file changed: look at all.
                    articles_changed = None
                if remembered.images != images_state:
                    articles_changed = None  # an image changed: any body may show it
            elif previous is not None:
                graph, files = DependencyGraph.from_plain(previous.graph), previous.files
            else:
                graph, files = DependencyGraph(), {}
            stale = graph.stale(shapes, values, articles_changed, model.reshaped)
            if (
                last_renderer is not None
                and last_renderer is not renderer
                and graph.model is last_renderer.site  # what the graph knows is of its cards
                and last_renderer.site.config == site.config
            ):
                # A new model (a tag edit, say) leaves most cards as they were: what each read
                # is known, and a card whose reads are unchanged is the same card.
                renderer.carry_over(last_renderer, graph.not_right, graph)
            if remembered is not None and in_place:  # the folder is as this engine left it
                position = model.position
                todo = sorted((model.pages[path] for path in stale), key=lambda page: position[id(page)])
            else:
                todo = [
                    page for page in site.pages
                    if page.file_path in stale or _changed_on_disk(page.file_path, files, present)
                ]  # fmt: skip
            static_problems += missing_redirect_targets(site, model.generated, static.files)
            problems = [*loaded.warnings, *static_problems]
            if any(p.is_error for p in problems):
                raise SiteError(problems)
        with _timed(timings, "markdown"):
            html, slow = self._bodies_for(todo, loaded, report)
            renderer.bodies, renderer.feed_bodies = html
            problems += slow
        # The preview's folder holds the last build's static files and images: while they
        # are the same, nothing is looked at again.
        as_left = remembered if remembered is not None and in_place else None
        writer: OutputWriter | FolderUpdater = (
            FolderUpdater(
                output,
                present,
                same_paths=as_left is not None
                and as_left.static is static
                and as_left.images_published == loaded.images.files
                and (as_left.generated is model.generated or as_left.generated == model.generated),
            )
            if in_place
            else OutputWriter(output, present)
        )
        try:
            with _timed(timings, "render"):
                # The preview's folder has its folders, and makes those that files need.
                writer.start(
                    model.generated,
                    frozenset()
                    if in_place
                    else model.folders.keys() | folders_of(static.files) | folders_of(loaded.images.files),
                )
                writer.keep_rest({page.file_path for page in todo})
                reads = _render_pages(renderer, todo, model.position, writer, self.jobs, report)
            with _timed(timings, "static"):
                if as_left is not None and as_left.static is static:
                    writer.keep_as_left(static.files)
                else:
                    for relative, file in static.files.items():
                        if file.data is None:
                            writer.copy(relative, file.source)
                        else:  # a stylesheet whose links were rewritten
                            writer.record(relative, writer.put(relative, file.data))
            encoded_before = self.images.store.made
            with _timed(timings, "images"):
                if as_left is not None and as_left.images_published == loaded.images.files:
                    writer.keep_as_left(loaded.images.files)
                else:
                    published, image_problems = self.images.publish(loaded.images, self.jobs)
                    if image_problems:
                        raise SiteError([*problems, *image_problems])
                    for relative, stored in published.items():
                        if isinstance(stored, Path):
                            writer.copy(relative, stored)
                        else:
                            writer.record(relative, writer.put(relative, stored))
            if site.config.search and self.index_search and isinstance(writer, OutputWriter):
                with _timed(timings, "search"):
                    _index_for_search(writer, site, report)
            with _timed(timings, "write"):
                stats = writer.commit()
        except (RenderError, SearchError) as exc:
            writer.abort()
            self._outputs.pop(output.resolve(), None)
            raise SiteError([*problems, *cache.warnings, exc.problem]) from exc
        except OSError as exc:
            writer.abort()
            self._outputs.pop(output.resolve(), None)
            raise SiteError([*problems, _write_error(exc, writer)]) from exc
        except BaseException:
            writer.abort()
            self._outputs.pop(output.resolve(), None)
            raise
        with _timed(timings, "cache"):
            graph.record(shapes, reads, renderer.card_reads, values, articles_changed)
            if in_place:  # the preview: its edits ask who read what, and which texts are alike
                graph.index_readers()
                self._near_duplicates.index_for_edits()
            self._outputs[output.resolve()] = _Output(
                graph,
                stats.files,
                self._generation,
                site.schedule,
                images_state,
                static,
                loaded.images.files,
                model.generated,
            )
            self._forget_changes()
            # The preview's folder is kept in memory between its builds; its record is
            # saved once, so that the next preview starts from it.
            if self.use_cache and not (in_place and remembered is not None):
                record = OutputRecord(
                    graph=graph.to_plain(),
                    files=stats.files,
                    inputs=inputs,
                    pages=len(site.pages),
                    articles=len(site.articles),
                    warnings=tuple(problems),
                    valid=(site.schedule.valid_from, site.schedule.valid_until),
                    held_back=len(site.schedule.held_back),
                    next_scheduled=_next_scheduled(site.schedule),
                    model=model.made_from() if model.made_from else b"",
                )
                cache.save_manifest(output, record)
                if site.related is not None and site.related != self._related_saved:
                    cache.save_derived("related", site.related.to_plain())
                    self._related_saved = site.related
                near = self._near_duplicates.to_plain()
                if near != self._near_saved:
                    cache.save_derived("near-duplicates", near)
                    self._near_saved = near
            if self.use_cache and self._compiled is not None and self._compiled.changed:
                cache.save_derived("templates", self._compiled.to_plain())
                self._compiled.changed = False
        return BuildResult(
            output_dir=output,
            pages=len(site.pages),
            articles=len(site.articles),
            rendered=len(todo),
            written=stats.written,
            unchanged=stats.unchanged,
            removed=stats.removed,
            seconds=time.perf_counter() - started,
            warnings=(*problems, *cleanup, *stats.problems, *cache.warnings),
            timings=timings,
            rendered_paths=tuple(page.file_path for page in todo),
            held_back=len(site.schedule.held_back),
            next_scheduled=_next_scheduled(site.schedule),
            images_encoded=self.images.store.made - encoded_before,
        )

    def _renderer_for(
        self, site: Site, theme: Theme, assets: Mapping[str, str], strings: Strings
    ) -> Renderer:
        """The last build's renderer (templates compiled, cards rendered) while the model, the
        templates, the assets' names and the theme's strings are as they were (a body edit);
        else a new one. (Compiled templates
        keep what they import with the globals of that time: `site` must not change under
        them.)"""
        # Cards it keeps may link assets: they are right while the assets' names are.
        stamp = (theme, _templates_stamp(theme), dict(assets), strings)
        recent = untrusted_since()
        # The very same model (not an equal one: comparing two models would walk every
        # article), and templates as they were. A template saved twice within the clock's
        # granularity can keep its stamp: one saved this recently is compiled again.
        if (
            self._renderer
            and self._renderer[1].site is site
            and self._renderer[0] == stamp
            and all(t[2] < recent for t in stamp[1])
        ):
            return self._renderer[1]
        if self._compiled is None:
            self._compiled = self._stored_templates()
        renderer = Renderer(site, theme, self.site_dir, self._compiled, strings)
        renderer.assets = assets
        self._renderer = (stamp, renderer)
        return renderer

    def _bodies_for(
        self, pages: list[Page], loaded: LoadedSite, report: Progress
    ) -> tuple[tuple[dict[str, str], dict[str, str]], list[Problem]]:
        """The rendered bodies the pages show, by slug: those that pages show, and those
        that feeds show. Links into the site are under the base path on pages (relative to
        the page with relative_urls), and full addresses in feeds, whose readers show
        them away from the site."""
        config = loaded.site.config
        wanted: dict[tuple[bool, str, int | None], dict[str, Article]] = {}  # (in feeds, links) -> articles
        for page in pages:
            in_feed = isinstance(page.data, Feed)
            if in_feed:
                links: tuple[str, int | None] = (config.absolute_base, None)
            else:
                links = (config.base_path, depth_of(page.url_path) if config.relative_urls else None)
            for article in page.data.shown_in_full():
                wanted.setdefault((in_feed, *links), {})[article.slug] = article
        on_pages: dict[str, str] = {}
        in_feeds: dict[str, str] = {}
        slow: dict[str, Problem] = {}  # by file: a body is slow whatever its links
        for (in_feed, base, depth), articles in sorted(wanted.items(), key=repr):
            html, found = self.render_bodies(
                [(a, loaded.body(a)) for a in articles.values()],
                base,
                lambda done, total: report("markdown", done, total),
                relative_depth=depth,
            )
            style = LinkStyle(base, relative=depth is not None)
            for slug, body in html.items():
                article = articles[slug]
                shown = loaded.images.articles[slug].body if slug in loaded.images.articles else {}
                link = partial(style.link, depth=depth or 0)
                html[slug] = responsive_body(body, article.path, shown, link, feed=in_feed)
            (in_feeds if in_feed else on_pages).update(html)
            slow.update((problem.path, problem) for problem in found)
        return (on_pages, in_feeds), list(slow.values())

    def render_bodies(
        self,
        bodies: list[tuple[Article, str]],
        link_base: str,
        progress: Callable[[int, int], None],
        relative_depth: int | None = None,
    ) -> tuple[dict[str, str], list[Problem]]:
        """The HTML of each article's Markdown body, by slug: from memory, the build cache,
        or rendered (and kept). `link_base` and `relative_depth` as MarkdownRenderer takes them."""
        keys = {article.slug: body_key(body, link_base, relative_depth) for article, body in bodies}
        markdown = {keys[article.slug]: body for article, body in bodies}
        known = {key: self._bodies[key] for key in markdown if key in self._bodies}
        known.update(self.cache.bodies([key for key in markdown if key not in known]))
        missing = [(key, body) for key, body in markdown.items() if key not in known]
        workers = self.jobs if len(missing) >= PARALLEL_BODIES_FROM else 1
        rendered: dict[str, str] = {}
        seconds: dict[str, float] = {}
        chunks = chunked(missing, workers * 8) if workers > 1 else [missing]
        for results in map_in_processes((link_base, relative_depth), convert_bodies, chunks, workers):
            for key, body_html, took in results:
                rendered[key], seconds[key] = body_html, took
            progress(len(rendered), len(missing))
        self.cache.store_bodies(rendered)
        self._bodies.update(known)
        self._bodies.update(rendered)
        slow = [
            slow_body(article.path, seconds[keys[article.slug]])
            for article, _ in bodies
            if seconds.get(keys[article.slug], 0.0) > SLOW_BODY_SECONDS
        ]
        return {slug: self._bodies[key] for slug, key in keys.items()}, slow


def _clock() -> dt.datetime:
    """The build's "now": read once per build, here, and passed down."""
    return dt.datetime.now(dt.UTC)


def _holds(valid: tuple[dt.datetime | None, dt.datetime | None] | None, now: dt.datetime) -> bool:
    """Is `now` within the span over which a build's schedule stays right (Schedule)?"""
    if valid is None:
        return False
    start, end = valid
    return (start is None or start <= now) and (end is None or now < end)


def _next_scheduled(schedule: Schedule) -> dt.datetime | None:
    return schedule.held_back[0].date if schedule.held_back else None


@dataclass(frozen=True)
class _ReadState:
    site_dir: Path
    tz: object
    remembered: Mapping[str, ValidatedFile]
    taxonomies: tuple[str, ...]


def _read_chunk(
    state: object, pending: list[tuple[str, SourceStat | None]]
) -> list[tuple[str, ValidatedFile]]:
    """Read and validate article files (perhaps in a worker process); a file whose bytes
    are those validated before is not parsed again."""
    read = cast(_ReadState, state)
    results = []
    for label, found in pending:
        path = read.site_dir / label
        try:
            data = read_bytes(path)
        except OSError as exc:
            results.append((label, unreadable(label, found, exc)))
            continue
        known = read.remembered.get(label)
        if known and known.content_hash == content_hash(data):
            results.append((label, replace(known, stat=found)))
        else:
            results.append((label, validate_bytes(data, path, label, read.tz, read.taxonomies, found)))  # type: ignore[arg-type]
    return results


def _inputs_digest(site_dir: Path, options: object) -> bytes | None:
    """A digest of the path, size, mtime and change time of every file the site is made of (content,
    static files, site.yaml, every theme's files, the built-in ones included), or None
    when one changed too recently for its mtime to be trusted."""
    recent = untrusted_since()
    hasher = hashlib.blake2b(repr((__version__, options)).encode(), digest_size=16)
    roots = [
        site_dir / CONFIG_FILE,
        site_dir / CONTENT_DIR,
        site_dir / STATIC_DIR,
        site_dir / "themes",
        site_dir / I18N_DIR,
    ]
    for root in [*roots, builtin_themes_dir()]:
        for path in [str(root)] if root.is_file() else _files_below(str(root)):
            try:
                stat = os.stat(path)
            except OSError:  # removed while we looked: something is changing
                return None
            if stat.st_mtime_ns >= recent:
                return None
            hasher.update(
                f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}\n".encode(
                    "utf-8", "surrogateescape"
                )
            )
    return hasher.digest()


def _templates_stamp(theme: Theme) -> tuple[tuple[str, int, int, int], ...]:
    """The path, size, mtime and change time of every template file of the theme."""
    folders = [str(theme.default_folder / "templates"), *map(str, theme.template_dirs())]
    found = []
    for path in (path for folder in folders for path in _files_below(folder)):
        with suppress(OSError):
            stat = os.stat(path)
            found.append((path, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))
    return tuple(found)


def _files_below(folder: str) -> Iterator[str]:
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            yield os.path.join(root, name)


def _intact(present: Inventory, files: Mapping[str, tuple[int, int]]) -> bool:
    """Does the output folder hold exactly the files the last build left, as it left them?"""
    return present.others == 0 and present.files == files


def _write_error(exc: OSError, writer: OutputWriter | FolderUpdater | None) -> Problem:
    """A disk that is full or read-only, a folder that cannot be written: the path and why."""
    path = os.fsdecode(exc.filename) if exc.filename is not None else "output"
    if writer is not None:
        path = writer.public_path(path)
    return error(path, None, f"cannot write the output: {exc.strerror or exc}")


def _template_source(env: jinja2.Environment, name: str) -> str | None:
    try:
        return env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
    except jinja2.TemplateNotFound:
        return None


def site_pages(
    site: Site,
    settings: bytes,
    before: SitePages | None,
    inputs: object = None,
    recorded: Mapping[str, bytes] | None = None,
) -> SitePages:
    """The model's pages by output path, each page's shape, the paths and the folders they
    are in. A page's shape: its template, the identities of what the model gives it, and
    `settings`, what every page depends on (sitegen's version, the configuration, the options).
    `recorded`: the shapes of the very same model's pages, by path, as a build recorded them.

    After a model update (`before`, with the same settings), only the pages that are not
    the very pages of `before` are looked at: a page kept has its shape, and so has a page
    made again that holds the very same objects (render/reads.same_identity). Where a model
    has two pages at one path, every page is looked at, as the later one's shape is kept.
    tests/test_model_update.py holds this to pages derived from nothing."""
    pages = site.pages
    if before is not None and before.settings == settings and len(before.shapes) == len(before.site.pages):
        made, left = _page_changes(site, before.site)
        shapes, by_path = dict(before.shapes), dict(before.pages)
        made_paths = set()
        for page in made:
            path = page.file_path
            made_paths.add(path)
            by_path[path] = page
            old = left.get(path)
            if old is not None and same_identity(page.data, old.data):
                shapes[path] = before.shapes[path]
            else:
                shapes[path] = digest(settings, page.template, identity(page.data))
        gone = left.keys() - made_paths
        for path in gone:
            del shapes[path], by_path[path]
        if len(shapes) == len(pages):
            added = made_paths - left.keys()
            if not gone and not added:
                generated, folders = before.generated, before.folders
            else:
                generated = (before.generated - gone) | added
                folders = _folders(added, dict(before.folders), gone)
            reshaped = Reshaped(before.shapes, frozenset(made_paths | gone))
            return SitePages(site, settings, shapes, by_path, generated, folders, reshaped, inputs)
    by_path = {page.file_path: page for page in pages}
    if recorded is not None and recorded.keys() == by_path.keys():
        shapes = dict(recorded)
    else:
        shapes = {
            path: digest(settings, page.template, identity(page.data)) for path, page in by_path.items()
        }
    generated = frozenset(shapes)
    return SitePages(site, settings, shapes, by_path, generated, _folders(generated, {}), None, inputs)


def _folders(paths: Iterable[str], counts: dict[str, int], gone: Iterable[str] = ()) -> dict[str, int]:
    """`counts` (each folder with how many of the paths it holds, below it too) with `paths`
    added and `gone` taken away: a folder left holding none is gone with them."""
    for found, step in ((paths, 1), (gone, -1)):
        for path in found:
            folder = path.rpartition("/")[0]
            while folder:
                held = counts[folder] = counts.get(folder, 0) + step
                if not held:
                    del counts[folder]
                folder = folder.rpartition("/")[0]
    return counts


def _page_changes(site: Site, before: Site) -> tuple[list[Page], dict[str, Page]]:
    """The pages of `site` that are not the very pages of the model `before` (made, or made
    again, by its update), and those of `before` that `site` no longer has, by output path.
    Compared by identity in C loops: both models are alive, so no two pages share an id."""
    if site.pages is before.pages:
        return [], {}
    old_ids, new_ids = set(map(id, before.pages)), set(map(id, site.pages))
    made = compress(site.pages, map(operator.not_, map(old_ids.__contains__, map(id, site.pages))))
    left = compress(before.pages, map(operator.not_, map(new_ids.__contains__, map(id, before.pages))))
    return list(made), {page.file_path: page for page in left}


def _changed_on_disk(path: str, files: Mapping[str, tuple[int, int]], present: Inventory) -> bool:
    """Is the page's file missing, or not as the last build left it?"""
    recorded = files.get(path)
    return recorded is None or present.files.get(path) != recorded


def _render_pages(
    renderer: Renderer,
    pages: list[Page],
    position: Mapping[int, int],
    writer: OutputWriter | FolderUpdater,
    jobs: int,
    report: Progress,
) -> dict[str, frozenset[Key]]:
    """Render and stage `pages`; what each read, by output path."""
    for name in {page.template for page in pages if page.template.endswith(".html")}:
        # Compile once here, not once in every worker; errors are reported when the page renders.
        with suppress(jinja2.TemplateError):
            renderer.env.get_template(name)
    numbers = [position[id(page)] for page in pages]
    total, done = len(numbers), 0
    reads: dict[str, frozenset[Key]] = {}
    if jobs > 1 and total >= PARALLEL_PAGES_FROM and can_fork():
        state = (renderer, writer.area)  # workers stage pages in the staging folder
        # A card appears on a dozen listings: render each once, in the pool, before the pages,
        # so that the page workers inherit them instead of each rendering them again.
        # (Cards differ by the depth of the page with relative_urls, where their links do.)
        relative = renderer.links.relative
        listed = {
            (a.slug, depth_of(page.url_path) if relative else 0): (a, page.url_path)
            for page in pages
            for a in page.data.listed()
        }
        for cards in map_in_processes(renderer, _cards_chunk, chunked(list(listed.values()), jobs * 4), jobs):
            renderer.remember_cards(cards)
        results = map_in_processes(state, _render_chunk, chunked(numbers, jobs * 8), jobs)
    else:
        results = iter([_render_chunk((renderer, writer), numbers)])
    for chunk in results:
        for path, changed, page_reads in chunk.pages:
            writer.record(path, changed)
            reads[path] = page_reads
        renderer.card_reads.update(chunk.cards)
        if chunk.problem:
            raise RenderError(chunk.problem)
        done += len(chunk.pages)
        report("render", done, total)
    return reads


def _index_for_search(writer: OutputWriter, site: Site, report: Progress) -> None:
    """Index the staged site for search (its article pages, as they will be published) and
    stage the index with it: a build that fails here publishes nothing, and the index always
    matches the pages. The current output's index is kept while it was made from the same
    pages (sitegen/search.py says why); its files are staged like pages, linked when unchanged."""
    staged = Path(writer.area.new)
    pagefind = indexer(site.config.language)
    index = current_index(writer.output_dir, writer.old.files, pagefind.digest(staged))
    if index is None:
        index = pagefind.index(
            staged,
            staged / f"{TMP}search",
            lambda done, total: report("search", done, total),
        )
    for relative, data in index.files:
        writer.add(relative, data)


def _cards_chunk(
    renderer: object, articles: list[tuple[Article, str]]
) -> list[tuple[Key, str, frozenset[Key]]]:
    """The cards of (article, the URL path of a listing that shows it)."""
    cards = []
    renderer = cast(Renderer, renderer)
    for article, url_path in articles:
        # A card that fails is left out: the page that shows it reports the error.
        with suppress(Exception):
            cards.append(renderer.card_for_page(article, url_path))
    return cards


@dataclass(frozen=True)
class _RenderedChunk:
    pages: list[tuple[str, bool, frozenset[Key]]]  # output path, written, what it read
    cards: dict[Key, frozenset[Key]]  # what the cards rendered for these pages read
    problem: Problem | None  # why the chunk stopped early


def _render_chunk(state: object, numbers: list[int]) -> _RenderedChunk:
    """Render and stage pages (by their number in the site); runs in a worker process."""
    renderer, area = cast(tuple[Renderer, StagingArea | FolderUpdater | OutputWriter], state)
    known_cards = len(renderer.cards_rendered)
    pages: list[tuple[str, bool, frozenset[Key]]] = []
    problem = None
    for number in numbers:
        page = renderer.site.pages[number]
        try:
            rendered = renderer.render(page)
        except RenderError as exc:
            problem = exc.problem
            break
        pages.append((page.file_path, area.put(page.file_path, rendered.data), rendered.reads))
    cards = {card: renderer.card_reads[card] for card in renderer.cards_rendered[known_cards:]}
    return _RenderedChunk(pages, cards, problem)


@contextmanager
def _timed(timings: dict[str, float], stage: str):
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started


def _site_folder(site_dir: Path) -> Path:
    if not site_dir.is_dir():
        raise UsageError(
            f"the site folder {site_dir} does not exist (give the folder holding site.yaml with --site)"
        )
    return site_dir


def _body_digest(body: bytes, images: bytes | None) -> bytes:
    """What a page showing a body depends on: the body, and the images it shows."""
    return body if images is None else digest(body, images)


def _card_style(theme: Theme | None) -> CardStyle:
    """How the theme's social cards look: the colours of its stylesheet (the site's own
    copy first), and the fonts it ships as fonts/social-card.ttf and (for titles)
    fonts/social-card-bold.ttf, if it does."""
    stylesheet = None
    for folder in reversed(theme.static_dirs() if theme else []):
        with suppress(OSError, UnicodeDecodeError):
            stylesheet = (folder / "css" / "style.css").read_text("utf-8")
            break
    fonts = []
    hasher = hashlib.blake2b(digest_size=16)
    for name in CARD_FONTS:
        found = next((f / name for f in (theme.folders if theme else ()) if (f / name).is_file()), None)
        data = b""
        if found is not None:
            with suppress(OSError):
                data = found.read_bytes()
        fonts.append(str(found) if data else None)
        hasher.update(hashlib.blake2b(data, digest_size=16).digest())
    return CardStyle(theme_colours(stylesheet), fonts[0], fonts[1], hasher.hexdigest())


def _static_files(site_dir: Path, theme: Theme, hashed: bool) -> StaticOutput:
    """The theme's static files, then the site's own static/ folder (which wins), by their
    path in the output, the theme's assets under fingerprinted names if `hashed`
    (sitegen/assets.py). A special file (FIFO, socket, device) is skipped with a warning,
    never opened."""
    files: dict[str, Path] = {}
    theme_files: set[str] = set()
    problems: list[Problem] = []
    theme_folders = theme.static_dirs()
    for folder in [*theme_folders, site_dir / STATIC_DIR]:
        for root, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != ".git")
            for name in sorted(names):
                path = Path(root, name)
                relative = path.relative_to(folder).as_posix()
                if relative == MARKER or name == ".DS_Store":
                    continue
                if _is_regular_file(path):  # or a link to one
                    files[relative] = path
                    if folder in theme_folders:
                        theme_files.add(relative)
                else:
                    problems.append(
                        warning(_label(path, site_dir), None, "not copied: not a regular file (a FIFO, "
                                "socket or device, or a broken link)")
                    )  # fmt: skip
    static = fingerprint(files, theme_files, lambda path: _label(path, site_dir), hashed)
    return replace(static, problems=(*problems, *static.problems))


def _clashes(
    site_dir: Path, static: StaticOutput, model: SitePages, images: Collection[str]
) -> list[Problem]:
    """Errors naming both for each static file that clashes with a generated page or image,
    or that is named like a static folder."""
    problems = []
    # Looked up in each, not copied into one: a site has 14,000 pages.
    generated = _AnyOf(model.generated, images)
    folders = _AnyOf(model.folders, folders_of(static.files), folders_of(images))
    searched = model.site.config.search
    for relative, file in sorted(static.files.items()):
        clash = _clash(relative, generated, static.files.keys(), folders)
        if searched and (relative == SEARCH_DIR or relative.startswith(SEARCH_DIR + "/")):
            clash = f"clashes with /{SEARCH_DIR}/, where the build writes the search index: rename it"
        if clash:
            problems.append(error(_label(file.source, site_dir), None, clash))
    return problems


class _AnyOf:
    """The paths of several collections, as one to look up and go through."""

    def __init__(self, *parts: Collection[str]) -> None:
        self.parts = parts

    def __contains__(self, path: object) -> bool:
        return any(path in part for part in self.parts)

    def __iter__(self) -> Iterator[str]:
        return chain.from_iterable(self.parts)


def _is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _clash(relative: str, generated: _AnyOf, static: Collection[str], folders: _AnyOf) -> str | None:
    """Why the static file `relative` cannot be copied to the output, or None."""
    if relative in generated:
        return f"clashes with /{relative}, which sitegen generates: rename or remove the static file"
    if relative in folders:
        pages = sorted(g for g in generated if g.startswith(relative + "/"))
        holds = f"sitegen generates /{pages[0]} in it" if pages else "static files go into it"
        return f"clashes with the folder /{relative}/ ({holds}): rename or remove the static file"
    for parent in _parents(relative):
        if parent in generated:
            return f"is in a folder named like /{parent}, which sitegen generates: rename the static folder"
        if parent in static:
            return f"is in a folder named like the static file /{parent}: rename one of them"
    return None


def _parents(relative: str) -> Iterator[str]:
    """The folders holding `relative` ('a/b/c' -> 'a/b', 'a'), as PurePosixPath.parents without '.'."""
    while "/" in relative:
        relative = relative.rpartition("/")[0]
        yield relative


def _label(path: Path, site_dir: Path) -> str:
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return str(path)

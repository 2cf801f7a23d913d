"""The build: load -> validate -> model -> render -> write, and the result of a run.

Builds are incremental: the cache (sitegen/cache.py) remembers every validated file,
every rendered body and what every page written read as it rendered (sitegen/deps.py),
so a rebuild reads, parses and renders only what changed. A cold build spreads Markdown and
page rendering over processes.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import cast

import jinja2

from .cache import BuildCache, OutputRecord
from .config import CONFIG_FILE, load_config
from .deps import DependencyGraph, ModelValues, digest
from .errors import Problem, SiteError, UsageError, error, warning
from .load import CONTENT_DIR
from .model import FEED, Page, Site, build_site
from .parallel import can_fork, chunked, default_jobs, map_in_processes
from .render import Renderer, RenderError
from .render.bodies import render_bodies
from .render.markdown import settings as markdown_settings
from .render.reads import Key, card_key, identity
from .render.theme import Theme, builtin_themes_dir, find_theme
from .validate import RACY_SECONDS, Article, read_articles
from .version import __version__
from .write import (
    MARKER,
    Inventory,
    OutputLock,
    OutputWriter,
    StagingArea,
    check_output_dir,
    folders_of,
    recover,
    take_inventory,
)

OUTPUT_DIR = "output"
STATIC_DIR = "static"
PARALLEL_PAGES_FROM = 300  # fewer pages than this render quicker in this process than in a pool

Progress = Callable[[str, int, int], None]  # (stage, done, total)
Notify = Callable[[str], None]  # a message for the user, such as "waiting for another build"


@dataclass(frozen=True)
class LoadedSite:
    site: Site
    theme: Theme
    warnings: tuple[Problem, ...]


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


def load_site(
    site_dir: Path,
    *,
    drafts: bool = False,
    base_url: str | None = None,
    cache: BuildCache | None = None,
    jobs: int = 1,
) -> LoadedSite:
    """Read and check everything the site is made of; raises SiteError with every problem found."""
    site_dir = _site_folder(site_dir)
    cache = cache or BuildCache(site_dir, enabled=False)
    config, problems = load_config(site_dir, base_url)
    theme, theme_problems = find_theme(site_dir, config.theme)
    added = config.added_taxonomies
    settings = f"{config.timezone}|{','.join(added)}"  # what validating a file depends on
    remembered = cache.load_articles(settings)
    files, articles, article_problems = read_articles(site_dir, config.tz, remembered, jobs, added)
    cache.save_articles(settings, files, remembered)
    problems += theme_problems + article_problems
    if any(p.is_error for p in problems) or theme is None:
        raise SiteError(problems)
    site = build_site(config, articles, drafts=drafts)
    return LoadedSite(site, theme, (*problems, *site.warnings))


def build(
    site_dir: Path | str = ".",
    output_dir: Path | str | None = None,
    *,
    drafts: bool = False,
    base_url: str | None = None,
    force: bool = False,
    jobs: int | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    notify: Notify | None = None,
) -> BuildResult:
    """Build the site in `site_dir` into `output_dir` (default: its output/ folder).

    Raises UsageError for an unsafe output folder and SiteError for content, configuration
    or template errors; in both cases the previous output is left exactly as it was.
    `jobs` processes render a large build (default: one per core); `use_cache=False`
    neither reads nor writes the build cache. A build into an output folder that another
    build is writing waits for it, telling `notify` so.
    """
    started = time.perf_counter()
    site_dir = _site_folder(Path(site_dir))
    output = Path(output_dir) if output_dir is not None else site_dir / OUTPUT_DIR
    check_output_dir(site_dir, output, force=force)
    jobs = max(1, jobs or default_jobs())
    report = progress or (lambda stage, done, total: None)
    timings: dict[str, float] = {}
    cache = BuildCache(site_dir, enabled=use_cache)
    try:
        lock = OutputLock(output, notify or (lambda message: None))
    except OSError as exc:
        raise SiteError([_write_error(exc, None)]) from exc
    try:
        with _timed(timings, "check"):
            try:
                cleanup = recover(output)  # what a killed build left
                present = take_inventory(output)
            except OSError as exc:
                raise SiteError([_write_error(exc, None)]) from exc
            previous = cache.load_manifest(output)
            inputs = _inputs_digest(site_dir, (drafts, base_url)) if use_cache else None
            if previous and inputs and previous.inputs == inputs and _intact(present, previous.files):
                # Nothing the site is made of has changed, and the output is as it was left.
                return BuildResult(
                    output, previous.pages, previous.articles, 0, 0, len(previous.files), 0,
                    time.perf_counter() - started, (*previous.warnings, *cleanup, *cache.warnings), timings,
                )  # fmt: skip
        with _timed(timings, "load"):
            loaded = load_site(site_dir, drafts=drafts, base_url=base_url, cache=cache, jobs=jobs)
        site = loaded.site
        renderer = Renderer(site, loaded.theme, site_dir)
        with _timed(timings, "plan"):
            values = ModelValues(site, lambda name: _template_source(renderer.env, name))
            shapes = _shapes(site, drafts)
            graph = DependencyGraph.from_plain(previous.graph) if previous else DependencyGraph()
            stale = graph.stale(shapes, values)
            files = previous.files if previous else {}
            todo = [
                page for page in site.pages
                if page.file_path in stale or _changed_on_disk(page.file_path, files, present)
            ]  # fmt: skip
            static, static_problems = _static_files(site_dir, loaded.theme, site.pages)
            problems = [*loaded.warnings, *static_problems]
            if any(p.is_error for p in problems):
                raise SiteError(problems)
        with _timed(timings, "markdown"):
            shown_in_full = {a.slug: a for page in todo for a in _articles_in_full(page)}
            bodies = render_bodies(
                shown_in_full.values(),
                site.config.base_path,
                cache,
                jobs,
                lambda d, t: report("markdown", d, t),
            )
            renderer.bodies = bodies.html
            problems += bodies.warnings
        writer = OutputWriter(output, present)
        try:
            with _timed(timings, "render"):
                writer.start([page.file_path for page in site.pages] + list(static))
                rendered = {page.file_path for page in todo}
                for page in site.pages:
                    if page.file_path not in rendered:
                        writer.keep(page.file_path)
                reads = _render_pages(renderer, todo, writer, jobs, report)
            with _timed(timings, "static"):
                for relative, path in static.items():
                    writer.copy(relative, path)
            with _timed(timings, "write"):
                stats = writer.commit()
        except RenderError as exc:
            writer.abort()
            raise SiteError([*problems, *cache.warnings, exc.problem]) from exc
        except OSError as exc:
            writer.abort()
            raise SiteError([*problems, _write_error(exc, writer)]) from exc
        except BaseException:
            writer.abort()
            raise
        if use_cache:
            with _timed(timings, "cache"):
                graph.record(shapes, reads, renderer.card_reads, values)
                record = OutputRecord(
                    graph=graph.to_plain(),
                    files=stats.files,
                    inputs=inputs,
                    pages=len(site.pages),
                    articles=len(site.articles),
                    warnings=tuple(problems),
                )
                cache.save_manifest(output, record)
    finally:
        cache.close()
        lock.release()
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
    )


def _inputs_digest(site_dir: Path, options: object) -> bytes | None:
    """A digest of the path, size, mtime and change time of every file the site is made of (content,
    static files, site.yaml, every theme's files, the built-in ones included), or None
    when one changed too recently for its mtime to be trusted."""
    recent = time.time_ns() - RACY_SECONDS * 1_000_000_000
    hasher = hashlib.blake2b(repr((__version__, options)).encode(), digest_size=16)
    roots = [site_dir / CONFIG_FILE, site_dir / CONTENT_DIR, site_dir / STATIC_DIR, site_dir / "themes"]
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


def _files_below(folder: str) -> Iterator[str]:
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            yield os.path.join(root, name)


def _intact(present: Inventory, files: Mapping[str, tuple[int, int]]) -> bool:
    """Does the output folder hold exactly the files the last build left, as it left them?"""
    return present.others == 0 and present.files == files


def _write_error(exc: OSError, writer: OutputWriter | None) -> Problem:
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


def _shapes(site: Site, drafts: bool) -> dict[str, bytes]:
    """Each page's shape: its template, the identities of what the model gives it, and
    what every page depends on (sitegen's version, the configuration, the options)."""
    settings = digest(__version__, drafts, repr(site.config), markdown_settings(site.config.base_path))
    return {
        page.file_path: digest(settings, page.template, identity(tuple(sorted(page.context.items()))))
        for page in site.pages
    }


def _changed_on_disk(path: str, files: Mapping[str, tuple[int, int]], present: Inventory) -> bool:
    """Is the page's file missing, or not as the last build left it?"""
    recorded = files.get(path)
    return recorded is None or present.files.get(path) != recorded


def _articles_in_full(page: Page) -> Iterator[Article]:
    """The articles whose rendered body the page shows."""
    if "article" in page.context:
        yield page.context["article"]
    if page.template == FEED and page.context["full_content"]:
        yield from page.context["articles"]


def _render_pages(
    renderer: Renderer, pages: list[Page], writer: OutputWriter, jobs: int, report: Progress
) -> dict[str, frozenset[Key]]:
    """Render and stage `pages`; what each read, by output path."""
    for name in {page.template for page in pages if page.template.endswith(".html")}:
        # Compile once here, not once in every worker; errors are reported when the page renders.
        with suppress(jinja2.TemplateError):
            renderer.env.get_template(name)
    index = {page.file_path: i for i, page in enumerate(renderer.site.pages)}
    numbers = [index[page.file_path] for page in pages]
    state = (renderer, writer.area)
    total, done = len(numbers), 0
    reads: dict[str, frozenset[Key]] = {}
    if jobs > 1 and total >= PARALLEL_PAGES_FROM and can_fork():
        # A card appears on a dozen listings: render each once, in the pool, before the pages,
        # so that the page workers inherit them instead of each rendering them again.
        listed = {
            a.slug: a for page in pages if page.template != FEED for a in page.context.get("articles", ())
        }
        for cards in map_in_processes(renderer, _cards_chunk, chunked(list(listed.values()), jobs * 4), jobs):
            renderer.remember_cards(cards)
        results = map_in_processes(state, _render_chunk, chunked(numbers, jobs * 8), jobs)
    else:
        results = iter([_render_chunk(state, numbers)])
    for chunk in results:
        for item in chunk:
            if isinstance(item, Problem):
                raise RenderError(item)
            path, changed, page_reads = item
            writer.record(path, changed)
            reads[path] = page_reads
        done += len(chunk)
        report("render", done, total)
    return reads


def _cards_chunk(renderer: object, articles: list[Article]) -> list[tuple[Key, str, frozenset[Key]]]:
    cards = []
    renderer = cast(Renderer, renderer)
    for article in articles:
        # A card that fails is left out: the page that shows it reports the error.
        with suppress(Exception):
            html = str(renderer.card(article))
            key = card_key(article.slug, 2)
            cards.append((key, html, renderer.card_reads[key]))
    return cards


def _render_chunk(state: object, numbers: list[int]) -> list[tuple[str, bool, frozenset[Key]] | Problem]:
    """Render and stage pages (by their number in the site); runs in a worker process."""
    renderer, area = cast(tuple[Renderer, StagingArea], state)
    results: list[tuple[str, bool, frozenset[Key]] | Problem] = []
    for number in numbers:
        page = renderer.site.pages[number]
        try:
            rendered = renderer.render(page)
        except RenderError as exc:
            return [exc.problem]
        results.append((page.file_path, area.put(page.file_path, rendered.data), rendered.reads))
    return results


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


def _static_files(
    site_dir: Path, theme: Theme, pages: Collection[Page]
) -> tuple[dict[str, Path], list[Problem]]:
    """The theme's static files, then the site's own static/ folder (which wins), by their
    path in the output. A special file (FIFO, socket, device) is skipped with a warning,
    never opened; a file that clashes with a generated page, or a static file named like
    a static folder, is an error naming both."""
    files: dict[str, Path] = {}
    problems: list[Problem] = []
    for folder in [*theme.static_dirs(), site_dir / STATIC_DIR]:
        for root, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != ".git")
            for name in sorted(names):
                path = Path(root, name)
                relative = path.relative_to(folder).as_posix()
                if relative == MARKER or name == ".DS_Store":
                    continue
                if _is_regular_file(path):  # or a link to one
                    files[relative] = path
                else:
                    problems.append(
                        warning(_label(path, site_dir), None, "not copied: not a regular file (a FIFO, "
                                "socket or device, or a broken link)")
                    )  # fmt: skip
    generated = {page.file_path for page in pages}
    folders = folders_of(generated | files.keys())
    for relative, path in sorted(files.items()):
        clash = _clash(relative, generated, files.keys(), folders)
        if clash:
            problems.append(error(_label(path, site_dir), None, clash))
    return files, problems


def _is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _clash(relative: str, generated: set[str], static: Collection[str], folders: set[str]) -> str | None:
    """Why the static file `relative` cannot be copied to the output, or None."""
    if relative in generated:
        return f"clashes with /{relative}, which sitegen generates: rename or remove the static file"
    if relative in folders:
        pages = sorted(g for g in generated if g.startswith(relative + "/"))
        holds = f"sitegen generates /{pages[0]} in it" if pages else "static files go into it"
        return f"clashes with the folder /{relative}/ ({holds}): rename or remove the static file"
    for parent in PurePosixPath(relative).parents:
        if str(parent) in generated:
            return f"is in a folder named like /{parent}, which sitegen generates: rename the static folder"
        if str(parent) in static:
            return f"is in a folder named like the static file /{parent}: rename one of them"
    return None


def _label(path: Path, site_dir: Path) -> str:
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return str(path)

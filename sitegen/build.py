"""The build: load -> validate -> model -> render -> write, and the result of a run.

Builds are incremental: the cache (sitegen/cache.py) remembers every validated file,
every rendered body and the signature of every page written (sitegen/deps.py), so a
rebuild reads, parses and renders only what changed. A cold build spreads Markdown and
page rendering over processes.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .cache import BuildCache, FileStat, OutputRecord
from .config import CONFIG_FILE, load_config
from .deps import Signatures
from .errors import Problem, SiteError, UsageError, warning
from .load import CONTENT_DIR
from .model import FEED, Page, Site, build_site
from .parallel import can_fork, chunked, default_jobs, map_in_processes
from .render import Renderer, RenderError
from .render.bodies import render_bodies
from .render.theme import Theme, builtin_themes_dir, find_theme
from .validate import RACY_SECONDS, Article, read_articles
from .version import __version__
from .write import MARKER, STAGING, OutputWriter, check_output_dir, stage_file

OUTPUT_DIR = "output"
STATIC_DIR = "static"
PARALLEL_PAGES_FROM = 300  # fewer pages than this render quicker in this process than in a pool

Progress = Callable[[str, int, int], None]  # (stage, done, total)


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
    remembered = cache.load_articles(config.timezone)
    files, articles, article_problems = read_articles(site_dir, config.tz, remembered, jobs)
    cache.save_articles(config.timezone, files, remembered)
    problems += theme_problems + article_problems
    if any(p.is_error for p in problems) or theme is None:
        raise SiteError(problems)
    return LoadedSite(build_site(config, articles, drafts=drafts), theme, tuple(problems))


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
) -> BuildResult:
    """Build the site in `site_dir` into `output_dir` (default: its output/ folder).

    Raises UsageError for an unsafe output folder and SiteError for content, configuration
    or template errors; in both cases the previous output is left exactly as it was.
    `jobs` processes render a large build (default: one per core); `use_cache=False`
    neither reads nor writes the build cache.
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
        with _timed(timings, "check"):
            previous = cache.load_manifest(output)
            inputs = _inputs_digest(site_dir, (drafts, base_url)) if use_cache else None
            if previous and inputs and previous.inputs == inputs and _files_intact(output, previous.files):
                # Nothing the site is made of has changed, and the output is as it was left.
                return BuildResult(
                    output, previous.pages, previous.articles, 0, 0, len(previous.files), 0,
                    time.perf_counter() - started, previous.warnings + tuple(cache.warnings), timings,
                )  # fmt: skip
        with _timed(timings, "load"):
            loaded = load_site(site_dir, drafts=drafts, base_url=base_url, cache=cache, jobs=jobs)
        site = loaded.site
        renderer = Renderer(site, loaded.theme, site_dir)
        with _timed(timings, "plan"):
            signatures = _signatures(site, renderer.env, drafts)
            known = previous.signatures if previous else {}
            files = previous.files if previous else {}
            todo = [page for page in site.pages if not _still_right(page, signatures, known, files, output)]
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
            loaded = LoadedSite(loaded.site, loaded.theme, loaded.warnings + bodies.warnings)
        writer = OutputWriter(output)
        writer.start()
        try:
            with _timed(timings, "render"):
                rendered = {page.file_path for page in todo}
                for page in site.pages:
                    if page.file_path not in rendered:
                        writer.keep(page.file_path)
                _render_pages(renderer, todo, writer, jobs, report)
            with _timed(timings, "static"):
                problems = list(loaded.warnings) + _copy_static(site_dir, loaded.theme, writer)
            with _timed(timings, "write"):
                written = writer.changed  # before commit moves them: what this build wrote
                stats = writer.commit(frozenset(previous.files) if previous else None)
        except RenderError as exc:
            writer.abort()
            raise SiteError([*loaded.warnings, *cache.warnings, exc.problem]) from exc
        except BaseException:
            writer.abort()
            raise
        if use_cache:
            with _timed(timings, "cache"):
                record = OutputRecord(
                    signatures={path: sig for path, sig in signatures.items() if sig is not None},
                    files={
                        path: files[path]
                        if path in files and path not in written
                        else FileStat.of(os.path.join(output, path))
                        for path in writer.produced
                    },
                    inputs=inputs,
                    pages=len(site.pages),
                    articles=len(site.articles),
                    warnings=tuple(problems),
                )
                cache.save_manifest(output, record)
    finally:
        cache.close()
    return BuildResult(
        output_dir=output,
        pages=len(site.pages),
        articles=len(site.articles),
        rendered=len(todo),
        written=stats.written,
        unchanged=stats.unchanged,
        removed=stats.removed,
        seconds=time.perf_counter() - started,
        warnings=tuple(problems + cache.warnings),
        timings=timings,
    )


def _inputs_digest(site_dir: Path, options: object) -> bytes | None:
    """A digest of the path, size and mtime of every file the site is made of (content,
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
            hasher.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return hasher.digest()


def _files_below(folder: str) -> Iterator[str]:
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            yield os.path.join(root, name)


def _files_intact(output: Path, files: dict[str, tuple[int, int]]) -> bool:
    return all(FileStat.of(os.path.join(output, path)) == stat for path, stat in files.items())


def _signatures(site: Site, env: jinja2.Environment, drafts: bool) -> dict[str, bytes | None]:
    """Every page's signature; None where its template cannot be read (rendering will say why)."""
    computer = Signatures(site, env, settings=("drafts", drafts))
    signatures: dict[str, bytes | None] = {}
    for page in site.pages:
        try:
            signatures[page.file_path] = computer.page(page)
        except jinja2.TemplateError:
            signatures[page.file_path] = None
    return signatures


def _still_right(page: Page, signatures, known: dict[str, bytes], files, output: Path) -> bool:
    """Was the page written from the same inputs, and is its file still as it was left?"""
    signature = signatures[page.file_path]
    return (
        signature is not None
        and known.get(page.file_path) == signature
        and files.get(page.file_path) == FileStat.of(os.path.join(output, page.file_path))
    )


def _articles_in_full(page: Page) -> Iterator[Article]:
    """The articles whose rendered body the page shows."""
    if "article" in page.context:
        yield page.context["article"]
    if page.template == FEED and page.context["full_content"]:
        yield from page.context["articles"]


def _render_pages(
    renderer: Renderer, pages: list[Page], writer: OutputWriter, jobs: int, report: Progress
) -> None:
    for name in {page.template for page in pages if page.template.endswith(".html")}:
        # Compile once here, not once in every worker; errors are reported when the page renders.
        with suppress(jinja2.TemplateError):
            renderer.env.get_template(name)
    index = {page.file_path: i for i, page in enumerate(renderer.site.pages)}
    numbers = [index[page.file_path] for page in pages]
    state = (renderer, writer.output_dir)
    total, done = len(numbers), 0
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
            writer.record(*item)
        done += len(chunk)
        report("render", done, total)


def _cards_chunk(renderer: object, articles: list[Article]) -> list[tuple[str, int, str]]:
    cards = []
    for article in articles:
        # A card that fails is left out: the page that shows it reports the error.
        with suppress(Exception):
            cards.append((article.slug, 2, str(renderer.card(article))))  # type: ignore[attr-defined]
    return cards


def _render_chunk(state: object, numbers: list[int]) -> list[tuple[str, bool] | Problem]:
    """Render and stage pages (by their number in the site); runs in a worker process."""
    renderer, output_dir = state  # type: ignore[misc]
    results: list[tuple[str, bool] | Problem] = []
    for number in numbers:
        page = renderer.site.pages[number]
        try:
            data = renderer.render(page)
        except RenderError as exc:
            return [exc.problem]
        results.append((page.file_path, stage_file(output_dir, page.file_path, data)))
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


def _copy_static(site_dir: Path, theme: Theme, writer: OutputWriter) -> list[Problem]:
    """Copy the theme's static files, then the site's own static/ folder, to the output root;
    a generated page wins over a static file of the same name."""
    files: dict[str, Path] = {}
    for folder in [*theme.static_dirs(), site_dir / STATIC_DIR]:
        for root, dirs, names in os.walk(folder):
            dirs[:] = [d for d in dirs if d not in (".git", STAGING)]
            for name in names:
                path = Path(root, name)
                files[path.relative_to(folder).as_posix()] = path
    problems = []
    for relative, path in sorted(files.items()):
        if relative == MARKER or path.name == ".DS_Store":
            continue
        if writer.has(relative):
            problems.append(
                warning(_label(path, site_dir), None, f"not copied: sitegen writes /{relative} itself")
            )
            continue
        writer.copy(relative, path)
    return problems


def _label(path: Path, site_dir: Path) -> str:
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return str(path)

"""The build: load -> validate -> model -> render -> write, and the result of a run."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from .config import load_config
from .errors import Problem, SiteError, UsageError, warning
from .load import load_site_files
from .model import Site, build_site
from .render import Renderer, RenderError
from .render.theme import Theme, find_theme
from .validate import validate_articles
from .write import MARKER, STAGING, OutputWriter, check_output_dir

OUTPUT_DIR = "output"
STATIC_DIR = "static"


@dataclass(frozen=True)
class LoadedSite:
    site: Site
    theme: Theme
    warnings: tuple[Problem, ...]


@dataclass(frozen=True)
class BuildResult:
    output_dir: Path
    pages: int  # files rendered from the model (HTML pages, feeds, sitemap)
    articles: int
    written: int  # files new or changed on disk, static files included
    unchanged: int
    removed: int
    seconds: float
    warnings: tuple[Problem, ...]


def load_site(site_dir: Path, *, drafts: bool = False, base_url: str | None = None) -> LoadedSite:
    """Read and check everything the site is made of; raises SiteError with every problem found."""
    site_dir = _site_folder(site_dir)
    config, problems = load_config(site_dir, base_url)
    theme, theme_problems = find_theme(site_dir, config.theme)
    sources, load_problems = load_site_files(site_dir)
    articles, article_problems = validate_articles(sources, config.tz)
    problems += theme_problems + load_problems + article_problems
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
) -> BuildResult:
    """Build the site in `site_dir` into `output_dir` (default: its output/ folder).

    Raises UsageError for an unsafe output folder and SiteError for content, configuration
    or template errors; in both cases the previous output is left exactly as it was.
    """
    started = time.perf_counter()
    site_dir = _site_folder(Path(site_dir))
    output = Path(output_dir) if output_dir is not None else site_dir / OUTPUT_DIR
    check_output_dir(site_dir, output, force=force)
    loaded = load_site(site_dir, drafts=drafts, base_url=base_url)
    renderer = Renderer(loaded.site, loaded.theme, site_dir)
    writer = OutputWriter(output)
    writer.start()
    try:
        for page, data in renderer.render_all():
            writer.write(page.file_path, data)
        problems = list(loaded.warnings) + _copy_static(site_dir, loaded.theme, writer)
        stats = writer.commit()
    except RenderError as exc:
        writer.abort()
        raise SiteError([*loaded.warnings, exc.problem]) from exc
    except BaseException:
        writer.abort()
        raise
    return BuildResult(
        output_dir=output,
        pages=len(loaded.site.pages),
        articles=len(loaded.site.articles),
        written=stats.written,
        unchanged=stats.unchanged,
        removed=stats.removed,
        seconds=time.perf_counter() - started,
        warnings=tuple(problems),
    )


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

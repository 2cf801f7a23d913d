"""Themes: where templates and static files come from, and in which order they override."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, error

DEFAULT_THEME = "default"


def builtin_themes_dir() -> Path:
    """The themes shipped with sitegen: inside the package once installed from a wheel,
    or the repository's own themes/ folder when running from a checkout."""
    installed = Path(__file__).resolve().parent.parent / "themes"
    if (installed / DEFAULT_THEME).is_dir():
        return installed
    return Path(__file__).resolve().parent.parent.parent / "themes"


@dataclass(frozen=True)
class Theme:
    """The folders a theme is made of, highest priority first; the default theme is always last,
    so a theme only needs the templates it changes."""

    name: str
    folders: tuple[Path, ...]
    default_folder: Path

    def template_dirs(self) -> list[Path]:
        return [d for d in (f / "templates" for f in self.folders) if d.is_dir()]

    def static_dirs(self) -> list[Path]:
        """Lowest priority first, so later folders' files replace earlier ones."""
        return [d for d in (f / "static" for f in reversed(self.folders)) if d.is_dir()]


def find_theme(site_dir: Path, name: str) -> tuple[Theme | None, list[Problem]]:
    builtin = builtin_themes_dir()
    default = builtin / DEFAULT_THEME
    candidates = [site_dir / "themes" / name, builtin / name, default]
    folders: list[Path] = []
    for folder in candidates:
        if folder.is_dir() and all(not folder.samefile(f) for f in folders):
            folders.append(folder)
    if not (site_dir / "themes" / name).is_dir() and not (builtin / name).is_dir():
        return None, [
            error(
                "site.yaml",
                None,
                f"theme: {name!r} not found (looked for themes/{name}/ in the "
                f"site and among the built-in themes: {', '.join(_builtin_names(builtin))})",
            )
        ]
    return Theme(name, tuple(folders), default), []


def _builtin_names(builtin: Path) -> list[str]:
    return sorted(p.name for p in builtin.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))

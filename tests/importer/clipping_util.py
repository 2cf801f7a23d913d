"""Helpers for the importer's tests."""

from __future__ import annotations

from pathlib import Path

from sitegen.load import parse_article


def front_matter_of(path: Path) -> dict[str, object]:
    """An article's front matter as the build reads it (the one reader)."""
    source, problems = parse_article(path.read_bytes(), path, path.name)
    assert source is not None, [str(p) for p in problems]
    return source.front_matter

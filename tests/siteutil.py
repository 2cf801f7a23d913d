"""Helpers shared by the tests: throwaway sites, running the command line, snapshots of a folder."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.cache import _pickled
from sitegen.validate import Article

REPO = Path(__file__).resolve().parent.parent

# Search off: its index (a Pagefind run per build) is tested in test_search.py and the
# browser tests; here it would only slow the tests down, and Pagefind writes its filter
# files in an order of its own on every run, so two clean builds differ in those files.
# Social cards off: an image per article, tested in test_images.py and test_dependencies.py,
# would slow down every test that builds hundreds of articles.
DEFAULT_SITE_YAML = (
    'title: "Test Briefing"\nbase_url: "https://example.org/"\nsearch: false\nsocial_cards: false\n'
)


def article(
    title: str = "Port strike ends",
    date: str = "2024-10-11T16:20:00+02:00",
    source: str = "Meridian Wire",
    body: str = "Dockworkers voted on Friday to accept a new contract.",
    **extra: object,
) -> str:
    """The text of an article file; extra keyword arguments become front matter lines as written."""
    lines = "".join(f"{key}: {value}\n" for key, value in extra.items())
    return f'---\ntitle: "{title}"\ndate: {date}\nsource: "{source}"\n{lines}---\n\n{body}\n'


def make_article(slug: str, date: dt.datetime, **fields: Any) -> Article:
    """An Article as validation makes it, for the model's tests: `fields` set any of its
    fields; the rest are those of a plain wire story (`path`: content/<slug>.md)."""
    plain: dict[str, Any] = {
        "title": slug.title(),
        "has_time": True,
        "source": "Wire",
        "source_url": None,
        "regions": (),
        "tags": (),
        "summary": "",
        "summary_from_body": True,
        "author": None,
        "image": None,
        "image_caption": None,
        "updated": None,
        "draft": False,
        "path": f"content/{slug}.md",
    }
    return Article(slug=slug, date=date, **{**plain, **fields})


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write `files` ({relative path: text or bytes}) under `root` and return `root`.

    A default site.yaml is added when `files` has none; pass site.yaml to change it.
    """
    files = {"site.yaml": DEFAULT_SITE_YAML, **files}
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return root


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def run_subprocess(*args: str | Path, cwd: Path | None = None, executable: list[str] | None = None) -> Run:
    """Run `python -m sitegen ARGS` (or `executable ARGS`) as a separate process."""
    command = [*(executable or [sys.executable, "-m", "sitegen"]), *(str(a) for a in args)]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, encoding="utf-8", env=env, timeout=600
    )
    return Run(done.returncode, done.stdout, done.stderr)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int] | None]:
    """Every file and folder below `folder`: a file's bytes and modification time, None for a folder."""
    found: dict[str, tuple[bytes, int] | None] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        found[relative] = None if path.is_dir() else (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def base_template_with(head: str) -> str:
    """The default theme's base.html with `head` after its stylesheet: for a site's
    themes/default/templates/base.html that links more files on every page (a `head` block
    would not do: term pages fill that block with their own)."""
    base = (REPO / "themes" / "default" / "templates" / "base.html").read_text(encoding="utf-8")
    stylesheet = '<link rel="stylesheet" href="{{ asset(\'css/style.css\') }}">'
    assert stylesheet in base
    return base.replace(stylesheet, f"{stylesheet}\n  {head}")


def cache_bytes(value: object) -> bytes:
    """`value` pickled as the build cache writes it into its files."""
    buffer = io.BytesIO()
    _pickled(value)(buffer)
    return buffer.getvalue()

"""`sitegen init`: a new site with everything a first build needs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .errors import UsageError

SITE_YAML = """\
# sitegen site configuration: every key is optional.
title: "My Briefing"
base_url: "https://example.org/"   # where the site is published; feeds and the sitemap use it
language: "en"
timezone: "UTC"                     # IANA name, e.g. Europe/Berlin: the editor's own timezone
theme: "default"
per_page: 20
feed_limit: 50
"""

EXAMPLE_ARTICLE = """\
---
title: "Welcome to your briefing"
date: {date}
source: "sitegen"
source_url: "https://example.org/"
region: "Europe"
tags:
  - getting-started
summary: "How to add articles to this briefing."
---

Each article is a Markdown file in `content/`, with front matter between the `---` lines:
a title, a date, the source it came from, its region and tags.

Run `sitegen serve` while you write, and `sitegen build` to publish the `output/` folder.
"""


def init_site(folder: Path) -> list[Path]:
    """Write a new site into `folder` (which must be new or empty); returns the files written.

    Raises UsageError when the folder is not empty, is a file, or cannot be made."""
    if folder.is_dir() and any(folder.iterdir()):
        raise UsageError(f"{folder} is not empty: sitegen init only writes into a new or empty folder")
    for place in (folder, *folder.parents):
        if place.exists():
            if not place.is_dir():
                raise UsageError(f"{place} is a file, not a folder: give sitegen init a new or empty folder")
            break
    today = dt.date.today()
    files = {
        "site.yaml": SITE_YAML,
        f"content/{today:%Y/%m}/welcome.md": EXAMPLE_ARTICLE.format(date=today.isoformat()),
        ".gitignore": "output/\n",
    }
    written = []
    try:
        for relative, text in files.items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
        (folder / "static").mkdir()
    except OSError as exc:  # a parent that is a file, no permission, a full disk
        raise UsageError(f"cannot create the site in {folder}: {exc.filename}: {exc.strerror}") from exc
    return written

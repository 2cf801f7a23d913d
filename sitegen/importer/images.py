"""`sitegen import --download-images`: the page's picture stored in the site instead of
linked on the outlet's server. Content files are not published, so "next to the article"
is the same year and month under `static/images/`: `static/images/2024/12/<slug>.jpg`,
which the site serves at `/images/2024/12/<slug>.jpg`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .fetch import IMAGE_TYPES, FetchFailure, FetchOptions, fetch
from .write import write_new

# The pictures a browser shows in an <img>. Not SVG: opened on its own, it runs scripts.
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/pjpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/avif": ".avif",
}


def download_image(
    url: str, options: FetchOptions, site_dir: Path, day: dt.date, slug: str
) -> tuple[Path, str] | str:
    """Store the picture at `url` for the article `slug` of `day`: its file and its address
    in the site, or why it was not stored (the file is never replaced)."""
    page = fetch(url, options, accept=IMAGE_TYPES)
    if isinstance(page, FetchFailure):
        return page.reason
    extension = EXTENSIONS.get(page.content_type)
    if extension is None:
        return f"not a picture sitegen stores ({page.content_type})"
    folder = f"images/{day.year:04d}/{day.month:02d}"
    path = site_dir / "static" / folder / f"{slug}{extension}"
    try:
        write_new(path, page.data)
    except FileExistsError:
        return f"static/{folder}/{path.name} exists; not replaced"
    except OSError as exc:
        return f"cannot write static/{folder}/{path.name}: {exc.strerror or exc}"
    return path, f"/{folder}/{path.name}"

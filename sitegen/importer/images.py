"""`sitegen import --download-images`: the page's picture stored in the site instead of
linked on the outlet's server, next to the article (`content/2024/12/<slug>.jpg`, shown as
`image: <slug>.jpg`), where the build publishes it in several widths (sitegen/images.py).
A GIF or AVIF, which the build publishes only as it is, goes under `static/images/` in the
article's year and month instead (`/images/2024/12/<slug>.gif`)."""

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


# The formats the build reads and publishes in several widths: stored next to the article.
BESIDE_THE_ARTICLE = (".jpg", ".png", ".webp")


def download_image(
    url: str, options: FetchOptions, site_dir: Path, article: Path, day: dt.date, slug: str
) -> tuple[Path, str] | str:
    """Store the picture at `url` for the article file `article` (its `slug`, of `day`): its
    file and what `image:` says, or why it was not stored (the file is never replaced)."""
    page = fetch(url, options, accept=IMAGE_TYPES)
    if isinstance(page, FetchFailure):
        return page.reason
    extension = EXTENSIONS.get(page.content_type)
    if extension is None:
        return f"not a picture sitegen stores ({page.content_type})"
    name = f"{slug}{extension}"
    if extension in BESIDE_THE_ARTICLE:
        path, shown = article.parent / name, name
    else:
        folder = f"images/{day.year:04d}/{day.month:02d}"
        path, shown = site_dir / "static" / folder / name, f"/{folder}/{name}"
    where = path.relative_to(site_dir).as_posix()
    try:
        write_new(path, page.data)
    except FileExistsError:
        return f"{where} exists; not replaced"
    except OSError as exc:
        return f"cannot write {where}: {exc.strerror or exc}"
    return path, shown

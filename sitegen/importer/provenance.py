"""Where and when an imported article was read: `retrieved`, `archive_url`, `paywalled`,
and the excerpt an editor keeps when quoting rather than copying (`--excerpt N`)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from .write import escape_paragraph

WAYBACK = "https://web.archive.org/web/"
# What may stay as it is in a URL inside Markdown's `(...)`: the URL's own reserved and
# unreserved characters and '%' (an escape already made), but not '(', ')', '<', '>',
# spaces or backslashes, which would end or break the link.
_URL_SAFE = ":/?#[]@!$&'*+,;=%~-._"


def archive_url(url: str, when: dt.datetime) -> str:
    """The Wayback Machine's address for `url` as it was at `when` (aware): the copy nearest
    that moment. Built, never fetched."""
    if when.tzinfo is None:
        raise ValueError("archive_url needs an aware datetime")
    stamp = when.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")
    return f"{WAYBACK}{stamp:0>14}/{url}"


def excerpt_body(body: list[str], paragraphs: int) -> list[str]:
    """The first `paragraphs` paragraphs of `body` (all of it for 0)."""
    kept = [p for p in body if p.strip()]
    return kept if paragraphs <= 0 else kept[:paragraphs]


def excerpt_ending(source: str, url: str | None) -> str:
    """The excerpt's last paragraph, as Markdown: a link to the original when its address is
    known, else its outlet's name."""
    name = escape_paragraph(source)
    if not url:
        return f"Read the full article in {name}."
    return f"Read the full article at [{name}]({quote(url, safe=_URL_SAFE)})."

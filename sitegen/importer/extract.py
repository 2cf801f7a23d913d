"""One clipping -> `Extracted`: text clippings through the text rules; saved pages through
their metadata first, then the same text rules on trafilatura's main text."""

from __future__ import annotations

import datetime as dt

from . import outlets
from .clean import clean_lines, split_lines
from .html import clean_title, read_page
from .model import ClippingInput, Extracted
from .text import extract_text


def extract(clipping: ClippingInput, *, today: dt.date) -> Extracted:
    if clipping.is_html:
        return _from_html(clipping.text, today, clipping.url)
    lines = clean_lines(split_lines(clipping.text))
    found = extract_text(lines, today=today)
    found.date_from_text = found.date is not None
    found.fingerprint_text = "\n".join(lines)
    return found


def _from_html(html: str, today: dt.date, read_from: str | None) -> Extracted:
    """`read_from`: the address the page was read from (after redirects), which is its
    source_url unless the page names a canonical one."""
    page = read_page(html)
    lines = clean_lines(split_lines(page.text))
    title = clean_title(page.titles[0], page.site_names) if page.titles else None
    found = extract_text(lines, known_title=title, today=today)
    found.title = title or found.title
    found.fingerprint_text = "\n".join(lines)
    text_source = found.source
    source = next(filter(None, (outlets.normalise(name) for name in page.site_names)), None)
    address = page.url or read_from
    if address and (not source or outlets.by_domain(address)):
        known = outlets.by_domain(address)
        source = known.name if known else source
    found.source = source or text_source
    found.date_from_text = found.date is not None
    if page.dates:
        found.date, found.date_note, found.date_from_text = page.dates[0], None, False
    if page.authors:
        names = page.authors[0]
        found.author = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    found.source_url = page.url or read_from
    found.paywalled = page.paywalled
    found.image = page.image
    # A caption the page's metadata gives for its picture beats one read off the text.
    found.image_caption = page.image_caption or found.image_caption
    if not found.summary and page.description:
        found.summary = page.description
    return found

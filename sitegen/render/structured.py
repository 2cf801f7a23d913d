"""Link previews and structured data: what the default theme's partials/meta.html needs
that a template cannot do well. JSON-LD is serialised with json.dumps and made safe inside a
<script> element; headlines are cut to the length search engines show."""

from __future__ import annotations

import json
from collections.abc import Sequence

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from markupsafe import Markup

HEADLINE_LIMIT = 110  # characters: what Google reads of a NewsArticle's headline
ELLIPSIS = "…"
# Inside <script>, HTML ends the element at "</script" and treats "<!--" specially; JSON may
# write these characters as escapes instead, which every JSON reader turns back.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def json_ld(data: object) -> Markup:
    """`data` as JSON for a <script type="application/ld+json"> element: keys whose value is
    none, an empty string or an empty list or mapping are left out (at any depth), and `<`,
    `>` and `&` are written as \\u escapes, so that no text can end the element."""
    text = json.dumps(_pruned(data), ensure_ascii=False, separators=(",", ":"))
    return Markup(text.translate(_SCRIPT_SAFE))


def _pruned(value: object) -> object:
    if isinstance(value, dict):
        kept = {str(key): _pruned(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if not _empty(item)}
    if isinstance(value, list | tuple):
        return [item for item in map(_pruned, value) if not _empty(item)]
    return value


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def headline(title: str, limit: int = HEADLINE_LIMIT) -> str:
    """The title as a headline of at most `limit` characters: a longer one is cut at the last
    space that leaves room for an ellipsis (at `limit` - 1 characters when it has no space
    there), with the ellipsis added."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    room = title[: limit - len(ELLIPSIS) + 1]  # one more: a space right after the cut is a word end
    cut = room.rfind(" ")
    kept = room[:cut] if cut > 0 else room[: limit - len(ELLIPSIS)]
    return kept.rstrip(" ,;:") + ELLIPSIS


def og_locale(language: str) -> str:
    """The site's `language` as OpenGraph writes a locale, language_TERRITORY: 'en-GB' is
    en_GB, 'fr' fr_FR (the territory the language is most likely used in, from Unicode's
    CLDR through Babel); a language Babel does not know is given with '_' for '-'."""
    tag = language.replace("-", "_")
    try:
        locale = Locale.parse(tag)
    except (ValueError, UnknownLocaleError):
        return tag
    if locale.territory:
        return f"{locale.language}_{locale.territory}"
    subtags = get_global("likely_subtags")
    likely = subtags.get(str(locale)) or subtags.get(locale.language)
    if likely:
        territory = Locale.parse(likely).territory
        if territory:
            return f"{locale.language}_{territory}"
    return locale.language


def breadcrumb_list(trail: Sequence[Sequence[str]]) -> dict[str, object]:
    """A schema.org BreadcrumbList of (name, full address) pairs, the home page first."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": number, "name": name, "item": address}
            for number, (name, address) in enumerate(trail, 1)
        ],
    }


def persons(names: Sequence[str]) -> list[dict[str, str]]:
    """schema.org Person objects, one per author."""
    return [{"@type": "Person", "name": name} for name in names]

"""Typographic punctuation for rendered bodies: curly quotes, dashes and ellipses.

Python-Markdown's smarty extension does this with a dozen inline patterns, which more
than doubles the time a body takes to render (bench/markdown_extensions.py). This does
the same job in one pass over the finished HTML's text, leaving tags, attributes and
code alone, and writes the same entities smarty writes.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z0-9]+)")
_VERBATIM = {"code", "pre", "kbd", "samp", "script", "style", "tt", "math", "svg"}
_BLOCK = {
    "p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "td", "th", "div", "dd", "dt",
    "br", "tr", "ul", "ol", "table", "figcaption", "hr", "sup", "section", "article",
}  # fmt: skip
_QUOTE = re.compile(r"[\"']")
_DASHES = [
    (re.compile(r"---"), "&mdash;"),
    (re.compile(r"--"), "&ndash;"),
    (re.compile(r"\.\.\.|\. \. \."), "&hellip;"),
]
_OPENS_AFTER = set(" \t\n\r([{-/\u2014\u2013\u00a0") | {""}


def smarten(html: str) -> str:
    """Straight quotes, '--', '---' and '...' in text become &ldquo; &rdquo; &lsquo; &rsquo;
    &ndash; &mdash; &hellip;; the insides of tags and of code, pre and the like are kept."""
    parts = _TAG.split(html)
    verbatim = 0
    before = ""
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            match = _TAG_NAME.match(part)
            name = match.group(1).lower() if match else ""
            if name in _VERBATIM and not part.endswith("/>"):
                verbatim += -1 if part.startswith("</") else 1
            if name in _BLOCK:
                before = ""
            continue
        if not part:
            continue
        if not verbatim:
            parts[index] = _smarten_text(part, before)
        before = part[-1]
    return "".join(parts)


def _smarten_text(text: str, before: str) -> str:
    def curl(match: re.Match[str]) -> str:
        position = match.start()
        previous = text[position - 1] if position else before
        following = text[position + 1 : position + 2]
        opening = previous in _OPENS_AFTER or previous in "\u201c\u2018"
        if match.group() == '"':
            return "&ldquo;" if opening and following not in ("", " ") else "&rdquo;"
        if previous.isalnum() or (following.isdigit() and opening):  # it's, '80s
            return "&rsquo;"
        return "&lsquo;" if opening and following not in ("", " ") else "&rsquo;"

    text = _QUOTE.sub(curl, text)
    for pattern, entity in _DASHES:
        text = pattern.sub(entity, text)
    return text

"""Images in pages and feeds: one rule, `picture_html`, writes every image a page shows,
the lead image (templates' `picture()`) and the images of a Markdown body alike.

A local image with published copies (sitegen/images.py) becomes

    <picture>
      <source type="image/webp" srcset="...-480.webp 480w, ...-960.webp 960w" sizes="...">
      <img src="...-960.jpg" srcset="...-480.jpg 480w, ...-960.jpg 960w" sizes="..."
           width="960" height="640" alt="..." loading="lazy" decoding="async">
    </picture>

`width` and `height` give the browser the image's shape before it loads (no layout
shift); the lead image is not lazy (it is the first thing a reader sees) and is fetched
first. Feeds get the <img> alone, with full addresses: feed readers drop <picture>.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import replace

from ..images import Picture, local_label

# The default theme's column is at most 42rem wide, and the whole width of a phone.
SIZES = "(min-width: 42rem) 42rem, 100vw"
MARK = "data-sitegen-src"  # on a body image that Markdown rendered from a local path
_MARKED = re.compile(r"<img\b[^>]*\b" + MARK + r'="([^"]*)"[^>]*>')
_ATTRIBUTE = re.compile(r'([^\s="/>]+)="([^"]*)"')
_OURS = frozenset({"src", MARK, "srcset", "sizes", "width", "height", "loading", "decoding", "alt"})


def picture_html(
    picture: Picture,
    link: Callable[[str], str],
    *,
    lead: bool = False,
    feed: bool = False,
    sizes: str = SIZES,
    attributes: str = "",
) -> str:
    """The HTML of an image: `link` makes the link to a site path; `attributes`, already
    escaped, are added to the <img> (a body image's title or class)."""
    e = html.escape
    src = picture.src if picture.remote else link(picture.src)
    parts = [f'src="{e(src)}"']
    webp = [v for v in picture.variants if v.mime == "image/webp"]
    own = [v for v in picture.variants if v.mime != "image/webp"] or webp
    if own:
        parts.append(f'srcset="{e(_srcset(own, link))}" sizes="{e(sizes)}"')
    if picture.width and picture.height:
        parts.append(f'width="{picture.width}" height="{picture.height}"')
    parts.append(f'alt="{e(picture.alt)}"')
    if attributes:
        parts.append(attributes)
    if not feed:
        parts.append('fetchpriority="high" decoding="async"' if lead else 'loading="lazy" decoding="async"')
    img = f"<img {' '.join(parts)}>"
    if feed or not webp or own is webp:
        return img
    source = f'<source type="image/webp" srcset="{e(_srcset(webp, link))}" sizes="{e(sizes)}">'
    return f"<picture>{source}{img}</picture>"


def _srcset(variants, link: Callable[[str], str]) -> str:
    return ", ".join(f"{link(v.path)} {v.width}w" for v in variants)


def responsive_body(
    body: str,
    article_path: str,
    pictures: Mapping[str, Picture],
    link: Callable[[str], str],
    feed: bool = False,
) -> str:
    """A rendered body with each local image Markdown marked (sitegen/render/markdown.py)
    written by picture_html, its alt text and other attributes kept. (An image the body's
    scan did not find, which cannot happen with Markdown's own syntax, keeps its plain
    <img>, without the mark.)"""
    if MARK not in body:
        return body

    def written(match: re.Match[str]) -> str:
        tag = match.group(0)
        label = local_label(html.unescape(match.group(1)), article_path)
        picture = pictures.get(label) if label else None
        if picture is None:
            return re.sub(r"\s" + MARK + r'="[^"]*"', "", tag)
        found = _ATTRIBUTE.findall(tag)
        alt = next((html.unescape(value) for name, value in found if name == "alt"), "")
        kept = " ".join(f'{name}="{value}"' for name, value in found if name not in _OURS)
        return picture_html(replace(picture, alt=alt), link, feed=feed, attributes=kept)

    return _MARKED.sub(written, body)

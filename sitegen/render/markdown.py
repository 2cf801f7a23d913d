"""Markdown bodies -> HTML, with Python-Markdown and nothing else: the HTML is exactly what
`markdown.markdown(body, extensions=EXTENSIONS, output_format=OUTPUT_FORMAT)` gives
(tests/test_markdown.py generates bodies to prove it), plus the site's base path on
root-relative links when the site is not published at the root of its host (or, with
relative_urls, those links made relative to the page)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Final
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .links import LinkStyle
from .pictures import MARK

# What briefings need: tables, footnotes, fenced code, {: attributes }, sane lists, and
# typographic quotes, dashes and ellipses (editors paste "straight" quotes and --).
EXTENSIONS = ("tables", "footnotes", "fenced_code", "attr_list", "sane_lists", "smarty")
OUTPUT_FORMAT: Final = "html"  # the pages are HTML5: <br>, not <br />


IMAGE_MARKS = "images-1"  # how local images are marked (sitegen/render/pictures.py)


def settings(link_base: str, relative_depth: int | None = None) -> str:
    """Everything but the body that decides a body's HTML, for the body cache's keys: an
    upgrade of Python-Markdown or a change of extensions must never serve old HTML."""
    return repr((markdown.__version__, EXTENSIONS, OUTPUT_FORMAT, link_base, relative_depth, IMAGE_MARKS))


class _SiteLinks(Treeprocessor):
    """Root-relative links in a body ('/images/map.png') are links into the site: they get
    the site's base path, so a site published under https://example.org/briefings/ keeps
    working (or its full address, in feeds), or, with relative_urls, become relative to
    the page (sitegen/render/links.py)."""

    def __init__(self, md: markdown.Markdown, style: LinkStyle, depth: int):
        super().__init__(md)
        self.style = style
        self.depth = depth

    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value and value.startswith("/") and not value.startswith("//"):
                    element.set(attribute, self.style.link(value, self.depth))


class _MarkLocalImages(Treeprocessor):
    """Marks each image whose address is a path (a local image) with that address as
    written, before links get the base path: the build writes it as a responsive
    <picture> (sitegen/render/pictures.py). Raw HTML is not marked: it stays as written."""

    def run(self, root: ET.Element) -> None:
        for element in root.iter("img"):
            src = element.get("src")
            if src and not urlsplit(src).scheme and not src.startswith("//"):
                element.set(MARK, src)


class _MarkImagesExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After the inline patterns (20) have made the images, before _SiteLinks (0).
        md.treeprocessors.register(_MarkLocalImages(md), "mark_local_images", 1)


class _SiteLinksExtension(Extension):
    def __init__(self, style: LinkStyle, depth: int):
        super().__init__()
        self.style = style
        self.depth = depth

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_SiteLinks(md, self.style, self.depth), "site_links", 0)


class MarkdownRenderer:
    """One Python-Markdown instance, reset between bodies: the build converts thousands of
    bodies with one renderer instead of setting up the extensions for each.

    `link_base`: what links into the site go under: the base path ('/briefings/'), or the
    site's address (for feeds). `relative_depth`: None for such links; for relative links,
    how many folders below the site's root the page showing the body is
    (sitegen/render/links.py). `mark_images`: mark local images for the build, which
    publishes them in several widths (an article's body; not a story's background)."""

    def __init__(self, link_base: str, relative_depth: int | None = None, mark_images: bool = False):
        extensions: list[str | Extension] = [*EXTENSIONS]
        if mark_images:
            extensions.append(_MarkImagesExtension())
        style = LinkStyle(link_base, relative=relative_depth is not None)
        if style.relative or link_base != "/":
            extensions.append(_SiteLinksExtension(style, relative_depth or 0))
        self._md = markdown.Markdown(extensions=extensions, output_format=OUTPUT_FORMAT)

    def convert(self, text: str) -> str:
        return self._md.reset().convert(text)

"""Markdown bodies -> HTML, with Python-Markdown."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .typography import smarten

# What briefings need: tables, footnotes, fenced code, {: attributes }, sane lists; and
# typographic quotes and dashes (editors paste "straight" quotes and --), which
# typography.smarten adds after rendering, at a tenth of what the smarty extension costs.
EXTENSIONS = ["tables", "footnotes", "fenced_code", "attr_list", "sane_lists"]


class _BasePathLinks(Treeprocessor):
    """Root-relative links in a body ('/images/map.png') get the site's base path,
    so a site published under https://example.org/briefings/ keeps working."""

    def __init__(self, md: markdown.Markdown, base_path: str):
        super().__init__(md)
        self.base_path = base_path

    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value and value.startswith("/") and not value.startswith("//"):
                    element.set(attribute, self.base_path + value[1:])


class _BasePathExtension(Extension):
    def __init__(self, base_path: str):
        super().__init__()
        self.base_path = base_path

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_BasePathLinks(md, self.base_path), "base_path_links", 0)


# The characters without which an inline pattern cannot match. Python-Markdown tries every
# inline pattern on every piece of text, which is most of its time; a pattern whose
# character is nowhere in a body cannot match anywhere in it, so it is left out for that
# body (the HTML is the same; a body renders about a third faster).
INLINE_TRIGGERS = {
    "backtick": ("`",),
    "escape": ("\\",),
    "reference": ("[",),
    "link": ("[",),
    "image_link": ("[",),
    "image_reference": ("[",),
    "short_reference": ("[",),
    "short_image_ref": ("[",),
    "footnote": ("[",),
    "autolink": ("<",),
    "automail": ("<",),
    "html": ("<",),
    "entity": ("&",),
    "linebreak": ("  \n",),
    "em_strong": ("*",),
    "em_strong2": ("_",),
    "not_strong": ("*", "_"),
}


class MarkdownRenderer:
    def __init__(self, base_path: str):
        extensions = [*EXTENSIONS]
        if base_path != "/":
            extensions.append(_BasePathExtension(base_path))
        self._md = markdown.Markdown(extensions=extensions, output_format="html")
        patterns = self._md.inlinePatterns
        self._inline = {item.name: (patterns[item.name], item.priority) for item in patterns._priority}
        self._active = set(self._inline)

    def convert(self, text: str) -> str:
        self._use_inline_patterns(
            {
                name
                for name in self._inline
                if name not in INLINE_TRIGGERS or any(t in text for t in INLINE_TRIGGERS[name])
            }
        )
        return smarten(self._md.reset().convert(text))

    def _use_inline_patterns(self, wanted: set[str]) -> None:
        if wanted == self._active:
            return
        patterns = self._md.inlinePatterns
        for name in self._active - wanted:
            patterns.deregister(name)
        for name in wanted - self._active:
            pattern, priority = self._inline[name]
            patterns.register(pattern, name, priority)
        self._active = wanted

"""Markdown bodies -> HTML, with Python-Markdown."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

# What briefings need: tables, footnotes, fenced code, {: attributes }, and typographic
# quotes and dashes (editors paste "straight" quotes and --).
EXTENSIONS = ["tables", "footnotes", "fenced_code", "attr_list", "sane_lists", "smarty"]


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


class MarkdownRenderer:
    def __init__(self, base_path: str):
        extensions = [*EXTENSIONS]
        if base_path != "/":
            extensions.append(_BasePathExtension(base_path))
        self._md = markdown.Markdown(extensions=extensions, output_format="html")

    def convert(self, text: str) -> str:
        return self._md.reset().convert(text)

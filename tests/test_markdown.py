"""Rendering bodies: the same HTML as Python-Markdown with smarty, only faster."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest

from sitegen.render.markdown import EXTENSIONS, MarkdownRenderer
from sitegen.render.typography import smarten

ROOT = Path(__file__).resolve().parent.parent

TRICKY = [
    "Use `code` and \\*escaped\\* and <b>html</b> &amp; <https://x.example> a line  \nbreak",
    "_em_ __strong__ *a* **b** ***c*** a footnote[^1]\n\n[^1]: The note.",
    "Text with [a link][ref] and ![an image](/img.png)\n\n[ref]: https://a.example",
    "plain text only, nothing to mark up",
    "<div>block html</div>\n\nAnd `x` & y",
    "snake_case_word and 2*3*4 and a_b_c",
    "\"Quoted,\" she said -- twice --- and then... 'single' quotes, it's the '80s.",
    '```\n"code" -- stays -- as \'it\' is\n```\n\nAfter the fence, "curly".',
    '| a | "b" |\n|---|---|\n| 1 -- 2 | it\'s |',
    '<a href="x" title="don\'t -- touch">link "text"</a>',
    "- item one\n- item \"two\"\n\n> quoted 'block' -- with a dash",
    'A [link with "quotes"](https://a.example "its title") and `inline "code"`.',
]


def corpus() -> list[str]:
    bodies = [
        p.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        for p in sorted((ROOT / "content").rglob("*.md"))
    ]
    return bodies + TRICKY


@pytest.fixture(scope="module")
def smarty() -> markdown.Markdown:
    return markdown.Markdown(extensions=[*EXTENSIONS, "smarty"], output_format="html")


@pytest.mark.parametrize("body", corpus())
def test_same_html_as_the_smarty_extension(smarty, body):
    assert MarkdownRenderer("/").convert(body) == smarty.reset().convert(body)


def test_left_out_inline_patterns_come_back_for_the_next_body(smarty):
    renderer = MarkdownRenderer("/")
    for body in [TRICKY[3], TRICKY[0], TRICKY[3], TRICKY[2], TRICKY[1]]:
        assert renderer.convert(body) == smarty.reset().convert(body)


def test_smarten_leaves_tags_and_code_alone():
    html = '<p title="a \'b\' -- c">"x" -- <code>"y" --</code> it\'s</p><pre>"z"</pre>'
    assert smarten(html) == (
        '<p title="a \'b\' -- c">&ldquo;x&rdquo; &ndash; <code>"y" --</code> it&rsquo;s</p><pre>"z"</pre>'
    )


def test_root_relative_links_get_the_base_path():
    html = MarkdownRenderer("/briefings/").convert(
        "[map](/maps/a.png) ![x](/img/b.png) [ext](https://e.example/)"
    )
    assert 'href="/briefings/maps/a.png"' in html and 'src="/briefings/img/b.png"' in html
    assert 'href="https://e.example/"' in html

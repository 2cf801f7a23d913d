"""Rendering bodies: exactly the HTML of a fresh, plain Python-Markdown with the same
extensions, through the reused renderer the build uses and through render_bodies (cached,
cold and warm, in one process and in a pool)."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from siteutil import article

from sitegen import engine as engine_module
from sitegen.build import build
from sitegen.engine import Engine
from sitegen.render import markdown as markdown_module
from sitegen.render.bodies import body_key
from sitegen.render.markdown import EXTENSIONS, OUTPUT_FORMAT, MarkdownRenderer
from sitegen.validate import Article

ROOT = Path(__file__).resolve().parent.parent


def plain(body: str) -> str:
    """What Python-Markdown itself makes of a body: a new instance, nothing of sitegen's."""
    return markdown.markdown(body, extensions=list(EXTENSIONS), output_format=OUTPUT_FORMAT)


# Bodies -----------------------------------------------------------------------------------

# fmt: off
WORDS = st.sampled_from(
    ["word", "it's", "rock'n'roll", "the '80s", "2*3*4", "snake_case_word", "a_b_c", "don't",
     "1--2", "x---y", "wait...", ". . .", "&amp;", "&copy;", "&#8212;", "AT&T", "\\*", "\\_",
     "\\`", "\\[", "a\\", "<https://a.example/x>", "<me@a.example>", "[^1]", "[^note]",
     "<<", ">>", "*", "_", "**", "__", "'", '"', "--", "---", "...", "[", "]", "(", ")", "`",
     "<", ">", "&", "#", "{", "}", "!", "|", "^", "~", "  \n", "\n", " ", " ", " ", "\u00a0",
     "Łódź", "naïve"]
)
# fmt: on
RANDOM_TEXT = st.text(alphabet=" \n\tab1*_'\"`-.[]()<>&!\\#{}:|^~=+", max_size=12)


# Inline markup around inline text: emphasis (nested, intraword), quotes, links, code, raw HTML.
WRAPPERS = [
    "*{}*", "_{}_", "**{}**", "__{}__", "***{}***", "a*{}*b", "a_{}_b", "a**{}**b", '"{}"', "'{}'",
    "[{}](/a/path)", "[{}](https://a.example/x \"a 'title' -- here\")", "[{}][ref]", "![{}](/img.png)",
    "`{}`", "`` {} ``", "<b>{}</b>", "<a href=\"/x\" title=\"don't -- 'q'\">{}</a>", "<span>{}</span>",
    "<em>{}</em>", "{}[^1]",
]  # fmt: skip
# Blocks around lines of inline text: headings, lists, tables, footnotes, quotes, code, HTML.
BLOCKS = [
    "{}", "# {}", "### {}", "###### {}", "{}\n====", "{}\n----", "# {} {{: #an-id .a-class }}",
    "{}\n{{: .lead }}", "- {}\n- {}", "* {}\n\n* {}", "1. {}\n2. {}", "3. {}\n4. {}",
    "1. {}\n* {}", "- {}\n\n    - {}", "1. {}\n    1. {}",
    "| {} | h |\n|---|:-:|\n| {} | {} |", "a | b\n--- | ---\n{} | {}",
    "[^1]: {}", "[^note]: {}\n\n    more of the note -- \"{}\"",
    "[ref]: https://a.example/r \"The 'ref' title\"\n\n{}", "> {}\n> 'quoted' -- again",
    "> {}\n\n> {}", "```\n{}\n\"code\" -- 'kept'\n```", "~~~ python\n{}\n~~~", "    indented {}",
    "<div class=\"box\">\n{}\n</div>", "<p>{}</p>", "<!-- {} -->", "---", "***", "- - -", "<hr>",
    "&nbsp;",
]  # fmt: skip


@st.composite
def inline(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        if depth < 3 and draw(st.booleans()):
            parts.append(draw(st.sampled_from(WRAPPERS)).format(draw(inline(depth + 1))))
        else:
            parts.append(draw(st.one_of(WORDS, RANDOM_TEXT)))
    return "".join(parts)


@st.composite
def markdown_body(draw: st.DrawFn) -> str:
    body = ""
    for _ in range(draw(st.integers(1, 5))):
        template = draw(st.sampled_from(BLOCKS))
        lines = [draw(inline()) for _ in range(template.count("{}"))]
        body += template.format(*lines) + draw(st.sampled_from(["\n\n", "\n", "\n\n\n"]))
    return body


ANY_BODY = st.one_of(markdown_body(), st.text(max_size=60), RANDOM_TEXT)

FOUND_BY_HAND = [
    "The _Water Wars_ report and __bold__ text.",  # the pruned inline patterns of 3.11
    'he called it "[a disgrace](/x)" and "*bad*" and "`code`" and "<b>so</b>".',
    "'[single](/x)' and '_em_' -- and \"quotes\"...",
    "snake_case_word and 2*3*4 and a_b_c",
    "Use `code` and \\*escaped\\* and <b>html</b> &amp; <https://x.example> a line  \nbreak",
    "_em_ __strong__ *a* **b** ***c*** a footnote[^1]\n\n[^1]: The note.",
    '```\n"code" -- stays -- as \'it\' is\n```\n\nAfter the fence, "curly".',
    '| a | "b" |\n|---|---|\n| 1 -- 2 | it\'s |',
    '<a href="x" title="don\'t -- touch">link "text"</a>',
]


def sample_site_bodies() -> list[str]:
    files = sorted((ROOT / "content").rglob("*.md"))
    return [path.read_text(encoding="utf-8").split("\n---\n", 1)[-1] for path in files]


# The reused renderer ---------------------------------------------------------------------

RENDERER = MarkdownRenderer("/")  # one instance for every example, as a build's worker has


@pytest.mark.parametrize("body", FOUND_BY_HAND + sample_site_bodies())
def test_known_bodies_render_as_python_markdown_does(body):
    assert RENDERER.convert(body) == plain(body)


def test_underscore_emphasis_and_opening_quotes_before_markup():
    html = RENDERER.convert('The _Water Wars_ report and __bold__ text, "[a disgrace](/x)".')
    assert "<em>Water Wars</em>" in html and "<strong>bold</strong>" in html
    assert '&ldquo;<a href="/x">a disgrace</a>&rdquo;' in html


@settings(max_examples=2000, deadline=None)
@given(st.lists(ANY_BODY, min_size=1, max_size=3))
def test_reused_renderer_gives_python_markdowns_html(bodies):
    for body in bodies:
        assert RENDERER.convert(body) == plain(body)


# render_bodies: the cache and the pool ------------------------------------------------------


def _articles(bodies: list[str]) -> list[tuple[Article, str]]:
    moment = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    fields = {"title": "t", "date": moment, "has_time": False, "source": "s", "source_url": None,
              "regions": (), "tags": (), "summary": "", "summary_from_body": True, "author": None,
              "image": None, "image_caption": None, "updated": None, "draft": False}  # fmt: skip
    return [
        (Article(slug=f"a{number}", path=f"content/a{number}.md", **fields), body)  # type: ignore[arg-type]
        for number, body in enumerate(bodies)
    ]


def _render_cold_then_warm(bodies: list[str], jobs: int) -> None:
    articles = _articles(bodies)
    expected = {article.slug: plain(body) for article, body in articles}
    with tempfile.TemporaryDirectory() as site:
        again = Engine(site, jobs=jobs)
        # Cold, then from the build cache (a new engine), then from memory (the same one).
        for engine in (Engine(site, jobs=jobs), Engine(site, jobs=jobs), again, again):
            try:
                html, warnings = engine.render_bodies(articles, "/", lambda done, total: None)
            finally:
                engine.cache.close()
            # Local images carry a mark for the build (sitegen/render/pictures.py); else the same.
            assert {slug: unmarked(body) for slug, body in html.items()} == expected
            assert warnings == []


def unmarked(html: str) -> str:
    """A rendered body without the marks on its local images, each checked: on an <img>,
    holding the image's address as written."""
    for tag in re.findall(r"<[^>]*data-sitegen-src=[^>]*>", html):
        assert tag.startswith("<img ")
    return re.sub(r' data-sitegen-src="[^"]*"', "", html)


@settings(max_examples=250, deadline=None)
@given(st.lists(ANY_BODY, min_size=1, max_size=6))
def test_render_bodies_cold_and_warm_cache(bodies):
    _render_cold_then_warm(bodies, jobs=1)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ANY_BODY, min_size=4, max_size=24))
def test_render_bodies_in_a_pool(monkeypatch, bodies):
    monkeypatch.setattr(engine_module, "PARALLEL_BODIES_FROM", 2)
    _render_cold_then_warm(bodies, jobs=2)


def test_cache_key_changes_with_the_markdown_version_and_the_extensions(monkeypatch):
    before = body_key("*a*", "/")
    assert body_key("*a*", "/briefings/") != before
    monkeypatch.setattr(markdown, "__version__", "99.0")
    upgraded = body_key("*a*", "/")
    monkeypatch.setattr(markdown_module, "EXTENSIONS", EXTENSIONS[:-1])
    assert len({before, upgraded, body_key("*a*", "/")}) == 3


def test_a_slow_body_gets_a_warning_naming_its_file(monkeypatch):
    monkeypatch.setattr(engine_module, "SLOW_BODY_SECONDS", 0.01)
    articles = _articles(["quick", "[" * 3000])
    with tempfile.TemporaryDirectory() as site:
        _, warnings = Engine(site, use_cache=False, jobs=1).render_bodies(articles, "/", lambda d, t: None)
    assert [p.path for p in warnings] == ["content/a1.md"]
    assert "took" in warnings[0].message and not warnings[0].is_error


def test_a_slow_body_is_named_in_the_build_result(monkeypatch, make_site):
    monkeypatch.setattr(engine_module, "SLOW_BODY_SECONDS", 0.01)
    site = make_site({"content/slow.md": article(body="[" * 3000), "content/quick.md": article(title="Q")})
    result = build(site, use_cache=False, jobs=1)
    slow = [(p.path, p.is_error) for p in result.warnings if "took" in p.message]
    assert slow == [("content/slow.md", False)]


def test_root_relative_links_get_the_base_path():
    html = MarkdownRenderer("/briefings/").convert(
        "[map](/maps/a.png) ![x](/img/b.png) [ext](https://e.example/) [p](//cdn.example/x)"
    )
    assert 'href="/briefings/maps/a.png"' in html and 'src="/briefings/img/b.png"' in html
    assert 'href="https://e.example/"' in html and 'href="//cdn.example/x"' in html

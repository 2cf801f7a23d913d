# ruff: noqa: RUF001 - typographic quotes and dashes are what these tests compare
"""Hostile and broken input to `sitegen import` and `sitegen new`: nothing in a clipping
becomes markup, the text survives, and every mistake is a clear error, never a traceback."""

from __future__ import annotations

import datetime as dt
import html
import tempfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import lxml.html
import pytest
from clipping_util import front_matter_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.cli import main
from sitegen.errors import SiteError
from sitegen.importer import ClippingInput, Overrides, import_clippings, new_article
from sitegen.importer.extract import extract
from sitegen.importer.write import escape_paragraph
from sitegen.load import parse_article
from sitegen.render.markdown import MarkdownRenderer

TODAY = dt.date(2025, 1, 1)
GIVEN = Overrides(source="Harbour Gazette", date="2024-12-03", today=TODAY)
HEADER = "Harbour authority approves the new northern breakwater plan\nBy Jane Doe\n\n"
RENDERER = MarkdownRenderer("/")

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "[click](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD4=)",
    '<a href="javascript:x">link</a>',
    "<https://example.org/autolink>",
    "![image](https://example.org/x.png)",
    "[ref][1]",
    "[1]: javascript:alert(1)",
    "[^1]",
    "[^1]: a footnote",
    "{: onclick=alert(1) }",
    "{: #id .class }",
    "*emphasis*",
    "**strong**",
    "_under_",
    "__double__",
    "`code`",
    "```",
    "~~~",
    "# heading",
    "## heading",
    "> quote",
    "- item",
    "+ item",
    "* item",
    "1. item",
    "2024) item",
    "---",
    "***",
    "___",
    "===",
    "| a | b |",
    "<!-- comment -->",
    "&amp;",
    "&lt;script&gt;",
    "&#60;script&#62;",
    "\\<",
    "\\",
    "\\*",
    "    indented code",
    "line  ",
    "<div>block</div>",
    "</p><p>",
    "<<",
    ">>",
    "AT&T",
    "C++ & C#",
    '"quoted"',
    "'single'",
    "--",
    "...",
]
WORDS = st.sampled_from(["the", "harbour", "board", "voted", "on", "Friday", "to", "approve", "plan"])
FRAGMENT = st.one_of(st.sampled_from(HOSTILE), WORDS, st.text(max_size=12))
PARAGRAPH = st.lists(FRAGMENT, min_size=1, max_size=14).map(" ".join)


def _typography(text: str) -> str:
    """Text as compared: smart quotes, dashes and ellipses as typed, whitespace collapsed."""
    for fancy, plain in (
        ("‘", "'"),
        ("’", "'"),
        ("“", '"'),
        ("”", '"'),
        ("—", "---"),
        ("–", "--"),
        ("…", "..."),
    ):
        text = text.replace(fancy, plain)
    return " ".join(text.split())


def _rendered_paragraphs(markdown: str) -> list[lxml.html.HtmlElement]:
    source, problems = parse_article(markdown.encode("utf-8"), Path("a.md"), "a.md")
    assert source is not None, problems
    page = RENDERER.convert(source.body)
    root = lxml.html.fragment_fromstring(f"<div>{page}</div>")
    elements = list(root.iter())[1:]
    # Only the importer's own paragraphs, with no attribute: so no link, no javascript: or data:.
    assert all(e.tag == "p" and not e.attrib for e in elements), page
    return elements


def _check_no_markup_and_same_text(clip: ClippingInput, outcome) -> None:
    assert outcome.ok, [str(p) for p in outcome.problems]
    paragraphs = _rendered_paragraphs(outcome.markdown)
    want = [_typography(p) for p in extract(clip, today=TODAY).body if p.strip()]
    assert [_typography(p.text_content()) for p in paragraphs] == want


@pytest.mark.parametrize("text", HOSTILE)
def test_each_hostile_fragment_stays_text(text):
    markdown = f"---\ntitle: t\n---\n\n{escape_paragraph(f'The board said {text} on Friday.')}\n"
    [paragraph] = _rendered_paragraphs(markdown)
    assert _typography(paragraph.text_content()) == _typography(f"The board said {text} on Friday.")
    markdown = f"---\ntitle: t\n---\n\n{escape_paragraph(text)}\n"
    assert [_typography(p.text_content()) for p in _rendered_paragraphs(markdown)] == [_typography(text)]


def test_a_script_in_a_clipping_is_text_without_a_stray_backslash(tmp_path: Path):
    """escape_paragraph() wrote '<' as '\\<', which Python-Markdown keeps: a live <script>."""
    body = "The council said <script>alert(1)</script> was found in 3 < 4 files & more."
    clip = ClippingInput("a.txt", HEADER + body + "\n")
    [outcome] = import_clippings(tmp_path, [clip], GIVEN)
    html_body = RENDERER.convert(front_body(outcome.path))
    assert "<script" not in html_body and "\\" not in html_body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_body


def front_body(path: Path) -> str:
    source, _ = parse_article(path.read_bytes(), path, path.name)
    assert source is not None
    return source.body


@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(PARAGRAPH, min_size=1, max_size=6))
def test_text_clippings_never_become_markup(tmp_path: Path, paragraphs: list[str]):
    clip = ClippingInput("gen.txt", HEADER + "\n".join(paragraphs) + "\n", "text")
    [outcome] = import_clippings(tmp_path, [clip], GIVEN, dry_run=True)
    _check_no_markup_and_same_text(clip, outcome)


def _page(paragraphs: list[str], canonical: str) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        "<!doctype html><html><head><title>Harbour plan approved</title>"
        f'<link rel="canonical" href="{html.escape(canonical)}"></head><body><article>'
        f"<h1>Harbour plan approved</h1>{body}</article></body></html>"
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(PARAGRAPH.map(lambda p: f"The harbour board said on Friday that {p}."), min_size=1, max_size=4),
    st.sampled_from(
        ["javascript:alert(1)", "data:text/html,x", "http://[bad/", "https://example.org/a", "/a"]
    ),
)
def test_saved_pages_never_become_markup(tmp_path: Path, paragraphs: list[str], canonical: str):
    clip = ClippingInput("gen.html", _page(paragraphs, canonical), "html")
    [outcome] = import_clippings(tmp_path, [clip], GIVEN, dry_run=True)
    _check_no_markup_and_same_text(clip, outcome)
    source_url = front_matter_of_text(outcome.markdown).get("source_url")
    assert source_url in (None, "https://example.org/a")


def front_matter_of_text(markdown: str) -> dict[str, object]:
    source, _ = parse_article(markdown.encode("utf-8"), Path("a.md"), "a.md")
    assert source is not None
    return source.front_matter


LINES = st.one_of(
    PARAGRAPH,
    st.text(max_size=80),
    st.sampled_from(
        [
            "By JANE DOE and JOHN ROE Associated Press",
            "Published 10:32 AM EST, Tue December 3, 2024",
            "LONDON, Dec 3 (Reuters) - The talks resumed.",
            "(AP Photo/Someone)",
            "Jane Doe, The Associated Press",
            "Updated 2 hours ago",
            "9999-12-31T23:00:00-05:00",
            "0001-01-01T00:30:00+05:00",
            "Advertisement",
            "",
        ]
    ),
)


@pytest.fixture(scope="module", autouse=True)
def _gazetteer_built():
    """The region suggestions' gazetteer is read once per process (GeoNames' 34,000 cities,
    seconds on a busy machine): before the examples, so that no example's deadline pays it."""
    from sitegen import places

    places.gazetteer()


@settings(
    max_examples=800,
    deadline=timedelta(seconds=20),  # a hang fails; a slow machine does not
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(LINES, max_size=12), st.sampled_from(["text", "page", "raw html"]), st.booleans())
def test_any_clipping_gives_outcomes_not_tracebacks(lines: list[str], form: str, with_date: bool):
    text = "\n".join(lines)
    kind = "text" if form == "text" else "html"
    if form == "page":
        text = _page(lines, "https://example.org/x")
    elif form == "raw html":  # the lines as markup, unescaped: tags, entities, broken nesting
        text = f"<html><head><title>{text[:40]}</title></head><body><article>{text}</article></body></html>"
    overrides = Overrides(date="2024-12-03" if with_date else None, today=TODAY)
    with tempfile.TemporaryDirectory() as folder:
        [outcome] = import_clippings(Path(folder), [ClippingInput("gen", text, kind)], overrides)
        if outcome.ok:
            assert outcome.path and outcome.path.is_file()
            # What import writes, the build reads without an error.
            front_matter_of(outcome.path)
        else:
            assert not outcome.written and all(str(p) for p in outcome.problems)


# Existing articles the build refuses


BAD_DATE = "---\ntitle: Old story\ndate: 2024-13-45\nsource: Wire\n---\n\nText.\n"


def test_import_and_new_read_the_site_with_the_builds_reader(tmp_path: Path, capsys):
    """A bad date in an existing article made `import` and `new` end in a traceback."""
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "old.md").write_text(BAD_DATE, encoding="utf-8")
    clip = tmp_path / "clip.txt"
    clip.write_text(HEADER + "The harbour board voted on Friday to approve the plan.\n", encoding="utf-8")
    code = main(["import", "--site", str(tmp_path), "--source", "Wire", "--date", "2024-12-03", str(clip)])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err and out.strip().endswith(".md")
    code = main(["new", "Another story", "--site", str(tmp_path), "--source", "Wire"])
    out, err = capsys.readouterr()
    assert code == 0 and "Traceback" not in err
    # The bad file still holds its slug (the one its name gives, as in the build).
    with pytest.raises(SiteError, match=r"content/old\.md: an article with this slug exists"):
        new_article(tmp_path, "Old", Overrides(source="Wire", date="2024-12-03"))


def test_an_existing_slug_given_in_front_matter_is_taken(tmp_path: Path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "x.md").write_text(
        "---\ntitle: T\ndate: 2024-12-03\nsource: Wire\nslug: harbour-plan\n---\n\nText.\n", encoding="utf-8"
    )
    with pytest.raises(SiteError, match=r"content/x\.md: an article with this slug exists"):
        new_article(tmp_path, "Harbour plan", Overrides(source="Wire", date="2024-12-03"))
    clip = ClippingInput("a.txt", "Harbour plan\nThe harbour board voted on Friday to approve it.\n")
    [outcome] = import_clippings(tmp_path, [clip], replace(GIVEN, title="Harbour plan"))
    assert outcome.path and outcome.path.name == "harbour-plan-2.md"


# Dates the build cannot take, and URLs that are not URLs


@pytest.mark.parametrize("date", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+05:00", "9999-06-01"])
def test_import_refuses_a_date_at_the_ends_of_the_calendar(tmp_path: Path, capsys, date: str):
    clip = tmp_path / "clip.txt"
    clip.write_text(HEADER + "The harbour board voted to approve the plan.\n", encoding="utf-8")
    code = main(["import", "--site", str(tmp_path), "--source", "Wire", "--date", date, str(clip)])
    _, err = capsys.readouterr()
    assert code == 2 and "out of range" in err and "Traceback" not in err
    code = main(["new", "Title", "--site", str(tmp_path), "--date", date])
    _, err = capsys.readouterr()
    assert code == 2 and "out of range" in err
    assert not (tmp_path / "content").exists()


def test_a_page_dated_at_the_end_of_the_calendar_is_an_error(tmp_path: Path):
    page = _page(["The harbour board voted to approve the plan on Friday."], "https://example.org/a")
    page = page.replace(
        "</head>", '<meta property="article:published_time" content="9999-12-31T23:00:00-05:00"></head>'
    )
    [outcome] = import_clippings(tmp_path, [ClippingInput("p.html", page)], Overrides(source="Wire"))
    assert not outcome.ok and not outcome.written
    assert any("out of range" in str(p) for p in outcome.problems)


def test_a_url_with_a_bracket_in_its_host(tmp_path: Path, capsys):
    clip = tmp_path / "clip.txt"
    clip.write_text(HEADER + "The harbour board voted to approve the plan.\n", encoding="utf-8")
    argv = ["--site", str(tmp_path), "--source", "Wire", "--date", "2024-12-03", "--url", "http://[x/a"]
    code = main(["import", *argv, str(clip)])
    _, err = capsys.readouterr()
    assert code == 2 and "--url 'http://[x/a' is not a web address" in err
    code = main(["new", "Title", *argv])
    _, err = capsys.readouterr()
    assert code == 2 and "is not a web address" in err
    # In a saved page's canonical link it is ignored.
    page = _page(["The harbour board voted to approve the plan on Friday."], "http://[x/a")
    [outcome] = import_clippings(tmp_path, [ClippingInput("p.html", page)], GIVEN)
    assert outcome.ok and "source_url" not in front_matter_of(outcome.path)


def test_page_metadata_loses_its_control_characters_and_line_breaks(tmp_path: Path):
    page = _page(["The harbour board voted to approve the plan on Friday."], "https://example.org/a")
    meta = '<meta property="og:title" content="Harbour\x1b plan&#10;approved">'
    page = page.replace("</head>", meta + "</head>")
    [outcome] = import_clippings(tmp_path, [ClippingInput("p.html", page)], GIVEN)
    assert front_matter_of(outcome.path)["title"] == "Harbour plan approved"


def test_new_refuses_a_source_url_that_is_not_a_web_address(tmp_path: Path):
    with pytest.raises(SiteError, match="is not an http"):
        new_article(tmp_path, "Title", Overrides(source="Wire", source_url="http://[x/a"))
    assert not (tmp_path / "content").exists()

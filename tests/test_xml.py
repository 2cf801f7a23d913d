"""Feeds and the sitemap are well-formed XML for any text an editor can write, and a
character XML forbids is dropped once, with a warning at its line; other characters stay."""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from siteutil import article, write_site

from sitegen.build import build
from sitegen.characters import FORBIDDEN, drop_forbidden_in_value
from sitegen.errors import SiteError
from sitegen.yamlfile import parse_mapping

ATOM = "{http://www.w3.org/2005/Atom}"
# Every character but lone surrogates, which no UTF-8 file can hold (a YAML escape can).
ANY_TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from("\x1b\x08\x00\x0c\ufffe\uffff\u2028\x85"))


def yaml_string(text: str) -> str:
    """`text` as a YAML double-quoted scalar that gives back exactly `text`: what YAML
    would read as a line break or reject is escaped (so the test does not depend on how
    the loader splits lines), the rest is written as it is."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif code < 0x20 or 0x7F <= code <= 0x9F or char in "\u2028\u2029\ufeff\ufffe\uffff":
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def expected(text: str, trimmed: bool = True) -> str:
    """What a reader of the feed gets for a text: the text without the characters XML
    forbids, trimmed as an article's titles are (site.yaml's title is not), line ends as
    XML parsers normalise them."""
    text = FORBIDDEN.sub("", text)
    return (text.strip() if trimmed else text).replace("\r\n", "\n").replace("\r", "\n")


def parse_all_xml(output: Path) -> dict[str, ET.Element]:
    """Every .xml file of the output, parsed by expat (strict: one bad character and it fails)."""
    documents = {}
    for path in sorted(output.rglob("*.xml")):
        documents[path.relative_to(output).as_posix()] = ET.fromstring(path.read_bytes())
    return documents


NAMES = st.lists(ANY_TEXT.map(lambda s: "n" + s), max_size=3)


@settings(max_examples=250, deadline=None)
@given(
    site_title=ANY_TEXT,
    titles=st.lists(st.tuples(ANY_TEXT, ANY_TEXT), min_size=1, max_size=3),
    summary=ANY_TEXT,
    body=ANY_TEXT,
    tags=NAMES,
    regions=NAMES,
    source=ANY_TEXT,
    author=ANY_TEXT,
)
def test_feeds_and_sitemap_are_xml_for_any_text(
    site_title, titles, summary, body, tags, regions, source, author
):
    names = {
        "tags": "[" + ", ".join(yaml_string(t) for t in tags) + "]",
        "region": "[" + ", ".join(yaml_string(r) for r in regions) + "]",
        "summary": yaml_string(summary),
        "author": yaml_string("A" + author),
    }
    files = {"site.yaml": f"title: {yaml_string('Site' + site_title)}\nbase_url: https://example.org/news/\n"}
    wanted_titles = []
    for number, (before, after) in enumerate(titles):
        title = f"{before}T{after}"
        wanted_titles.append(expected(title))
        text = article(title="", source="", body=f"{body}\n\nParagraph {number}.", **names)
        text = text.replace('title: ""', f"title: {yaml_string(title)}", 1)
        text = text.replace('source: ""', f"source: {yaml_string('S' + source)}", 1)
        files[f"content/a{number}.md"] = text
    with tempfile.TemporaryDirectory() as folder:
        site = write_site(Path(folder), files)
        result = build(site, use_cache=False, jobs=1)
        documents = parse_all_xml(site / "output")
        assert "sitemap.xml" in documents and "feed.xml" in documents
        feed = documents["feed.xml"]
        assert feed.findtext(f"{ATOM}title") == expected("Site" + site_title, trimmed=False)
        assert sorted(e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")) == sorted(wanted_titles)
    written = [site_title, summary, body, source, author, *tags, *regions, *(a + b for a, b in titles)]
    dropped_somewhere = any(FORBIDDEN.search(text) for text in written)
    assert dropped_somewhere == any("XML forbids" in p.message for p in result.warnings)


def test_control_characters_are_dropped_with_a_warning_at_their_line(make_site):
    site = make_site(
        {
            "site.yaml": 'title: "News\\e desk"\nbase_url: https://example.org/\n',
            "content/a.md": '---\ntitle: "Port\\x08 strike \\u2028ends"\ndate: 2024-10-11\n'
            'source: Wire\ntags: [ok, "b\\x01ad"]\n---\n\nFirst line.\nSecond \x1b[1mline\x07.\n',
        }
    )
    result = build(site, use_cache=False)
    warnings = sorted((p.path, p.line) for p in result.warnings if "XML forbids" in p.message)
    assert warnings == [("content/a.md", 2), ("content/a.md", 5), ("content/a.md", 9), ("site.yaml", 1)]
    feed = ET.fromstring((site / "output/feed.xml").read_bytes())
    assert feed.findtext(f"{ATOM}title") == "News desk"
    entry = feed.find(f"{ATOM}entry")
    assert entry is not None and entry.findtext(f"{ATOM}title") == "Port strike \u2028ends"
    assert [c.get("term") for c in entry.iter(f"{ATOM}category")] == ["ok", "bad"]
    page = (site / "output/articles/a/index.html").read_text(encoding="utf-8")
    assert "Second [1mline." in page and "\x1b" not in page


def test_lone_surrogates_and_noncharacters_are_dropped_from_values():
    # libyaml refuses the escape "\ud800"; PyYAML's own loader (used without libyaml) makes one.
    value = {"k\x1b": ["a\ud800b", "c\ufffe\uffffd", 3]}
    assert drop_forbidden_in_value(value) == ({"k": ["ab", "cd", 3]}, "\x1b\ud800\ufffe\uffff")


def test_raw_control_characters_in_front_matter_are_dropped_not_a_yaml_error(make_site):
    site = make_site({"content/a.md": article(title="Port\x1b strike")})
    result = build(site, use_cache=False)
    assert [(p.path, p.line) for p in result.warnings if "XML forbids" in p.message] == [("content/a.md", 2)]
    assert "<title>Port strike</title>" in (site / "output/feed.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_yaml_1_1_line_breaks_stay_in_front_matter_text(separator):
    """PyYAML and libyaml read U+2028, U+2029 and U+0085 as line breaks (YAML 1.1): a
    title holding one was cut there, or the line was refused, and later keys' lines shifted."""
    text = f"title: Port{separator}strike\nsummary: 'a{separator}b'\nsource: Wire\n"
    values, lines, problems = parse_mapping(text, "content/a.md", first_line=2)
    assert problems == []
    assert values == {"title": f"Port{separator}strike", "summary": f"a{separator}b", "source": "Wire"}
    assert lines == {"title": 2, "summary": 3, "source": 4}


def test_an_escape_cannot_collide_with_the_stand_in_for_a_line_break():
    values, _, problems = parse_mapping('title: "a\u2028b \\ue000 \\uE001"', "f", first_line=1)
    assert problems == [] and values == {"title": "a\u2028b \ue000 \ue001"}


def test_front_matter_that_leaves_no_stand_in_free_is_read_as_yaml_1_1():
    every_candidate = " ".join(f"{n:x}" for n in range(0xE000, 0xF900))
    values, _, problems = parse_mapping(f'title: "a\u2028b"\n# {every_candidate}\n', "f", first_line=1)
    assert values == {"title": "a\u2028b"} and problems == []  # libyaml keeps it in quotes


def test_site_title_keeps_a_line_separator(make_site):
    site_yaml = "title: News\u2028desk\nbase_url: https://example.org/\n"
    site = make_site({"site.yaml": site_yaml, "content/a.md": article()})
    build(site, use_cache=False)
    feed = ET.fromstring((site / "output/feed.xml").read_bytes())
    assert feed.findtext(f"{ATOM}title") == "News\u2028desk"


def test_base_url_with_a_control_character_is_refused(make_site):
    site = make_site({"content/a.md": article()})
    with pytest.raises(SiteError, match="control character"):
        build(site, use_cache=False, base_url="https://example.org/\x1b/")

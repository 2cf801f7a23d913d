# ruff: noqa: RUF001 - typographic quotes and dashes are what the renderer writes
"""Provenance: `retrieved`, `archive_url` and `paywalled`, read off pages, checked by the
build's validator, shown on the article page; the page's picture; `--excerpt`; and writes that
leave nothing behind when they fail."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from clipping_util import front_matter_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webserver import LOREM, article_page, json_ld

import sitegen
from sitegen.cli import main
from sitegen.config import load_config
from sitegen.importer import ClippingInput, Overrides, import_clippings
from sitegen.importer import write as write_module
from sitegen.importer.html import read_page
from sitegen.importer.provenance import archive_url, excerpt_body, excerpt_ending
from sitegen.importer.write import escape_paragraph, render, write_new
from sitegen.load import parse_article
from sitegen.render.markdown import MarkdownRenderer
from sitegen.validate import validate_file

RENDERER = MarkdownRenderer("/")
PORT = Path(__file__).parent / "clippings" / "reuters-port-strike.txt"
WHEN = dt.datetime(2024, 12, 3, 9, 15, 42, tzinfo=dt.UTC)


# -- archive_url ---------------------------------------------------------------------------

URLS = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}/{path}",
    st.sampled_from(["http", "https"]),
    st.from_regex(r"[a-z0-9]{1,12}(\.[a-z0-9]{1,8}){1,3}", fullmatch=True),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
)


@settings(max_examples=500, deadline=None)
@given(
    st.datetimes(
        min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2200, 12, 30), timezones=st.timezones()
    ),
    URLS,
)
def test_archive_url_is_the_utc_second_and_the_address(when: dt.datetime, url: str):
    made = archive_url(url, when)
    match = re.fullmatch(r"https://web\.archive\.org/web/(\d{14})/(.*)", made, re.DOTALL)
    assert match, made
    stamp = dt.datetime.strptime(match.group(1), "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    assert stamp == when.astimezone(dt.UTC).replace(microsecond=0)
    assert match.group(2) == url


def test_archive_url_example_and_a_naive_time():
    here = dt.datetime(2024, 12, 3, 10, 15, 42, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert (
        archive_url("https://a.example/x", here)
        == "https://web.archive.org/web/20241203091542/https://a.example/x"
    )
    with pytest.raises(ValueError):
        archive_url("https://a.example/x", dt.datetime(2024, 12, 3))


# -- paywalls and pictures -----------------------------------------------------------------


def _page(head: str) -> str:
    return article_page("Harbour plan approved after long debate", extra_head=head)


@pytest.mark.parametrize(
    ("head", "paywalled"),
    [
        (json_ld({"@type": "NewsArticle", "headline": "x", "isAccessibleForFree": False}), True),
        (json_ld({"@type": "NewsArticle", "headline": "x", "isAccessibleForFree": "False"}), True),
        (json_ld({"@type": "NewsArticle", "headline": "x", "isAccessibleForFree": "false"}), True),
        (
            json_ld(
                {
                    "@type": "NewsArticle",
                    "headline": "x",
                    "isAccessibleForFree": "True",
                    "hasPart": {
                        "@type": "WebPageElement",
                        "isAccessibleForFree": False,
                        "cssSelector": ".pw",
                    },
                }
            ),
            True,
        ),
        ('<meta itemprop="isAccessibleForFree" content="false">', True),
        ('<meta property="article:content_tier" content="locked">', True),
        ('<meta property="article:content_tier" content="metered">', True),
        ('<meta property="article:content_tier" content="free">', False),
        (json_ld({"@type": "NewsArticle", "headline": "x", "isAccessibleForFree": True}), False),
        (json_ld({"@type": "NewsArticle", "headline": "x", "isAccessibleForFree": "True"}), False),
        ("", False),
    ],
)
def test_a_page_that_says_it_is_paywalled(head: str, paywalled: bool):
    assert read_page(_page(head)).paywalled is paywalled


def test_the_picture_and_its_caption():
    head = '<meta property="og:image" content="/img/quay.jpg">' + json_ld(
        {
            "@type": "NewsArticle",
            "headline": "x",
            "image": {
                "@type": "ImageObject",
                "url": "https://gazette.example/img/quay.jpg",
                "caption": "The old quay at dawn.",
            },
        }
    )
    page = article_page("Quay works", canonical="https://gazette.example/news/quay", extra_head=head)
    meta = read_page(page)
    assert meta.image == "https://gazette.example/img/quay.jpg"
    assert meta.image_caption == "The old quay at dawn."
    only_ld = article_page(
        "Quay works", extra_head=json_ld({"@type": "NewsArticle", "image": ["https://g.example/a.png"]})
    )
    assert read_page(only_ld).image == "https://g.example/a.png"
    assert read_page(article_page("Quay works")).image is None


def test_an_imported_page_carries_paywall_picture_and_provenance(tmp_path: Path):
    head = '<meta property="og:image" content="https://gazette.example/quay.jpg">' + json_ld(
        {"@type": "NewsArticle", "headline": "x", "isAccessibleForFree": False}
    )
    clip = ClippingInput(
        "https://gazette.example/news/quay",
        _page(head),
        "html",
        url="https://gazette.example/news/quay",
        retrieved=WHEN,
    )
    [outcome] = import_clippings(tmp_path, [clip], Overrides())
    assert outcome.ok, [str(p) for p in outcome.problems]
    front = front_matter_of(outcome.path)
    assert front["paywalled"] is True
    assert front["image"] == "https://gazette.example/quay.jpg"
    assert front["retrieved"] == WHEN
    assert (
        front["archive_url"] == "https://web.archive.org/web/20241203091542/https://gazette.example/news/quay"
    )


def test_retrieved_is_written_in_the_sites_timezone(tmp_path: Path):
    (tmp_path / "site.yaml").write_text('timezone: "Asia/Tokyo"\n', encoding="utf-8")
    clip = ClippingInput("p.html", _page(""), "html", url="https://g.example/p", retrieved=WHEN)
    [outcome] = import_clippings(tmp_path, [clip], Overrides())
    text = outcome.path.read_text(encoding="utf-8")
    assert "retrieved: 2024-12-03T18:15:42+09:00" in text
    assert "archive_url: https://web.archive.org/web/20241203091542/https://g.example/p" in text


def test_a_saved_file_has_retrieved_but_no_archive_url(tmp_path: Path):
    [outcome] = import_clippings(
        tmp_path, [ClippingInput.from_path(PORT)], Overrides(today=dt.date(2025, 1, 1))
    )
    front = front_matter_of(outcome.path)
    assert isinstance(front["retrieved"], dt.datetime)
    assert "archive_url" not in front


# -- the validator -------------------------------------------------------------------------


def _problems(front: str) -> list[str]:
    text = f"---\ntitle: T\ndate: 2024-12-03\nsource: S\n{front}---\n\nBody.\n"
    source, _ = parse_article(text.encode(), Path("content/a.md"), "content/a.md")
    assert source is not None
    _, _, found = validate_file(source, ZoneInfo("UTC"))
    return [str(p) for p in found if p.is_error]


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("retrieved: 2024-12-03\n", "content/a.md:5: retrieved: needs a time"),
        ("retrieved: yesterday\n", "content/a.md:5: retrieved: 'yesterday' is not a valid date"),
        (
            "archive_url: ftp://x.example/a\n",
            "content/a.md:5: archive_url: 'ftp://x.example/a' must be an http",
        ),
        ("archive_url: [a]\n", "content/a.md:5: archive_url: expected text, got a list"),
        ("paywalled: maybe\n", "content/a.md:5: paywalled: expected true or false, got 'maybe'"),
        ("paywalled: 1\n", "content/a.md:5: paywalled: expected true or false, got 1"),
    ],
)
def test_the_validator_names_a_bad_provenance_value_and_its_line(front: str, message: str):
    problems = _problems(front)
    assert len(problems) == 1 and problems[0].startswith(message), problems


def test_the_article_record_carries_provenance():
    text = (
        "---\ntitle: T\ndate: 2024-12-03\nsource: S\nretrieved: 2024-12-03T09:15:00+00:00\n"
        "archive_url: https://web.archive.org/web/20241203091500/https://s.example/a\n"
        "paywalled: true\n---\n\nB.\n"
    )
    source, _ = parse_article(text.encode(), Path("content/a.md"), "content/a.md")
    article, _, problems = validate_file(source, ZoneInfo("Europe/London"))
    assert not problems
    assert article.retrieved == dt.datetime(2024, 12, 3, 9, 15, tzinfo=dt.UTC)
    assert article.archive_url.startswith("https://web.archive.org/web/20241203091500/")
    assert article.paywalled is True


# -- the article page ----------------------------------------------------------------------


def test_the_article_page_shows_provenance_under_the_source(tmp_path: Path):
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    archive = "https://web.archive.org/web/20241203091500/https://s.example/a"
    (site / "content" / "a.md").write_text(
        "---\ntitle: Quay works begin\ndate: 2024-12-03\nsource: Eastport Gazette\n"
        f"source_url: https://s.example/a\nretrieved: 2024-12-03T09:15:00+00:00\narchive_url: {archive}\n"
        "paywalled: true\n---\n\nBody.\n",
        encoding="utf-8",
    )
    (site / "content" / "b.md").write_text(
        "---\ntitle: Plain one\ndate: 2024-12-03\nsource: Eastport Gazette\n---\n\nBody.\n", encoding="utf-8"
    )
    sitegen.build(site, tmp_path / "out")
    page = lxml.html.parse(str(tmp_path / "out" / "articles" / "a" / "index.html")).getroot()
    [provenance] = page.find_class("provenance")
    assert " ".join(provenance.text_content().split()) == "Retrieved 3 Dec 2024 · archived copy"
    assert provenance.find(".//a").get("href") == archive
    assert provenance.find(".//time").get("datetime") == "2024-12-03T09:15:00+00:00"
    assert [b.text_content() for b in page.find_class("paywalled")] == ["Paywalled"]
    plain = lxml.html.parse(str(tmp_path / "out" / "articles" / "b" / "index.html")).getroot()
    assert not plain.find_class("provenance") and not plain.find_class("paywalled")


# -- excerpts ------------------------------------------------------------------------------

PARAGRAPH = st.lists(
    st.one_of(
        st.sampled_from(["the", "harbour", "voted", "[x](y)", "<b>", "*", "#", "1.", "&amp;"]),
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=10),
    ),
    min_size=1,
    max_size=10,
).map(" ".join)
EXCERPT_URLS = st.sampled_from(
    [
        "https://g.example/a",
        "https://g.example/a(b)c",
        "https://g.example/a b<c>d",
        "http://g.example/%28x%29?q=[1]",
    ]
)


def _typography(text: str) -> str:
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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(PARAGRAPH, min_size=0, max_size=8),
    st.integers(min_value=1, max_value=9),
    EXCERPT_URLS,
    st.sampled_from(["Eastport Gazette", "A*B [News]", "<Herald>"]),
)
def test_an_excerpt_keeps_exactly_n_paragraphs_and_links_the_original(body, n, url, source):
    kept = excerpt_body(body, n)
    written = [p for p in body if p.strip() and escape_paragraph(p).strip()]
    markdown = render(
        {"title": "T", "date": "2024-12-03", "source": source}, kept, excerpt_ending(source, url)
    )
    parsed, _ = parse_article(markdown.encode("utf-8"), Path("a.md"), "a.md")
    html = RENDERER.convert(parsed.body)
    paragraphs = lxml.html.fragment_fromstring(f"<div>{html}</div>").findall("p")
    want = [_typography(p) for p in written][:n]
    assert [_typography(p.text_content()) for p in paragraphs[:-1]] == want
    last = paragraphs[-1]
    links = last.findall(".//a")
    assert len(links) == 1 and links[0].get("href") == quote(url, safe=":/?#[]@!$&'*+,;=%~-._")
    assert _typography(last.text_content()) == _typography(f"Read the full article at {source}.")
    assert kept == [p for p in body if p.strip()][:n]


def test_excerpt_zero_keeps_everything():
    body = ["One.", "", "Two.", "Three."]
    assert excerpt_body(body, 0) == ["One.", "Two.", "Three."]


def test_excerpt_from_the_command_line_and_site_yaml(tmp_path: Path, capsys):
    site = tmp_path
    (site / "content").mkdir()
    code = main(["import", "--site", str(site), "--excerpt", "1", str(PORT)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "an excerpt without a source_url" in err
    [path] = list((site / "content").rglob("*.md"))
    body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1].strip().split("\n\n")
    assert len(body) == 2 and body[1] == "Read the full article in Reuters."
    path.unlink()
    (site / "site.yaml").write_text("excerpt: 2\n", encoding="utf-8")
    clip = ClippingInput("p.html", _page(""), "html", url="https://g.example/p", retrieved=WHEN)
    [outcome] = import_clippings(site, [clip], Overrides())
    body = outcome.path.read_text(encoding="utf-8").split("\n---\n", 1)[1].strip().split("\n\n")
    assert body[:2] == [escape_paragraph(p) for p in LOREM[:2]]
    assert body[2] == "Read the full article at [Eastport Gazette](https://g.example/p)."
    [whole] = import_clippings(site, [clip], Overrides(), excerpt=0, force=True)
    assert "Read the full article" not in whole.path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "excerpt: -1",
            "site.yaml:2: excerpt: must be 0 (import the whole text) or a number of paragraphs, got -1",
        ),
        ("excerpt: three", "site.yaml:2: excerpt: expected a whole number, got 'three'"),
        ("excerpt: true", "site.yaml:2: excerpt: expected a whole number, got True"),
    ],
)
def test_site_yaml_excerpt_is_checked(tmp_path: Path, line: str, message: str):
    (tmp_path / "site.yaml").write_text(f"title: T\n{line}\n", encoding="utf-8")
    config, problems = load_config(tmp_path)
    assert [str(p) for p in problems if p.is_error] == [message]
    assert config.excerpt == 0
    (tmp_path / "site.yaml").write_text("excerpt: 3\n", encoding="utf-8")
    assert load_config(tmp_path)[0].excerpt == 3


# -- nothing half-written ------------------------------------------------------------------


def test_a_write_that_fails_leaves_nothing_behind(tmp_path: Path, monkeypatch):
    def full_disk(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(write_module.os, "fsync", full_disk)
    clip = ClippingInput("p.html", _page(""), "html", url="https://g.example/p", retrieved=WHEN)
    (tmp_path / "content").mkdir()
    [outcome] = import_clippings(tmp_path, [clip], Overrides())
    assert not outcome.ok and not outcome.written
    assert "No space left on device" in str(outcome.problems[-1])
    assert list((tmp_path / "content").rglob("*")) == []  # no file, no temporary, no new folder


def test_write_new_never_replaces_a_file(tmp_path: Path):
    path = tmp_path / "a" / "b.md"
    write_new(path, "first")
    with pytest.raises(FileExistsError):
        write_new(path, "second")
    assert path.read_text() == "first"
    assert sorted(os.listdir(path.parent)) == ["b.md"]

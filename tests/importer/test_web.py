"""`sitegen import URL...` and `--feed`: pages read from a server on 127.0.0.1 only, with
redirects, time-outs, size limits and failures that are one line each."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from clipping_util import front_matter_of
from webserver import LOREM, LocalWeb, Reply, article_page, prose

from sitegen.cli import main
from sitegen.importer import Overrides
from sitegen.importer.fetch import Fetched, FetchOptions, decode_page, fetch
from sitegen.importer.web import ImportSettings, import_feed, import_urls

QUICK = FetchOptions(connect_timeout=5.0, total_timeout=10.0, max_bytes=200_000, workers=3)
SETTINGS = ImportSettings(fetch=QUICK)
ARCHIVE = re.compile(r"^https://web\.archive\.org/web/(\d{14})/(.+)$")


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    server = LocalWeb()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "content").mkdir()
    return tmp_path


def articles(site: Path) -> list[Path]:
    return sorted((site / "content").rglob("*.md"))


def no_stray_files(site: Path) -> bool:
    """Nothing but articles: no temporary file left behind."""
    return all(p.suffix == ".md" for p in (site / "content").rglob("*") if p.is_file())


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(["import", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- one page ------------------------------------------------------------------------------


def test_a_page_is_imported_with_its_provenance(web: LocalWeb, site: Path):
    url = web.page("/news/harbour-plan", article_page("Harbour plan approved after long debate"))
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    result = import_urls(site, [url], Overrides(), SETTINGS)
    after = dt.datetime.now(dt.UTC)
    [outcome] = result.outcomes
    assert outcome.ok and outcome.written, [str(p) for p in outcome.problems]
    front = front_matter_of(outcome.path)
    assert front["title"] == "Harbour plan approved after long debate"
    assert front["source"] == "Eastport Gazette"
    assert front["source_url"] == url  # no canonical: the address read
    retrieved = front["retrieved"]
    assert isinstance(retrieved, dt.datetime) and retrieved.utcoffset() is not None
    assert before <= retrieved <= after
    stamp, archived = ARCHIVE.match(front["archive_url"]).groups()
    assert archived == url and stamp == retrieved.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")
    assert "paywalled" not in front
    assert web.user_agents and all(ua.startswith("sitegen/") for ua in web.user_agents)
    assert result.summary() == "1 imported, 0 already imported, 0 failed"


def test_redirects_are_followed_and_the_final_address_kept(web: LocalWeb, site: Path):
    final = web.page("/final", article_page("Ferry timetable changes for the winter season"))
    web.redirect("/second", final, 302)
    first = web.redirect("/first", web.url("/second"), 301)
    [outcome] = import_urls(site, [first], Overrides(), SETTINGS).outcomes
    assert outcome.ok, [str(p) for p in outcome.problems]
    front = front_matter_of(outcome.path)
    assert front["source_url"] == final
    assert front["archive_url"].endswith("/" + final)


def test_a_canonical_address_wins_over_the_address_read(web: LocalWeb, site: Path):
    canonical = "https://gazette.example/2024/12/03/lighthouse"
    page = article_page("Lighthouse keeper retires after forty years", canonical=canonical)
    url = web.page("/amp/lighthouse?utm_source=x", page)
    [outcome] = import_urls(site, [url], Overrides(), SETTINGS).outcomes
    front = front_matter_of(outcome.path)
    assert front["source_url"] == canonical
    assert front["archive_url"].endswith("/" + canonical)


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda web: web.route("/missing-page", Reply(404, b"gone")), "HTTP 404 Not Found"),
        (lambda web: web.route("/broken", Reply(500, b"oops")), "HTTP 500 Internal Server Error"),
        (
            lambda web: web.route("/photo.png", Reply(200, b"\x89PNG....", {"Content-Type": "image/png"})),
            "not HTML (content type image/png)",
        ),
        (
            lambda web: web.route("/feed.json", Reply(200, b"{}", {"Content-Type": "application/json"})),
            "not HTML (content type application/json)",
        ),
        (
            lambda web: web.route(
                "/declared-huge",
                Reply(200, b"x", {"Content-Type": "text/html", "Content-Length": "900000000"}),
            ),
            "too large (858.3 MB; the limit is 200000 bytes)",
        ),
    ],
    ids=["404", "500", "png", "json", "declared-huge"],
)
def test_a_page_that_cannot_be_imported_is_one_failure_naming_why(web, site, setup, reason):
    url = setup(web)
    result = import_urls(site, [url], Overrides(), SETTINGS)
    [outcome] = result.outcomes
    assert not outcome.ok and not outcome.written
    assert [str(p) for p in outcome.problems] == [f"{url}: {reason}"]
    assert articles(site) == [] and no_stray_files(site)
    assert result.summary() == "0 imported, 0 already imported, 1 failed"


def test_a_huge_page_is_not_read_beyond_the_limit(web: LocalWeb, site: Path):
    sent: list[int] = []

    def endless() -> Iterator[bytes]:
        yield b"<html><body>"
        for _ in range(2000):  # 128 MB if it were all read
            sent.append(1)
            yield b"<p>" + b"a" * 65536 + b"</p>"

    url = web.route("/huge", Reply(200, endless, {"Content-Type": "text/html"}))
    failure = fetch(url, QUICK)
    assert failure.reason == "too large (over 200000 bytes; the rest was not read)"
    assert len(sent) < 100


def test_a_redirect_loop_is_a_failure(web: LocalWeb):
    web.redirect("/loop-a", web.url("/loop-b"), 302)
    web.redirect("/loop-b", web.url("/loop-a"), 301)
    assert fetch(web.url("/loop-a"), QUICK).reason == "too many redirects (a redirect loop?)"


def test_a_redirect_to_another_scheme_is_refused(web: LocalWeb):
    url = web.redirect("/to-ftp", "ftp://127.0.0.1/file.html", 302)
    assert fetch(url, QUICK).reason.startswith(
        "redirected to ftp://127.0.0.1/file.html: not an http(s) address"
    )


def test_a_server_that_does_not_answer_times_out(web: LocalWeb):
    url = web.slow("/slow")
    started = time.monotonic()
    failure = fetch(url, FetchOptions(connect_timeout=0.3, total_timeout=5))
    assert failure.reason == "timed out (no answer within 0.3 s)"
    assert time.monotonic() - started < 5  # the time-out, not the page, ended it


def test_a_page_that_trickles_in_stops_at_the_deadline(web: LocalWeb):
    url = web.trickle("/trickle")
    started = time.monotonic()
    failure = fetch(url, FetchOptions(connect_timeout=5, total_timeout=0.5))
    assert failure.reason == "timed out (the page took over 0.5 s)"
    assert time.monotonic() - started < 5


def test_the_charset_named_only_in_the_page(web: LocalWeb, site: Path):
    page = article_page(
        "Harbour plan approved; Кировский quay next",
        paragraphs=[p + " Жители довольны." for p in LOREM],
        charset_meta="windows-1251",
    )
    url = web.route("/cyrillic", Reply(200, page.encode("windows-1251"), {"Content-Type": "text/html"}))
    [outcome] = import_urls(site, [url], Overrides(), SETTINGS).outcomes
    assert outcome.ok, [str(p) for p in outcome.problems]
    assert "Жители довольны." in outcome.path.read_text(encoding="utf-8")
    assert front_matter_of(outcome.path)["title"] == "Harbour plan approved; Кировский quay next"


def test_the_header_charset_wins_over_the_page():
    data = '<meta charset="utf-8"><p>café</p>'.encode("iso-8859-15")
    assert "café" in decode_page(data, "iso-8859-15")
    assert "café" in decode_page("<p>café</p>".encode(), None)


def test_pages_are_read_a_few_at_a_time_and_each_is_imported(web: LocalWeb, site: Path):
    titles = [f"Council approves budget number {n} for the harbour district" for n in range(5)]
    urls = [web.page(f"/p{n}", article_page(t, paragraphs=prose(str(n)))) for n, t in enumerate(titles)]
    seen: list[tuple[int, int]] = []
    result = import_urls(site, urls, Overrides(), SETTINGS, progress=lambda d, t: seen.append((d, t)))
    assert result.summary() == "5 imported, 0 already imported, 0 failed"
    assert seen[-1] == (5, 5) and len(seen) == 5
    assert {front_matter_of(p)["title"] for p in articles(site)} == set(titles)


# -- the command line ----------------------------------------------------------------------


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again: nothing listens there


def test_a_refused_connection_is_one_line_and_exit_1(site: Path, capsys):
    url = f"http://127.0.0.1:{_refused_port()}/story"
    code, out, err = run_cli(["--site", str(site), url], capsys)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines == [f"{url}: connection refused", "0 imported, 0 already imported, 1 failed"]
    assert articles(site) == [] and no_stray_files(site)


def test_pages_that_worked_are_imported_when_others_fail(web: LocalWeb, site: Path, capsys):
    good = web.page("/good", article_page("Bridge reopens to traffic after repairs"))
    bad = web.url("/nowhere")
    code, out, err = run_cli(["--site", str(site), "--connect-timeout", "5", good, bad], capsys)
    assert code == 1
    [written] = articles(site)
    assert out.strip() == str(written)
    assert f"{bad}: HTTP 404 Not Found" in err.splitlines()
    assert err.splitlines()[-1] == "1 imported, 0 already imported, 1 failed"


@pytest.mark.parametrize("url", ["ftp://example.org/story.html", "file:///etc/passwd", "gopher://x/"])
def test_other_schemes_are_a_clear_error(site: Path, capsys, url: str):
    code, _, err = run_cli(["--site", str(site), url], capsys)
    assert code == 1
    assert err.splitlines()[0].startswith(f"{url}: not an http(s) address")
    assert articles(site) == []


def test_a_page_already_imported_is_skipped_and_counted(web: LocalWeb, site: Path, capsys):
    url = web.page("/once", article_page("Museum opens new wing for maritime history"))
    assert run_cli(["--site", str(site), url], capsys)[0] == 0
    assert web.hits["/once"] == 1
    code, out, err = run_cli(["--site", str(site), url], capsys)
    assert code == 0 and out == ""
    assert err.splitlines()[-1] == "0 imported, 1 already imported, 0 failed"
    assert len(articles(site)) == 1
    assert web.hits["/once"] == 1  # not read again
    # Through a redirect, the page is read, and its text is recognised.
    moved = web.redirect("/moved", url)
    code, out, err = run_cli(["--site", str(site), moved], capsys)
    assert code == 0 and out == ""
    assert err.splitlines()[-1] == "0 imported, 1 already imported, 0 failed"
    assert "already imported as content/2024/12/" in err
    # --force imports it again under a new name.
    code, out, err = run_cli(["--site", str(site), "--force", url], capsys)
    assert code == 0 and len(articles(site)) == 2


def test_usage_errors(site: Path, capsys):
    assert run_cli(["--site", str(site)], capsys)[0] == 2
    assert run_cli(["--site", str(site), "--feed", "f.xml", "a.txt"], capsys)[0] == 2
    assert run_cli(["--site", str(site), "--since", "2024-01-01", "a.txt"], capsys)[0] == 2
    with pytest.raises(SystemExit):
        main(["import", "--site", str(site), "--excerpt", "-1", "a.txt"])
    with pytest.raises(SystemExit):
        main(["import", "--site", str(site), "--timeout", "0", "https://example.org/"])


# -- feeds ---------------------------------------------------------------------------------


def _rss(items: list[dict[str, str]], full: bool) -> bytes:
    parts = []
    for item in items:
        text = "".join(f"<p>{p}</p>" for p in item["paragraphs"])
        content = f"<content:encoded><![CDATA[{text}]]></content:encoded>" if full else ""
        parts.append(
            f"<item><title>{item['title']}</title><link>{item['link']}</link>"
            f"<pubDate>{item['date']}</pubDate><description>A short summary.</description>{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>Eastport Gazette</title><link>http://gazette.example/</link>{''.join(parts)}"
        "</channel></rss>"
    ).encode()


def _atom(items: list[dict[str, str]]) -> bytes:
    entries = "".join(
        f'<entry><title>{i["title"]}</title><link href="{i["link"]}"/><id>{i["link"]}</id>'
        f"<published>{i['iso']}</published><updated>{i['iso']}</updated>"
        f"<author><name>Ada Quill</name></author>"
        f'<content type="html">{"".join(f"&lt;p&gt;{p}&lt;/p&gt;" for p in i["paragraphs"])}'
        "</content></entry>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Eastport Gazette</title><id>urn:x</id><updated>2024-12-04T00:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


def _json_feed(items: list[dict[str, str]], full: bool) -> bytes:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Eastport Gazette",
            "items": [
                {
                    "id": i["link"],
                    "url": i["link"],
                    "title": i["title"],
                    "date_published": i["iso"],
                    "authors": [{"name": "Ada Quill"}],
                    **(
                        {"content_html": "".join(f"<p>{p}</p>" for p in i["paragraphs"])}
                        if full
                        else {"summary": "Short."}
                    ),
                }
                for i in items
            ],
        }
    ).encode()


def _stories(web: LocalWeb, count: int, serve_pages: bool) -> list[dict[str, str]]:
    items = []
    for n in range(count):
        title = f"Harbour story number {n} brings news for the town"
        paragraphs = prose(f"story {n}")
        day = dt.datetime(2024, 12, 1 + n, 9, 0, tzinfo=dt.UTC)
        link = web.url(f"/story/{n}")
        if serve_pages:
            web.page(f"/story/{n}", article_page(title, paragraphs=paragraphs, date=day.isoformat()))
        items.append(
            {
                "title": title,
                "link": link,
                "paragraphs": paragraphs,
                "iso": day.isoformat(),
                "date": day.strftime("%a, %d %b %Y %H:%M:%S +0000"),
            }
        )
    return items


FEEDS = {
    "rss-full": (lambda items: _rss(items, True), "application/rss+xml", True),
    "rss-summary": (lambda items: _rss(items, False), "application/rss+xml", False),
    "atom-full": (_atom, "application/atom+xml", True),
    "json-full": (lambda items: _json_feed(items, True), "application/feed+json", True),
    "json-summary": (lambda items: _json_feed(items, False), "application/feed+json", False),
}


@pytest.mark.parametrize("kind", list(FEEDS))
def test_a_feed_is_imported_once(web: LocalWeb, site: Path, kind: str):
    make, content_type, full = FEEDS[kind]
    items = _stories(web, 3, serve_pages=not full)
    feed = web.route("/feed", Reply(200, make(items), {"Content-Type": content_type}))
    first = import_feed(site, feed, Overrides(), SETTINGS)
    assert first.summary() == "3 imported, 0 already imported, 0 failed", [
        str(p) for o in first.outcomes for p in o.problems
    ]
    fetched = sum(n for path, n in web.hits.items() if path.startswith("/story/"))
    assert fetched == (0 if full else 3)  # a feed with the full text is not fetched page by page
    written = articles(site)
    fronts = [front_matter_of(p) for p in written]
    assert {f["title"] for f in fronts} == {i["title"] for i in items}
    assert {f["source_url"] for f in fronts} == {i["link"] for i in items}
    for front in fronts:
        assert front["source"] == "Eastport Gazette"
        assert isinstance(front["retrieved"], dt.datetime)
        assert ARCHIVE.match(front["archive_url"])
    assert any("(story 2)" in p.read_text(encoding="utf-8") for p in written)
    # The next morning: nothing new, nothing fetched again, nothing written.
    second = import_feed(site, feed, Overrides(), SETTINGS)
    assert second.summary() == "0 imported, 3 already imported, 0 failed"
    assert sum(n for path, n in web.hits.items() if path.startswith("/story/")) == fetched
    assert articles(site) == written and no_stray_files(site)


def test_since_and_limit(web: LocalWeb, site: Path):
    items = _stories(web, 4, serve_pages=False)
    feed = web.route("/feed", Reply(200, _rss(items, True), {"Content-Type": "application/rss+xml"}))
    result = import_feed(site, feed, Overrides(), SETTINGS, since=dt.date(2024, 12, 2), limit=2)
    assert result.summary() == "2 imported, 0 already imported, 0 failed, 1 older than --since"
    # The newest two: 4 and 3 December.
    assert sorted(str(front_matter_of(p)["date"])[:10] for p in articles(site)) == [
        "2024-12-03",
        "2024-12-04",
    ]


def test_a_feed_entry_whose_page_fails_is_counted(web: LocalWeb, site: Path):
    items = _stories(web, 2, serve_pages=True)
    web.routes.pop("/story/1")
    feed = web.route("/feed", Reply(200, _rss(items, False), {"Content-Type": "application/rss+xml"}))
    result = import_feed(site, feed, Overrides(), SETTINGS)
    assert result.summary() == "1 imported, 0 already imported, 1 failed"
    assert [str(p) for o in result.outcomes for p in o.problems if p.is_error] == [
        f"{items[1]['link']}: HTTP 404 Not Found"
    ]


def test_a_feed_from_a_file_and_the_command_line(web: LocalWeb, site: Path, tmp_path: Path, capsys):
    items = _stories(web, 2, serve_pages=False)
    path = tmp_path / "gazette.json"
    path.write_bytes(_json_feed(items, True))
    code, out, err = run_cli(["--site", str(site), "--feed", str(path)], capsys)
    assert code == 0, err
    assert len(out.splitlines()) == 2
    assert err.splitlines()[-1] == "2 imported, 0 already imported, 0 failed"
    code, out, err = run_cli(["--site", str(site), "--feed", str(path)], capsys)
    assert code == 0 and out == ""
    assert err.splitlines()[-1] == "0 imported, 2 already imported, 0 failed"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<html><body>not a feed</body></html>", "not an RSS, Atom or JSON feed"),
        (b'{"items": []}', "not a JSON feed: no 'version'"),
        (b"{not json", "not a JSON feed:"),
    ],
)
def test_a_file_that_is_not_a_feed(site: Path, tmp_path: Path, capsys, data: bytes, reason: str):
    path = tmp_path / "feed.xml"
    path.write_bytes(data)
    code, _, err = run_cli(["--site", str(site), "--feed", str(path)], capsys)
    assert code == 1
    assert err.splitlines()[0].startswith(f"{path}: {reason}")


# -- pictures ------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # served, never decoded


def _page_with_picture(web: LocalWeb, picture_path: str) -> str:
    head = f'<meta property="og:image" content="{web.url(picture_path)}">'
    return web.page("/with-picture", article_page("Quay works begin at dawn on Monday", extra_head=head))


def test_the_picture_stays_linked_without_download_images(web: LocalWeb, site: Path):
    web.route("/quay.png", Reply(200, PNG, {"Content-Type": "image/png"}))
    [outcome] = import_urls(site, [_page_with_picture(web, "/quay.png")], Overrides(), SETTINGS).outcomes
    assert front_matter_of(outcome.path)["image"] == web.url("/quay.png")
    assert "/quay.png" not in web.hits and not (site / "static").exists()


def test_download_images_stores_the_picture_in_the_site(web: LocalWeb, site: Path):
    web.route("/quay.png", Reply(200, PNG, {"Content-Type": "image/png"}))
    settings = ImportSettings(fetch=QUICK, download_images=True)
    [outcome] = import_urls(site, [_page_with_picture(web, "/quay.png")], Overrides(), settings).outcomes
    assert outcome.ok, [str(p) for p in outcome.problems]
    slug = outcome.path.stem
    # Next to the article, where the build publishes it in several widths.
    stored = outcome.path.parent / f"{slug}.png"
    assert stored.read_bytes() == PNG
    assert front_matter_of(outcome.path)["image"] == f"{slug}.png"


def test_download_images_stores_a_gif_under_static(web: LocalWeb, site: Path):
    """A GIF is published only as it is (a resized one would lose its animation): under static/."""
    web.route("/quay.gif", Reply(200, b"GIF89a" + b"\x00" * 32, {"Content-Type": "image/gif"}))
    settings = ImportSettings(fetch=QUICK, download_images=True)
    [outcome] = import_urls(site, [_page_with_picture(web, "/quay.gif")], Overrides(), settings).outcomes
    assert outcome.ok, [str(p) for p in outcome.problems]
    slug = outcome.path.stem
    assert (site / "static" / "images" / "2024" / "12" / f"{slug}.gif").is_file()
    assert front_matter_of(outcome.path)["image"] == f"/images/2024/12/{slug}.gif"


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (Reply(404, b""), "HTTP 404 Not Found"),
        (
            Reply(200, b"<svg/>", {"Content-Type": "image/svg+xml"}),
            "not a picture sitegen stores (image/svg+xml)",
        ),
        (Reply(200, b"<html>", {"Content-Type": "text/html"}), "not an image (content type text/html)"),
    ],
)
def test_a_picture_that_cannot_be_stored_stays_linked(web: LocalWeb, site: Path, reply: Reply, why: str):
    web.route("/pic", reply)
    settings = ImportSettings(fetch=QUICK, download_images=True)
    [outcome] = import_urls(site, [_page_with_picture(web, "/pic")], Overrides(), settings).outcomes
    assert outcome.ok and outcome.written
    assert front_matter_of(outcome.path)["image"] == web.url("/pic")
    assert any(f"not stored ({why}); it stays linked" in str(p) for p in outcome.problems)
    assert [p for p in (site / "static").rglob("*") if p.is_file()] == []
    assert [p.name for p in outcome.path.parent.iterdir()] == [outcome.path.name]


def test_a_picture_goes_when_its_article_cannot_be_written(web: LocalWeb, site: Path, monkeypatch):
    import sitegen.importer as importer

    def refuse(path: Path, data: str | bytes) -> None:
        raise OSError(28, "No space left on device")

    web.route("/quay.png", Reply(200, PNG, {"Content-Type": "image/png"}))
    page = _page_with_picture(web, "/quay.png")
    monkeypatch.setattr(importer, "write_new", refuse)
    settings = ImportSettings(fetch=QUICK, download_images=True)
    [outcome] = import_urls(site, [page], Overrides(), settings).outcomes
    assert not outcome.ok and not outcome.written
    assert web.hits.get("/quay.png") == 1
    assert [p for p in site.rglob("*") if p.is_file()] == []


def test_the_help_gives_the_fetchers_own_defaults():
    from sitegen.commands import import_cmd

    assert FetchOptions().connect_timeout == import_cmd.CONNECT_TIMEOUT_HELP
    assert FetchOptions().total_timeout == import_cmd.TOTAL_TIMEOUT_HELP


def test_an_address_with_spaces_and_accents_is_sent_percent_encoded(web: LocalWeb):
    web.page("/caf%C3%A9%20du%20port?q=%C3%BC", article_page("Café du port reopens"))
    page = fetch(web.url("/café du port?q=ü"), QUICK)
    assert isinstance(page, Fetched), page
    assert "Café du port reopens" in page.text


def test_a_port_out_of_range_is_a_failure_not_a_traceback():
    assert (
        fetch("http://127.0.0.1:99999/", QUICK).reason
        == "the port in the address is not a number from 0 to 65535"
    )

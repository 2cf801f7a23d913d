"""Search: the search page and the Pagefind index that `sitegen build` makes (sitegen/search.py).
The search page itself, in a browser, is tested in tests/serve/test_search_browser.py."""

from __future__ import annotations

import gzip
import json
import re
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from siteutil import article, snapshot, write_site

from sitegen import search
from sitegen.config import SiteConfig, load_config
from sitegen.engine import Engine
from sitegen.model import SearchPage, build_site
from sitegen.serve.indexer import update_index

SITE_YAML = 'title: "Test Briefing"\nbase_url: "https://example.org/briefings/"\n'
FILES = {
    "site.yaml": SITE_YAML,
    "content/2024/10/port-strike-ends.md": article(
        tags="[shipping, labour]",
        region="Europe",
        body="Dockworkers voted after a quetzalcoatl of a dispute.",
    ),
    "content/2024/10/cable-damaged.md": article(
        title="Undersea cable damaged",
        date="2024-10-12",
        source="Harbour Broadcasting",
        tags="[telecoms]",
        body="Repairs will take weeks.",
    ),
}


def fragments(output: Path) -> list[dict]:
    """What the index holds for each page (Pagefind's fragment files are gzip'd JSON after a
    'pagefind_dcd' signature)."""
    found = []
    for path in sorted((output / "pagefind" / "fragment").iterdir()):
        data = gzip.decompress(path.read_bytes())
        found.append(json.loads(data[data.index(b"{") :]))
    return found


def html_pages(output: Path) -> list[Path]:
    return sorted(p for p in output.rglob("*.html") if "pagefind" not in p.parts)


def test_search_is_a_typed_key_of_site_yaml(make_site):
    assert SiteConfig().search is True
    config, problems = load_config(make_site({"site.yaml": "search: false\n"}, name="off"))
    assert config.search is False and not [p for p in problems if p.is_error]
    config, problems = load_config(make_site({"site.yaml": "search: 'no'\n"}, name="wrong"))
    assert config.search is True
    assert [str(p) for p in problems if p.is_error] == [
        "site.yaml:1: search: expected true or false, got 'no'"
    ]
    _, problems = load_config(make_site({"site.yaml": "per_page: true\n"}, name="number"))
    assert any("per_page: expected a whole number" in str(p) for p in problems)


def test_the_search_page_is_a_page_kind_of_its_own():
    pages = {page.url_path: page for page in build_site(SiteConfig(), [], drafts=False).pages}
    assert isinstance(pages["search/"].data, SearchPage)
    assert pages["search/"].template == "search.html"
    off = build_site(SiteConfig(search=False), [], drafts=False).pages
    assert not [page for page in off if isinstance(page.data, SearchPage)]


def test_the_build_indexes_the_articles_and_every_page_links_to_the_search_page(make_site, cli):
    site = make_site(FILES)
    result = cli("build", "--site", site, "--quiet")
    assert result.code == 0, result.err
    output = site / "output"
    assert (output / "pagefind" / "pagefind.js").is_file()
    assert (output / "search" / "index.html").is_file()
    for page in html_pages(output):
        html = page.read_text(encoding="utf-8")
        if page.name == "404.html" or page.parent.name != "search":
            # Structured data (JSON-LD) is data in a <script> element, never run or loaded.
            code = re.sub(r'<script type="application/ld\+json">[^<]*</script>', "", html)
            assert "<script" not in code, f"{page} loads a script"
        assert '<a href="/briefings/search/"' in html, f"{page} has no link to the search page"
        assert '<form class="site-search" role="search" action="/briefings/search/" method="get">' in html
    search_page = (output / "search" / "index.html").read_text(encoding="utf-8")
    # The script is a theme asset: fingerprinted, and the page names it so.
    [script] = (output / "js").glob("search.*.js")
    assert f'<script type="module" src="/briefings/js/{script.name}"></script>' in search_page
    assert 'data-pagefind="/briefings/pagefind/pagefind.js"' in search_page
    # Only the articles are indexed, with their date and source, filterable by their terms; the
    # navigation is not (no page's text holds "Timeline").
    indexed = {f["url"]: f for f in fragments(output)}
    assert set(indexed) == {"/articles/port-strike-ends/", "/articles/cable-damaged/"}
    strike = indexed["/articles/port-strike-ends/"]
    assert strike["meta"] == {
        "title": "Port strike ends",
        "date": "11 October 2024",
        "source": "Meridian Wire",
    }
    assert sorted(strike["filters"]["facet"]) == [
        "regions:Europe",
        "sources:Meridian Wire",
        "tags:labour",
        "tags:shipping",
    ]
    assert "quetzalcoatl" in strike["content"]
    assert not any("Timeline" in f["content"] or "Skip to content" in f["content"] for f in indexed.values())


def test_search_false_leaves_out_the_page_the_index_and_the_links(make_site, cli):
    site = make_site(FILES)
    assert cli("build", "--site", site, "--quiet").code == 0
    (site / "site.yaml").write_text(SITE_YAML + "search: false\n", encoding="utf-8")
    result = cli("build", "--site", site, "--quiet")
    assert result.code == 0, result.err
    output = site / "output"
    assert not (output / "pagefind").exists()
    assert not (output / "search").exists()
    for page in html_pages(output):
        html = page.read_text(encoding="utf-8")
        assert "search" not in html.replace("research", ""), page
        assert "data-pagefind" not in html, page
    assert "/search/" not in (output / "sitemap.xml").read_text(encoding="utf-8")


def test_a_build_twice_gives_the_same_output_and_keeps_the_index(make_site, cli):
    """Pagefind orders its filter files differently on every run: an index made from the same
    pages is kept, byte for byte and with its mtime, also without the build cache."""
    site = make_site(FILES)
    assert cli("build", "--site", site, "--quiet").code == 0
    before = snapshot(site / "output")
    assert cli("build", "--site", site, "--quiet").code == 0
    assert snapshot(site / "output") == before
    assert cli("build", "--site", site, "--quiet", "--no-cache").code == 0
    assert snapshot(site / "output") == before
    # A change that no article page shows (a stylesheet) keeps the index too.
    (site / "static" / "css").mkdir(parents=True)
    (site / "static" / "css" / "extra.css").write_text("h1 { color: red; }\n")
    assert cli("build", "--site", site, "--quiet").code == 0
    after = snapshot(site / "output")
    assert {p: v for p, v in after.items() if p.startswith("pagefind/")} == {
        p: v for p, v in before.items() if p.startswith("pagefind/")
    }


def test_an_edited_article_is_indexed_again(make_site, cli):
    site = make_site(FILES)
    assert cli("build", "--site", site, "--quiet").code == 0
    stamp = json.loads((site / "output" / "pagefind" / "sitegen-index.json").read_text())
    (site / "content/2024/10/cable-damaged.md").write_text(
        article(title="Undersea cable damaged", date="2024-10-12", body="The xylophonist was rescued.")
    )
    assert cli("build", "--site", site, "--quiet").code == 0
    indexed = {f["url"]: f["content"] for f in fragments(site / "output")}
    assert "xylophonist" in indexed["/articles/cable-damaged/"]
    assert "quetzalcoatl" in indexed["/articles/port-strike-ends/"]
    assert json.loads((site / "output" / "pagefind" / "sitegen-index.json").read_text()) != stamp
    # Exactly the files its stamp lists, and the stamp, are the index.
    stamp = json.loads((site / "output" / "pagefind" / "sitegen-index.json").read_text())
    present = {p.relative_to(site / "output").as_posix() for p in (site / "output" / "pagefind").rglob("*")}
    assert {p for p in present if "." in p.rsplit("/", 1)[-1]} == {*stamp["files"], search.STAMP}


def test_an_index_changed_by_hand_is_made_again(make_site, cli):
    site = make_site(FILES)
    assert cli("build", "--site", site, "--quiet").code == 0
    script = site / "output" / "pagefind" / "pagefind.js"
    original = script.read_bytes()
    script.write_bytes(b"// changed\n")
    assert cli("build", "--site", site, "--quiet").code == 0
    assert script.read_bytes() == original


def test_progress_shows_the_search_stage_only_when_it_indexes(make_site):
    site = make_site(FILES)
    stages: list[tuple[str, int, int]] = []
    Engine(site).build(progress=lambda stage, done, total: stages.append((stage, done, total)))
    assert [s for s in stages if s[0] == "search"] == [("search", 0, 2), ("search", 2, 2)]
    stages.clear()
    (site / "content/2024/10/new.md").write_text(article(title="New", date="2024-10-13"))
    Engine(site).build(progress=lambda stage, done, total: stages.append((stage, done, total)))
    assert [s for s in stages if s[0] == "search"] == [("search", 0, 3), ("search", 3, 3)]


def fake_pagefind(folder: Path, script: str) -> Path:
    path = folder / "fake-pagefind"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize(
    "binary, message",
    [
        (lambda tmp: tmp / "no-such-pagefind", r"search: Pagefind's binary .*no-such-pagefind cannot run"),
        (
            lambda tmp: fake_pagefind(tmp, "echo 'it broke' >&2; exit 3\n"),
            r"search: Pagefind's binary .*fake-pagefind does not work \(exit code 3\): it broke",
        ),
        (
            # Answers --version, then dies as soon as it is asked to index.
            lambda tmp: fake_pagefind(
                tmp, 'if [ "$1" = --version ]; then echo pagefind 9.9; exit 0; fi\nexit 4\n'
            ),
            r"search: Pagefind \(.*fake-pagefind\) failed \(exit code 4\)",
        ),
    ],
)
def test_a_missing_or_failing_pagefind_is_a_clear_error_and_the_output_stays(
    make_site, cli, monkeypatch, tmp_path, binary, message
):
    site = make_site(FILES)
    assert cli("build", "--site", site, "--quiet").code == 0
    before = snapshot(site / "output")
    (site / "content/2024/10/new.md").write_text(article(title="New", date="2024-10-13"))
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(binary(tmp_path)))
    result = cli("build", "--site", site)
    assert result.code == 1
    assert re.search(message, result.err), result.err
    assert "Traceback" not in result.err
    assert snapshot(site / "output") == before


def test_a_pagefind_that_never_finishes_is_stopped_whole_and_the_output_stays(
    make_site, cli, monkeypatch, tmp_path
):
    """A binary that answers --version, then hangs (with a child of its own), is stopped
    after the time allowed, with every process it started, and the build fails cleanly."""
    site = make_site(FILES)
    assert cli("build", "--site", site, "--quiet").code == 0
    before = snapshot(site / "output")
    (site / "content/2024/10/new.md").write_text(article(title="New", date="2024-10-13"))
    pids = tmp_path / "pids"
    hung = fake_pagefind(
        tmp_path,
        'if [ "$1" = --version ]; then echo pagefind 9.9; exit 0; fi\n'
        f"sleep 600 & echo $$ $! > {pids}\nwait\n",
    )
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(hung))
    monkeypatch.setattr(search, "BASE_SECONDS", 2)
    monkeypatch.setattr(search, "SECONDS_PER_PAGE", 0)
    result = cli("build", "--site", site)
    assert result.code == 1
    assert re.search(r"search: Pagefind \(.*fake-pagefind\) did not finish indexing within 2 s", result.err)
    assert "Traceback" not in result.err
    assert snapshot(site / "output") == before
    for pid in map(int, pids.read_text().split()):
        assert not running(pid), f"process {pid} of the hung Pagefind still runs"


def running(pid: int) -> bool:
    """Is the process alive (not gone, not a zombie waiting for its parent)?"""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_static_file_where_the_index_goes_is_an_error(make_site, cli):
    site = make_site({**FILES, "static/pagefind/pagefind.js": "// mine\n"})
    result = cli("build", "--site", site)
    assert result.code == 1
    assert (
        "static/pagefind/pagefind.js: clashes with /pagefind/, where the build writes the search index"
        in result.err
    )
    site_off = make_site(
        {**FILES, "site.yaml": SITE_YAML + "search: false\n", "static/pagefind/x.js": "//\n"}, name="off"
    )
    assert cli("build", "--site", site_off, "--quiet").code == 0


def test_the_previews_index_follows_the_folder_and_the_setting(make_site, cli, tmp_path):
    site = make_site(FILES)
    folder = tmp_path / "preview"
    assert cli("build", "--site", site, "--output", folder, "--quiet").code == 0
    index = folder / "pagefind"
    before = snapshot(index)
    update_index(site, folder)  # the same pages: nothing to do
    assert snapshot(index) == before
    page = folder / "articles" / "cable-damaged" / "index.html"
    page.write_text(page.read_text().replace("Repairs will take weeks.", "A xylophonist helped."))
    update_index(site, folder)
    assert "xylophonist" in {f["url"]: f["content"] for f in fragments(folder)}["/articles/cable-damaged/"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".sitegen-tmp-")]
    (site / "site.yaml").write_text(SITE_YAML + "search: false\n")
    update_index(site, folder)
    assert not index.exists()


# Pagefind writes the files below in an order of its own on every run; every other file of
# an index is the same for the same pages.
UNORDERED = re.compile(
    r"pagefind/(filter/.*|pagefind\..*\.pf_meta|pagefind-entry\.json|sitegen-index\.json)$"
)

EDITS = st.lists(
    st.sampled_from(["body", "tags", "css", "none", "new"]),
    min_size=1,
    max_size=3,
)


@settings(max_examples=6, deadline=None)
@given(edits=EDITS, words=st.lists(st.sampled_from(["amber", "basalt", "cobalt", "dune"]), min_size=1))
def test_a_kept_index_is_the_index_a_fresh_run_makes_of_the_same_pages(tmp_path_factory, edits, words):
    """Keeping the index (the fast path) gives what indexing the pages again gives: the same
    files, byte for byte, but for those Pagefind orders as it likes, which hold the same."""
    site = write_site(tmp_path_factory.mktemp("site"), FILES)
    output = site / "output"
    for number, edit in enumerate(edits):
        text = " ".join(words) + f" edit{number}"
        if edit == "body":
            (site / "content/2024/10/cable-damaged.md").write_text(
                article(title="Undersea cable damaged", date="2024-10-12", body=text)
            )
        elif edit == "tags":
            (site / "content/2024/10/cable-damaged.md").write_text(
                article(title="Undersea cable damaged", date="2024-10-12", tags=f"[{words[0]}]")
            )
        elif edit == "css":
            (site / "static").mkdir(exist_ok=True)
            (site / "static" / "extra.css").write_text(f"/* {text} */\n")
        elif edit == "new":
            (site / f"content/2024/11/story-{number}.md").parent.mkdir(parents=True, exist_ok=True)
            (site / f"content/2024/11/story-{number}.md").write_text(
                article(title=f"Story {number}", body=text)
            )
        Engine(site).build()
        kept = search_files(output)
        fresh = search.indexer("en").index(
            output, tmp_path_factory.mktemp("scratch") / "s", lambda d, t: None
        )
        made = dict(fresh.files)
        assert {p: d for p, d in kept.items() if not UNORDERED.match(p)} == {
            p: d for p, d in made.items() if not UNORDERED.match(p)
        }
        assert len([p for p in kept if p.startswith("pagefind/filter/")]) == len(
            [p for p in made if p.startswith("pagefind/filter/")]
        )
        assert json.loads(kept[search.STAMP])["made_from"] == json.loads(made[search.STAMP])["made_from"]


def search_files(output: Path) -> dict[str, bytes]:
    return {
        p.relative_to(output).as_posix(): p.read_bytes()
        for p in (output / "pagefind").rglob("*")
        if p.is_file()
    }


def test_indexing_writes_nothing_in_the_current_folder(make_site, cli, tmp_path, monkeypatch):
    """Pagefind's API writes its index to pagefind/ in the current folder unless told where:
    a build writes only its output."""
    site = make_site(FILES)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert cli("build", "--site", site, "--quiet").code == 0
    assert (site / "output" / "pagefind" / "pagefind.js").is_file()
    assert list(elsewhere.iterdir()) == []

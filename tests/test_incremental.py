"""Incremental builds: the same bytes as a clean build after any edit, rendering only what changed."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
from siteutil import article, cache_bytes, write_site

from sitegen import build
from sitegen.cache import cache_folder

TAGS = ["energy", "trade", "shipping", "Sanctions", "climate", "elections"]
REGIONS = ["Europe", "East Asia", "Middle East"]
SOURCES = ["Meridian Wire", "The Northern Ledger", "Harbour Broadcasting"]
PEOPLE = ["Ana Lima", "ana lima", "Jonas Berg", "Mei Tanaka"]


def random_article(rng: random.Random, number: int) -> str:
    day = rng.randint(1, 28)
    tags = rng.sample(TAGS, rng.randint(1, 3))
    return article(
        title=f"Story number {number} {rng.choice(['rises', 'falls', 'holds'])}",
        date=f"2024-{rng.randint(1, 12):02d}-{day:02d}T{rng.randint(0, 23):02d}:30:00+01:00",
        source=rng.choice(SOURCES),
        body=f"Lead paragraph of story {number}.\n\nSecond paragraph {rng.random()}.",
        region=f'"{rng.choice(REGIONS)}"',
        tags="[" + ", ".join(tags) + "]",
        people="[" + ", ".join(rng.sample(PEOPLE, rng.randint(0, 2))) + "]",
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".sitegen-output"
    }


def clean_build(site: Path, tmp_path: Path, **options: Any) -> dict[str, bytes]:
    out = tmp_path / "clean"
    shutil.rmtree(out, ignore_errors=True)
    build(site, out, use_cache=False, jobs=1, **options)
    return tree(out)


def articles_of(site: Path) -> list[Path]:
    return sorted((site / "content").rglob("*.md"))


def edit_body(site, rng, n):
    path = rng.choice(articles_of(site))
    path.write_text(path.read_text() + f"\nAnother sentence {n}.\n")


def edit_title(site, rng, n):
    path = rng.choice(articles_of(site))
    text = path.read_text()
    path.write_text(text.replace('title: "', f'title: "Edited {n} ', 1))


def edit_tags(site, rng, n):
    path = rng.choice(articles_of(site))
    lines = path.read_text().splitlines(keepends=True)
    lines = [
        f"tags: [{', '.join(rng.sample(TAGS, 2))}]\n" if line.startswith("tags:") else line for line in lines
    ]
    path.write_text("".join(lines))


def edit_date(site, rng, n):
    path = rng.choice(articles_of(site))
    lines = path.read_text().splitlines(keepends=True)
    lines = [
        f"date: 2023-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}\n" if line.startswith("date:") else line
        for line in lines
    ]
    path.write_text("".join(lines))


def delete_article(site, rng, n):
    rng.choice(articles_of(site)).unlink()


def add_article(site, rng, n):
    path = site / "content" / "2024" / f"added-{n}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(random_article(rng, 1000 + n))


def rename_article(site, rng, n):
    path = rng.choice(articles_of(site))
    path.rename(path.with_name(f"renamed-{n}.md"))


def edit_template(site, rng, n):
    templates = site / "themes" / "default" / "templates" / "partials"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "card.html").write_text(
        '<article class="card-{{ level }}"><h{{ level }}><a href="{{ url(article) }}">{{ article.title }}</a>'
        f"</h{{{{ level }}}}><p>{n} {{{{ article.summary }}}}</p></article>\n"
    )


def edit_base_template(site, rng, n):
    templates = site / "themes" / "default" / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "base.html").write_text(
        '{% extends "default/base.html" %}{% block head %}<meta name="edit" content="'
        + str(n)
        + '">{% endblock %}'
    )


def edit_config(site, rng, n):
    taxonomies = rng.choice(
        [
            "",  # the built-in three
            "taxonomies: [tags, regions, sources, people]\n",
            "taxonomies: {tags: {title: Topics}, people: {title: People in the news, feeds: false}}\n",
        ]
    )
    (site / "site.yaml").write_text(
        f'title: "Brief {n}"\nbase_url: "https://example.org/"\nsearch: false\n'
        f"per_page: {rng.randint(2, 5)}\n"
        f"feed_limit: {rng.randint(2, 6)}\n{taxonomies}"
        f"language: {rng.choice(['en', 'en', 'fr', 'uk'])}\n"
    )


def edit_strings(site, rng, n):
    """The site's own words (sitegen/i18n.py): strings of pages, of cards, a plural, a date pattern."""
    choices = [
        f"nav.latest: Newest {n}\n",
        f"count.articles:\n  one: '{{n}} item {n}'\n  other: '{{n}} items {n}'\n",
        rng.choice(['date.long: "d MMMM y"\n', 'date.long: "MMMM d, y"\n', 'date.long: "EEEE d MMM y"\n']),
        f"older: Earlier {n}\n",
        f"article.related: See also {n}\n",
    ]
    folder = site / "i18n"
    folder.mkdir(exist_ok=True)
    (folder / "en.yaml").write_text("".join(rng.sample(choices, rng.randint(0, len(choices)))))


EDITS = [
    edit_body, edit_title, edit_tags, edit_date, delete_article, add_article,
    rename_article, edit_template, edit_base_template, edit_config, edit_strings,
]  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2])
def test_random_edits_give_the_same_bytes_as_a_clean_build(tmp_path: Path, seed: int):
    rng = random.Random(seed)
    files = {f"content/2024/story-{i}.md": random_article(rng, i) for i in range(30)}
    files["site.yaml"] = (
        'title: "Brief"\nbase_url: "https://example.org/"\nsearch: false\nper_page: 4\nfeed_limit: 5\n'
    )
    site = write_site(tmp_path / "site", files)
    out = tmp_path / "out"
    build(site, out)
    for n, edit in enumerate([*EDITS, *rng.choices(EDITS, k=15)]):
        edit(site, rng, n)
        build(site, out)
        assert tree(out) == clean_build(site, tmp_path), f"after {edit.__name__} (edit {n})"


def test_nothing_changed_renders_nothing(tmp_path: Path):
    rng = random.Random(3)
    site = write_site(tmp_path / "site", {f"content/s-{i}.md": random_article(rng, i) for i in range(20)})
    out = tmp_path / "out"
    first = build(site, out)
    assert first.rendered == first.pages
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = build(site, out)
    assert again.rendered == 0 and again.written == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes


def test_a_body_edit_renders_the_article_and_the_feeds_that_carry_it(tmp_path: Path):
    rng = random.Random(4)
    site = write_site(tmp_path / "site", {f"content/s-{i}.md": random_article(rng, i) for i in range(20)})
    out = tmp_path / "out"
    build(site, out)
    path = site / "content" / "s-7.md"
    path.write_text(path.read_text() + "\nA closing sentence.\n")
    result = build(site, out)
    # The article page, and the site feed if the article is among its newest (it carries bodies).
    assert result.rendered in (1, 2)
    assert result.written == result.rendered


def test_a_new_process_takes_the_pages_shapes_from_the_record_while_the_model_is_the_same(
    tmp_path: Path, monkeypatch
):
    """A command-line build after a body edit makes the very model the last build made: it
    takes each page's shape from the output's record instead of walking every page (the
    stateful test in test_dependencies.py holds the outputs to a clean build's, edit after
    edit). After a front-matter edit, or with another clock or option, it walks them."""
    import sitegen.engine

    real = sitegen.engine.identity
    walked: list[object] = []

    def counting(value: object) -> object:
        walked.append(value)
        return real(value)

    monkeypatch.setattr(sitegen.engine, "identity", counting)
    rng = random.Random(4)
    site = write_site(tmp_path / "site", {f"content/s-{i}.md": random_article(rng, i) for i in range(12)})
    out = tmp_path / "out"
    build(site, out)
    assert walked
    path = site / "content" / "s-7.md"

    def walks(**options: Any) -> bool:
        walked.clear()
        build(site, out, **options)
        shapes_made = bool(walked)
        assert tree(out) == clean_build(site, tmp_path, **options)
        return shapes_made

    path.write_text(path.read_text() + "\nA closing sentence.\n")
    assert not walks()
    path.write_text(path.read_text().replace("title: ", "title: Now ", 1))
    assert walks()
    path.write_text(path.read_text() + "\nAnother sentence.\n")
    assert not walks()
    assert walks(drafts=True)
    assert walks(drafts=False)


def test_a_tag_change_renders_only_pages_that_list_the_article(tmp_path: Path):
    site = write_site(
        tmp_path / "site",
        {
            "content/a.md": article(title="A", tags="[energy]", date="2024-01-01"),
            "content/b.md": article(title="B", tags="[trade]", date="2024-01-02"),
            "content/c.md": article(title="C", tags="[climate]", date="2024-01-03"),
        },
    )
    out = tmp_path / "out"
    build(site, out)
    before = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*.*")}
    (site / "content" / "a.md").write_text(article(title="A", tags="[trade]", date="2024-01-01"))
    build(site, out)
    after = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*.*")}
    changed = {p for p in after if before.get(p) != after[p]}
    assert "tags/climate/index.html" not in changed
    assert "articles/c/index.html" not in changed
    assert {"tags/trade/index.html", "tags/index.html", "articles/a/index.html"} <= changed
    assert "tags/energy/index.html" not in after  # the tag has no article left


def test_a_file_rewritten_with_the_same_size_and_mtime_is_noticed(tmp_path: Path):
    site = write_site(tmp_path / "site", {"content/a.md": article(title="Alpha")})
    out = tmp_path / "out"
    path = site / "content" / "a.md"
    build(site, out)
    stat = path.stat()
    path.write_text(article(title="Omega"))  # same length
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    build(site, out)
    assert "Omega" in (out / "articles" / "a" / "index.html").read_text()


def test_a_corrupt_cache_is_ignored_with_a_warning(tmp_path: Path):
    site = write_site(tmp_path / "site", {"content/a.md": article()})
    out = tmp_path / "out"
    build(site, out)
    for path in cache_folder(site).glob("*.pickle"):
        path.write_bytes(b"\x80\x05not a pickle at all")
    for path in cache_folder(site).glob("bodies-*.sqlite"):
        path.write_bytes(b"garbage" * 100)
    result = build(site, out)
    messages = [str(w) for w in result.warnings]
    assert any("build cache" in m and "corrupt" in m for m in messages), messages
    assert tree(out) == clean_build(site, tmp_path)
    assert not [str(w) for w in build(site, out).warnings if "cache" in str(w)]


def test_a_cache_holding_other_objects_is_not_trusted(tmp_path: Path):
    import pickle

    site = write_site(tmp_path / "site", {"content/a.md": article()})
    out = tmp_path / "out"
    build(site, out)
    marker = tmp_path / "pwned"
    evil = pickle.dumps({"stamp": None, "x": os.system}, protocol=5)  # a function: never loaded
    for path in cache_folder(site).glob("*.pickle"):
        path.write_bytes(evil)
    result = build(site, out)
    assert not marker.exists()
    assert any("corrupt" in str(w) for w in result.warnings)


def test_a_cache_file_that_cannot_be_written_whole_leaves_no_part_of_it(tmp_path: Path, monkeypatch):
    """The dependency graph's record is pickled straight into its file: a disk that fills
    halfway leaves neither a half-written record nor a stray temporary file, and the
    build still succeeds, with a warning, as without a cache."""
    import errno

    import sitegen.cache

    site = write_site(tmp_path / "site", {"content/a.md": article()})
    out = tmp_path / "out"
    build(site, out)
    before = {path.name: path.read_bytes() for path in cache_folder(site).iterdir() if path.is_file()}
    real = sitegen.cache._pickled

    def fills_the_disk(value: object):
        def dump(stream) -> None:
            real(value)(stream)
            stream.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        return dump

    monkeypatch.setattr(sitegen.cache, "_pickled", fills_the_disk)
    (site / "content/a.md").write_text(article(title="Changed"))
    result = build(site, out)
    assert any("cannot write the build cache: No space left on device" in str(w) for w in result.warnings)
    after = {path.name: path.read_bytes() for path in cache_folder(site).iterdir() if path.is_file()}
    assert not [name for name in after if name.startswith(".tmp-")]
    assert {name: data for name, data in after.items() if name.endswith(".pickle")} == {
        name: data for name, data in before.items() if name.endswith(".pickle")
    }
    assert tree(out) == clean_build(site, tmp_path)


def test_deleting_the_cache_is_safe(tmp_path: Path):
    site = write_site(tmp_path / "site", {"content/a.md": article()})
    out = tmp_path / "out"
    build(site, out)
    shutil.rmtree(cache_folder(site))
    result = build(site, out)
    assert result.written == 0  # every page re-rendered, no file rewritten
    assert tree(out) == clean_build(site, tmp_path)


def test_the_records_of_output_folders_that_are_gone_are_deleted(tmp_path: Path):
    """A build into a folder that is then deleted (a dry-run deploy's temporary one) must not
    leave its record, as large as the dependency graph, in the cache for good."""
    site = write_site(tmp_path / "site", {"content/a.md": article(), "content/b.md": article(title="B")})
    folder = cache_folder(site)
    kept, gone, back = tmp_path / "kept", tmp_path / "gone", tmp_path / "back"
    for output in (kept, gone, back):
        build(site, output)
    records = lambda: sorted(p.name for p in folder.glob("manifest-*"))  # noqa: E731
    assert len(records()) == 6  # a record and the name of its folder, for each
    shutil.rmtree(gone)
    shutil.rmtree(back)
    back.mkdir()  # made again, empty, before the next build: its record stays
    build(site, kept)
    assert len(records()) == 4
    assert build(site, kept).written == 0  # its own record kept: nothing to do
    assert build(site, back).written > 0  # its files are missing, whatever its record says
    assert tree(back) == tree(kept)
    build(site, gone)  # a folder built again after its record went: built as new
    assert tree(gone) == tree(kept)
    assert len(records()) == 6


def test_the_records_of_an_older_sitegen_without_their_folders_name_are_deleted(tmp_path: Path):
    """Records written before each had the name of its folder beside it are never read again
    (the cache's format moved on since): a build deletes them, and keeps its own."""
    site = write_site(tmp_path / "site", {"content/a.md": article()})
    out = tmp_path / "out"
    build(site, out)
    folder = cache_folder(site)
    own = sorted(p.name for p in folder.glob("manifest-*"))
    old = folder / "manifest-0123456789abcdef0123456789abcdef.pickle"
    old.write_bytes(cache_bytes({"stamp": {"format": 11}, "output": str(tmp_path / "elsewhere")}))
    (site / "content/a.md").write_text(article(title="Changed"))
    build(site, out)
    assert not old.exists()
    assert sorted(p.name for p in folder.glob("manifest-*")) == own
    assert build(site, out).written == 0  # its own record kept


def test_parallel_and_serial_builds_agree(tmp_path: Path):
    rng = random.Random(5)
    site = write_site(tmp_path / "site", {f"content/s-{i}.md": random_article(rng, i) for i in range(250)})
    build(site, tmp_path / "parallel", jobs=2, use_cache=False)
    build(site, tmp_path / "serial", jobs=1, use_cache=False)
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")


def _age(folder: Path, seconds: int = 3600) -> None:
    """Back-date every file, as if the site had been written an hour ago."""
    for path in folder.rglob("*"):
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - seconds * 1_000_000_000))


def test_an_untouched_site_is_checked_without_being_loaded(tmp_path: Path):
    site = write_site(
        tmp_path / "site", {"content/a.md": article(tgas="[x]"), "content/b.md": article(title="B")}
    )
    _age(site)
    out = tmp_path / "out"
    first = build(site, out)
    again = build(site, out)
    assert list(again.timings) == ["check"]  # nothing loaded, planned or rendered
    assert (again.pages, again.articles, again.rendered, again.written) == (first.pages, 2, 0, 0)
    assert [str(w) for w in again.warnings] == [str(w) for w in first.warnings]  # still reported
    assert any("tgas" in str(w) for w in again.warnings)
    # A page changed or deleted in the output is noticed and written again.
    page = out / "articles" / "b" / "index.html"
    original = page.read_bytes()
    page.write_text("tampered")
    repaired = build(site, out)
    assert "load" in repaired.timings and page.read_bytes() == original
    page.unlink()
    build(site, out)
    assert page.read_bytes() == original
    # An edit to an old file is an input change like any other.
    path = site / "content" / "b.md"
    path.write_text(article(title="B2"))
    _age(site)
    assert "load" in build(site, out).timings
    assert "B2" in page.read_text()


def test_a_tag_added_to_one_article_does_not_rerender_every_page_of_its_other_tags(tmp_path: Path):
    files = {
        f"content/s-{i:02d}.md": article(title=f"S{i}", tags="[trade]", date=f"2024-01-{i + 1:02d}")
        for i in range(24)
    }
    files["site.yaml"] = 'title: "Brief"\nbase_url: "https://example.org/"\nsearch: false\nper_page: 4\n'
    site = write_site(tmp_path / "site", files)
    out = tmp_path / "out"
    build(site, out)
    (site / "content" / "s-05.md").write_text(article(title="S5", tags="[trade, ports]", date="2024-01-06"))
    result = build(site, out)
    # Its page, the listing pages that show its card (home, trade, source, month), the index
    # of tags (a new count), the new tag's page and feed, two feeds and the sitemap: 11 of 55.
    # Not its neighbours' pages, which show its title only; not the five other pages of
    # 'trade', which show other cards and the same count; not the year and the indexes of
    # sources and of the timeline, whose counts are unchanged.
    assert sorted(result.rendered_paths) == [
        "articles/s-05/index.html",
        "feed.xml",
        "page/5/index.html",
        "sitemap.xml",
        "sources/meridian-wire/page/5/index.html",
        "tags/index.html",
        "tags/ports/feed.xml",
        "tags/ports/index.html",
        "tags/trade/feed.xml",
        "tags/trade/page/5/index.html",
        "timeline/2024/01/index.html",
    ]
    assert tree(out) == clean_build(site, tmp_path)


def test_a_cache_of_the_right_version_but_the_wrong_shape_is_not_trusted(tmp_path: Path):
    from sitegen.cache import _SHARD_PREFIX, _STAMP

    site = write_site(tmp_path / "site", {"content/a.md": article()})
    out = tmp_path / "out"
    build(site, out)
    for path in cache_folder(site).glob("manifest-*.pickle"):
        path.write_bytes(cache_bytes({"stamp": _STAMP, "output": str(out.resolve()), "record": {"bogus": 1}}))
    for path in cache_folder(site).glob(f"{_SHARD_PREFIX}*.pickle"):
        path.write_bytes(
            cache_bytes({"stamp": _STAMP, "settings": "UTC", "files": {"content/a.md": "not a file"}})
        )
    result = build(site, out)
    messages = [str(w) for w in result.warnings if "build cache" in str(w)]
    assert len(messages) == 1 and "corrupt" in messages[0], messages
    assert tree(out) == clean_build(site, tmp_path)


def test_an_edit_rewrites_one_small_file_of_the_cache_and_the_next_engine_reads_it_back(tmp_path: Path):
    """A month of a large archive holds thousands of articles: the validated files are kept
    in several files per content folder, and only the one holding the edited file is written
    again; what a new engine then reads is what a cold build finds."""
    from sitegen.cache import _SHARD_PREFIX
    from sitegen.engine import Engine

    site = write_site(
        tmp_path / "site",
        {f"content/2024/10/story-{n}.md": article(title=f"Story {n}", body=f"Body {n}.") for n in range(60)},
    )
    engine = Engine(site)
    engine.build(tmp_path / "out")
    shards = sorted(cache_folder(site).glob(f"{_SHARD_PREFIX}*.pickle"))
    assert len(shards) > 1
    for path in shards:
        os.utime(path, ns=(1, 1))
    edited = site / "content/2024/10/story-7.md"
    edited.write_text(article(title="Story 7", body="Body 7, corrected."))
    engine.build(tmp_path / "out", changed=[edited])
    rewritten = [path for path in shards if path.stat().st_mtime_ns != 1]
    assert len(rewritten) == 1
    result = Engine(site).build(tmp_path / "again")
    assert not [w for w in result.warnings if "cache" in str(w)]
    assert tree(tmp_path / "again") == clean_build(site, tmp_path)


def test_related_lists_kept_in_the_cache_serve_a_new_process_and_damaged_ones_are_found_again(
    tmp_path: Path,
):
    from sitegen.cache import _STAMP

    files = {
        f"content/{n}.md": article(
            title=f"Story {n}", tags=f"[t{n % 3}, t{n % 5}]", date=f"2024-10-{n + 1:02d}"
        )
        for n in range(12)
    }
    site = write_site(tmp_path / "site", files)
    out = tmp_path / "out"
    build(site, out)
    kept = cache_folder(site) / "related.pickle"
    assert kept.is_file()
    (site / "content/3.md").write_text(article(title="Story 3", tags="[t1, t4]", date="2024-10-04"))
    build(site, out)  # a new engine: the lists from the cache, updated for the edit
    assert tree(out) == clean_build(site, tmp_path)
    kept.write_bytes(cache_bytes({"stamp": _STAMP, "plain": (5, {"a": "not a candidate"}, {})}))
    (site / "content/5.md").write_text(article(title="Story 5", tags="[t2]", date="2024-10-06"))
    result = build(site, out)
    messages = [str(w) for w in result.warnings if "build cache" in str(w)]
    assert len(messages) == 1 and "corrupt" in messages[0], messages
    assert tree(out) == clean_build(site, tmp_path)


def test_a_build_writes_nothing_in_the_site_folder_but_its_output(tmp_path: Path):
    site = write_site(tmp_path / "site", {"content/a.md": article()})
    before = sorted(p.relative_to(site).as_posix() for p in site.rglob("*"))
    build(site)
    after = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if "output" not in p.parts)
    assert after == before
    assert cache_folder(site).is_dir()  # the cache lives in the user's cache folder


# Themes that reach a term's articles through the documented API, in every spelling: an
# added article must show on them after an incremental build as after a clean one.
TERM_READERS = {
    "terms_of, articles": "{% for t in site.terms_of(article, 'tags') %}"
    "{% for a in t.articles %}<i>{{ a.title }}</i>{% endfor %}{% endfor %}",
    "terms_of, count": "{% for t in site.terms_of(article, 'tags') %}"
    "<b>{{ t.articles | length }}</b>{% endfor %}",
    "terms_of, subscript": "{% for t in site.terms_of(article, 'tags') %}"
    "{% for a in t['articles'] %}<i>{{ a.title }}</i>{% endfor %}{% endfor %}",
    "terms_of, attr filter": "{% for t in site.terms_of(article, 'tags') %}"
    "{{ t | attr('articles') | map(attribute='title') | join(',') }}{% endfor %}",
    "terms_of, in a macro": "{% from 'partials/show.html' import show %}"
    "{% for t in site.terms_of(article, 'tags') %}{{ show(t) }}{% endfor %}",
}


@pytest.mark.parametrize("reader", sorted(TERM_READERS))
def test_a_theme_reading_a_terms_articles_is_never_stale(tmp_path: Path, reader: str):
    site = write_site(
        tmp_path / "site",
        {
            "content/a.md": article(title="Alpha", tags="[energy]", date="2024-01-01"),
            "content/b.md": article(title="Beta", tags="[trade]", date="2024-01-02"),
            "themes/default/templates/article.html": '{% extends "default/article.html" %}'
            "{% block content %}" + TERM_READERS[reader] + "{{ super() }}{% endblock %}",
            "themes/default/templates/partials/show.html": "{% macro show(term) %}"
            "{% for a in term.articles %}<i>{{ a.title }}</i>{% endfor %}{% endmacro %}",
        },
    )
    out = tmp_path / "out"
    build(site, out)
    (site / "content" / "c.md").write_text(article(title="Gamma", tags="[energy]", date="2024-01-03"))
    build(site, out)
    assert tree(out) == clean_build(site, tmp_path)
    page = (out / "articles/a/index.html").read_text()
    assert "Gamma" in page or "<b>2</b>" in page


@pytest.mark.parametrize("spelling", ["term.articles", "term['articles']", "term | attr('articles')"])
def test_a_term_page_reading_all_its_articles_is_never_stale(tmp_path: Path, spelling: str):
    site = write_site(
        tmp_path / "site",
        {
            "site.yaml": 'title: "T"\nbase_url: "https://example.org/"\nsearch: false\nper_page: 1\n',
            "content/a.md": article(title="Alpha", tags="[energy]", date="2024-01-01"),
            "content/b.md": article(title="Beta", tags="[energy]", date="2024-01-02"),
            "themes/default/templates/term.html": '{% extends "default/term.html" %}{% block content %}'
            "{% for a in " + spelling + " %}<i>{{ a.title }}</i>{% endfor %}{{ super() }}{% endblock %}",
        },
    )
    out = tmp_path / "out"
    build(site, out)
    (site / "content" / "c.md").write_text(article(title="Gamma", tags="[energy]", date="2024-01-03"))
    build(site, out)
    assert "Gamma" in (out / "tags/energy/page/2/index.html").read_text()
    assert tree(out) == clean_build(site, tmp_path)


def test_rendered_bodies_of_another_cache_format_are_deleted(tmp_path: Path):
    from sitegen.cache import FORMAT

    site = write_site(tmp_path / "site", {"content/a.md": article()})
    folder = cache_folder(site)
    folder.mkdir(parents=True)
    older = f"bodies-v{FORMAT - 1}.sqlite"
    for name in (older, f"{older}-wal", f"bodies-v{FORMAT}0.sqlite"):
        (folder / name).write_bytes(b"old")
    build(site, tmp_path / "out")
    assert sorted(p.name for p in folder.glob("bodies-*") if not p.name.endswith(("-wal", "-shm"))) == [
        f"bodies-v{FORMAT}.sqlite"
    ]
    assert not (folder / f"{older}-wal").exists()


def test_near_duplicates_kept_in_the_cache_serve_a_new_process_and_damaged_ones_are_found_again(
    tmp_path: Path,
):
    from sitegen.cache import _STAMP

    story = " ".join(f"Sentence {n} tells the readers about the port strike and its crews." for n in range(8))
    files = {
        "content/a.md": article(title="Port strike", body=story),
        "content/b.md": article(title="Port strike again", body=story),
        "content/c.md": article(title="Budget", body="The budget passed."),
    }
    site = write_site(tmp_path / "site", files)
    out = tmp_path / "out"

    def near(result) -> list[str]:
        return sorted(f"{w.path}: {w.message}" for w in result.warnings if "nearly the same" in w.message)

    first = near(build(site, out))
    assert len(first) == 1 and "content/b.md" in first[0] and "content/a.md" in first[0]
    kept = cache_folder(site) / "near-duplicates.pickle"
    assert kept.is_file()
    (site / "content/c.md").write_text(article(title="Budget", body="The budget passed at last."))
    assert near(build(site, out)) == first  # a new engine: the pairs from the cache
    kept.write_bytes(cache_bytes({"stamp": _STAMP, "plain": ({"content/a.md": b"x"}, [("a", "b", 1, 0)])}))
    (site / "content/c.md").write_text(article(title="Budget", body="The budget passed, at last."))
    result = build(site, out)
    messages = [str(w) for w in result.warnings if "build cache" in str(w)]
    assert len(messages) == 1 and "corrupt" in messages[0], messages
    assert near(result) == first
    assert tree(out) == clean_build(site, tmp_path)


def test_a_new_process_compiles_only_the_templates_that_changed(tmp_path: Path, monkeypatch):
    """The build cache keeps the theme's templates as Jinja2 compiled them: a later
    `sitegen build` compiles only a template whose source changed, and shows its change."""
    import jinja2

    compiled: list[str | None] = []
    compile_source = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return compile_source(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    site = write_site(tmp_path / "site", {"content/a.md": article(title="Alpha")})
    out = tmp_path / "out"
    build(site, out, jobs=1)
    assert "article.html" in compiled
    compiled.clear()
    (site / "content/a.md").write_text(article(title="Alpha", body="A new body."))
    build(site, out, jobs=1)  # a new Engine, as a new process makes
    assert compiled == []
    override = site / "themes/default/templates/article.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "default/article.html" %}{% block content %}Overridden{% endblock %}')
    build(site, out, jobs=1)
    assert compiled == ["article.html"]
    assert "Overridden" in (out / "articles/a/index.html").read_text()
    assert tree(out) == clean_build(site, tmp_path)


def test_damaged_compiled_templates_are_compiled_again_with_a_warning(tmp_path: Path):
    import pickle

    site = write_site(tmp_path / "site", {"content/a.md": article(title="Alpha")})
    out = tmp_path / "out"
    build(site, out)
    path = cache_folder(site) / "templates.pickle"
    stored = pickle.loads(path.read_bytes())
    compiled = stored["plain"]["compiled"]
    key = next(iter(compiled))
    digest, code = compiled[key]
    compiled[key] = (digest, code[:-8] + b"\x00" * 8)  # a few bytes lost: the digest tells
    path.write_bytes(cache_bytes(stored))
    (site / "content/a.md").write_text(article(title="Beta"))
    result = build(site, out)
    assert any("templates.pickle" in str(w) and "corrupt" in str(w) for w in result.warnings)
    assert tree(out) == clean_build(site, tmp_path)
    assert not [str(w) for w in build(site, out).warnings if "cache" in str(w)]

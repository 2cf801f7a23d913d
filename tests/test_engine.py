"""The engine the preview keeps between builds: told which files changed, it rebuilds the
site it holds in memory and writes only what changed into its folder. After any edit,
that folder must equal a clean build, byte for byte, and a body edit must render only
the pages that show that body."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from siteutil import write_site
from test_incremental import EDITS, articles_of, clean_build, random_article, tree

from sitegen.engine import PARALLEL_PAGES_FROM, Engine
from sitegen.write import MARKER


def files_of(site: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}


def what_changed(before: dict[Path, bytes], after: dict[Path, bytes]) -> set[Path]:
    """The paths a file watcher reports for the change from `before` to `after`."""
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    # A watcher also reports the folders that were made.
    known = {folder for p in before for folder in p.parents}
    changed |= {folder for p in after.keys() - before.keys() for folder in p.parents if folder not in known}
    return changed


def edit_body_only(site: Path, rng: random.Random, n: int) -> None:
    path = rng.choice(articles_of(site))
    path.write_text(path.read_text() + f"\nbodymark{n} added.\n")


ANY_EDIT = st.sampled_from([*EDITS, edit_body_only])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), edits=st.lists(ANY_EDIT, min_size=3, max_size=12))
def test_the_preview_engine_equals_a_clean_build_after_every_edit(tmp_path_factory, seed, edits):
    tmp_path = tmp_path_factory.mktemp("engine")
    rng = random.Random(seed)
    files = {f"content/2024/story-{i}.md": random_article(rng, i) for i in range(12)}
    files["site.yaml"] = (
        'title: "Brief"\nbase_url: "https://example.org/"\nsearch: false\nper_page: 3\nfeed_limit: 4\n'
    )
    site = write_site(tmp_path / "site", files)
    out = tmp_path / "preview"
    engine = Engine(site, jobs=1)
    engine.build(out, in_place=True)
    for n, edit in enumerate(edits):
        before = files_of(site)
        edit(site, rng, n)
        result = engine.build(out, changed=what_changed(before, files_of(site)), in_place=True)
        expected = clean_build(site, tmp_path)
        assert tree(out) == expected, f"after {edit.__name__} (edit {n})"
        if edit is edit_body_only:
            showing = {path for path, data in expected.items() if f"bodymark{n}".encode() in data}
            assert result.rendered_paths and set(result.rendered_paths) <= showing
    shutil.rmtree(tmp_path)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10**6),
    steps=st.lists(st.tuples(ANY_EDIT, st.sets(st.sampled_from(["a", "b", "c"]))), min_size=3, max_size=10),
)
def test_one_engine_keeps_several_outputs_right_whichever_it_builds(tmp_path_factory, seed, steps):
    """The engine remembers what changed since each output's last build: an output left
    behind for a few edits (or built the command line's way, not in place) catches up."""
    tmp_path = tmp_path_factory.mktemp("outputs")
    rng = random.Random(seed)
    files = {f"content/2024/story-{i}.md": random_article(rng, i) for i in range(10)}
    files["site.yaml"] = 'title: "Brief"\nbase_url: "https://example.org/"\nper_page: 3\nsearch: false\n'
    site = write_site(tmp_path / "site", files)
    engine = Engine(site, jobs=1)
    in_place = {"a": True, "b": True, "c": False}
    for name in "abc":
        engine.build(tmp_path / name, in_place=in_place[name])
    changed: set[Path] = set()  # since the engine's last build, into whichever output
    for n, (edit, outputs) in enumerate(steps):
        before = files_of(site)
        edit(site, rng, n)
        changed |= what_changed(before, files_of(site))
        expected = clean_build(site, tmp_path)
        for name in sorted(outputs):
            engine.build(tmp_path / name, changed=changed, in_place=in_place[name])
            changed = set()
            assert tree(tmp_path / name) == expected, f"output {name} after {edit.__name__} (edit {n})"


def test_a_failed_preview_build_leaves_the_last_good_pages(tmp_path: Path):
    rng = random.Random(4)
    site = write_site(tmp_path / "site", {f"content/s-{i}.md": random_article(rng, i) for i in range(6)})
    out = tmp_path / "preview"
    engine = Engine(site, jobs=1)
    engine.build(out, in_place=True)
    good = tree(out)
    card = site / "themes" / "default" / "templates" / "partials" / "card.html"
    card.parent.mkdir(parents=True)
    card.write_text("{{ article.title }}{{ no_such_variable }}")
    (site / "content" / "s-1.md").write_text(random_article(rng, 100))
    try:
        engine.build(out, changed={card, site / "content" / "s-1.md"}, in_place=True)
    except Exception as exc:  # SiteError naming the template
        assert "card.html" in str(exc)
    else:
        raise AssertionError("the build should have failed")
    assert tree(out) == good
    assert not [p for p in out.rglob("*") if p.name.startswith(".sitegen-tmp")]
    card.unlink()
    engine.build(out, changed={card}, in_place=True)
    assert tree(out) == clean_build(site, tmp_path)
    assert (out / MARKER).exists()


def test_a_folder_of_articles_moved_away_whole_is_noticed(tmp_path: Path):
    """A watcher reports a folder moved out of content/ as that one path, not its files."""
    rng = random.Random(5)
    files = {f"content/2024.old/s-{i}.md": random_article(rng, i) for i in range(4)}
    files["content/keep.md"] = random_article(rng, 9)
    site = write_site(tmp_path / "site", files)
    out = tmp_path / "preview"
    engine = Engine(site, jobs=1)
    engine.build(out, in_place=True)
    (site / "content" / "2024.old").rename(tmp_path / "elsewhere")
    result = engine.build(out, changed={site / "content" / "2024.old"}, in_place=True)
    assert result.articles == 1
    assert tree(out) == clean_build(site, tmp_path)


def test_cards_rendered_ahead_by_workers_and_shown_nowhere_are_not_kept(tmp_path: Path):
    """A large rebuild renders the cards of every listed article in worker processes ahead of
    the pages. With a theme whose listings show no cards, those cards are shown by no page,
    so the dependency graph never learns what they read: the next builds must not keep them.
    Here the listings show titles only, an edit changes an article's title, and then the
    listings start showing cards: each must show the new title, as a clean build does."""
    rng = random.Random(9)
    files = {f"content/2024/story-{i}.md": random_article(rng, i) for i in range(PARALLEL_PAGES_FROM)}
    files["site.yaml"] = (
        'title: "Brief"\nbase_url: "https://example.org/"\nsearch: false\nsocial_cards: false\n'
    )
    titles_only = "{% for article in articles %}<p>{{ article.title }}</p>{% endfor %}\n"
    files["themes/default/templates/partials/list.html"] = titles_only
    site = write_site(tmp_path / "site", files)
    out = tmp_path / "preview"
    engine = Engine(site, jobs=2)
    assert engine.build(out, in_place=True).rendered >= PARALLEL_PAGES_FROM  # in workers
    edited = site / "content/2024/story-7.md"
    text = edited.read_text()
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    edited.write_text(text.replace(title, 'title: "A title no card has shown"'))
    engine.build(out, changed={edited}, in_place=True)
    listing = site / "themes/default/templates/partials/list.html"
    listing.write_text("{% for article in articles %}{{ card(article) }}{% endfor %}\n")
    engine.build(out, changed={listing}, in_place=True)
    expected = clean_build(site, tmp_path)
    assert b"A title no card has shown" in b"".join(expected.values())
    assert tree(out) == expected

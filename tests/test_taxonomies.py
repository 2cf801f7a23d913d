"""`taxonomies:` in site.yaml: the built-in three by default, more (or fewer) when a site says so."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from siteutil import article

from sitegen import build
from sitegen.config import BUILTIN_TAXONOMIES, load_config
from sitegen.errors import SiteError

SITE_YAML = 'title: "Test Briefing"\nbase_url: "https://example.org/"\nper_page: 2\n'
PEOPLE_AS_LIST = SITE_YAML + "taxonomies: [tags, regions, sources, people]\n"


def people_site(make_site, site_yaml: str = PEOPLE_AS_LIST) -> Path:
    return make_site(
        {
            "site.yaml": site_yaml,
            "content/a.md": article(title="First", date="2024-10-01", people="[Ana Lima, Jonas Berg]"),
            "content/b.md": article(title="Second", date="2024-10-02", people='"ana lima"'),
            "content/c.md": article(title="Third", date="2024-10-03", people="[Ana Lima]", tags="[trade]"),
        }
    )


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_default_is_the_built_in_three(make_site):
    config, problems = load_config(make_site({}))
    assert problems == [] or all(not p.is_error for p in problems)
    assert [t.name for t in config.taxonomies] == ["tags", "regions", "sources"]
    assert config.taxonomies == BUILTIN_TAXONOMIES


def test_a_taxonomy_added_as_a_list_gets_its_pages_feeds_and_place(make_site):
    site = people_site(make_site)
    result = build(site)
    assert not [p for p in result.warnings if "people" in p.message], result.warnings  # a known key
    out = site / "output"
    index = text(out / "people/index.html")
    assert 'href="/people/ana-lima/"' in index and 'href="/people/jonas-berg/"' in index
    # Matched without regard to case, shown in its most common spelling, paginated by per_page.
    first = text(out / "people/ana-lima/index.html")
    assert "Ana Lima" in first and "Third" in first and "Second" in first and "First" not in first
    assert "First" in text(out / "people/ana-lima/page/2/index.html")
    feed = ET.parse(out / "people/ana-lima/feed.xml").getroot()
    titles = [
        e.findtext("{http://www.w3.org/2005/Atom}title")
        for e in feed.iter("{http://www.w3.org/2005/Atom}entry")
    ]
    assert titles == ["Third", "Second", "First"]
    # On the article page, on cards and in the navigation of every page.
    page = text(out / "articles/a/index.html")
    assert "<dt>People</dt>" in page and 'href="/people/jonas-berg/"' in page
    assert 'class="term term-people" href="/people/ana-lima/"' in text(out / "index.html")
    assert '<a href="/people/">People</a>' in text(out / "timeline/index.html")


def test_a_mapping_gives_titles_and_leaves_out_what_it_does_not_name(make_site):
    site_yaml = SITE_YAML + "taxonomies:\n  tags:\n  people: {title: People in the news, singular: Person}\n"
    site = people_site(make_site, site_yaml)
    build(site)
    out = site / "output"
    assert "People in the news" in text(out / "people/index.html")
    assert '<a href="/people/">People in the news</a>' in text(out / "index.html")
    assert not (out / "regions").exists() and not (out / "sources").exists()
    assert 'href="/regions/' not in text(out / "articles/a/index.html")
    assert (out / "tags/trade/index.html").is_file()


def test_feeds_can_be_turned_off(make_site):
    site = people_site(make_site, SITE_YAML + "taxonomies: {people: {feeds: false}}\n")
    build(site)
    assert (site / "output/people/ana-lima/index.html").is_file()
    assert not (site / "output/people/ana-lima/feed.xml").exists()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("[tags, articles]", "clashes with the site's own /articles/ pages"),
        ("[tags, timeline]", "clashes with the site's own /timeline/ pages"),
        ("[search]", "clashes"),
        ("[People]", "lowercase letters"),
        ("[tags, tags]", "named twice"),
        ("[title]", "front matter field"),
        ("tags", "expected a list of names or a mapping"),
        ("{people: {colour: red}}", "unknown option 'colour'"),
        ("{people: {title: 5}}", "title must be a non-empty string"),
        ("{people: [x]}", "expected a mapping of options"),
    ],
)
def test_a_wrong_taxonomies_key_is_an_error_naming_it(make_site, cli, value, words):
    site = make_site({"site.yaml": SITE_YAML + f"taxonomies: {value}\n", "content/a.md": article()})
    result = cli("build", "--site", site)
    assert result.code == 1
    line = next(line for line in result.err.splitlines() if "taxonomies" in line)
    assert line.startswith("site.yaml:4:") and words in line, result.err
    assert "Traceback" not in result.err


def test_names_under_an_added_taxonomy_are_checked_like_tags(make_site):
    site = make_site({"site.yaml": PEOPLE_AS_LIST, "content/a.md": article(people="{a: 1}")})
    with pytest.raises(SiteError) as caught:
        build(site)
    [problem] = [p for p in caught.value.problems if p.is_error]
    assert (problem.path, problem.line) == ("content/a.md", 5)
    assert problem.message.startswith("people: expected a list of names")


def test_a_key_a_taxonomy_reads_is_no_near_miss(make_site):
    files = {"content/a.md": article(authors="[Ana Lima]")}
    unconfigured = build(make_site(files, "plain"))
    assert any("did you mean 'author'" in p.message for p in unconfigured.warnings)
    site = make_site({**files, "site.yaml": SITE_YAML + "taxonomies: [tags, authors]\n"}, "configured")
    configured = build(site)
    assert not any("did you mean" in p.message for p in configured.warnings)
    assert (site / "output/authors/ana-lima/index.html").is_file()


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_changing_the_taxonomies_rebuilds_as_a_clean_build_would(make_site, tmp_path):
    # Search off: Pagefind writes its filter files in an order of its own in each clean build.
    site = people_site(make_site, SITE_YAML + "search: false\n")
    build(site)  # the built-in three: `people` is extra data
    assert not (site / "output/people").exists()
    for site_yaml in (PEOPLE_AS_LIST, SITE_YAML + "taxonomies: {people: {title: Who}}\n", SITE_YAML):
        (site / "site.yaml").write_text(site_yaml + "search: false\n")
        build(site)
        shutil.rmtree(tmp_path / "clean", ignore_errors=True)
        build(site, tmp_path / "clean", use_cache=False)
        assert tree(site / "output") == tree(tmp_path / "clean"), site_yaml

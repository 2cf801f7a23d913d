"""A tidy vocabulary: `aliases:` merges spellings into one term, `redirects:` keeps old
addresses working, and `sitegen terms` lists every term with flags for the editor."""

from __future__ import annotations

import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from itertools import combinations
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from linkcheck import check_links, html_pages, links_of, page_url_path, target_file
from siteutil import DEFAULT_SITE_YAML, REPO, article, write_site

from sitegen import build
from sitegen.config import SiteConfig, load_config
from sitegen.errors import SiteError
from sitegen.slugs import slugify
from sitegen.validate import validate_bytes
from sitegen.vocabulary import (
    ALIAS_TARGET_MISSING,
    MIN_TYPO_LENGTH,
    SIMILAR,
    USED_ONCE,
    Listed,
    likeness_key,
    load_vocabulary,
    one_edit_apart,
    similar_groups,
)

ATOM = "{http://www.w3.org/2005/Atom}"
REFRESH = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)">')
NOINDEX = '<meta name="robots" content="noindex">'

ALIASES_YAML = """aliases:
  tags:
    ukraine-war: [war-in-ukraine, Russia Ukraine war]
    energy: power
  regions:
    Europe: [EU]
"""


DEFAULT_LINES = DEFAULT_SITE_YAML.count("\n")  # the lines before a test's own site.yaml lines


def site_files(site_yaml: str, articles: dict[str, str]) -> dict[str, str]:
    return {"site.yaml": DEFAULT_SITE_YAML + site_yaml, **{f"content/{k}.md": v for k, v in articles.items()}}


MERGED = {
    "a": article(title="Front moves", date="2024-03-01", tags="[war-in-ukraine, trade]", region="EU"),
    "b": article(title="Talks open", date="2024-03-02", tags="[Ukraine War]", region="Europe"),
    "c": article(title="Grid strained", date="2024-03-03", tags="[Russia Ukraine war, power]"),
    "d": article(title="Both spellings", date="2024-03-04", tags="[ukraine-war, war-in-ukraine]"),
}


@pytest.fixture(scope="module")
def merged(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("merged")
    site = write_site(root / "site", site_files(ALIASES_YAML, MERGED))
    build(site, root / "out", use_cache=False)
    return root / "out"


def read(out: Path, path: str) -> str:
    return target_file(out, path).read_text(encoding="utf-8")


def article_slugs(page: str) -> list[str]:
    found = [m.group(1) for link in links_of(page) if (m := re.match(r"^/articles/([^/]+)/$", link))]
    return list(dict.fromkeys(found))


def follow(out: Path, path: str, base_path: str = "/") -> str:
    """Where a reader who opens `path` ends up, following refresh redirects (never in a loop)."""
    seen = []
    while True:
        refresh = REFRESH.search(read(out, path))
        if refresh is None:
            return path
        assert path not in seen, f"a redirect loop: {seen}"
        seen.append(path)
        target = html.unescape(refresh.group(1))
        assert target.startswith(base_path), target
        path = target[len(base_path) :]


# --- aliases: merged everywhere ----------------------------------------------------------------


def test_articles_tagged_with_an_alias_are_listed_under_the_canonical_term(merged: Path):
    assert article_slugs(read(merged, "tags/ukraine-war/")) == ["d", "c", "b", "a"]  # each once
    assert article_slugs(read(merged, "tags/energy/")) == ["c"]
    assert article_slugs(read(merged, "regions/europe/")) == ["b", "a"]
    index = read(merged, "tags/")
    assert re.search(r'href="/tags/ukraine-war/">ukraine-war</a> <span class="count">4 articles', index)
    assert "/tags/war-in-ukraine/" not in index and "/tags/power/" not in index
    # On the article page and on every card, the alias links to its canonical term.
    for page in ("articles/a/", "articles/c/", "tags/trade/", "", "timeline/2024/03/"):
        links = links_of(read(merged, page))
        assert "/tags/war-in-ukraine/" not in links and "/tags/power/" not in links
        assert "/regions/eu/" not in links
    assert "/tags/ukraine-war/" in links_of(read(merged, "articles/a/"))
    assert "/regions/europe/" in links_of(read(merged, "articles/a/"))
    assert "/tags/energy/" in links_of(read(merged, "articles/c/"))


def test_the_canonical_term_is_named_by_its_most_common_spelling_an_alias_counting_as_site_yamls(
    merged: Path,
):
    # 'ukraine-war' (site.yaml's, for the three alias uses and one article's own) beats 'Ukraine War'.
    assert '<h1 class="page-title">ukraine-war' in read(merged, "tags/ukraine-war/")
    assert '<h1 class="page-title">energy' in read(merged, "tags/energy/")


def test_feeds_carry_the_canonical_term(merged: Path):
    root = ET.fromstring((merged / "feed.xml").read_bytes())
    categories = {
        entry.findtext(f"{ATOM}title"): [c.get("term") for c in entry.iter(f"{ATOM}category")]
        for entry in root.iter(f"{ATOM}entry")
    }
    assert categories["Front moves"] == ["ukraine-war", "trade"]
    assert categories["Grid strained"] == ["ukraine-war", "energy"]
    assert categories["Both spellings"] == ["ukraine-war"]
    term_feed = ET.fromstring((merged / "tags/ukraine-war/feed.xml").read_bytes())
    assert len(term_feed.findall(f"{ATOM}entry")) == 4


def test_an_alias_url_is_a_redirect_page_to_the_canonical_term(merged: Path):
    page = read(merged, "tags/war-in-ukraine/")
    assert REFRESH.search(page).group(1) == "/tags/ukraine-war/"
    assert '<link rel="canonical" href="https://example.org/tags/ukraine-war/">' in page
    assert NOINDEX in page
    assert '<a href="/tags/ukraine-war/">' in page  # a link the reader can follow
    assert follow(merged, "tags/russia-ukraine-war/") == "tags/ukraine-war/"
    assert follow(merged, "regions/eu/") == "regions/europe/"
    # A feed reader does not follow an HTML redirect: the alias's old feed is the term's feed.
    assert (merged / "tags/war-in-ukraine/feed.xml").read_bytes().count(b"<entry>") == 4


def test_redirect_pages_are_left_out_of_the_sitemap(merged: Path):
    sitemap = (merged / "sitemap.xml").read_text()
    for alias in ("war-in-ukraine", "russia-ukraine-war", "power"):
        assert f"/tags/{alias}/" not in sitemap
    assert "/tags/ukraine-war/" in sitemap


def test_an_alias_of_a_term_without_articles_warns_and_still_keeps_its_address(make_site, tmp_path):
    site = make_site(site_files("aliases: {tags: {climate: [weather]}}\n", {"a": article(tags="[trade]")}))
    result = build(site, tmp_path / "out", use_cache=False)
    [warning] = [p for p in result.warnings if "aliases" in p.message]
    assert "'climate' has no articles" in warning.message and warning.path == "site.yaml"
    assert REFRESH.search(read(tmp_path / "out", "tags/weather/")).group(1) == "/tags/climate/"


NAME_PARTS = st.sampled_from(
    ["Energy", "energy", "São Paulo", "sao-paulo", "C++", "C plus plus", "trade", " x "]
)


@settings(max_examples=300, deadline=None)
@given(tags=st.lists(NAME_PARTS, max_size=6), people=st.lists(NAME_PARTS, max_size=4))
def test_without_aliases_resolving_an_articles_names_changes_nothing(tags: list[str], people: list[str]):
    """The model skips resolving names when site.yaml has no aliases: exact, because validation
    already keeps each slug of an article once."""
    text = article(tags=json.dumps(tags), people=json.dumps(people)).encode()
    validated = validate_bytes(text, Path("a.md"), "content/a.md", ZoneInfo("UTC"), ("people",), None)
    found = validated.article
    assert found is not None
    config = SiteConfig()
    assert config.canonical_names("tags", found.tags) == found.tags
    assert config.canonical_names("people", found.terms["people"]) == found.terms["people"]


# --- the merged site is the site with the canonical term written in (hypothesis) ---------------

CANONICAL = {"ukraine-war": ["war-in-ukraine", "Russia Ukraine war"], "Energy": ["power", "Power Supply"]}
SPELLINGS = [
    *CANONICAL,
    *(alias for aliases in CANONICAL.values() for alias in aliases),
    "WAR IN UKRAINE",  # an alias's slug, spelt otherwise
    "Ukraine War",  # the canonical's slug, spelt otherwise
    "energy",
    "trade",
]


def replaced(name: str) -> str:
    """The name with an alias replaced by its canonical term, as an editor would edit the file."""
    return next((c for c, aliases in CANONICAL.items() if slugify(name) in map(slugify, aliases)), name)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tag_lists=st.lists(st.lists(st.sampled_from(SPELLINGS), max_size=4), min_size=1, max_size=5),
    per_page=st.integers(1, 3),
)
def test_a_site_with_aliases_equals_the_site_with_each_alias_replaced_but_for_the_redirects(
    tmp_path_factory, tag_lists: list[list[str]], per_page: int
):
    root = tmp_path_factory.mktemp("equal")
    aliases = yaml.safe_dump({"aliases": {"tags": CANONICAL}})
    config = f"per_page: {per_page}\n"

    def articles(names_of) -> dict[str, str]:
        return {
            f"a{i}": article(title=f"Story {i}", date=f"2024-03-{i + 1:02d}", tags=json.dumps(names_of(tags)))
            for i, tags in enumerate(tag_lists)
        }

    aliased = write_site(root / "aliased", site_files(config + aliases, articles(list)))
    written = write_site(
        root / "written", site_files(config, articles(lambda tags: [replaced(t) for t in tags]))
    )
    build(aliased, root / "aliased-out", use_cache=False, jobs=1)
    build(written, root / "written-out", use_cache=False, jobs=1)
    moved = {
        f"tags/{slugify(alias)}/{name}" for aliases in CANONICAL.values() for alias in aliases
        for name in ("index.html", "feed.xml")
    }  # fmt: skip
    with_aliases = tree(root / "aliased-out")
    assert moved & set(with_aliases)
    assert {path: data for path, data in with_aliases.items() if path not in moved} == tree(
        root / "written-out"
    )
    shutil.rmtree(root)


# --- redirects: ------------------------------------------------------------------------------


def test_redirects_keep_old_addresses_and_lead_to_the_new_ones(make_site, tmp_path):
    site = make_site(
        {
            **site_files(
                "redirects:\n  /coverage/ukraine/: /tags/trade/\n  /old-page.html: /files/report.pdf\n"
                "  /away/: https://elsewhere.example/page/\n  /s%C3%A3o/: /tags/\n",
                {"a": article(tags="[trade]")},
            ),
            "static/files/report.pdf": "%PDF",
        }
    )
    result = build(site, tmp_path / "out", use_cache=False)
    out = tmp_path / "out"
    assert not [p for p in result.warnings if "redirects" in p.message]
    assert follow(out, "coverage/ukraine/") == "tags/trade/"
    assert REFRESH.search(read(out, "old-page.html")).group(1) == "/files/report.pdf"
    away = read(out, "away/")
    assert REFRESH.search(away).group(1) == "https://elsewhere.example/page/"
    assert '<link rel="canonical" href="https://elsewhere.example/page/">' in away
    assert follow(out, "são/") == "tags/"
    sitemap = (out / "sitemap.xml").read_text()
    assert "coverage" not in sitemap and "old-page" not in sitemap and "away" not in sitemap
    assert check_links(out, "https://example.org/")[1] == []


def test_redirects_under_a_base_path(make_site, tmp_path):
    site = make_site(site_files("redirects: {/old/: /tags/trade/}\n", {"a": article(tags="[trade]")}))
    build(site, tmp_path / "out", base_url="https://example.org/news/", use_cache=False)
    page = read(tmp_path / "out", "old/")
    assert REFRESH.search(page).group(1) == "/news/tags/trade/"
    assert '<link rel="canonical" href="https://example.org/news/tags/trade/">' in page
    assert follow(tmp_path / "out", "old/", "/news/") == "tags/trade/"


def test_a_redirect_to_a_path_the_site_does_not_have_is_a_warning(make_site, tmp_path):
    site = make_site(site_files("# config\nredirects: {/old/: /tags/nothing/}\n", {"a": article()}))
    result = build(site, tmp_path / "out", use_cache=False)
    [warning] = [p for p in result.warnings if "redirects" in p.message]
    assert (warning.path, warning.line) == ("site.yaml", DEFAULT_LINES + 2)
    assert "/old/ leads to /tags/nothing/, which the site does not have" in warning.message
    assert (tmp_path / "out/old/index.html").is_file()


@pytest.mark.parametrize(
    "source", ["/tags/", "/articles/port-strike-ends/", "/", "/feed.xml/", "/tags/ukraine-war/"]
)
def test_a_redirect_from_a_page_the_site_builds_is_an_error(make_site, tmp_path, cli, source):
    site = make_site(
        site_files(
            f"aliases: {{tags: {{trade: [ukraine-war]}}}}\nredirects: {{'{source}': /tags/trade/}}\n",
            {"port-strike-ends": article(tags="[trade]")},
        )
    )
    with pytest.raises(SiteError) as raised:
        build(site, tmp_path / "out", use_cache=False)
    [problem] = [p for p in raised.value.problems if p.is_error]
    assert (problem.path, problem.line) == ("site.yaml", DEFAULT_LINES + 2)
    assert problem.message.startswith("redirects: /") and "is a page the site builds" in problem.message
    assert not (tmp_path / "out").exists()
    run = cli("check", "--site", site)
    assert run.code == 1 and f"site.yaml:{DEFAULT_LINES + 2}: redirects:" in run.err


# --- configuration errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("aliases: [a, b]", "aliases: expected a mapping of taxonomies"),
        (
            "aliases: {people: {a: [b]}}",
            "aliases: unknown taxonomy 'people' (the site's: tags, regions, sources)",
        ),
        ("aliases: {tags: [a]}", "aliases: tags: expected a mapping from each canonical term to its aliases"),
        ("aliases: {tags: {a: [b], c: [B]}}", "aliases: tags: 'B' is listed under two terms, 'a' and 'c'"),
        ("aliases: {tags: {ukraine-war: [Ukraine War]}}", "'Ukraine War' is the term 'ukraine-war' itself"),
        ("aliases: {tags: {a: [b], b: [c]}}", "'b' is an alias of 'a' and a term with aliases of its own"),
        ("aliases: {tags: {a: [b], A: [c]}}", "aliases: tags: 'A' and 'a' are one term, listed twice"),
        ("aliases: {tags: {a: [1]}}", "aliases: tags: a: expected a list of names, got [1]"),
        ("aliases: {tags: {'!!': [b]}}", "aliases: tags: '!!' must be a term's name"),
        ("aliases: {tags: {a: {b: c}}}", "aliases: tags: a: expected a list of names"),
        ("redirects: [/a/]", "redirects: expected a mapping of old paths to new ones"),
        ("redirects: {old/: /new/}", "redirects: 'old/' must be a path of the site"),
        ("redirects: {/a/../../x/: /new/}", "redirects: '/a/../../x/' must be a path of the site"),
        ("redirects: {/.git/x: /new/}", "redirects: '/.git/x' must be a path of the site"),
        ("redirects: {/a?b=1: /new/}", "redirects: '/a?b=1' must be a path of the site"),
        ("redirects: {/a/: new/}", "redirects: '/a/': the new path 'new/' must be a path of the site"),
        (
            "redirects: {/a/: 'ftp://x.example/'}",
            "the new path 'ftp://x.example/' must be a path of the site",
        ),
        ("redirects: {/a/: /a/}", "redirects: '/a/' leads to itself"),
        ("redirects: {/a: /b/, /a/: /c/}", "redirects: '/a/' is the old path 'a/' again"),
        ("redirects: {/a/: /b/, /b/: /c/}", "redirects: /a/ leads to /b/, which is itself redirected to /c/"),
    ],
)
def test_configuration_errors_name_the_key_and_line(tmp_path: Path, text: str, expected: str):
    (tmp_path / "site.yaml").write_text(f'title: "T"\nbase_url: "https://example.org/"\n{text}\n')
    config, problems = load_config(tmp_path)
    errors = [p for p in problems if p.is_error]
    assert errors, f"no error for {text}"
    assert all((p.path, p.line) == ("site.yaml", 3) for p in errors)
    assert any(expected in p.message for p in errors), [p.message for p in errors]
    assert config.aliases == () and config.redirects == ()


def test_an_error_inside_aliases_or_redirects_points_at_its_own_line(tmp_path: Path):
    (tmp_path / "site.yaml").write_text(
        "aliases:\n  tags:\n    a: [b]\n    c:\n      - d\n      - b\n  regions:\n    Europe: Europe\n"
        "redirects:\n  /x/: /y/\n  /y/: /z/\n  /q/: nowhere\n"
    )
    _, problems = load_config(tmp_path)
    found = {(p.line, p.message.split(":")[1].strip()) for p in problems if p.is_error}
    assert found == {
        (6, "tags"),
        (8, "regions"),
        (10, "/x/ leads to /y/, which is itself redirected to /z/"),
        (12, "'/q/'"),
    }


def test_empty_aliases_and_redirects_are_none(tmp_path: Path):
    (tmp_path / "site.yaml").write_text("aliases:\nredirects:\n")
    config, problems = load_config(tmp_path)
    assert not [p for p in problems if p.is_error]
    assert config.aliases == () and config.redirects == ()


def test_aliases_of_a_taxonomy_added_after_them_are_known(tmp_path: Path):
    (tmp_path / "site.yaml").write_text(
        "aliases: {people: {Ana Lima: [A. Lima]}}\ntaxonomies: [tags, people]\n"
    )
    config, problems = load_config(tmp_path)
    assert not [p for p in problems if p.is_error]
    assert config.canonical_names("people", ["a-lima", "Jonas"]) == ("Ana Lima", "Jonas")


def test_a_wrong_taxonomies_key_does_not_add_an_unknown_taxonomy_error(tmp_path: Path):
    (tmp_path / "site.yaml").write_text(
        "aliases: {people: {Ana Lima: [A. Lima]}}\ntaxonomies: [tags, page]\n"
    )
    _, problems = load_config(tmp_path)
    assert [p.message for p in problems if p.is_error and "aliases" in p.message] == []


def test_the_sample_site_uses_an_alias_and_a_redirect():
    config = yaml.safe_load((REPO / "site.yaml").read_text())
    aliases = {slugify(a) for names in config["aliases"]["tags"].values() for a in names}
    front = [yaml.safe_load(p.read_text().split("\n---", 1)[0][4:]) for p in (REPO / "content").rglob("*.md")]
    assert any(slugify(tag) in aliases for f in front for tag in f.get("tags") or [])
    assert config["redirects"]


def test_every_alias_and_redirect_of_the_sample_leads_to_a_page(tmp_path: Path):
    """Crawled: each old address leads, through its refresh, to the page of its new one."""
    out = tmp_path / "out"
    build(REPO, out, use_cache=False)
    config = yaml.safe_load((REPO / "site.yaml").read_text())
    for taxonomy, terms in config["aliases"].items():
        for term, aliases in terms.items():
            for alias in aliases:
                assert follow(out, f"{taxonomy}/{slugify(alias)}/") == f"{taxonomy}/{slugify(term)}/"
    for source, target in config["redirects"].items():
        assert follow(out, source[1:]) == target[1:]
    redirects = [p for p in html_pages(out) if NOINDEX in p.read_text()]
    assert len(redirects) >= 3
    sitemap = (out / "sitemap.xml").read_text()
    assert not [p for p in redirects if page_url_path(out, p) in sitemap]
    assert check_links(out, config["base_url"])[1] == []


# --- incremental builds ------------------------------------------------------------------------


def test_an_aliases_edit_rebuilds_as_a_clean_build(make_site, tmp_path):
    site = make_site(site_files(ALIASES_YAML, MERGED))
    out = tmp_path / "out"
    build(site, out)
    for edit in (
        "aliases: {tags: {trade: [war-in-ukraine]}}\n",
        "aliases: {tags: {power: [energy, Russia Ukraine war]}}\nredirects: {/old/: /tags/power/}\n",
        "",
        ALIASES_YAML,
    ):
        (site / "site.yaml").write_text(DEFAULT_SITE_YAML + edit)
        build(site, out)
        shutil.rmtree(tmp_path / "clean", ignore_errors=True)
        build(site, tmp_path / "clean", use_cache=False)
        assert tree(out) == tree(tmp_path / "clean"), edit


# --- sitegen terms -----------------------------------------------------------------------------

TERMS_SITE = {
    "a": article(
        title="A", date="2024-01-05T10:00:00", tags="[sanctions, cyber-attack, shipping]", region="Europe"
    ),
    "b": article(title="B", date="2024-02-05", tags="[Sanction, cyberattack, shipping]", region="Europe"),
    "c": article(title="C", date="2024-03-05", tags="[Sanctions, shiping, war-in-ukraine]"),
    "d": article(title="D", date="2024-04-05", tags="[iran, iraq, Russia Ukraine war]"),
}
TERMS_ALIASES = "aliases: {tags: {ukraine-war: [war-in-ukraine, Russia Ukraine war], climate: [weather]}}\n"


def terms_json(cli, site: Path, *more: str) -> list[dict]:
    run = cli("terms", "--site", site, "--json", *more)
    assert run.code == 0, run.err
    return json.loads(run.out)


def test_terms_json_lists_every_term_with_exactly_its_fields(make_site, cli):
    site = make_site(site_files(TERMS_ALIASES, TERMS_SITE))
    listed = terms_json(cli, site)
    assert all(
        list(item) == ["taxonomy", "name", "slug", "count", "first", "latest", "flags"] for item in listed
    )
    by = {(item["taxonomy"], item["slug"]): item for item in listed}
    assert [key for key in by if key[0] != "tags"] == [("regions", "europe"), ("sources", "meridian-wire")]
    sanctions = by[("tags", "sanctions")]
    assert (sanctions["name"], sanctions["count"]) == ("Sanctions", 2)  # 'sanctions' and 'Sanctions'
    assert (sanctions["first"], sanctions["latest"]) == (
        "2024-01-05T10:00:00+00:00",
        "2024-03-05T00:00:00+00:00",
    )
    assert by[("regions", "europe")]["count"] == 2 and by[("regions", "europe")]["flags"] == []
    assert [item["slug"] for item in terms_json(cli, site, "--taxonomy", "regions")] == ["europe"]


def test_terms_flags_each_rule(make_site, cli):
    site = make_site(site_files(TERMS_ALIASES, TERMS_SITE))
    flags = {item["slug"]: item["flags"] for item in terms_json(cli, site, "--taxonomy", "tags")}
    assert flags["sanction"] == [USED_ONCE, SIMILAR + "sanctions"]  # a plural
    assert flags["sanctions"] == [SIMILAR + "sanction"]
    assert flags["cyber-attack"] == [USED_ONCE, SIMILAR + "cyberattack"]  # a hyphen
    assert flags["shiping"] == [USED_ONCE, SIMILAR + "shipping"]  # one letter
    assert flags["shipping"] == [SIMILAR + "shiping"]
    assert flags["iran"] == flags["iraq"] == [USED_ONCE]  # too short to be a typo of each other
    # Articles reach 'ukraine-war' through its aliases only: is the target spelt as meant?
    assert flags["ukraine-war"] == [ALIAS_TARGET_MISSING]
    # 'climate' has no articles at all: listed with a count of 0.
    climate = next(item for item in terms_json(cli, site) if item["slug"] == "climate")
    assert climate == {
        "taxonomy": "tags", "name": "climate", "slug": "climate", "count": 0,
        "first": None, "latest": None, "flags": [ALIAS_TARGET_MISSING],
    }  # fmt: skip


def test_terms_table_and_its_aliases_suggestion_which_pasted_merges_the_spellings(make_site, cli):
    site = make_site(site_files("", TERMS_SITE))
    run = cli("terms", "--site", site)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0] == "tags: 10 terms"
    assert re.match(r"^  name +slug +count +first +latest +flags$", lines[1])
    assert any(
        re.match(r"^  Sanctions +sanctions +2  2024-01-05  2024-03-05  similar:sanction$", ln) for ln in lines
    )
    suggestion = yaml.safe_load(run.out.split("add this to site.yaml (into its aliases:, if any):\n", 1)[1])
    assert suggestion == {
        "aliases": {
            "tags": {"Sanctions": ["Sanction"], "cyber-attack": ["cyberattack"], "shipping": ["shiping"]}
        }
    }
    (site / "site.yaml").write_text(DEFAULT_SITE_YAML + yaml.safe_dump(suggestion))
    listed = terms_json(cli, site, "--taxonomy", "tags")
    assert not [item for item in listed if any(flag.startswith(SIMILAR) for flag in item["flags"])]
    assert {item["slug"]: item["count"] for item in listed}["shipping"] == 3


def test_terms_exit_codes(make_site, cli, tmp_path):
    site = make_site(site_files("", TERMS_SITE))
    run = cli("terms", "--site", site, "--taxonomy", "people")
    assert run.code == 2 and "--taxonomy 'people'" in run.err and "tags, regions, sources" in run.err
    assert cli("terms", "--site", site, "--bogus").code == 2
    assert cli("terms", "--site", tmp_path / "missing").code == 2
    (site / "site.yaml").write_text("aliases: {tags: {a: [a]}}\n")
    run = cli("terms", "--site", site)
    assert run.code == 1 and "site.yaml:1: aliases: tags: a: 'a' is the term 'a' itself" in run.err


def test_the_library_returns_typed_data(make_site):
    site = make_site(site_files(TERMS_ALIASES, TERMS_SITE))
    found = load_vocabulary(site, "tags")
    assert {use.taxonomy for use in found.terms} == {"tags"}
    sanctions = next(use for use in found.terms if use.slug == "sanctions")
    assert sanctions.first is not None and sanctions.first.year == 2024 and sanctions.count == 2
    assert [(s.canonical, s.aliases) for s in found.suggestions] == [
        ("cyber-attack", ("cyberattack",)),
        ("Sanctions", ("Sanction",)),
        ("shipping", ("shiping",)),
    ]


# --- the likeness of spellings: the fast search finds what comparing every pair finds ----------


def osa_distance(first: str, second: str) -> int:
    """The optimal string alignment distance, by the textbook table."""
    rows = [
        [max(i, j) if min(i, j) == 0 else 0 for j in range(len(second) + 1)] for i in range(len(first) + 1)
    ]
    for i in range(1, len(first) + 1):
        for j in range(1, len(second) + 1):
            cost = first[i - 1] != second[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and first[i - 1] == second[j - 2] and first[i - 2] == second[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


WORDS = st.text(alphabet="abcrs-", min_size=1, max_size=9).map(slugify).filter(bool)


@settings(max_examples=1000, deadline=None)
@given(first=WORDS, second=WORDS)
def test_one_edit_apart_is_an_alignment_distance_of_one(first: str, second: str):
    assert one_edit_apart(first, second) == (osa_distance(first, second) == 1)


def groups_by_every_pair(terms: list[Listed]) -> list[list[str]]:
    """The plain rule, comparing every pair of terms."""
    parent = {t.slug: t.slug for t in terms}

    def root(slug: str) -> str:
        while parent[slug] != slug:
            slug = parent[slug]
        return slug

    for first, second in combinations(terms, 2):
        one, other = likeness_key(first.slug), likeness_key(second.slug)
        long_enough = min(len(one), len(other)) >= MIN_TYPO_LENGTH
        if one == other or (long_enough and osa_distance(one, other) == 1):
            parent[root(first.slug)] = root(second.slug)
    grouped: dict[str, list[str]] = {}
    for t in terms:
        grouped.setdefault(root(t.slug), []).append(t.slug)
    return sorted(sorted(g) for g in grouped.values() if len(g) > 1)


@settings(max_examples=500, deadline=None)
@given(slugs=st.lists(WORDS, max_size=14, unique=True))
def test_similar_groups_are_those_of_comparing_every_pair(slugs: list[str]):
    terms = [Listed("tags", slug, slug, ()) for slug in slugs]
    assert sorted([t.slug for t in group] for group in similar_groups(terms)) == groups_by_every_pair(terms)


def test_terms_lists_the_stories_after_the_taxonomies(make_site, cli):
    site = make_site(
        site_files(
            "",
            {
                "a": article(title="A", date="2024-01-05", story='"Red Sea shipping"'),
                "b": article(title="B", date="2024-02-05", story='"red sea shipping"'),
                "c": article(title="C", date="2024-03-05", story='"Port strike"'),
            },
        )
    )
    listed = terms_json(cli, site)
    assert listed[-1]["taxonomy"] == listed[-2]["taxonomy"] == "stories"
    stories = {item["slug"]: item for item in terms_json(cli, site, "--taxonomy", "stories")}
    assert stories.keys() == {"red-sea-shipping", "port-strike"}
    assert stories["red-sea-shipping"]["count"] == 2 and stories["red-sea-shipping"]["flags"] == []
    assert stories["port-strike"]["flags"] == [USED_ONCE]
    assert stories["port-strike"]["first"] == stories["port-strike"]["latest"] == "2024-03-05T00:00:00+00:00"

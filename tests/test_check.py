"""`sitegen check`: every error a build finds, then every link of the site it builds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from siteutil import REPO, article, snapshot

import sitegen
from sitegen import SiteError, UsageError
from sitegen.check import BrokenLink, CheckReport, check_site
from sitegen.errors import error, warning

ARTICLES = {
    "content/2024/10/broken-link.md": article(
        title="Broken link",
        date="2024-10-11",
        body="See [the other](/articles/other/#section) and [the sources](/sources/meridian-wire/).",
    ),
    "content/2024/10/other.md": article(
        title="Other", date="2024-10-10", body="## Section {#section}\n\nText."
    ),
}


def broken_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if " -> " in line]


def test_a_site_whose_links_all_lead_somewhere_passes(make_site, cli):
    site = make_site(ARTICLES)
    result = cli("check", "--site", site)
    assert result.code == 0, result.out + result.err
    assert broken_lines(result.out) == []
    assert result.out.splitlines()[-1].startswith("2 articles checked, ")
    assert result.out.splitlines()[-1].endswith(": no broken links")


def test_each_broken_link_is_one_line_all_in_one_run_sorted(make_site, cli):
    body = (
        "[gone](/articles/does-not-exist/) [anchor](/articles/other/#nope) [own](#nowhere) "
        # An image in raw HTML is linked as written (a Markdown one that is missing is an error).
        '[ok](/articles/other/#section) <img src="/images/missing.png" alt="img"> [rel](../other/index.html) '
        "[top](#top) [hash](#) [mail](mailto:desk@example.org)"
    )
    site = make_site({**ARTICLES, "content/2024/10/broken-link.md": article(title="Broken link", body=body)})
    result = cli("check", "--site", site)
    assert result.code == 1
    page = [line for line in broken_lines(result.out) if line.startswith("/articles/")]
    assert page == [
        "/articles/broken-link/ -> /articles/broken-link/#nowhere (no such anchor #nowhere)",
        "/articles/broken-link/ -> /articles/does-not-exist/ (no such page)",
        "/articles/broken-link/ -> /articles/other/#nope (no such anchor #nope)",
        "/articles/broken-link/ -> /images/missing.png (no such file)",
    ]
    # The site's feed carries the body too: its links are checked there as well.
    assert "/feed.xml -> /articles/does-not-exist/ (no such page)" in result.out
    assert broken_lines(result.out) == sorted(broken_lines(result.out))
    assert result.out.splitlines()[-1].endswith(f": {len(broken_lines(result.out))} broken links")


def test_the_library_reports_broken_links_as_values(make_site):
    site = make_site({**ARTICLES, "content/2024/10/other.md": article(title="Other", date="2024-10-10")})
    report = check_site(site)
    assert isinstance(report, CheckReport) and report.failed
    assert BrokenLink("/articles/broken-link/", "/articles/other/#section", "no such anchor #section") in (
        report.broken
    )
    assert (
        str(report.broken[0])
        == f"{report.broken[0].page} -> {report.broken[0].target} ({report.broken[0].why})"
    )
    assert report.articles == 2 and report.files > 10 and report.links > 100
    assert not CheckReport((warning("site.yaml", 1, "w"),), ()).failed
    assert CheckReport((error("site.yaml", 1, "e"),), ()).failed


def test_assets_stylesheets_and_static_pages_are_checked(make_site, cli):
    site = make_site(
        {
            **ARTICLES,
            "static/images/logo.png": b"\x89PNG",
            "static/about/index.html": (
                '<html><body><img src="../images/logo.png" '
                'srcset="/images/logo.png 1x, /images/logo@2x.png 2x">'
                '<a href="/tags/">tags</a><a href="../articles/other/index.html#section">x</a>'
                '<link rel="stylesheet" href="/css/extra.css"></body></html>'
            ),
            "static/css/extra.css": (
                "body { background: url(../images/logo.png) } h1 { background: url(missing.svg) }"
            ),
        }
    )
    result = cli("check", "--site", site)
    assert result.code == 1
    assert broken_lines(result.out) == [
        "/about/ -> /images/logo@2x.png (no such file)",
        "/css/extra.css -> /css/missing.svg (no such file)",
    ]


def test_a_template_syntax_error_fails_check_as_it_fails_build(make_site, cli):
    template = '{% extends "default/article.html" %}\n{% block content %}\n{% if %}\n{% endblock %}\n'
    site = make_site({**ARTICLES, "themes/default/templates/article.html": template})
    for command in ("build", "check"):
        result = cli(command, "--site", site)
        assert result.code == 1
        assert "themes/default/templates/article.html:3: template error: " in result.err
    assert "the site does not build" in result.err


def test_a_template_no_page_uses_yet_is_checked_too(make_site, cli):
    # A partial that only a long listing includes: the build succeeds while it is not used.
    site = make_site({**ARTICLES, "themes/default/templates/partials/later.html": "{% for %}\n"})
    assert cli("build", "--site", site).code == 0
    result = cli("check", "--site", site)
    assert result.code == 1
    assert "themes/default/templates/partials/later.html:1: template error: " in result.err
    assert result.out.splitlines()[-1].endswith(": 1 error")


def test_content_errors_fail_check_with_their_file_and_line(make_site, cli):
    site = make_site({**ARTICLES, "content/2024/10/bad.md": article(date="2024-13-45")})
    result = cli("check", "--site", site)
    assert result.code == 1
    assert "content/2024/10/bad.md:3: date: " in result.err
    assert broken_lines(result.out) == []
    assert result.err.splitlines()[-1] == "1 error: the site does not build, so its links were not checked"


def test_warnings_alone_pass(make_site, cli):
    site = make_site({**ARTICLES, "content/2024/10/typo.md": article(title="Typo", tgas="[x]")})
    result = cli("check", "--site", site)
    assert result.code == 0
    assert "content/2024/10/typo.md:5: warning: " in result.err


def test_drafts_are_validated_always_and_built_with_drafts(make_site, cli):
    files = {
        **ARTICLES,
        "content/2024/10/draft.md": article(title="Draft", draft="true", body="[x](/articles/nowhere/)"),
        "content/2024/10/linked.md": article(title="Linked", body="[draft](/articles/draft/)"),
    }
    site = make_site(files)
    result = cli("check", "--site", site)
    assert broken_lines(result.out) == [
        "/articles/linked/ -> /articles/draft/ (no such page)",
        "/feed.xml -> /articles/draft/ (no such page)",
    ]
    result = cli("check", "--drafts", "--site", site)
    assert "/articles/draft/ -> /articles/nowhere/ (no such page)" in result.out
    assert "/articles/linked/ -> /articles/draft/ (no such page)" not in result.out
    (site / "content/2024/10/draft.md").write_text(article(title="Draft", draft="true", date="someday"))
    assert "content/2024/10/draft.md:3: date: " in cli("check", "--site", site).err


def test_check_touches_neither_the_output_nor_the_site_nor_the_build_cache(make_site, cli):
    site = make_site(ARTICLES)
    assert cli("build", "--site", site).code == 0
    cache = Path(os.environ["SITEGEN_CACHE_DIR"])
    before, cache_before = snapshot(site), snapshot(cache)
    assert cli("check", "--site", site).code == 0
    assert snapshot(site) == before
    locks = {path for path in snapshot(cache) if path.startswith("locks")}
    assert {path: v for path, v in snapshot(cache).items() if path not in locks} == {
        path: v for path, v in cache_before.items() if path not in locks
    }
    again = cli("build", "--site", site)
    assert again.code == 0 and "0 files written" in again.out


def test_a_site_under_a_subfolder_is_checked_under_it(make_site, cli):
    site = make_site({**ARTICLES, "site.yaml": 'title: T\nbase_url: "https://example.org/briefings/"\n'})
    result = cli("check", "--site", site)
    assert result.code == 0, result.out
    # A theme that forgets the base path links outside the site.
    template = (
        '{% extends "default/base.html" %}{% block head %}<link rel="stylesheet" href="/css/print.css">'
        '<link rel="icon" href="https://example.org/favicon.ico">{% endblock %}'
    )
    (site / "themes/default/templates").mkdir(parents=True)
    (site / "themes/default/templates/base.html").write_text(template)
    result = cli("check", "--site", site)
    assert result.code == 1
    lines = broken_lines(result.out)
    assert "/briefings/ -> /css/print.css (outside the site, whose pages are under /briefings/)" in lines
    assert not any("favicon" in line for line in lines)  # another site on the same host: --external's
    assert all(line.startswith("/briefings/") for line in lines)


def test_base_url_given_on_the_command_line(make_site, cli):
    site = make_site(ARTICLES)
    result = cli("check", "--site", site, "--base-url", "https://example.org/sub/")
    assert result.code == 0, result.out
    assert cli("check", "--site", site, "--base-url", "https://[x/").code == 1


def test_a_missing_site_folder_is_a_usage_error(tmp_path, cli):
    assert cli("check", "--site", tmp_path / "nowhere").code == 2
    with pytest.raises(UsageError):
        check_site(tmp_path / "nowhere")


def test_the_sample_site_has_no_broken_links(cli):
    for base_url in ("https://example.org/", "https://example.org/briefings/", "/"):
        result = cli("check", "--site", REPO, "--base-url", base_url)
        assert result.code == 0, result.out + result.err
        assert broken_lines(result.out) == []


def test_python_dash_m_sitegen_check(tmp_path, cli_subprocess):
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copytree(REPO / "static", site / "static")
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    result = cli_subprocess("check", "--site", site)
    assert result.code == 0, result.err
    assert result.out.endswith(": no broken links\n")
    (site / "content/2024/12/extra.md").write_text(article(title="Extra", body="[x](/tags/no-such-tag/)"))
    result = cli_subprocess("check", "--site", site)
    assert result.code == 1
    assert "/articles/extra/ -> /tags/no-such-tag/ (no such page)\n" in result.out
    assert sorted(os.listdir(site)) == ["content", "site.yaml", "static"]


def test_the_library_raises_nothing_for_a_site_with_errors(make_site):
    site = make_site({"content/bad.md": "no front matter"})
    report = check_site(site)
    assert report.failed and report.broken == () and report.files == 0
    assert [p.path for p in report.problems if p.is_error] == ["content/bad.md"]
    with pytest.raises(SiteError):
        sitegen.build(site)

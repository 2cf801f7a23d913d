"""Bad input through the command line: exit code, the error text, and the previous output untouched."""

from __future__ import annotations

import re

import pytest
from siteutil import article, snapshot

GOOD = {
    "content/2024/10/port-strike-ends.md": article(tags="[shipping]", region="Europe"),
    "content/2024/11/budget-vote.md": article(title="Budget vote", date="2024-11-02", tags="[politics]"),
}
TARGET = "content/2024/11/budget-vote.md"

BAD_INPUTS = {
    # name: (file text or bytes, the line the error names or None, words in the message)
    "malformed yaml": (
        '---\ntitle: "Budget vote\ndate: 2024-11-02\nsource: x\n---\nBody\n',
        2,
        "invalid YAML",
    ),
    "bad indentation": (
        "---\ntitle: Budget vote\ndate: 2024-11-02\n  source: x\n---\nBody\n",
        4,
        "invalid YAML",
    ),
    "missing ---": ("title: Budget vote\ndate: 2024-11-02\nsource: x\n\nBody\n", 1, "'---'"),
    "unclosed front matter": (
        "---\ntitle: Budget vote\ndate: 2024-11-02\nsource: x\n\nBody\n",
        1,
        "never closed",
    ),
    "missing title": ("---\ndate: 2024-11-02\nsource: x\n---\nBody\n", None, "title: missing"),
    "missing date": ("---\ntitle: Budget vote\nsource: x\n---\nBody\n", None, "date: missing"),
    "missing source": ("---\ntitle: Budget vote\ndate: 2024-11-02\n---\nBody\n", None, "source: missing"),
    "wrong type": (
        "---\ntitle: [Budget, vote]\ndate: 2024-11-02\nsource: x\n---\nBody\n",
        2,
        "title: expected",
    ),
    "wrong tags type": (
        "---\ntitle: B\ndate: 2024-11-02\nsource: x\ntags: {a: 1}\n---\n",
        5,
        "tags: expected",
    ),
    "invalid date": ("---\ntitle: B\ndate: 2024-13-45\nsource: x\n---\nBody\n", 3, "is not a valid date"),
    "invalid utf-8": (b"---\ntitle: B\ndate: 2024-11-02\nsource: \xff\xfe\n---\nBody\n", 4, "UTF-8"),
    "empty file": ("", None, "empty"),
    "slug with /": ("---\ntitle: B\ndate: 2024-11-02\nsource: x\nslug: a/b\n---\nBody\n", 5, "slug:"),
    "slug with ..": ("---\ntitle: B\ndate: 2024-11-02\nsource: x\nslug: ../../x\n---\nBody\n", 5, "slug:"),
    "slug ..": ("---\ntitle: B\ndate: 2024-11-02\nsource: x\nslug: '..'\n---\nBody\n", 5, "slug:"),
}


def built_site(make_site, cli):
    site = make_site(GOOD)
    result = cli("build", "--site", site)
    assert result.code == 0, result.err
    return site, snapshot(site / "output")


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_is_reported_and_the_output_is_untouched(make_site, cli, cli_subprocess, name):
    site, before = built_site(make_site, cli)
    data, line, words = BAD_INPUTS[name]
    path = site / TARGET
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    result = cli_subprocess("build", "--site", site)
    assert result.code == 1
    where = TARGET if line is None else f"{TARGET}:{line}:"
    error_lines = [x for x in result.err.splitlines() if x.startswith(TARGET)]
    assert error_lines, result.err
    assert any(x.startswith(where) and words in x for x in error_lines), result.err
    assert "Traceback" not in result.err
    assert result.out == ""
    assert snapshot(site / "output") == before


def test_two_articles_with_one_slug_name_both_files(make_site, cli):
    site, before = built_site(make_site, cli)
    (site / "content/2025/01/port-strike-ends.md").parent.mkdir(parents=True)
    (site / "content/2025/01/port-strike-ends.md").write_text(article(title="Again"), encoding="utf-8")
    result = cli("build", "--site", site)
    assert result.code == 1
    [line] = [x for x in result.err.splitlines() if "port-strike-ends" in x and "slug" in x]
    assert "content/2024/10/port-strike-ends.md" in line and "content/2025/01/port-strike-ends.md" in line
    assert snapshot(site / "output") == before


def test_every_error_of_a_run_is_reported_together(make_site, cli):
    site, before = built_site(make_site, cli)
    (site / "content/2024/10/port-strike-ends.md").write_text("no front matter\n", encoding="utf-8")
    (site / TARGET).write_text("---\ntitle: B\ndate: 2024-13-45\nsource: x\nsource_url: ftp://x\n---\n")
    (site / "content/2025/02/third.md").parent.mkdir(parents=True)
    (site / "content/2025/02/third.md").write_bytes(b"")
    (site / "site.yaml").write_text("title: x\nper_page: none\n")
    result = cli("build", "--site", site)
    assert result.code == 1
    err = result.err
    assert "content/2024/10/port-strike-ends.md:1:" in err
    assert f"{TARGET}:3: date:" in err
    assert f"{TARGET}:5: source_url:" in err
    assert "content/2025/02/third.md: " in err
    assert "site.yaml:2: per_page:" in err
    assert re.search(r"^5 errors", err, re.MULTILINE)
    assert "Traceback" not in err
    assert snapshot(site / "output") == before


def test_a_failed_first_build_writes_nothing(make_site, cli):
    site = make_site({"content/a.md": "oops"})
    result = cli("build", "--site", site)
    assert result.code == 1
    assert not (site / "output").exists()


def test_bad_config_is_reported_without_a_traceback(make_site, cli_subprocess):
    site = make_site({"site.yaml": "timezone: Mars/Base\ncolour: red\n", **GOOD})
    result = cli_subprocess("build", "--site", site)
    assert result.code == 1
    assert "site.yaml:1: timezone:" in result.err and "site.yaml:2: unknown key 'colour'" in result.err
    assert "Traceback" not in result.err


def test_an_unknown_theme_is_an_error(make_site, cli):
    site = make_site({"site.yaml": "theme: nowhere\n", **GOOD})
    result = cli("build", "--site", site)
    assert result.code == 1
    assert "site.yaml: theme: 'nowhere' not found" in result.err


# --- usage errors ---------------------------------------------------------------------------------


def test_unknown_flag(make_site, cli):
    site = make_site(GOOD)
    result = cli("build", "--site", site, "--frobnicate")
    assert result.code == 2
    assert "--frobnicate" in result.err
    assert not (site / "output").exists()


def test_unknown_command(cli):
    assert cli("bulid").code == 2


def test_site_folder_that_does_not_exist(tmp_path, cli, cli_subprocess):
    for run in (cli, cli_subprocess):
        result = run("build", "--site", tmp_path / "nowhere")
        assert result.code == 2
        assert "nowhere" in result.err and "does not exist" in result.err
        assert "Traceback" not in result.err
    assert not (tmp_path / "nowhere").exists()


def test_output_refusals(make_site, cli, tmp_path):
    site = make_site(GOOD)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    (tmp_path / "looks-like-a-site" / "content").mkdir(parents=True)
    refusals = {
        site: "is the site folder",
        tmp_path: "contains the site folder",
        site / "content" / "out": "inside the site's content/",
        site / "static" / "out": "inside the site's static/",
        tmp_path / "looks-like-a-site": "content/ folder",
        foreign: "--force",
    }
    before = snapshot(tmp_path)
    for output, words in refusals.items():
        result = cli("build", "--site", site, "--output", output)
        assert result.code == 2, output
        assert words in result.err, result.err
        assert snapshot(tmp_path) == before, output


def test_force_takes_over_a_foreign_folder(make_site, cli, tmp_path):
    site = make_site(GOOD)
    foreign = tmp_path / "foreign"
    (foreign / "old").mkdir(parents=True)
    (foreign / "old" / "notes.txt").write_text("mine")
    result = cli("build", "--site", site, "--output", foreign, "--force")
    assert result.code == 0, result.err
    assert (foreign / "index.html").is_file()
    assert (foreign / ".sitegen-output").is_file()
    assert not (foreign / "old").exists()
    # from now on it is sitegen's folder: no --force needed
    assert cli("build", "--site", site, "--output", foreign).code == 0


def test_force_does_not_take_over_the_site_folder(make_site, cli):
    site = make_site(GOOD)
    before = snapshot(site)
    assert cli("build", "--site", site, "--output", site, "--force").code == 2
    assert snapshot(site) == before


# --- escaping -------------------------------------------------------------------------------------

XSS = "<script>alert(1)</script>"


def test_front_matter_is_escaped_in_every_page(make_site, cli):
    site = make_site(
        {
            **GOOD,
            "content/2024/12/xss.md": (
                "---\n"
                "title: '<script>alert(1)</script>'\n"
                "date: 2024-12-01\n"
                "source: '\"><img src=x onerror=alert(2)>'\n"
                "source_url: 'https://a.example/?q=\"><b>x</b>'\n"
                "region: '<b>Europe</b>'\n"
                "tags: ['<i>tag</i>']\n"
                "author: '<u>me</u>'\n"
                "summary: '<em>short</em>'\n"
                "---\n\nBody.\n"
            ),
        }
    )
    result = cli("build", "--site", site)
    assert result.code == 0, result.err
    out = site / "output"
    escaped_title = "&lt;script&gt;alert(1)&lt;/script&gt;"
    shows_it = [
        "articles/xss/",
        "",
        "tags/i-tag-i/",
        "regions/b-europe-b/",
        "timeline/2024/",
        "timeline/2024/12/",
    ]
    for url_path in shows_it:
        html = (out / url_path / "index.html").read_text(encoding="utf-8")
        assert escaped_title in html, url_path
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for raw in (XSS, "<img src=x", "<b>", "<i>tag", "<u>", "<em>short"):
            assert raw not in html, (page, raw)
    article_html = (out / "articles/xss/index.html").read_text(encoding="utf-8")
    assert "<title>" + escaped_title in article_html
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in article_html
    assert "&lt;u&gt;me&lt;/u&gt;" in article_html
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert XSS not in feed and escaped_title in feed


def test_raw_html_in_the_body_is_passed_through(make_site, cli):
    site = make_site({"content/a.md": article(body='Text <span class="x">kept</span>.')})
    assert cli("build", "--site", site).code == 0
    html = (site / "output/articles/a/index.html").read_text(encoding="utf-8")
    assert '<span class="x">kept</span>' in html

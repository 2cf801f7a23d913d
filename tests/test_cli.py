import hashlib
import os
import re
import sys
import time

import pytest
from siteutil import article, snapshot

import sitegen

SITE = {
    "content/2024/10/port-strike-ends.md": article(tags="[shipping]", region="Europe"),
    "content/2024/11/budget-vote.md": article(title="Budget vote", date="2024-11-02", tags="[politics]"),
    "content/2024/12/draft-story.md": article(title="Unfinished", date="2024-12-01", draft="true"),
}


def test_version(cli, cli_subprocess):
    for run in (cli, cli_subprocess):
        result = run("--version")
        assert result.code == 0
        assert result.out.strip() == f"sitegen {sitegen.__version__}"
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", sitegen.__version__)


def commands(cli) -> list[str]:
    """The commands `sitegen --help` lists (later issues add more: each must answer --help)."""
    listed = cli("--help").out.split("COMMAND\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in listed.splitlines()]


def test_help(cli):
    result = cli("--help")
    assert result.code == 0
    assert result.out.startswith("usage: sitegen")
    assert {"build", "check", "init"} <= set(commands(cli))
    for command in commands(cli):
        result = cli(command, "--help")
        assert result.code == 0, command
        assert result.out.startswith(f"usage: sitegen {command}"), command
        assert result.err == ""
        if command != "init":
            assert "--site" in result.out, command
    build_help = cli("build", "--help").out
    for flag in ("--site", "--output", "--drafts", "--base-url", "--force", "--quiet"):
        assert flag in build_help


def test_no_command_is_a_usage_error(cli):
    result = cli()
    assert result.code == 2
    assert "usage:" in result.err


def test_python_dash_m(make_site, cli_subprocess):
    site = make_site(SITE)
    result = cli_subprocess("build", cwd=site)
    assert result.code == 0, result.err
    assert (site / "output" / "index.html").is_file()


# --- init -------------------------------------------------------------------------------------------


def test_init_creates_a_site_that_builds(tmp_path, cli):
    folder = tmp_path / "briefing"
    result = cli("init", folder)
    assert result.code == 0, result.err
    assert (folder / "site.yaml").is_file()
    assert (folder / "static").is_dir()
    articles = list((folder / "content").rglob("*.md"))
    assert len(articles) == 1
    assert "sitegen" in result.out and str(folder) in result.out  # the next command to run
    result = cli("build", "--site", folder)
    assert result.code == 0, result.err
    assert "from 1 articles" in result.out or "from 1 article" in result.out
    assert (folder / "output" / "articles" / articles[0].stem / "index.html").is_file()
    assert result.err == ""  # the new site's base_url has a host: no warning


def test_init_into_an_empty_folder(tmp_path, cli):
    (tmp_path / "empty").mkdir()
    assert cli("init", tmp_path / "empty").code == 0
    assert (tmp_path / "empty" / "site.yaml").is_file()


def test_init_refuses_a_non_empty_folder(tmp_path, cli):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    before = snapshot(folder)
    result = cli("init", folder)
    assert result.code == 2
    assert "not empty" in result.err
    assert snapshot(folder) == before


# --- build ------------------------------------------------------------------------------------------


def test_summary_line(make_site, cli):
    site = make_site(SITE)
    result = cli("build", "--site", site)
    assert result.code == 0
    [line] = result.out.splitlines()
    match = re.fullmatch(
        r"Built (\d+) pages from (\d+) articles in (\d+\.\d+) s \((\d+) files written.*", line
    )
    assert match, line
    pages = int(match.group(1))
    assert int(match.group(2)) == 2  # the draft is left out
    html = list((site / "output").rglob("*.html"))
    xml = list((site / "output").rglob("*.xml"))
    assert pages == len(html) + len(xml) + 1  # + robots.txt
    assert str(site / "output") in line


def test_a_build_puts_off_full_garbage_collections_and_leaves_the_thresholds_as_they_were(
    make_site, cli, monkeypatch
):
    """The command line builds with the cyclic collector's full passes put off (they took a
    third of a one-article rebuild at 10,000 articles); a caller of main() in its own process
    gets its thresholds back, after a failed build too."""
    import gc

    from sitegen import engine
    from sitegen.parallel import FEW_FULL_COLLECTIONS

    seen = []
    build = engine.Engine.build
    monkeypatch.setattr(
        engine.Engine, "build", lambda *a, **k: seen.append(gc.get_threshold()) or build(*a, **k)
    )
    before = gc.get_threshold()
    assert before != FEW_FULL_COLLECTIONS
    site = make_site(SITE)
    assert cli("build", "--site", site).code == 0
    (site / "content" / "2024" / "10" / "port-strike-ends.md").write_text("---\ntitle: [\n---\n")
    assert cli("build", "--site", site).code == 1
    assert seen == [FEW_FULL_COLLECTIONS, FEW_FULL_COLLECTIONS]
    assert gc.get_threshold() == before


def test_the_program_exits_with_mains_code_leaving_its_objects_to_the_system(make_site, monkeypatch, capsys):
    """`sitegen` (and `python -m sitegen`) exit with main()'s code, its output all
    printed, the collector's objects frozen: collecting a build's model at exit took
    longer than some builds (docs/benchmarks.md)."""
    import gc

    from sitegen.cli import program

    site = make_site(SITE)
    (site / "content" / "2024" / "10" / "port-strike-ends.md").write_text("---\ntitle: [\n---\n")
    monkeypatch.setattr(sys, "argv", ["sitegen", "build", "--site", str(site)])
    assert gc.get_freeze_count() == 0
    try:
        with pytest.raises(SystemExit) as exited:
            program()
        assert exited.value.code == 1
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert "port-strike-ends.md:3: invalid YAML" in capsys.readouterr().err


def test_quiet(make_site, cli):
    site = make_site(SITE)
    result = cli("build", "--site", site, "--quiet")
    assert result.code == 0
    assert result.out == "" and result.err == ""
    assert (site / "output" / "index.html").is_file()


def test_quiet_still_prints_warnings(make_site, cli):
    site = make_site({**SITE, "content/typo.md": article(tgas="[x]")})
    result = cli("build", "--site", site, "-q")
    assert result.code == 0
    assert result.out == ""
    assert "content/typo.md:5: warning: unknown key 'tgas'" in result.err


def test_drafts(make_site, cli):
    site = make_site(SITE)
    assert cli("build", "--site", site).code == 0
    assert not (site / "output" / "articles" / "draft-story").exists()
    assert "Unfinished" not in (site / "output" / "index.html").read_text(encoding="utf-8")
    result = cli("build", "--site", site, "--drafts")
    assert result.code == 0
    assert "from 3 articles" in result.out
    assert (site / "output" / "articles" / "draft-story" / "index.html").is_file()
    assert "Unfinished" in (site / "output" / "index.html").read_text(encoding="utf-8")
    # and gone again without --drafts
    assert cli("build", "--site", site).code == 0
    assert not (site / "output" / "articles" / "draft-story").exists()


def test_base_url_flag(make_site, cli):
    site = make_site(SITE)
    result = cli("build", "--site", site, "--base-url", "https://example.net/news/")
    assert result.code == 0, result.err
    html = (site / "output" / "articles" / "budget-vote" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'href="/news/css/style\.[0-9a-f]{10}\.css"', html)
    assert 'href="https://example.net/news/articles/budget-vote/"' in html  # canonical
    assert "https://example.net/news/articles/budget-vote/" in (site / "output" / "feed.xml").read_text()
    result = cli("build", "--site", site, "--base-url", "example.net")
    assert result.code == 1
    assert "--base-url: base_url:" in result.err


def test_output_flag(make_site, cli, tmp_path):
    site = make_site(SITE)
    result = cli("build", "--site", site, "--output", tmp_path / "public")
    assert result.code == 0
    assert (tmp_path / "public" / "index.html").is_file()
    assert not (site / "output").exists()


def test_site_static_folder_is_copied_to_the_output_root(make_site, cli):
    site = make_site(
        {
            **SITE,
            "static/favicon.ico": b"\x00\x00\x01\x00icon",
            "static/CNAME": "briefing.example.org\n",
            "static/images/map.svg": "<svg/>",
            "static/css/style.css": "/* the site's own */",
        }
    )
    result = cli("build", "--site", site)
    assert result.code == 0, result.err
    out = site / "output"
    assert (out / "favicon.ico").read_bytes() == b"\x00\x00\x01\x00icon"
    assert (out / "CNAME").read_text() == "briefing.example.org\n"
    assert (out / "images" / "map.svg").read_text() == "<svg/>"
    # The site wins over the theme; its file is the theme asset it replaces, fingerprinted.
    digest = hashlib.sha256(b"/* the site's own */").hexdigest()[:10]
    assert (out / "css" / f"style.{digest}.css").read_text() == "/* the site's own */"


def test_a_static_file_named_like_a_page_is_an_error_naming_both(make_site, cli):
    site = make_site({**SITE, "static/index.html": "not the home page", "static/robots.txt": "mine"})
    result = cli("build", "--site", site)
    assert result.code == 1
    assert "static/index.html: clashes with /index.html, which sitegen generates" in result.err
    assert "static/robots.txt: clashes with /robots.txt, which sitegen generates" in result.err
    assert not (site / "output").exists()


def test_stale_files_are_removed(make_site, cli):
    site = make_site(SITE)
    assert cli("build", "--site", site).code == 0
    out = site / "output"
    assert (out / "tags" / "politics" / "index.html").is_file()
    (site / "content/2024/11/budget-vote.md").unlink()
    result = cli("build", "--site", site)
    assert result.code == 0
    assert not (out / "articles" / "budget-vote").exists()
    assert not (out / "tags" / "politics").exists()
    assert not (out / "timeline" / "2024" / "11").exists()
    assert "budget-vote" not in (out / "sitemap.xml").read_text()
    assert not [p for p in site.iterdir() if p.name.startswith(".output.sitegen-")]  # no staging left


def test_unchanged_files_keep_their_mtime(make_site, cli):
    site = make_site(SITE)
    assert cli("build", "--site", site).code == 0
    out = site / "output"
    old = time.time() - 3600
    for path in out.rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))
    before = snapshot(out)
    result = cli("build", "--site", site)
    assert result.code == 0
    assert "0 files written" in result.out
    assert snapshot(out) == before
    # change one article: its page changes, a page that does not show it keeps its mtime
    path = site / "content/2024/11/budget-vote.md"
    path.write_text(path.read_text().replace("Dockworkers voted", "Lawmakers voted"))
    assert cli("build", "--site", site).code == 0
    after = snapshot(out)
    assert after["articles/budget-vote/index.html"] != before["articles/budget-vote/index.html"]
    assert after["tags/shipping/index.html"] == before["tags/shipping/index.html"]
    [stylesheet] = [path for path in after if path.startswith("css/style.")]
    assert after[stylesheet] == before[stylesheet]


def test_the_output_folder_keeps_git(make_site, cli):
    site = make_site(SITE)
    assert cli("build", "--site", site).code == 0
    (site / "output" / ".git").mkdir()
    (site / "output" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    assert cli("build", "--site", site).code == 0
    assert (site / "output" / ".git" / "HEAD").is_file()


def test_check_writes_nothing(make_site, cli):
    site = make_site(SITE)
    result = cli("check", "--site", site)
    assert result.code == 0
    assert "2 articles checked" in result.out  # the draft is read and validated, not built
    assert "3 articles checked" in cli("check", "--drafts", "--site", site).out
    assert not (site / "output").exists()
    (site / "content/bad.md").write_text("bad")
    result = cli("check", "--site", site)
    assert result.code == 1 and "content/bad.md:1:" in result.err


def test_library_api_raises_instead_of_printing(make_site, capsys):
    site = make_site({**SITE, "content/bad.md": "bad"})
    with pytest.raises(sitegen.SiteError) as caught:
        sitegen.build(site)
    assert [p.path for p in caught.value.problems if p.is_error] == ["content/bad.md"]
    with pytest.raises(sitegen.UsageError):
        sitegen.build(site, site)
    assert capsys.readouterr() == ("", "")

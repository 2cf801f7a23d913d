"""sitegen deploy: its configuration, and each target against a real one on this machine: a bare
git repository, a folder, rsync to a local path, and S3 as moto's server serves it on loopback."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import subprocess
import tempfile
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from siteutil import DEFAULT_SITE_YAML, REPO, article

from sitegen.config import FolderTarget, load_config
from sitegen.deploy import Action, deploy_output
from sitegen.deploy.files import IMMUTABLE, SHORT, cache_control, content_type, is_fingerprinted

# Deploying runs `sitegen check` first unless --force. Where sitegen.check is not there yet (it is
# written beside this command), these tests pass --force; the gate's own tests are at the end.
FORCE = () if importlib.util.find_spec("sitegen.check") else ("--force",)

NOT_SITE = {".git", ".sitegen-output"}  # top-level entries of output/ that are not published

SITE = {
    "content/2024/10/port-strike-ends.md": article(tags="[shipping]", region="Europe"),
    "content/2024/11/budget-vote.md": article(
        title="Budget vote", date="2024-11-02", tags="[politics]", body="The budget passed."
    ),
    "content/2024/12/grain-deal.md": article(
        title="Grain deal", date="2024-12-05", tags="[trade]", body="A grain deal was signed."
    ),
    # A fingerprinted asset as hosting's fingerprinting names them: cached for a year.
    "static/css/extra.3f9a1c.css": "body { color: black; }\n",
}


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` with its bytes, leaving out the top's .git and sitegen's marker."""
    found: dict[str, bytes] = {}
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if relative.parts[0] in NOT_SITE or path.is_dir():
            continue
        found[relative.as_posix()] = path.read_bytes()
    return found


def make_deploy_site(make_site, deploy: str, files: dict[str, str] | None = None) -> Path:
    return make_site({**SITE, **(files or {}), "site.yaml": DEFAULT_SITE_YAML + deploy})


def edit_body(site: Path, relative: str, old: str, new: str) -> None:
    path = site / relative
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def changed_files(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {path for path, data in after.items() if before.get(path) != data}


# The configuration ---------------------------------------------------------------------------


S3, GIT = "deploy:\n  type: s3\n", "deploy:\n  type: git\n"


@pytest.mark.parametrize(
    ("deploy", "key", "says"),
    [
        ("deploy:\n  type: ftp\n  path: x\n", "deploy.type", "must be one of git, rsync, folder, s3"),
        ("deploy:\n  remote: x.git\n", "deploy.type", "must be one of git, rsync, folder, s3"),
        ("deploy:\n  type: [git]\n", "deploy.type", "must be one of git, rsync, folder, s3"),
        ("deploy:\n  type: git\n  branch: main\n", "deploy.remote", "is missing"),
        ("deploy:\n  type: git\n  remote: x.git\n  branch: 'a..b'\n", "deploy.branch", "not a valid branch"),
        ("deploy:\n  type: folder\n  path: 3\n", "deploy.path", "must be a non-empty string"),
        ("deploy:\n  type: folder\n  path: out\n  remote: x\n", "deploy.remote", "not a key of a folder"),
        ("deploy:\n  type: s3\n  prefix: site\n", "deploy.bucket", "is missing"),
        (S3 + "  bucket: my-bucket/site\n", "deploy.bucket", "put the folder in deploy.prefix"),
        ("deploy:\n  type: s3\n  bucket: b1\n  prefix: a/../b\n", "deploy.prefix", "without '..'"),
        (S3 + "  bucket: b1\n  endpoint_url: ftp://x\n", "deploy.endpoint_url", "http or https"),
        (S3 + "  bucket: b1\n  aws_secret_access_key: x\n", "deploy.aws_secret_access_key", "credential"),
        ("deploy:\n  type: rsync\n  target: h:/w\n  password: x\n", "deploy.password", "credential"),
        (GIT + "  remote: 'https://me:hunter2@example.org/r.git'\n", "deploy.remote", "password"),
        ("deploy: somewhere\n", "deploy", "expected a mapping"),
    ],
)
def test_a_bad_deploy_key_is_an_error_naming_it(make_site, cli, deploy, key, says):
    site = make_site({**SITE, "site.yaml": DEFAULT_SITE_YAML + deploy})
    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 1
    assert f"{key} " in result.err or f"{key}:" in result.err
    assert says in result.err
    assert "Traceback" not in result.err
    assert not (site / "output").exists()  # nothing built, nothing sent
    assert cli("build", "--site", site).code == 1  # a site.yaml error, for every command


def test_a_nested_key_is_named_at_its_own_line(make_site, cli):
    site = make_site({**SITE, "site.yaml": DEFAULT_SITE_YAML + "deploy:\n  branch: main\n  type: ftp\n"})
    result = cli("deploy", "--site", site)
    line = DEFAULT_SITE_YAML.count("\n") + 3  # type: is the third line of deploy:
    assert f"site.yaml:{line}: deploy.type must be one of git, rsync, folder, s3" in result.err


@pytest.mark.parametrize("path", [".", "..", "output", "output/www", "/", "content", "static/x"])
def test_a_folder_target_that_holds_the_site_or_its_output_is_refused(make_site, cli, path):
    site = make_site(SITE)
    for kind in ("folder", "rsync"):
        key = "path" if kind == "folder" else "target"
        yaml = DEFAULT_SITE_YAML + f"deploy:\n  type: {kind}\n  {key}: '{path}'\n"
        (site / "site.yaml").write_text(yaml, encoding="utf-8")
        result = cli("deploy", "--site", site, *FORCE)
        assert result.code == 1
        assert f"site.yaml:{DEFAULT_SITE_YAML.count(chr(10)) + 3}: deploy.{key} is " in result.err


def test_no_deploy_section_is_an_error(make_site, cli):
    site = make_site(SITE)
    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 1
    assert "deploy: is not set" in result.err
    assert not (site / "output").exists()


def test_the_deploy_section_is_typed_and_does_not_make_pages_stale(make_site, cli):
    site = make_deploy_site(make_site, "deploy:\n  type: folder\n  path: ../public\n")
    config, problems = load_config(site)
    assert problems == []
    assert config.deploy == FolderTarget(path="../public")
    assert cli("build", "--site", site).code == 0
    # Another target changes nothing that is built: no page is rendered again.
    (site / "site.yaml").write_text(DEFAULT_SITE_YAML + "deploy:\n  type: folder\n  path: ../www\n")
    result = cli("build", "--site", site)
    assert result.code == 0
    assert "0 pages rendered" in result.out


# What is sent, and how hosts should serve it -----------------------------------------------


def test_content_types_and_cache_policies():
    assert content_type("index.html") == "text/html; charset=utf-8"
    assert content_type("feed.xml") == "application/atom+xml; charset=utf-8"
    assert content_type("tags/x/feed.xml") == "application/atom+xml; charset=utf-8"
    assert content_type("sitemap.xml") == "application/xml"
    assert content_type("css/style.3f9a1c.css") == "text/css; charset=utf-8"
    assert content_type("robots.txt") == "text/plain; charset=utf-8"
    assert content_type("images/a.png") == "image/png"
    assert content_type("CNAME") == "application/octet-stream"
    for path in ("css/style.3f9a1c.css", "js/search.0123456789abcdef.js", "a/b/logo.deadbeef.svg"):
        assert is_fingerprinted(path) and cache_control(path) == IMMUTABLE, path
    for path in ("index.html", "feed.xml", "sitemap.xml", "css/style.css", "a.3f9a1c.html", "a.3F9A1C.css"):
        assert not is_fingerprinted(path) and cache_control(path) == SHORT, path


# type: git ------------------------------------------------------------------------------------


def git(*args: str | Path, cwd: Path | None = None) -> str:
    environment = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    done = subprocess.run(
        ["git", *map(str, args)], cwd=cwd, capture_output=True, text=True, env=environment, check=True
    )
    return done.stdout.strip()


def checkout(remote: Path, branch: str, into: Path) -> Path:
    shutil.rmtree(into, ignore_errors=True)
    git("clone", "--quiet", "--branch", branch, remote, into)
    return into


@pytest.fixture
def bare_remote(tmp_path: Path) -> Path:
    remote = tmp_path / "remote.git"
    git("init", "--quiet", "--bare", remote)
    return remote


def test_git_deploy_commits_the_output_on_top_of_the_branch(make_site, cli, bare_remote, tmp_path):
    site = make_deploy_site(make_site, f"deploy:\n  type: git\n  remote: {bare_remote}\n")
    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 0, result.err
    assert "push gh-pages" in result.out
    first = tree(site / "output")
    assert tree(checkout(bare_remote, "gh-pages", tmp_path / "co")) == first
    assert not (site / "output" / ".git").exists()  # the clone lives in the cache folder
    assert sorted(p.name for p in site.iterdir()) == ["content", "output", "site.yaml", "static"]
    clones = list(Path(os.environ["SITEGEN_CACHE_DIR"]).glob("*/deploy/git-*.git"))
    assert any(git("config", "--get", "core.bare", cwd=clone) == "true" for clone in clones)

    edit_body(site, "content/2024/11/budget-vote.md", "The budget passed.", "The budget failed.")
    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 0, result.err
    second = tree(site / "output")
    work = checkout(bare_remote, "gh-pages", tmp_path / "co")
    assert tree(work) == second
    log = git("log", "--format=%H %P", cwd=work).splitlines()
    assert len(log) == 2 and log[0].split()[1] == log[1].split()[0]  # one commit on top of the first
    sent = {line.split(" ", 1)[1] for line in result.out.splitlines() if line.startswith("upload ")}
    assert sent == changed_files(first, second)

    result = cli("deploy", "--site", site, *FORCE)  # nothing changed: nothing committed
    assert result.code == 0 and "Nothing to deploy" in result.out
    assert len(git("log", "--format=%H", "gh-pages", cwd=bare_remote).splitlines()) == 2


def test_git_deploy_keeps_the_branch_cname_and_nojekyll(make_site, cli, bare_remote, tmp_path):
    # The branch as GitHub Pages set it up: a custom domain, no Jekyll, an old page, and another branch.
    work = tmp_path / "setup"
    git("init", "--quiet", "--initial-branch", "main", work)
    (work / "README.md").write_text("sources\n")
    git("add", "-A", cwd=work)
    git("commit", "--quiet", "-m", "main", cwd=work)
    git("checkout", "--quiet", "--orphan", "gh-pages", cwd=work)
    git("rm", "--quiet", "-rf", ".", cwd=work)
    (work / "CNAME").write_text("news.example.org\n")
    (work / ".nojekyll").write_text("")
    (work / "old-page.html").write_text("<p>old</p>\n")
    git("add", "-A", cwd=work)
    git("commit", "--quiet", "-m", "pages", cwd=work)
    git("push", "--quiet", bare_remote, "main", "gh-pages", cwd=work)
    before = git("rev-parse", "gh-pages", cwd=bare_remote)
    main = git("rev-parse", "main", cwd=bare_remote)

    site = make_deploy_site(make_site, f"deploy:\n  type: git\n  remote: {bare_remote}\n  branch: gh-pages\n")
    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 0, result.err
    assert "keep CNAME" in result.out and "delete old-page.html" in result.out
    published = tree(checkout(bare_remote, "gh-pages", tmp_path / "co"))
    assert published == {**tree(site / "output"), "CNAME": b"news.example.org\n", ".nojekyll": b""}
    assert git("rev-parse", "gh-pages^", cwd=bare_remote) == before
    assert git("rev-parse", "main", cwd=bare_remote) == main  # other branches are left alone

    # A CNAME of the site's own (static/CNAME) replaces the branch's.
    (site / "static" / "CNAME").write_text("briefing.example.org\n")
    assert cli("deploy", "--site", site, *FORCE).code == 0
    assert tree(checkout(bare_remote, "gh-pages", tmp_path / "co"))["CNAME"] == b"briefing.example.org\n"


def test_git_dry_run_changes_nothing(make_site, cli, bare_remote, tmp_path):
    site = make_deploy_site(make_site, f"deploy:\n  type: git\n  remote: {bare_remote}\n")
    result = cli("deploy", "--site", site, "--dry-run", *FORCE)
    assert result.code == 0, result.err
    assert "would commit gh-pages (a new branch)" in result.out
    assert "would upload index.html" in result.out
    assert "nothing was sent" in result.out
    assert git("ls-remote", bare_remote) == ""  # no branch was made
    assert not (site / "output").exists()  # the dry run built into a folder of its own

    assert cli("deploy", "--site", site, *FORCE).code == 0
    refs = git("ls-remote", bare_remote)
    edit_body(site, "content/2024/11/budget-vote.md", "The budget passed.", "The budget failed.")
    output_before = tree(site / "output")
    result = cli("deploy", "--site", site, "--dry-run", *FORCE)
    assert result.code == 0, result.err
    assert "would upload articles/budget-vote/index.html" in result.out
    assert git("ls-remote", bare_remote) == refs
    assert tree(site / "output") == output_before


def test_git_deploy_to_a_remote_that_is_not_there_is_one_line(make_site, cli, tmp_path):
    site = make_deploy_site(make_site, f"deploy:\n  type: git\n  remote: {tmp_path / 'nowhere.git'}\n")
    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sitegen deploy: git ls-remote"), result.err


def test_a_push_that_is_refused_is_one_line_and_running_again_finishes(make_site, cli, bare_remote, tmp_path):
    site = make_deploy_site(make_site, f"deploy:\n  type: git\n  remote: {bare_remote}\n")
    hook = bare_remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'refused for the test' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 1
    assert result.err.strip().count("\n") == 0 and "git push" in result.err, result.err
    hook.unlink()
    assert cli("deploy", "--site", site, *FORCE).code == 0
    assert tree(checkout(bare_remote, "gh-pages", tmp_path / "co")) == tree(site / "output")


# type: folder and type: rsync -------------------------------------------------------------------


MIRRORS = [
    pytest.param("folder", "path", id="folder"),
    pytest.param(
        "rsync",
        "target",
        id="rsync",
        marks=pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed"),
    ),
]


@pytest.mark.parametrize(("kind", "key"), MIRRORS)
def test_a_mirror_equals_the_output_and_touches_nothing_outside(make_site, cli, tmp_path, kind, key):
    public = tmp_path / "www" / "public"
    site = make_deploy_site(make_site, f"deploy:\n  type: {kind}\n  {key}: ../www/public\n")
    (public / "old" / "gone").mkdir(parents=True)
    (public / "old" / "gone" / "index.html").write_text("stale")
    (public / "stale.html").write_text("stale")
    (public / ".git").mkdir()
    (public / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    beside = tmp_path / "www" / "beside.txt"
    beside.write_text("not the site's")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.html").write_text("outside")
    (public / "tags").symlink_to(outside)  # where the site has a folder: never followed

    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 0, result.err
    assert tree(public) == tree(site / "output")
    assert (public / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"  # left, as rsync's exclude
    assert not (public / "tags").is_symlink()
    assert beside.read_text() == "not the site's"
    assert sorted(p.name for p in outside.iterdir()) == ["keep.html"]
    assert "delete stale.html" in result.out

    # A second deploy after an edit sends only what changed; the rest keeps its mtime.
    first = tree(site / "output")
    times = {p: (public / p).stat().st_mtime_ns for p in first}
    edit_body(site, "content/2024/11/budget-vote.md", "The budget passed.", "The budget failed.")
    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 0, result.err
    second = tree(site / "output")
    changed = changed_files(first, second)
    assert tree(public) == second
    sent = {line.split(" ", 1)[1] for line in result.out.splitlines() if line.startswith("upload ")}
    assert sent == changed and 0 < len(changed) < len(second) / 2
    assert all((public / p).stat().st_mtime_ns == times[p] for p in second if p not in changed)

    # The site drops an article: its pages go from the target too.
    (site / "content/2024/12/grain-deal.md").unlink()
    assert cli("deploy", "--site", site, *FORCE).code == 0
    assert not (public / "articles" / "grain-deal").exists()
    assert tree(public) == tree(site / "output")


@pytest.mark.parametrize(("kind", "key"), MIRRORS)
def test_a_mirror_dry_run_changes_nothing(make_site, cli, tmp_path, kind, key):
    public = tmp_path / "public"
    site = make_deploy_site(make_site, f"deploy:\n  type: {kind}\n  {key}: {public}\n")
    result = cli("deploy", "--site", site, "--dry-run", *FORCE)
    assert result.code == 0, result.err
    assert "would upload index.html" in result.out
    assert not public.exists()
    assert cli("deploy", "--site", site, *FORCE).code == 0
    (public / "stale.html").write_text("stale")
    edit_body(site, "content/2024/11/budget-vote.md", "The budget passed.", "The budget failed.")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in public.rglob("*") if p.is_file()}
    result = cli("deploy", "--site", site, "--dry-run", *FORCE)
    assert result.code == 0, result.err
    assert "would delete stale.html" in result.out
    assert "would upload articles/budget-vote/index.html" in result.out
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in public.rglob("*") if p.is_file()} == before


def test_a_folder_deploy_stopped_half_way_is_finished_by_the_next(make_site, cli, tmp_path):
    public = tmp_path / "public"
    site = make_deploy_site(make_site, f"deploy:\n  type: folder\n  path: {public}\n")
    assert cli("build", "--site", site).code == 0
    target = FolderTarget(str(public))
    done: list[Action] = []

    def stop_after_three(step: Action) -> None:
        done.append(step)
        if len(done) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        deploy_output(site / "output", target, site_dir=site, on_step=stop_after_three)
    assert 0 < len(tree(public)) < len(tree(site / "output"))
    result = deploy_output(site / "output", target, site_dir=site)
    assert tree(public) == tree(site / "output")
    assert len(result.plan.uploads) == len(tree(site / "output")) - 3


def test_no_build_deploys_the_output_as_it_is(make_site, cli, tmp_path):
    public = tmp_path / "public"
    site = make_deploy_site(make_site, f"deploy:\n  type: folder\n  path: {public}\n")
    result = cli("deploy", "--site", site, "--no-build", *FORCE)
    assert result.code == 1
    assert "no such folder" in result.err and "Traceback" not in result.err
    assert not public.exists()
    assert cli("build", "--site", site).code == 0
    edit_body(site, "content/2024/11/budget-vote.md", "The budget passed.", "The budget failed.")
    assert cli("deploy", "--site", site, "--no-build", *FORCE).code == 0
    assert b"The budget passed." in (public / "articles" / "budget-vote" / "index.html").read_bytes()
    assert tree(public) == tree(site / "output")


# type: s3, against moto's S3 server on loopback -----------------------------------------------


@pytest.fixture(scope="module")
def s3_server():
    server_module = pytest.importorskip("moto.server")
    pytest.importorskip("boto3")
    # The server logs every request through werkzeug; the tests read what sitegen prints.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, monkeypatch, tmp_path, request):
    """A client of the local server, dummy credentials in the environment, and a new bucket."""
    import boto3

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    bucket = "test-" + request.node.name.lower().replace("_", "-")[:50].strip("-")
    client.create_bucket(Bucket=bucket)
    return client, bucket


def objects(client, bucket: str, prefix: str = "") -> dict[str, dict]:
    """Every object under `prefix`: its bytes and the headers it is served with."""
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", ()):
            got = client.get_object(Bucket=bucket, Key=item["Key"])
            found[item["Key"]] = {
                "body": got["Body"].read(),
                "type": got.get("ContentType"),
                "cache": got.get("CacheControl"),
                "modified": item["LastModified"],
            }
    return found


def s3_site(make_site, s3_server, bucket: str, prefix: str = "briefing", articles: int = 0) -> Path:
    yaml = f"deploy:\n  type: s3\n  bucket: {bucket}\n  prefix: {prefix}\n  region: us-east-1\n"
    more = {
        f"content/2025/01/story-{n}.md": article(
            title=f"Story {n}", date=f"2025-01-{n % 28 + 1:02d}", source=f"Outlet {n % 5}", tags=f"[t{n % 7}]"
        )
        for n in range(articles)
    }
    return make_deploy_site(make_site, yaml + f"  endpoint_url: {s3_server}\n", more)


def test_s3_deploy_uploads_only_what_changed_and_stays_in_its_prefix(make_site, cli, s3_server, s3):
    client, bucket = s3
    client.put_object(Bucket=bucket, Key="other/keep.html", Body=b"another site's")
    client.put_object(Bucket=bucket, Key="briefing-old/keep.html", Body=b"a prefix that only starts alike")
    site = s3_site(make_site, s3_server, bucket, articles=40)

    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 0, result.err
    first = tree(site / "output")
    stored = objects(client, bucket, "briefing/")
    assert {key.removeprefix("briefing/"): o["body"] for key, o in stored.items()} == first
    assert stored["briefing/index.html"]["type"] == "text/html; charset=utf-8"
    assert stored["briefing/index.html"]["cache"] == SHORT
    assert stored["briefing/feed.xml"]["type"] == "application/atom+xml; charset=utf-8"
    assert stored["briefing/feed.xml"]["cache"] == SHORT
    assert stored["briefing/sitemap.xml"]["cache"] == SHORT
    assert stored["briefing/css/extra.3f9a1c.css"]["type"] == "text/css; charset=utf-8"
    assert stored["briefing/css/extra.3f9a1c.css"]["cache"] == IMMUTABLE

    # One article's edit: only the files whose bytes changed are sent, not the site.
    edit_body(site, "content/2024/11/budget-vote.md", "The budget passed.", "The budget failed.")
    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 0, result.err
    second = tree(site / "output")
    sent = {line.split(" ", 1)[1] for line in result.out.splitlines() if line.startswith("upload ")}
    assert sent == changed_files(first, second)
    assert "articles/budget-vote/index.html" in sent and len(sent) * 10 < len(second)  # a page's worth
    now = objects(client, bucket, "briefing/")
    assert {key.removeprefix("briefing/"): o["body"] for key, o in now.items()} == second
    unchanged = [key for key in now if key.removeprefix("briefing/") not in sent]
    assert all(now[key]["modified"] == stored[key]["modified"] for key in unchanged)

    # A deleted article's objects are removed; objects outside the prefix stay.
    (site / "content/2024/12/grain-deal.md").unlink()
    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 0, result.err
    assert "delete articles/grain-deal/index.html" in result.out
    now = objects(client, bucket, "briefing/")
    assert {key.removeprefix("briefing/"): o["body"] for key, o in now.items()} == tree(site / "output")
    assert objects(client, bucket, "other/")["other/keep.html"]["body"] == b"another site's"
    assert "briefing-old/keep.html" in objects(client, bucket, "briefing-old/")

    result = cli("deploy", "--site", site, *FORCE)
    assert "Nothing to deploy" in result.out


def test_s3_dry_run_changes_nothing(make_site, cli, s3_server, s3):
    client, bucket = s3
    site = s3_site(make_site, s3_server, bucket, prefix="a/b")
    result = cli("deploy", "--site", site, "--dry-run", *FORCE)
    assert result.code == 0, result.err
    assert "would upload index.html" in result.out
    assert objects(client, bucket) == {}
    assert cli("deploy", "--site", site, *FORCE).code == 0
    client.put_object(Bucket=bucket, Key="a/b/stale.html", Body=b"stale")
    edit_body(site, "content/2024/11/budget-vote.md", "The budget passed.", "The budget failed.")
    before = objects(client, bucket)
    result = cli("deploy", "--site", site, "--dry-run", *FORCE)
    assert "would delete stale.html" in result.out
    assert "would upload articles/budget-vote/index.html" in result.out
    assert objects(client, bucket) == before


def test_s3_sends_again_an_object_changed_behind_its_back(make_site, cli, s3_server, s3):
    client, bucket = s3
    site = s3_site(make_site, s3_server, bucket)
    assert cli("deploy", "--site", site, *FORCE).code == 0
    original = client.get_object(Bucket=bucket, Key="briefing/index.html")["Body"].read()
    # Same size, other bytes, no hash: the plan reads the metadata, not the size alone.
    client.put_object(Bucket=bucket, Key="briefing/index.html", Body=bytes(len(original)))
    robots = (site / "output/robots.txt").read_bytes()
    client.put_object(Bucket=bucket, Key="briefing/robots.txt", Body=robots, CacheControl="no")
    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 0, result.err
    sent = {line.split(" ", 1)[1] for line in result.out.splitlines() if line.startswith("upload ")}
    assert sent == {"index.html", "robots.txt"}
    assert client.get_object(Bucket=bucket, Key="briefing/index.html")["Body"].read() == original


def test_s3_deploy_stopped_half_way_is_finished_by_the_next(make_site, cli, s3_server, s3):
    client, bucket = s3
    site = s3_site(make_site, s3_server, bucket)
    assert cli("build", "--site", site).code == 0
    config, _ = load_config(site)
    assert config.deploy is not None
    done: list[Action] = []

    def stop_after_five(step: Action) -> None:
        done.append(step)
        if len(done) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        deploy_output(site / "output", config.deploy, site_dir=site, on_step=stop_after_five)
    result = deploy_output(site / "output", config.deploy, site_dir=site)
    assert len(result.plan.uploads) <= len(tree(site / "output")) - 5
    stored = objects(client, bucket, "briefing/")
    assert {key.removeprefix("briefing/"): o["body"] for key, o in stored.items()} == tree(site / "output")


def test_s3_failures_are_one_line(make_site, cli, s3_server, s3):
    site = s3_site(make_site, s3_server, "no-such-bucket")
    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert lines == [lines[0]] and "NoSuchBucket" in lines[0], result.err

    # Nothing listens here: a refused connection is one line too, after botocore's retries.
    yaml = "deploy:\n  type: s3\n  bucket: b1\n  region: us-east-1\n  endpoint_url: http://127.0.0.1:9\n"
    (site / "site.yaml").write_text(DEFAULT_SITE_YAML + yaml)
    started = time.monotonic()
    result = cli("deploy", "--site", site, *FORCE)
    assert result.code == 1
    assert len(result.err.strip().splitlines()) == 1 and "cannot list s3://b1/" in result.err
    assert time.monotonic() - started < 60


# The check before a deploy (sitegen.check, merged from its own branch) -------------------------


def test_a_site_whose_check_fails_is_not_deployed(make_site, cli, tmp_path):
    pytest.importorskip("sitegen.check")
    public = tmp_path / "public"
    broken = article(title="Broken link", body="See [this](/articles/does-not-exist/).")
    site = make_deploy_site(
        make_site, f"deploy:\n  type: folder\n  path: {public}\n", {"content/2024/12/broken-link.md": broken}
    )
    result = cli("deploy", "--site", site)
    assert result.code == 1
    assert "/articles/broken-link/ -> /articles/does-not-exist/ (no such page)" in result.err
    assert not public.exists()  # nothing sent
    result = cli("deploy", "--site", site, "--force")
    assert result.code == 0, result.err
    assert tree(public) == tree(site / "output")


def test_a_site_whose_check_passes_is_deployed(make_site, cli, tmp_path):
    pytest.importorskip("sitegen.check")
    public = tmp_path / "public"
    site = make_deploy_site(make_site, f"deploy:\n  type: folder\n  path: {public}\n")
    result = cli("deploy", "--site", site)
    assert result.code == 0, result.err
    assert tree(public) == tree(site / "output")


# The folder mirror's quick check, against every shape a target can be in ----------------------

NAMES = st.sampled_from(["a", "b", "c.html", "d.css"])
TREES = st.recursive(
    st.binary(max_size=8), lambda children: st.dictionaries(NAMES, children, max_size=3), max_leaves=12
)
SITE_TREES = st.dictionaries(NAMES, TREES, min_size=1, max_size=4).filter(lambda tree: flatten(tree))
JUNK = st.lists(
    st.tuples(st.lists(NAMES, min_size=1, max_size=3), st.sampled_from(["file", "folder", "link"]))
)


def flatten(node: dict, prefix: str = "") -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name, child in node.items():
        if isinstance(child, dict):
            files.update(flatten(child, f"{prefix}{name}/"))
        else:
            files[prefix + name] = child
    return files


def write_as_a_build_does(output: Path, files: dict[str, bytes]) -> None:
    """Make `output` hold exactly `files`, rewriting only the files whose bytes change (so the
    others keep their mtime, as after a build)."""
    for path in sorted(output.rglob("*"), reverse=True):
        relative = path.relative_to(output).as_posix()
        if path.is_dir() and not any(name.startswith(relative + "/") for name in files):
            shutil.rmtree(path)
        elif path.is_file() and (relative not in files or any(n.startswith(relative + "/") for n in files)):
            path.unlink()
    for relative, data in files.items():
        path = output / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=SITE_TREES, second=SITE_TREES, junk=JUNK)
def test_the_folder_mirror_always_ends_equal_to_the_site(first, second, junk):
    """Whatever the target held (an earlier site, stray files, folders where the site has files
    and the reverse, symlinks out of it), a deploy leaves exactly the site there, skips only
    files the target already has, and touches nothing outside."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        site, output, public, outside = (
            root / "site",
            root / "site" / "output",
            root / "public",
            root / "outside",
        )
        for folder in (site, output, outside):
            folder.mkdir(parents=True, exist_ok=True)
        (outside / "keep").write_bytes(b"outside")
        target = FolderTarget(str(public))
        write_as_a_build_does(output, flatten(first))
        deploy_output(output, target, site_dir=site)
        for parts, kind in junk:
            path = public.joinpath(*parts)
            if not path.parent.is_dir() or path.parent.is_symlink() or os.path.lexists(path):
                continue
            if kind == "file":
                path.write_bytes(b"junk")
            elif kind == "folder":
                path.mkdir()
                (path / "inner").write_bytes(b"junk")
            else:
                path.symlink_to(outside)
        write_as_a_build_does(output, flatten(second))
        result = deploy_output(output, target, site_dir=site)
        assert tree(public) == flatten(second)
        assert not any(p.is_symlink() for p in public.rglob("*"))
        assert sorted(p.name for p in outside.iterdir()) == ["keep"]
        assert (outside / "keep").read_bytes() == b"outside"
        again = deploy_output(output, target, site_dir=site, dry_run=True)
        assert again.plan.steps == () and again.plan.unchanged == len(flatten(second))
        assert len(result.plan.uploads) + result.plan.unchanged == len(flatten(second))


def test_the_deploy_package_ships_in_the_wheel():
    """pyproject.toml lists the packages the wheel holds, one by one: every folder of sitegen
    with an __init__.py must be there (the deploy command imports its package only when run)."""
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    packages = {
        ".".join(init.parent.relative_to(REPO).parts) for init in (REPO / "sitegen").rglob("__init__.py")
    }
    assert "sitegen.deploy" in packages
    assert packages <= listed

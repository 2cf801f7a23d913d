"""Hostile content: YAML bombs, special files, extreme dates, odd names and characters, and a
property-based test of front matter through load, validate and a whole build."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from siteutil import article, write_site

from sitegen import build, yamlfile
from sitegen.errors import SiteError
from sitegen.load import load_file
from sitegen.validate import KNOWN_FIELDS, validate_file
from sitegen.yamlfile import read_bytes


def sitegen(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m sitegen ARGS`; a hang fails the test (TimeoutExpired) instead of hanging it."""
    return subprocess.run(
        [sys.executable, "-m", "sitegen", *(str(a) for a in args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=timeout,
    )


def billion_laughs(key: str = "a") -> str:
    """Ten levels of nine aliases each: under 500 bytes that expand to 9**10 strings."""
    lines = [f"{key}0: &{key}0 [l,l,l,l,l,l,l,l,l]"]
    for level in range(1, 10):
        lines.append(f"{key}{level}: &{key}{level} [{','.join([f'*{key}{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


GOOD = article(title="Good one", date="2024-10-10")


# --- YAML that expands without bound --------------------------------------------------------------


@pytest.mark.parametrize("command", ["build", "check"])
def test_billion_laughs_in_an_article_is_an_error_naming_the_file_and_line(tmp_path, command):
    text = "---\ntitle: T\ndate: 2024-10-11\nsource: S\n" + billion_laughs() + "---\nBody.\n"
    assert len(text.encode()) < 600
    site = write_site(tmp_path, {"content/good.md": GOOD, "content/laughs.md": text})
    done = sitegen(command, "--site", site)
    assert done.returncode == 1, done.stderr
    # a0 is on line 5; a4, on line 9, takes what the aliases repeat past 10,000 (9**5 strings).
    assert "content/laughs.md:9: invalid YAML: aliases (*name) repeat more than 10,000" in done.stderr
    assert "Traceback" not in done.stderr


def test_billion_laughs_in_site_yaml_is_an_error_naming_the_line(tmp_path):
    site = write_site(tmp_path, {"site.yaml": "title: T\n" + billion_laughs(), "content/good.md": GOOD})
    done = sitegen("check", "--site", site)
    assert done.returncode == 1
    assert "site.yaml:6: invalid YAML: aliases (*name) repeat more than 10,000 values" in done.stderr


def test_nesting_a_hundred_thousand_levels_deep_is_an_error_not_a_crash(tmp_path):
    # The C parser composes recursively: this overflowed its stack (a segmentation fault).
    deep = "[" * 100_000 + "]" * 100_000
    text = f"---\ntitle: T\ndate: 2024-10-11\nsource: S\nnotes: {deep}\n---\nBody.\n"
    site = write_site(tmp_path, {"content/good.md": GOOD, "content/deep.md": text})
    done = sitegen("check", "--site", site)
    assert done.returncode == 1, done.stderr
    # Ours, or, where PyYAML (6.0.4 and later) stops the nesting first, its own message.
    assert re.search(r"content/deep\.md:5: invalid YAML: .*\bnest", done.stderr), done.stderr


# --- special files --------------------------------------------------------------------------------


def special_files(content: Path) -> dict[str, str]:
    """A FIFO, a socket and a device (a link to /dev/null) with article names: {label: kind}."""
    (content / "2024" / "10").mkdir(parents=True, exist_ok=True)
    os.mkfifo(content / "x.md")
    os.mkfifo(content / "2024" / "10" / "pipe.md")
    os.mkfifo(content / "2024" / "notes.txt")
    with socket.socket(socket.AF_UNIX) as listener:
        # Bound by a relative name: a socket's path is limited to about 100 bytes.
        cwd = os.getcwd()
        os.chdir(content / "2024")
        try:
            listener.bind("sock.md")
        finally:
            os.chdir(cwd)
    (content / "null.md").symlink_to(os.devnull)
    return {
        "content/x.md": "a FIFO (named pipe)",
        "content/2024/10/pipe.md": "a FIFO (named pipe)",
        "content/2024/notes.txt": "a FIFO (named pipe)",
        "content/2024/sock.md": "a socket",
        "content/null.md": "a character device",
    }


@pytest.mark.parametrize("command", ["build", "check"])
def test_special_files_in_content_are_skipped_with_a_warning_never_opened(tmp_path, command):
    site = write_site(tmp_path, {"content/good.md": GOOD})
    kinds = special_files(site / "content")
    done = sitegen(command, "--site", site)  # opening a FIFO hung here for ever
    assert done.returncode == 0, done.stderr
    for label, kind in kinds.items():
        assert f"{label}: warning: skipped: it is {kind}, not a file" in done.stderr
    assert "1 articles" in done.stdout or "from 1 articles" in done.stdout


def test_a_site_yaml_that_is_a_fifo_is_skipped_with_a_warning(tmp_path):
    site = write_site(tmp_path, {"content/good.md": GOOD})
    (site / "site.yaml").unlink()
    os.mkfifo(site / "site.yaml")
    done = sitegen("build", "--site", site)
    assert done.returncode == 0, done.stderr
    assert (
        "site.yaml: warning: skipped: it is a FIFO (named pipe), not a file; the defaults apply"
        in done.stderr
    )
    assert (site / "output" / "articles" / "good" / "index.html").is_file()


def test_a_file_swapped_for_a_fifo_after_listing_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "x.md")
    with pytest.raises(OSError, match="it is a FIFO"):
        read_bytes(tmp_path / "x.md")  # opened without blocking, then refused
    source, problems = load_file(tmp_path / "x.md", "content/x.md")
    assert source is None
    assert [str(p) for p in problems] == [
        "content/x.md: cannot be read: it is a FIFO (named pipe), not a file"
    ]


# --- what ended in a traceback ------------------------------------------------------------------


def test_links_that_loop_in_content_are_reported_not_a_traceback(tmp_path):
    site = write_site(tmp_path, {"content/good.md": GOOD})
    (site / "content" / "loop.md").symlink_to("loop.md")  # read as an article: says why it cannot
    (site / "content" / "loop.jpg").symlink_to("loop.jpg")  # not an article: left alone
    done = sitegen("build", "--site", site)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert re.search(r"content/loop\.md: .*cannot be read", done.stderr), done.stderr
    assert "loop.jpg" not in done.stderr


@pytest.mark.parametrize(
    ("timezone", "key", "value"),
    [
        ("UTC", "date", "0001-01-01T00:00:00+05:00"),
        ("UTC", "date", "9999-12-31T23:00:00-05:00"),
        ("UTC", "date", "'0001-01-01 03:00+05:00'"),
        ("Europe/Berlin", "date", "9999-12-31T23:30:00Z"),
        ("America/New_York", "date", "0001-01-01T01:00:00Z"),
        ("Europe/Berlin", "date", "0001-01-01"),  # midnight in Berlin is the year 0 in UTC
        ("UTC", "updated", "0001-01-01T00:00:00+05:00"),
        ("UTC", "updated", "9999-12-31T23:59:59-00:01"),
    ],
)
def test_dates_near_year_1_or_9999_are_errors_at_their_line(make_site, cli, timezone, key, value):
    fields = {"date": value} if key == "date" else {"updated": value}
    site = make_site(
        {
            "site.yaml": f"base_url: https://example.org/\ntimezone: {timezone}\n",
            "content/good.md": GOOD,
            "content/far.md": article(**fields),
        }
    )
    for command in ("check", "build"):
        result = cli(command, "--site", site)
        assert result.code == 1
        line = 3 if key == "date" else 5
        assert f"content/far.md:{line}: {key}: " in result.err
        assert "too close to the year 1 or 9999" in result.err


def test_the_far_dates_that_convert_still_build(make_site, cli):
    site = make_site(
        {
            "content/first.md": article(title="First", date="0001-01-01T00:00:00Z"),
            "content/last.md": article(title="Last", date="9999-12-31T23:59:59+00:00", updated="9999-12-31"),
        }
    )
    result = cli("build", "--site", site)
    assert result.code == 0, result.err
    assert "0001-01-01T00:00:00+00:00" in (site / "output/feed.xml").read_text()


@pytest.mark.parametrize(
    ("files", "args", "expected"),
    [
        (
            {"content/a.md": article(source_url='"http://[x/"')},
            (),
            "content/a.md:5: source_url: 'http://[x/'",
        ),
        ({"content/a.md": article(source_url='"https://[::1/a"')}, (), "content/a.md:5: source_url:"),
        ({"content/a.md": article(image='"//[x/map.png"')}, (), "content/a.md:5: image: '//[x/map.png'"),
        ({"content/a.md": article(image='"https://[x"')}, (), "content/a.md:5: image:"),
        ({"site.yaml": 'title: T\nbase_url: "https://[x/"\n'}, (), "site.yaml:2: base_url: 'https://[x/'"),
        ({}, ("--base-url", "http://[x/"), "--base-url: base_url: 'http://[x/' is not a valid URL"),
    ],
)
@pytest.mark.parametrize("command", ["build", "check"])
def test_a_bracket_in_a_url_host_is_an_error(make_site, cli, files, args, expected, command):
    site = make_site({"content/good.md": GOOD, **files})
    result = cli(command, "--site", site, *args)
    assert result.code == 1
    assert expected in result.err


@pytest.mark.parametrize("command", ["build", "check"])
def test_names_that_are_not_utf8_are_errors_shown_readably(tmp_path, command):
    site = write_site(tmp_path, {"content/good.md": GOOD})
    content = os.fsencode(site / "content")
    try:
        os.makedirs(content + b"/Z\xfcrich/2024")
    except OSError:  # macOS (APFS) refuses such names: nothing to test there
        pytest.skip("this file system refuses names that are not UTF-8")
    Path(os.fsdecode(content + b"/Z\xfcrich/2024/a.md")).write_text(article())
    Path(os.fsdecode(content + b"/caf\xe9.md")).write_text(article())
    Path(os.fsdecode(content + b"/notes-\xff.txt")).write_text("not an article")
    done = sitegen(command, "--site", site)
    assert done.returncode == 1
    assert "content/Z\\xfcrich: the folder name is not valid UTF-8" in done.stderr
    assert "content/caf\\xe9.md: the file name is not valid UTF-8" in done.stderr
    assert "notes" not in done.stderr
    assert "2 errors" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("below", ["", "new", "new/deeper"])
def test_init_in_or_under_a_file_is_a_usage_error(tmp_path, cli, below):
    (tmp_path / "file").write_text("mine")
    result = cli("init", tmp_path / "file" / below)
    assert result.code == 2
    assert f"sitegen init: {tmp_path / 'file'} is a file, not a folder" in result.err
    assert (tmp_path / "file").read_text() == "mine"


# --- wrong but minor ------------------------------------------------------------------------------


def test_articles_in_the_repeated_hour_of_a_dst_change_are_ordered_by_instant(make_site, cli):
    # 27 October 2024, Berlin: 02:00-03:00 happens twice, first at +02:00, then at +01:00.
    site = make_site(
        {
            "site.yaml": "base_url: https://example.org/\ntimezone: Europe/Berlin\n",
            "content/before.md": article(title="Before", date="2024-10-27T01:50:00+02:00"),
            "content/first-pass.md": article(title="First pass", date="2024-10-27T02:45:00+02:00"),
            "content/second-pass.md": article(title="Second pass", date="2024-10-27T02:30:00+01:00"),
            "content/utc.md": article(title="Given in UTC", date="2024-10-27T01:40:00Z"),
            "content/after.md": article(title="After", date="2024-10-27T02:50:00+01:00"),
        }
    )
    result = cli("build", "--site", site)
    assert result.code == 0, result.err
    newest_first = ["After", "Given in UTC", "Second pass", "First pass", "Before"]
    index = (site / "output/index.html").read_text()
    assert sorted(newest_first, key=index.index) == newest_first
    feed = (site / "output/feed.xml").read_text()
    assert sorted(newest_first, key=feed.index) == newest_first
    # Shown in the site's timezone, with the offset it had at that moment.
    page = (site / "output/articles/second-pass/index.html").read_text()
    assert 'datetime="2024-10-27T02:30:00+01:00"' in page
    page = (site / "output/articles/utc/index.html").read_text()
    assert 'datetime="2024-10-27T02:40:00+01:00"' in page


def test_an_edit_that_keeps_size_and_mtime_is_seen_by_its_change_time(make_site, cli):
    site = make_site({"content/a.md": article(title="Original title")})
    path = site / "content/a.md"
    past = (1_700_000_000_000_000_000, 1_700_000_000_000_000_000)  # outside the 2 s window
    os.utime(path, ns=past)
    assert cli("build", "--site", site).code == 0
    path.write_text(path.read_text().replace("Original", "Replaced"))  # same size
    os.utime(path, ns=past)  # and the mtime put back: only the change time moved
    page = site / "output/articles/a/index.html"
    assert cli("build", "--site", site).code == 0
    assert "Replaced title" in page.read_text()
    # --no-cache reads every file by its content, and a cached build after it agrees.
    assert cli("build", "--site", site, "--no-cache").code == 0
    assert "Replaced title" in page.read_text()
    assert cli("build", "--site", site).code == 0
    assert "Replaced title" in page.read_text()


# --- the property-based test of front matter ---------------------------------------------------

FIELDS = (
    *KNOWN_FIELDS,
    "fingerprint",
    "notes",  # an unknown key
    "tgas",  # a near miss
    "<<",  # a merge
)
REQUIRED = ("title", "date", "source")

ODD_TEXT = (
    "",
    " ",
    "\u2028",
    "\u2029",
    "\x85",
    "\x0c",
    "\x00",
    "\x1b[31m",
    "\r",
    "\ufeff",
    "\ufffe",
    "\U0001f600",
    "e\u0301",
    "हिन्दी",
    "C++",
    "[",
    "]",
    "{",
    "*a",
    "&a",
    "- x",
    ": ",
    "#",
    "'",
    '"',
    "\\",
    "---",
    "...",
    "http://[x/",
    "https://[::1]/a",
    "//[x",
    "https://example.org/a b",
    "https://exa\uff0fmple.org/",
    "javascript:alert(1)",
    "/images/x.png",
    "../../etc/passwd",
    "a/b",
    "..",
    "<script>alert(1)</script>",
    "x" * 300,
    "\u4e2d" * 100,
    "2024-10-27T02:30:00+01:00",
    "2024-10-27T02:30:00+02:00",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01",
    "9999-12-31",
    "2024-13-45",
    "yes",
    "~",
    "null",
)

# YAML as written, for what a dump never writes: tags, extreme numbers and dates, aliases.
RAW_YAML = (
    "!!binary aGVsbG8=",
    "!!binary '%%%'",
    "!!int abc",
    "!!float abc",
    "!!bool maybe",
    "!!null x",
    "!!timestamp abc",
    "!!timestamp 2024-10-27",
    "!!str [a]",
    "!!seq a",
    "!!map a",
    "!!set {a, b}",
    "!!omap [a: 1, b: 2]",
    "!!pairs [a: 1, a: 2]",
    "!!python/object/apply:os.system [echo]",
    "!custom x",
    "1" * 5000,
    "0x" + "f" * 5000,
    "0b" + "1" * 20000,
    "-0o777",
    "190:20:30",
    "1_000",
    ".nan",
    "-.inf",
    "1.0e+999",
    "0001-01-01 00:00:00 +05:00",
    "0001-01-01t00:00:00-05:00",
    "9999-12-31 23:59:59.999999 -14:00",
    "9999-12-31T23:59:59Z",
    "2024-10-27 02:30:00+01:00",
    "2024-10-27 02:30:00+02:00",
    "2024-02-30",
    "0000-01-01",
    "'unclosed",
    '"unclosed',
    "[a, b",
    "{a: 1, [b]: 2}",
    "{? [a]: b}",
    "*undefined",
    "&self [*self]",
    "[" * 150 + "]" * 150,
    "|\n  literal\n  block",
    ">\n  folded\n  block",
    "\n  - nested\n  - block",
    "\n  a: 1\n  b: [2, 3]",
    "a: b: c",
    "\t",
    "%YAML 1.1",
)

odd_text = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
)
scalars = st.one_of(
    odd_text,
    st.integers(),
    st.integers(min_value=-(10**80), max_value=10**80),
    st.floats(),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(
        timezones=st.none()
        | st.builds(
            dt.timezone,
            st.sampled_from(
                [dt.timedelta(hours=14), dt.timedelta(hours=-14), dt.timedelta(minutes=330), dt.timedelta(0)]
            ),
        )
    ),
    st.sampled_from([dt.datetime.min, dt.datetime.max, dt.date.min, dt.date.max]),
    st.binary(max_size=12),
)
# Lists and mappings of scalars, and one level more: deeper nesting is RAW_YAML's part.
collections = st.lists(scalars, max_size=4) | st.dictionaries(odd_text, scalars, max_size=3)
values = (
    scalars
    | collections
    | st.lists(collections, max_size=2)
    | st.dictionaries(odd_text, collections, max_size=2)
)


@st.composite
def value_text(draw: st.DrawFn, anchors: list[str]) -> str:
    """One value as YAML text: dumped (flow or block style), written raw, or an alias."""
    choice = draw(st.integers(0, 9))
    if choice == 0 and anchors:
        return "*" + draw(st.sampled_from(anchors))
    if choice == 1:
        return draw(st.sampled_from(RAW_YAML))
    if choice == 2:
        return draw(odd_text)  # as written, unquoted: anything YAML makes of it
    value = draw(values)
    flow = draw(st.booleans())
    dumped = yaml.safe_dump(
        value, default_flow_style=flow, allow_unicode=draw(st.booleans()), width=10**6, sort_keys=False
    )
    dumped = dumped.removesuffix("\n...\n").rstrip("\n")
    if "\n" in dumped or (not flow and isinstance(value, list | dict) and value):
        dumped = "\n" + "\n".join("  " + line for line in dumped.split("\n"))
    return dumped


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    """The text of an article file: front matter with every field drawn, and a body."""
    keys = [*REQUIRED, *draw(st.lists(st.sampled_from(FIELDS), max_size=6))]
    anchors: list[str] = []
    lines = []
    for index, key in enumerate(keys):
        text = draw(value_text(anchors))
        if draw(st.integers(0, 5)) == 0 and not text.startswith(("*", "\n", "%", "|", ">")):
            anchors.append(f"a{index}")
            text = f"&a{index} {text}"
        lines.append(f"{key}: {text}")
    return (
        "---\n" + "\n".join(lines) + "\n---\n\n" + draw(st.sampled_from(["Body.", "", "A *body*.\n\nMore."]))
    )


# The site's timezone: the earliest (+14:00) and latest (-12:00) of all, and one with DST.
TIMEZONES = ("UTC", "Europe/Berlin", "Pacific/Kiritimati", "Etc/GMT+12")


def check_problems(problems, label: str, text: str) -> None:
    """Every problem names the file and a line of it; a required field that is missing, the
    file (it has no line)."""
    last = text.count("\n") + 1
    for problem in problems:
        assert problem.path == label, problem
        if problem.line is None:
            assert re.match(r"(title|date|source): missing \(required\)", problem.message), problem
        else:
            assert 1 <= problem.line <= last, problem


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=front_matter(), tz=st.sampled_from(TIMEZONES))
def test_front_matter_loads_and_validates_without_a_traceback(text, tz):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "a.md")
        path.write_text(text, encoding="utf-8")
        source, problems = load_file(path, "content/a.md")
        check_problems(problems, "content/a.md", text)
        if source is not None:
            article, _, found = validate_file(source, ZoneInfo(tz))
            check_problems(found, "content/a.md", text)
            assert (article is None) == any(p.is_error for p in found)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(texts=st.lists(front_matter(), min_size=1, max_size=4), tz=st.sampled_from(TIMEZONES))
def test_front_matter_goes_through_a_whole_build_without_a_traceback(texts, tz):
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder, "site")
        (site / "content").mkdir(parents=True)
        (site / "site.yaml").write_text(f'base_url: "https://example.org/"\ntimezone: {tz}\n')
        labels = {}
        for number, text in enumerate(texts):
            label = f"content/a{number}.md"
            (site / label).write_text(text, encoding="utf-8")
            labels[label] = text
        try:
            result = build(site, Path(folder, "output"), use_cache=False, jobs=1)
            problems = result.warnings
        except SiteError as exc:
            problems = tuple(exc.problems)
        for problem in problems:
            assert problem.path in labels, problem
            check_problems([problem], problem.path, labels[problem.path])


# --- the YAML checks skipped on the way are the ones that cannot fire ------------------------------


def composed(front: str) -> yaml.Node | None:
    loader = yamlfile._Loader(front)
    try:
        return loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def tree_depth(node: yaml.Node) -> int:
    """Levels of lists and mappings, every alias followed (the graphs here are small)."""
    children = yamlfile._children(node)
    below = max((tree_depth(c) for c in children), default=0)
    return below + 1 if isinstance(node, yaml.CollectionNode) else below


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=front_matter())
def test_yaml_without_an_asterisk_is_a_tree_that_needs_no_expansion_check(text):
    front, _ = yamlfile._protect_characters(text.split("\n---\n")[0].removeprefix("---\n"))
    node = composed(front)
    if node is None or "*" in front:
        return
    nodes = yamlfile._distinct_nodes([node])
    walked = []
    pending = [node]
    while pending:
        walked.append(pending.pop())
        pending.extend(yamlfile._children(walked[-1]))
    assert len(walked) == len(nodes)  # no node is reached twice: no alias
    if not isinstance(node, yaml.MappingNode):
        return
    if yamlfile._indicators(front) > yamlfile.MAX_DEPTH:
        try:
            yamlfile._check_written_depth(front)
        except yaml.YAMLError:
            return  # parse_mapping stops here
    yamlfile._check_expansion(node)  # what parse_mapping skips here: it passes


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=front_matter())
def test_nesting_is_never_deeper_than_the_indicator_count(text):
    front, _ = yamlfile._protect_characters(text.split("\n---\n")[0].removeprefix("---\n"))
    node = composed(front) if "*" not in front else None
    if node is not None:
        # parse_mapping counts events only past this bound: below it, nothing nests too deep
        assert tree_depth(node) <= yamlfile._indicators(front)

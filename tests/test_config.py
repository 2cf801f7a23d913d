import os
from pathlib import Path

import pytest

from sitegen.config import SiteConfig, load_config


def load(tmp_path: Path, text: str | None, base_url: str | None = None):
    if text is not None:
        (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    return load_config(tmp_path, base_url)


def errors(problems):
    return [p for p in problems if p.is_error]


def test_defaults_without_site_yaml(tmp_path):
    config, problems = load(tmp_path, None)
    assert config == SiteConfig()
    assert (config.title, config.base_url, config.language, config.timezone) == ("Briefing", "/", "en", "UTC")
    assert (config.theme, config.per_page, config.feed_limit) == ("default", 20, 50)
    assert errors(problems) == []
    # base_url '/' has no host: a warning, not an error
    assert [p.severity.value for p in problems] == ["warning"]
    assert "base_url" in problems[0].message


def test_empty_site_yaml_is_all_defaults(tmp_path):
    config, problems = load(tmp_path, "# nothing set\n")
    assert config == SiteConfig()
    assert errors(problems) == []


def test_values_are_read(tmp_path):
    config, problems = load(
        tmp_path,
        'title: "The Weekly Brief"\nbase_url: https://example.org/briefings\nlanguage: de\n'
        "timezone: Europe/Berlin\ntheme: mine\nper_page: 5\nfeed_limit: 7\n",
    )
    assert problems == []
    assert config.title == "The Weekly Brief"
    assert config.base_path == "/briefings/"
    assert config.absolute_base == "https://example.org/briefings/"
    assert (config.language, config.timezone, config.theme) == ("de", "Europe/Berlin", "mine")
    assert (config.per_page, config.feed_limit) == (5, 7)
    assert config.tz.key == "Europe/Berlin"


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("title: [a, b]", "title"),
        ("title: 12", "title"),
        ("base_url: 8080", "base_url"),
        ("language: [en]", "language"),
        ("timezone: 1", "timezone"),
        ("theme: {name: x}", "theme"),
        ("per_page: ten", "per_page"),
        ("per_page: true", "per_page"),
        ("per_page: 2.5", "per_page"),
        ("feed_limit: '50'", "feed_limit"),
    ],
)
def test_wrong_type_names_the_key_and_the_file(tmp_path, line, key):
    config, problems = load(
        tmp_path,
        f'# config\nbase_url: "https://example.org/"\n{line}\n'
        if not line.startswith("base_url")
        else f"# config\n{line}\n",
    )
    [problem] = errors(problems)
    assert problem.path == "site.yaml"
    assert problem.line == 3 if not line.startswith("base_url") else problem.line == 2
    assert problem.message.startswith(f"{key}:")
    assert f"site.yaml:{problem.line}: {key}:" in str(problem)
    assert getattr(config, key) == getattr(SiteConfig(), key)  # the default stands in


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("per_page: 0", "per_page"),
        ("feed_limit: -1", "feed_limit"),
        ("title: '  '", "title"),
        ("theme: ../x", "theme"),
    ],
)
def test_bad_values(tmp_path, line, key):
    _, problems = load(tmp_path, f"{line}\n")
    [problem] = errors(problems)
    assert (problem.path, problem.line) == ("site.yaml", 1)
    assert problem.message.startswith(f"{key}:")


def test_unknown_key(tmp_path):
    _, problems = load(tmp_path, 'title: "x"\ntitel: "y"\n')
    [problem] = errors(problems)
    assert (problem.path, problem.line) == ("site.yaml", 2)
    assert "unknown key 'titel'" in problem.message


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "utc+2", "../../etc/passwd", ""])
def test_unknown_timezone(tmp_path, zone):
    _, problems = load(tmp_path, f"timezone: '{zone}'\n")
    [problem] = errors(problems)
    assert (problem.path, problem.line) == ("site.yaml", 1)
    assert problem.message.startswith("timezone:")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/",
        "https://",
        "example.org/briefings",
        "https://example.org/?a=1",
        "/x#top",
        "https://[example.org/",  # urllib: 'Invalid IPv6 URL'
        "http://[::1/",
        "https://exa\uff03mple.org/",  # urllib: a host that NFKC changes into a '#'
    ],
)
def test_bad_base_url(tmp_path, url):
    _, problems = load(tmp_path, f"base_url: '{url}'\n")
    [problem] = errors(problems)
    assert (problem.path, problem.line) == ("site.yaml", 1)
    assert problem.message.startswith("base_url:")


@pytest.mark.parametrize(
    ("url", "path", "absolute"),
    [
        ("https://example.org", "/", "https://example.org/"),
        ("https://example.org/briefings/", "/briefings/", "https://example.org/briefings/"),
        ("http://localhost:8000/a/b", "/a/b/", "http://localhost:8000/a/b/"),
    ],
)
def test_good_base_url(tmp_path, url, path, absolute):
    config, problems = load(tmp_path, f"base_url: '{url}'\n")
    assert problems == []
    assert (config.base_path, config.absolute_base) == (path, absolute)


def test_base_url_without_host_is_a_warning(tmp_path):
    config, problems = load(tmp_path, "base_url: /briefings/\n")
    assert config.base_path == "/briefings/"
    assert len(problems) == 1 and not problems[0].is_error
    assert "has no host" in problems[0].message


def test_base_url_override(tmp_path):
    config, problems = load(tmp_path, "base_url: https://example.org/\n", base_url="https://example.net/x/")
    assert problems == []
    assert config.base_url == "https://example.net/x/"
    _, problems = load(tmp_path, None, base_url="nope")
    [problem] = errors(problems)
    assert problem.path == "--base-url"


def test_every_error_at_once(tmp_path):
    _, problems = load(tmp_path, "title: [x]\nper_page: 0\ntimezone: Nowhere/City\ncolour: red\n")
    assert sorted(p.line for p in errors(problems)) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("text", "line"),
    [("title: 'x\n", 1), ("title: x\n  bad: indent\n", 2), ("- a\n- b\n", 1), ("title: a\ntitle: b\n", 2)],
)
def test_unreadable_site_yaml(tmp_path, text, line):
    _, problems = load(tmp_path, text)
    assert errors(problems)
    assert all(p.path == "site.yaml" for p in problems)
    assert errors(problems)[0].line == line


def test_site_yaml_not_utf8(tmp_path):
    (tmp_path / "site.yaml").write_bytes(b"title: caf\xe9\n")
    _, problems = load_config(tmp_path)
    [problem] = errors(problems)
    assert (problem.path, problem.line) == ("site.yaml", 1)
    assert "UTF-8" in problem.message


@pytest.mark.parametrize("base_url", ["https://[example.org/", "http://]/"])
def test_bad_base_url_override(tmp_path, base_url):
    config, problems = load(tmp_path, "base_url: https://example.org/\n", base_url)
    [problem] = errors(problems)
    assert problem.path == "--base-url"
    assert problem.message == f"base_url: {base_url!r} is not a valid URL"
    assert config.base_url == "https://example.org/"


@pytest.mark.parametrize("make", [os.mkfifo, os.mkdir])
def test_a_site_yaml_that_is_not_a_file_is_skipped_with_a_warning(tmp_path, make):
    make(tmp_path / "site.yaml")
    config, problems = load_config(tmp_path)
    assert config == SiteConfig()
    kind = "a FIFO (named pipe)" if make is os.mkfifo else "a folder"
    assert str(problems[0]) == f"site.yaml: warning: skipped: it is {kind}, not a file; the defaults apply"
    assert errors(problems) == []


def test_site_yaml_aliases_are_bounded(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    _, problems = load(tmp_path, "title: T\n" + "\n".join(lines) + "\n")
    [problem] = errors(problems)
    assert problem.line == 5  # a3: over 11,000 values
    assert "aliases (*name) repeat more than 10,000 values" in problem.message


def test_messages_quote_long_values_cut_short(tmp_path):
    _, problems = load(tmp_path, f"title: [{'x, ' * 5000}x]\n")
    [problem] = errors(problems)
    assert problem.message.startswith("title: expected a string, got ['x', 'x'")
    assert problem.message.endswith("...") and len(problem.message) < 120

import datetime as dt
import os

import pytest
from siteutil import article

from sitegen.characters import FORBIDDEN
from sitegen.config import SiteConfig
from sitegen.engine import Engine
from sitegen.load import article_labels, find_article_files, load_file


def load(tmp_path, data: str | bytes, name: str = "a.md"):
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return load_file(path, f"content/{name}")


def only_error(problems):
    [problem] = problems
    assert problem.is_error
    return problem


def test_front_matter_and_body(tmp_path):
    source, problems = load(tmp_path, article(tags="[a, b]", body="First.\n\nSecond."))
    assert problems == []
    assert source.front_matter["title"] == "Port strike ends"
    assert source.front_matter["date"] == dt.datetime(
        2024, 10, 11, 16, 20, tzinfo=dt.timezone(dt.timedelta(hours=2))
    )
    assert source.front_matter["tags"] == ["a", "b"]
    assert source.key_lines == {"title": 2, "date": 3, "source": 4, "tags": 5}
    assert source.body.strip() == "First.\n\nSecond."
    assert source.body_line == 7
    assert source.label == "content/a.md"


def test_impossible_date_stays_text(tmp_path):
    source, problems = load(tmp_path, article(date="2024-13-45"))
    assert problems == []
    assert source.front_matter["date"] == "2024-13-45"


def test_byte_order_mark_and_windows_line_endings(tmp_path):
    text = article().replace("\n", "\r\n")
    source, problems = load(tmp_path, "\ufeff".encode() + text.encode("utf-8"))
    assert problems == []
    assert source.front_matter["source"] == "Meridian Wire"


def test_missing_opening_fence(tmp_path):
    problem = only_error(load(tmp_path, 'title: "x"\ndate: 2024-01-01\n\nBody.\n')[1])
    assert (problem.path, problem.line) == ("content/a.md", 1)
    assert "'---'" in problem.message


def test_unclosed_front_matter(tmp_path):
    source, problems = load(tmp_path, '---\ntitle: "x"\ndate: 2024-01-01\n\nBody.\n')
    problem = only_error(problems)
    assert source is None
    assert problem.line == 1
    assert "never closed" in problem.message


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_file(tmp_path, text):
    source, problems = load(tmp_path, text)
    problem = only_error(problems)
    assert source is None
    assert problem.path == "content/a.md"
    assert "empty" in problem.message


def test_invalid_utf8_names_the_line(tmp_path):
    data = article().encode("utf-8").replace(b"Meridian", b"M\xe9ridian")
    source, problems = load(tmp_path, data)
    problem = only_error(problems)
    assert source is None
    assert problem.line == 4
    assert "UTF-8" in problem.message


@pytest.mark.parametrize(
    ("front", "line"),
    [
        ('title: "x\ndate: 2024-01-01\nsource: y', 2),  # unclosed quote: where it opened
        ("title: x\ndate: 2024-01-01\n  source: y", 4),  # bad indentation
        ("title: x\ntags: [a, b\nsource: y", 4),  # unclosed list, found on the next line
        ("title: x\ndate: 2024: 01\nsource: y", 3),
        ("title: x\n\tdate: 2024-01-01", 3),  # a tab
    ],
)
def test_malformed_yaml_names_the_line(tmp_path, front, line):
    source, problems = load(tmp_path, f"---\n{front}\n---\n\nBody.\n")
    problem = only_error(problems)
    assert source is None
    assert problem.line == line
    assert problem.message.startswith("invalid YAML")


def test_front_matter_that_is_not_a_mapping(tmp_path):
    _, problems = load(tmp_path, "---\n- a\n- b\n---\nBody\n")
    problem = only_error(problems)
    assert problem.line == 2


def test_duplicate_key(tmp_path):
    _, problems = load(tmp_path, "---\ntitle: a\ndate: 2024-01-01\ntitle: b\n---\nBody\n")
    problem = only_error(problems)
    assert problem.line == 4 and "twice" in problem.message


def test_empty_front_matter_loads(tmp_path):
    source, problems = load(tmp_path, "---\n---\nBody\n")
    assert problems == [] and source.front_matter == {}


def test_find_article_files_skips_editor_files(tmp_path):
    for name in ["a.md", "b.markdown", ".hidden.md", "~a.md", "#a.md#", "notes.txt", ".git/x.md", "x/c.md"]:
        (tmp_path / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "content" / name).write_text("x")
    found = [p.relative_to(tmp_path / "content").as_posix() for p in find_article_files(tmp_path)]
    assert found == ["a.md", "b.markdown", "x/c.md"]


def test_read_articles_reports_every_bad_file(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "good.md").write_text(article())
    (content / "empty.md").write_text("")
    (content / "nofence.md").write_text("title: x\n")
    (content / "bytes.md").write_bytes(b"---\ntitle: \xff\n---\n")
    files, problems = Engine(tmp_path, use_cache=False).read_articles(SiteConfig())
    articles = [f.article for f in files.values() if f.article]
    assert sorted(files) == ["content/bytes.md", "content/empty.md", "content/good.md", "content/nofence.md"]
    assert [a.path for a in articles] == ["content/good.md"]
    assert sorted(p.path for p in problems) == ["content/bytes.md", "content/empty.md", "content/nofence.md"]


# --- characters YAML 1.1 takes for line breaks or refuses ---------------------------------------


@pytest.mark.parametrize(
    "character", ["\x0c", "\x85", "\u2028", "\u2029", "\r", "\x0b", "\x1c", "\x1b", "\x00", "\x7f", "\ufffe"]
)
@pytest.mark.parametrize("quote", ["", '"', "'"])
def test_front_matter_text_keeps_every_character_and_lines_stay_right(tmp_path, character, quote):
    title = f"Port{character}strike{character} ends"
    front = f"title: {quote}{title}{quote}\ndate: 2024-10-11\nsource: {character}Wire"
    text = f"---\n{front}\n---\n\nBody{character}.\n"
    source, problems = load(tmp_path, text)
    # Characters XML forbids are dropped with a warning (tests/test_xml.py); the rest stay.
    kept = "" if FORBIDDEN.search(character) else character
    assert all(not p.is_error for p in problems)
    assert bool(problems) == (kept != character)
    assert source.front_matter["title"] == title.replace(character, kept)
    assert source.front_matter["source"] == f"{kept}Wire"
    assert source.key_lines == {"title": 2, "date": 3, "source": 4}
    assert source.body_line == 6
    assert source.body == f"\nBody{character}."


def test_a_line_break_character_in_a_key_stays_in_the_key(tmp_path):
    source, problems = load(tmp_path, "---\nti\u2028tle: x\nsource: y\n---\n")
    assert problems == []
    assert source.key_lines == {"ti\u2028tle": 2, "source": 3}


@pytest.mark.parametrize("character", ["\x0c", "\x85", "\u2028", "\u2029", "\r"])
def test_a_yaml_error_after_such_a_character_names_the_right_line(tmp_path, character):
    _, problems = load(tmp_path, f"---\ntitle: x{character}y\nsource: 'unclosed\n---\n")
    problem = only_error([p for p in problems if p.is_error])
    assert problem.line == 3


# --- YAML that would expand without bound, nest too deep, or cannot be built ------------------------


def test_aliases_within_the_limit_are_expanded(tmp_path):
    source, problems = load(tmp_path, "---\nlist: &l [a, b]\ntags: *l\nmore: [*l, *l]\n---\n")
    assert problems == []
    assert source.front_matter["tags"] == ["a", "b"]
    assert source.front_matter["more"] == [["a", "b"], ["a", "b"]]


def test_aliases_that_repeat_too_many_values_are_an_error_at_the_key(tmp_path):
    # 101 values repeated 100 times: 10,100 values, over the limit of 10,000.
    items = ", ".join(["x"] * 100)
    text = f"---\ntitle: T\nbase: &b [{items}]\nsafe: [*b]\nmany: [{', '.join(['*b'] * 99)}]\n---\n"
    source, problems = load(tmp_path, text)
    problem = only_error(problems)
    assert source is None
    assert problem.line == 5
    assert "aliases (*name) repeat more than 10,000 values" in problem.message


def test_the_alias_limit_counts_what_aliases_repeat_not_what_is_written(tmp_path):
    items = ", ".join(["x"] * 20_000)  # written out: no limit but the file's size
    source, problems = load(tmp_path, f"---\ntitle: T\nmany: [{items}]\n---\n")
    assert problems == []
    assert len(source.front_matter["many"]) == 20_000


@pytest.mark.parametrize(
    ("front", "line"),
    [
        ("title: T\nloop: &a [*a]", 3),
        ("title: T\nloop: &a {key: *a}", 3),
        ("title: T\nloop: &a\n  - x\n  - *a", 4),
        ("title: T\nloop: &a {<<: *a}", 3),
    ],
)
def test_an_alias_inside_its_own_anchor_is_an_error(tmp_path, front, line):
    source, problems = load(tmp_path, f"---\n{front}\n---\n")
    problem = only_error(problems)
    assert source is None
    assert problem.line in (3, line)
    assert "refers to the value it is part of" in problem.message


@pytest.mark.parametrize("depth", [102, 5_000])  # 100,000: in test_hostile_content, in a process of its own
def test_nesting_deeper_than_the_limit_is_an_error(tmp_path, depth):
    text = "---\ntitle: T\ndeep: " + "[" * depth + "]" * depth + "\n---\n"
    problem = only_error(load(tmp_path, text)[1])
    assert problem.line == 3
    # Ours, or, where PyYAML (6.0.4 and later) stops the nesting first, its own message.
    assert "nest more than 100 levels deep" in problem.message or "maximum nesting depth" in problem.message


def test_nesting_within_the_limit_loads(tmp_path):
    source, problems = load(tmp_path, "---\ndeep: " + "[" * 100 + "]" * 100 + "\n---\n")
    assert problems == []
    value = source.front_matter["deep"]
    for _ in range(99):
        [value] = value
    assert value == []


def test_aliases_that_nest_too_deep_once_expanded_are_an_error(tmp_path):
    lines = ["a0: &a0 [x]"] + [f"a{n}: &a{n} [*a{n - 1}]" for n in range(1, 120)]
    problem = only_error(load(tmp_path, "---\n" + "\n".join(lines) + "\n---\n")[1])
    # Ours, or, where PyYAML (6.0.4 and later) stops the nesting first, its own message.
    assert "nest more than 100 levels deep" in problem.message or "maximum nesting depth" in problem.message


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1" * 1001, "is not a number"),
        ("0x" + "f" * 900, "is not a number"),
        ("!!int abc", "'abc' is not a number"),
        ("!!float abc", "'abc' is not a number"),
        ("!!bool maybe", "'maybe' is not true or false"),
    ],
)
def test_a_value_its_tag_cannot_be_made_of_is_an_error_at_its_line(tmp_path, value, words):
    problem = only_error(load(tmp_path, f"---\ntitle: T\nnotes: {value}\n---\n")[1])
    assert problem.line == 3
    assert words in problem.message
    assert len(problem.message) < 200


def test_a_thousand_digits_still_make_a_number(tmp_path):
    source, problems = load(tmp_path, "---\nn: " + "9" * 1000 + "\n---\n")
    assert problems == []
    assert source.front_matter["n"] == 10**1000 - 1


def test_keys_are_names_as_written(tmp_path):
    source, problems = load(tmp_path, "---\nyes: 1\n1.0: 2\n~: 3\n2024-01-01: 4\n---\n")
    assert problems == []
    assert source.front_matter == {"yes": 1, "1.0": 2, "~": 3, "2024-01-01": 4}
    assert source.key_lines == {"yes": 2, "1.0": 3, "~": 4, "2024-01-01": 5}


@pytest.mark.parametrize("front", ["title: T\n[a, b]: 1", "title: T\n{a: 1}: 2", "title: T\n? - a\n: 1"])
def test_a_key_that_is_a_list_or_mapping_is_an_error(tmp_path, front):
    problem = only_error(load(tmp_path, f"---\n{front}\n---\n")[1])
    assert problem.line == 3
    assert "a key must be a name" in problem.message


# --- the files of content/ -----------------------------------------------------------------------


def test_special_files_are_listed_as_warnings_not_articles(tmp_path):
    content = tmp_path / "content"
    (content / "sub").mkdir(parents=True)
    (content / "a.md").write_text("x")
    os.mkfifo(content / "sub" / "x.md")
    os.mkfifo(content / ".hidden.md")
    labels, problems = article_labels(tmp_path)
    assert labels == ["content/a.md"]
    assert [str(p) for p in problems] == [
        "content/sub/x.md: warning: skipped: it is a FIFO (named pipe), not a file"
    ]
    assert find_article_files(tmp_path) == [content / "a.md"]


def test_names_that_are_not_utf8_are_errors(tmp_path):
    content = os.fsencode(tmp_path / "content")
    try:
        os.makedirs(content + b"/ok/d\xe9j\xe0")
    except OSError:  # macOS (APFS) refuses such names: nothing to test there
        pytest.skip("this file system refuses names that are not UTF-8")
    for name in (b"/ok/a.md", b"/ok/d\xe9j\xe0/b.md", b"/\xff.md", b"/\xff.txt"):
        with open(content + name, "w") as stream:
            stream.write("x")
    labels, problems = article_labels(tmp_path)
    assert labels == ["content/ok/a.md"]
    assert sorted((p.path, p.is_error) for p in problems) == [
        ("content/\\xff.md", True),
        ("content/ok/d\\xe9j\\xe0", True),
    ]


def test_a_missing_content_folder_has_no_articles(tmp_path):
    assert article_labels(tmp_path) == ([], [])


def test_keys_a_merge_brings_in_are_at_its_line(tmp_path):
    text = "---\nbase: &b {title: T, tags: [a]}\nsource: S\n<<: *b\n---\n"
    source, problems = load(tmp_path, text)
    assert problems == []
    assert source.front_matter["title"] == "T"
    assert source.key_lines == {"base": 2, "source": 3, "<<": 4, "title": 4, "tags": 4}

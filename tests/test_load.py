import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from siteutil import article

from sitegen.load import find_article_files, load_file
from sitegen.validate import read_articles


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
    files, articles, problems = read_articles(tmp_path, ZoneInfo("UTC"), {})
    assert sorted(files) == ["content/bytes.md", "content/empty.md", "content/good.md", "content/nofence.md"]
    assert [a.path for a in articles] == ["content/good.md"]
    assert sorted(p.path for p in problems) == ["content/bytes.md", "content/empty.md", "content/nofence.md"]

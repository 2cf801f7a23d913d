"""The curation rules: nothing lost or overwritten, duplicates refused, errors that name the
flag, dry runs, and the command line around them."""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import pytest
import yaml
from clipping_util import front_matter_of

from sitegen.cli import main
from sitegen.commands import import_cmd, new_cmd
from sitegen.importer import ClippingInput, Overrides, import_clippings, new_article
from sitegen.importer.clean import clean_lines
from sitegen.importer.dates import parse_meta_moment
from sitegen.importer.outlets import normalise

CLIPPINGS = Path(__file__).parent / "clippings"
PORT = CLIPPINGS / "reuters-port-strike.txt"
TODAY = Overrides(today=dt.date(2025, 1, 1))

NO_DATE_NO_SOURCE = """Council approves new cycle lanes for the old town
The city council approved three new cycle lanes on Tuesday after a two-hour debate.
Work is due to start in the spring.
"""


def run_command(module, argv: list[str], capsys, stdin: bytes | None = None, monkeypatch=None):
    """Run `sitegen import` or `sitegen new` through the command line's own main()."""
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    command = {import_cmd: "import", new_cmd: "new"}[module]
    code = main([command, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def site(tmp_path: Path) -> Path:
    (tmp_path / "content").mkdir(exist_ok=True)
    return tmp_path


def test_second_import_is_refused_with_the_first_path(tmp_path: Path):
    root = site(tmp_path)
    [first] = import_clippings(root, [ClippingInput.from_path(PORT)], TODAY)
    assert first.written
    before = first.path.read_bytes()
    # The same text again, with different spacing and chrome, is the same article.
    again = PORT.read_text(encoding="utf-8").replace(" — ", "  —  ") + "\nAdvertisement\n"
    [second] = import_clippings(root, [ClippingInput("again.txt", again)], TODAY)
    assert not second.ok and not second.written
    message = next(str(p) for p in second.problems if p.is_error)
    assert "already imported as content/2024/10/port-strike-ends" in message and "--force" in message
    assert second.duplicate_of == first.path
    assert first.path.read_bytes() == before
    assert len(list((root / "content").rglob("*.md"))) == 1


def test_force_imports_again_under_a_new_slug(tmp_path: Path):
    root = site(tmp_path)
    [first] = import_clippings(root, [ClippingInput.from_path(PORT)], TODAY)
    before = first.path.read_bytes()
    [second] = import_clippings(root, [ClippingInput.from_path(PORT)], TODAY, force=True)
    assert second.written and second.path != first.path
    assert second.path.name == first.path.stem + "-2.md"
    assert first.path.read_bytes() == before
    assert any("imported again" in str(p) for p in second.problems)


def test_same_canonical_url_is_a_duplicate(tmp_path: Path):
    root = site(tmp_path)
    page = CLIPPINGS / "nyt-tokyo-rice.html"
    import_clippings(root, [ClippingInput.from_path(page)], TODAY)
    changed = page.read_text(encoding="utf-8").replace("staple grain", "main grain")
    changed = changed.replace("?smid=url-share", "")
    [second] = import_clippings(root, [ClippingInput("page.html", changed)], TODAY)
    assert not second.ok and "same source_url" in str(second.problems[0])


def test_one_run_does_not_import_a_story_twice(tmp_path: Path):
    root = site(tmp_path)
    outcomes = import_clippings(root, [ClippingInput.from_path(PORT)] * 2, TODAY)
    assert outcomes[0].written and not outcomes[1].ok


def test_existing_file_with_the_same_slug_is_kept(tmp_path: Path):
    root = site(tmp_path)
    other = root / "content/2024/10/port-strike-ends-after-9-days-as-dockworkers-accept-new-contract.md"
    other.parent.mkdir(parents=True)
    other.write_text("---\ntitle: Mine\ndate: 2024-10-11\nsource: Me\n---\n\nMy own notes.\n")
    [outcome] = import_clippings(root, [ClippingInput.from_path(PORT)], TODAY)
    assert outcome.written and outcome.path.name.endswith("-2.md")
    assert "My own notes." in other.read_text()


def test_missing_date_and_source_name_their_flags_and_write_nothing(tmp_path: Path):
    root = site(tmp_path)
    [outcome] = import_clippings(root, [ClippingInput("council.txt", NO_DATE_NO_SOURCE)], TODAY)
    messages = [str(p) for p in outcome.problems]
    assert any("no date" in m and "--date" in m for m in messages)
    assert any("no source" in m and "--source" in m for m in messages)
    assert not outcome.written and not list((root / "content").rglob("*.md"))
    # With both given on the command line it imports.
    given = Overrides(date="2024-03-05", source="Lakeside Courier", today=dt.date(2025, 1, 1))
    [outcome] = import_clippings(root, [ClippingInput("council.txt", NO_DATE_NO_SOURCE)], given)
    assert outcome.written
    front = front_matter_of(outcome.path)
    assert front["date"] == dt.date(2024, 3, 5) and front["source"] == "Lakeside Courier"


def test_command_line_values_override_extracted(tmp_path: Path):
    root = site(tmp_path)
    given = Overrides(
        title="Rotterdam strike over",
        source="AP",
        date="2024-10-12T09:30:00+02:00",
        author="Someone Else",
        source_url="https://example.org/strike",
        region=("Europe", "Netherlands"),
        tags=("labour", "ports"),
    )
    [outcome] = import_clippings(root, [ClippingInput.from_path(PORT)], given)
    front = front_matter_of(outcome.path)
    assert front["title"] == "Rotterdam strike over"
    assert front["source"] == "The Associated Press"
    assert front["date"] == dt.datetime.fromisoformat("2024-10-12T09:30:00+02:00")
    assert front["author"] == "Someone Else"
    assert front["region"] == ["Europe", "Netherlands"] and front["tags"] == ["labour", "ports"]
    assert outcome.path.name == "rotterdam-strike-over.md"


def test_dry_run_writes_nothing(tmp_path: Path):
    root = site(tmp_path)
    [outcome] = import_clippings(root, [ClippingInput.from_path(PORT)], TODAY, dry_run=True)
    assert outcome.ok and not outcome.written and outcome.markdown.startswith("---\ntitle:")
    assert not list((root / "content").rglob("*.md"))


def test_titles_with_colons_and_quotes_survive(tmp_path: Path):
    root = site(tmp_path)
    text = (
        "Minister: \"We will not resign\" — a #1 priority: 'trust'\n"
        "WASHINGTON (AP) — The minister said on Monday, Dec. 2, 2024, that she would stay.\n"
    )
    [outcome] = import_clippings(root, [ClippingInput("q.txt", text)], TODAY)
    assert outcome.ok, outcome.problems
    front = front_matter_of(outcome.path)
    assert front["title"] == "Minister: \"We will not resign\" — a #1 priority: 'trust'"
    assert front["date"] == dt.date(2024, 12, 2) and front["source"] == "The Associated Press"


def test_chrome_removal_keeps_sentences_about_the_same_things():
    lines = [
        "Skip to content",
        "Advertisement",
        "Share on Facebook",
        "Enable notifications",
        "No thanks",
        "We use cookies to personalise content. Accept all cookies to continue.",
        "a" * 0 + "0f" * 32,
        "The bakery said its cookies sold out by noon on Saturday.",
        "Readers can subscribe to the council's newsletter, the mayor said, adding that 4,000 already have.",
    ]
    assert clean_lines(lines) == lines[-2:]


def test_outlet_names_are_normalised():
    assert normalise("AP") == "The Associated Press"
    assert normalise("Associated Press") == "The Associated Press"
    assert normalise("AFP") == "Agence France-Presse"
    assert normalise("REUTERS") == "Reuters"
    assert normalise("the Guardian") == "The Guardian"
    assert normalise("POLITICO") == "Politico"
    assert normalise("NPR") == "NPR"
    assert normalise("baltimoresun.com") == "The Baltimore Sun"
    assert normalise("Lakeside Courier") == "Lakeside Courier"
    assert normalise("example.com") is None


def test_metadata_dates():
    assert parse_meta_moment("20200414T00:38:07Z").when.isoformat() == "2020-04-14T00:38:07+00:00"
    assert parse_meta_moment("Tue, Sep 15 2020 10:01:41 EDT").when.isoformat() == "2020-09-15T10:01:41-04:00"
    assert parse_meta_moment("2017-01-18T23:00:00-0800").day == dt.date(2017, 1, 18)


def test_a_long_title_makes_a_file_name_that_fits(tmp_path: Path):
    """The importer's slug is the build's (sitegen.slugs): a title of 90 Chinese characters
    made a file name over 255 bytes."""
    title = "港口罢工" * 30
    path = new_article(site(tmp_path), title, Overrides(source="Reuters", date="2024-12-03"))
    assert path.is_file() and len(path.name.encode()) <= 130
    import sitegen

    [article] = sitegen.load_site(tmp_path).site.articles
    assert article.title == title and article.path == path.relative_to(tmp_path).as_posix()


# The command line


def test_import_command_prints_the_path(tmp_path: Path, capsys):
    root = site(tmp_path)
    code, out, err = run_command(
        import_cmd, ["--site", str(root), str(PORT), "--tags", "ports,labour"], capsys
    )
    assert code == 0, err
    path = Path(out.strip())
    assert path.is_file() and front_matter_of(path)["tags"] == ["ports", "labour"]
    assert "check it" in err  # the date worked out from a caption and a weekday
    code, out, err = run_command(import_cmd, ["--site", str(root), str(PORT)], capsys)
    assert code == 1 and out == "" and "already imported as" in err


def test_import_command_reads_standard_input(tmp_path: Path, capsys, monkeypatch):
    root = site(tmp_path)
    code, out, err = run_command(
        import_cmd,
        ["--site", str(root), "-", "--source", "Lakeside Courier", "--date", "2024-03-05"],
        capsys,
        stdin=NO_DATE_NO_SOURCE.encode("utf-8"),
        monkeypatch=monkeypatch,
    )
    assert code == 0, err
    assert Path(out.strip()).name == "council-approves-new-cycle-lanes-for-the-old-town.md"


def test_import_command_dry_run_prints_the_article(tmp_path: Path, capsys):
    root = site(tmp_path)
    code, out, err = run_command(import_cmd, ["--site", str(root), "--dry-run", str(PORT)], capsys)
    assert code == 0
    front = yaml.safe_load(out.split("---\n")[1])
    assert front["title"].startswith("Port strike ends")
    assert "would write" in err and not list((root / "content").rglob("*.md"))


def test_import_command_errors(tmp_path: Path, capsys):
    root = site(tmp_path)
    clip = tmp_path / "council.txt"
    clip.write_text(NO_DATE_NO_SOURCE)
    code, out, err = run_command(import_cmd, ["--site", str(root), str(clip)], capsys)
    assert code == 1 and out == "" and "--date" in err and "--source" in err
    code, _, err = run_command(import_cmd, ["--site", str(root), str(clip), "--date", "soon"], capsys)
    assert code == 2 and "--date" in err
    code, _, err = run_command(import_cmd, ["--site", str(root), str(tmp_path / "nope.txt")], capsys)
    assert code == 1 and "cannot read" in err


def test_new_writes_a_skeleton_that_builds_and_refuses_to_overwrite(tmp_path: Path, capsys):
    root = site(tmp_path)
    argv = ["--site", str(root), "Talks resume: what's on the table", "--source", "Reuters"]
    code, out, err = run_command(new_cmd, [*argv, "--date", "2024-12-03", "--tags", "talks"], capsys)
    assert code == 0, err
    path = Path(out.strip())
    assert path == root / "content/2024/12/talks-resume-what-s-on-the-table.md"
    front = front_matter_of(path)
    assert front["title"] == "Talks resume: what's on the table"
    assert front["date"] == dt.date(2024, 12, 3) and front["source"] == "Reuters"
    before = path.read_bytes()
    code, _, err = run_command(new_cmd, [*argv, "--date", "2024-12-03"], capsys)
    assert code == 1 and "not replaced" in err and path.read_bytes() == before
    import sitegen

    if hasattr(sitegen, "build"):
        sitegen.build(root, tmp_path / "out")
        assert (tmp_path / "out/articles/talks-resume-what-s-on-the-table").is_dir()


def test_new_without_source_is_a_draft(tmp_path: Path):
    path = new_article(site(tmp_path), "Notes on the ceasefire", Overrides(today=dt.date(2024, 5, 1)))
    front = front_matter_of(path)
    assert front["draft"] is True and front["date"] == dt.date(2024, 5, 1)


@pytest.mark.parametrize("kind", ["txt", "html"])
def test_empty_input_is_an_error(tmp_path: Path, kind: str):
    [outcome] = import_clippings(site(tmp_path), [ClippingInput(f"e.{kind}", "  \n", kind)], TODAY)
    assert not outcome.ok


TAIL_ARTICLE = """Harbour board approves the northern breakwater plan
By Jane Doe
Published December 3, 2024
The harbour board voted on Tuesday to approve a plan for a new northern breakwater, ending two \
years of debate about how to protect the outer moorings from winter storms.
Work is expected to begin in the spring and to take about three years, the board said.
"We have waited long enough," said the board's chair.
"""


@pytest.mark.parametrize(
    "tail",
    [
        # Interface lines no phrase list knows: the rule is the article's structure.
        ["Zebra widget icon", "Glorp now", "Fourteen things about tides", "Tap the bell"],
        ["Most read", "1", "Ferry fares to rise", "2", "Dock cranes to be replaced", "Copy link"],
        ["Jane Doe", "Harbour Gazette", "Read next", "Breakwater history in pictures"],
    ],
)
def test_the_page_after_the_article_is_dropped(tmp_path: Path, tail: list[str]):
    clip = ClippingInput("a.txt", TAIL_ARTICLE + "\n".join(tail) + "\n")
    [outcome] = import_clippings(
        site(tmp_path), [clip], Overrides(source="Harbour Gazette", today=TODAY.today)
    )
    body = outcome.path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert "We have waited long enough" in body and "three years" in body
    assert not [line for line in tail if f"\n{line}\n" in body]


def test_a_closing_credit_ends_the_article(tmp_path: Path):
    text = TAIL_ARTICLE + "Reporting by Jane Doe; Editing by Tom Reel\nThe tides are high this week.\nShare\n"
    [outcome] = import_clippings(site(tmp_path), [ClippingInput("a.txt", text)], Overrides(source="X"))
    body = outcome.path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert "Reporting by Jane Doe; Editing by Tom Reel" in body and "tides" not in body


def test_a_clipping_without_a_full_paragraph_is_kept_whole(tmp_path: Path):
    text = "Harbour board approves breakwater\nVote passed.\nMore soon\nCopy link?\n"
    given = Overrides(source="X", date="2024-12-03")
    [outcome] = import_clippings(site(tmp_path), [ClippingInput("a.txt", text)], given)
    body = outcome.path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert "Vote passed." in body and "More soon" in body

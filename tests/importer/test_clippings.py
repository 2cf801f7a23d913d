"""The clipping corpus: each clipping in clippings/ imports to the front matter in the
`.expected.yaml` beside it, and the site they make builds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from clipping_util import front_matter_of

from sitegen.importer import ClippingInput, Overrides, import_clippings

CLIPPINGS = Path(__file__).parent / "clippings"
CASES = sorted(p for p in CLIPPINGS.iterdir() if p.suffix in (".txt", ".html"))
TODAY = dt.date(2025, 1, 1)


def expected_for(clip: Path) -> dict:
    return yaml.safe_load((CLIPPINGS / f"{clip.stem}.expected.yaml").read_text(encoding="utf-8"))


def overrides_for(expected: dict) -> Overrides:
    args = expected.get("_args", {})
    return Overrides(
        source=args.get("source"),
        date=args.get("date"),
        region=tuple(args.get("region", ())),
        tags=tuple(args.get("tags", ())),
        today=expected.get("_today", TODAY),
        suggest=False,  # these are the extraction's expectations; tests/test_suggest.py checks suggestions
    )


def body_of(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n---\n", 1)[1]


def test_corpus_is_big_and_varied():
    assert len(CASES) >= 12
    assert {p.suffix for p in CASES} == {".txt", ".html"}
    for clip in CASES:
        assert (CLIPPINGS / f"{clip.stem}.expected.yaml").is_file(), clip.name


@pytest.mark.parametrize("clip", CASES, ids=lambda p: p.name)
def test_clipping_yields_expected_front_matter(clip: Path, tmp_path: Path):
    expected = expected_for(clip)
    [outcome] = import_clippings(tmp_path, [ClippingInput.from_path(clip)], overrides_for(expected))
    assert outcome.ok, [str(p) for p in outcome.problems]
    assert outcome.written and outcome.path and outcome.path.is_file()
    front = front_matter_of(outcome.path)
    assert str(front.pop("fingerprint")).startswith("sha256:")
    # A saved file was read off the web when it was saved: retrieved is its modification time.
    saved = dt.datetime.fromtimestamp(clip.stat().st_mtime, dt.UTC).replace(microsecond=0)
    assert front.pop("retrieved") == saved
    want = {k: v for k, v in expected.items() if not k.startswith("_")}
    assert front == want
    # The file sits where the build expects it, by the article's own date.
    day = front["date"] if isinstance(front["date"], dt.date) else None
    assert outcome.path.parent == tmp_path / "content" / f"{day.year:04d}" / f"{day.month:02d}"
    body = body_of(outcome.path)
    for text in expected.get("_body_includes", []):
        assert text in body, text
    for text in expected.get("_body_excludes", []):
        assert text not in body, text
    warnings = [str(p) for p in outcome.problems if not p.is_error]
    for text in expected.get("_warnings", []):
        assert any(text in w for w in warnings), (text, warnings)


def test_imported_corpus_builds(tmp_path: Path):
    import sitegen

    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    for clip in CASES:
        expected = expected_for(clip)
        [outcome] = import_clippings(site, [ClippingInput.from_path(clip)], overrides_for(expected))
        assert outcome.ok, [str(p) for p in outcome.problems]
    sitegen.build(site, tmp_path / "out")
    pages = sorted((tmp_path / "out" / "articles").iterdir())
    assert len(pages) == len(CASES)
    assert (
        tmp_path / "out" / "articles" / "port-strike-ends-after-9-days-as-dockworkers-accept-new-contract"
    ).is_dir()

# ruff: noqa: RUF001 - typographic quotes and dashes are what these rules read
"""How well `sitegen import` reads real saved news pages: per-field accuracy.

    python bench/import_eval.py [FOLDER] [--verbose]

FOLDER defaults to ../shared/eval/real-news-html/ beside the project (30 pages with an
expected.json; the pages stay there, they are not part of the project). Prints one line per
field: how many pages the importer got right, out of how many have a value to check.

A date counts when it is the expected day in the outlet's own timezone (what the page shows);
'date within a day' also counts the day before or after, which a UTC-only timestamp can give.
An author counts when the same people are named (order, case and accents aside); pages with no
personal byline are left out of the author count. A source counts when it is the expected full
name or one of the accepted names (a station's brand and its call sign).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sitegen.importer import (  # noqa: E402
    ClippingInput,
    Overrides,
    _front_matter,
)
from sitegen.importer.extract import extract  # noqa: E402
from sitegen.importer.model import decode  # noqa: E402


def real_pages_folder() -> Path:
    """Where the real pages are: $SITEGEN_REAL_PAGES, else shared/eval/real-news-html/ in the
    folder above the project, or above that (a git worktree one level deeper)."""
    given = os.environ.get("SITEGEN_REAL_PAGES")
    if given:
        return Path(given)
    candidates = [base / "shared" / "eval" / "real-news-html" for base in (ROOT.parent, ROOT.parent.parent)]
    return next((c for c in candidates if (c / "expected.json").is_file()), candidates[0])


DEFAULT_FOLDER = real_pages_folder()
FIELDS = ("title", "date", "date within a day", "author", "source", "source_url")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    for a, b in (("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-")):
        text = text.replace(a, b)
    return " ".join(text.casefold().split())


def _people(value) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, list):
        return {_fold(v) for v in value}
    import re

    return {_fold(p) for p in re.split(r"\s*(?:,|\band\b)\s*", value) if p.strip()}


def evaluate(folder: Path) -> list[dict]:
    """One row per page: the expected and the imported value of each field, and whether each
    field is right (None where the page gives nothing to check)."""
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    rows = []
    for name, want in expected.items():
        clip = ClippingInput(name, decode((folder / name).read_bytes()), "html")
        found = extract(clip, today=dt.date(2025, 1, 1))
        problems: list = []
        front, moment = _front_matter(name, found, Overrides(), "UTC", problems)
        got_date = moment.day.isoformat() if moment else None
        want_day = dt.date.fromisoformat(want["date"])
        sources = want["source"] if isinstance(want["source"], list) else [want["source"]]
        ok = {
            "title": _fold(front.get("title") or "") == _fold(want["title"]),
            "date": got_date == want["date"],
            "date within a day": bool(moment) and abs((moment.day - want_day).days) <= 1,
            "author": None
            if want["author"] is None
            else _people(front.get("author")) == _people(want["author"]),
            "source": front.get("source") in sources,
            "source_url": None
            if not want.get("url")
            else bool(front.get("source_url")) and _url_key(front["source_url"]) == _url_key(want["url"]),
        }
        rows.append(
            {
                "id": want["id"],
                "ok": ok,
                "got": {
                    "title": front.get("title"),
                    "date": got_date,
                    "author": front.get("author"),
                    "source": front.get("source"),
                    "source_url": front.get("source_url"),
                },
                "want": {k: want.get(k) for k in ("title", "date", "author", "source", "url")},
            }
        )
    return rows


def _url_key(url: str) -> str:
    from sitegen.importer.html import canonical_url

    return canonical_url(url)


def summary(rows: list[dict]) -> dict[str, tuple[int, int]]:
    totals = {}
    for field in FIELDS:
        checked = [r["ok"][field] for r in rows if r["ok"][field] is not None]
        totals[field] = (sum(checked), len(checked))
    return totals


CORPUS = ROOT / "tests" / "importer" / "clippings"
CORPUS_FIELDS = ("title", "date", "source", "author", "summary", "dateline", "image_caption", "source_url")
BODY_CHECKS = ("body keeps", "body drops")
# Written and committed (79abc60) before the rule that drops a clipping's trailing chrome.
HELD_OUT = (
    "meridian-daily-storm",
    "northwind-harbour-pilots",
    "prairie-post-harvest",
    "valley-tribune-bus-routes",
)


def evaluate_corpus(folder: Path = CORPUS, only: tuple[str, ...] = ()) -> dict[str, tuple[int, int]]:
    """The project's own clippings against their .expected.yaml: per field, right out of how many
    clippings expect a value (or expect none) for it, imported without command-line values other
    than a source the clipping does not name; then the text the body must keep, and the lines
    (chrome) it must drop."""
    import tempfile

    import yaml

    from sitegen.importer import import_clippings
    from sitegen.load import parse_article

    totals = {field: [0, 0] for field in (*CORPUS_FIELDS, *BODY_CHECKS)}
    for clip in sorted(p for p in folder.iterdir() if p.suffix in (".txt", ".html")):
        if only and clip.stem not in only:
            continue
        want = yaml.safe_load((folder / f"{clip.stem}.expected.yaml").read_text(encoding="utf-8"))
        args = want.get("_args", {})
        overrides = Overrides(today=want.get("_today", dt.date(2025, 1, 1)), source=args.get("source"))
        got: dict = {}
        body = ""
        with tempfile.TemporaryDirectory() as site:
            [outcome] = import_clippings(Path(site), [ClippingInput.from_path(clip)], overrides)
            if outcome.written and outcome.path:
                source, _ = parse_article(outcome.path.read_bytes(), outcome.path, clip.name)
                if source:
                    got, body = source.front_matter, source.body
        for field in CORPUS_FIELDS:
            if field in args:
                continue  # given on the command line, not extracted
            totals[field][1] += 1
            totals[field][0] += got.get(field) == want.get(field)
        for check, key, present in (
            ("body keeps", "_body_includes", True),
            ("body drops", "_body_excludes", False),
        ):
            for text in want.get(key, []):
                totals[check][1] += 1
                totals[check][0] += (text in body) == present
    return {field: (right, total) for field, (right, total) in totals.items() if total}


def _table(totals: dict[str, tuple[int, int]]) -> None:
    print(f"{'field':<20} {'right':>7} {'accuracy':>9}")
    for field, (right, total) in totals.items():
        print(f"{field:<20} {right:>3}/{total:<3} {right / total:>9.0%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--verbose", "-v", action="store_true", help="show every miss")
    parser.add_argument("--corpus", action="store_true", help="measure the project's own clippings instead")
    parser.add_argument("--held-out", action="store_true", help="with --corpus: only the held-out clippings")
    args = parser.parse_args(argv)
    if args.corpus:
        _table(evaluate_corpus(only=HELD_OUT if args.held_out else ()))
        return 0
    if not (args.folder / "expected.json").is_file():
        print(f"no expected.json in {args.folder}: nothing to measure", file=sys.stderr)
        return 2
    rows = evaluate(args.folder)
    if args.verbose:
        for row in rows:
            for field, right in row["ok"].items():
                if right is False:
                    key = "url" if field == "source_url" else field.split()[0]
                    print(
                        f"{row['id']}: {field}: got {row['got'][field.split()[0]]!r}, "
                        f"expected {row['want'][key]!r}"
                    )
    _table(summary(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

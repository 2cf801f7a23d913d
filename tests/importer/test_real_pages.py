"""The importer on 30 real saved news pages (../shared/eval/real-news-html/ beside the project,
read in place; skipped where that folder is absent). The per-field figures are in docs/import.md,
from `python bench/import_eval.py`."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT.parent / "shared" / "eval" / "real-news-html"
EXPECTED = FOLDER / "expected.json"

pytestmark = pytest.mark.skipif(not EXPECTED.is_file(), reason=f"{FOLDER} is not here")

IDS = list(json.loads(EXPECTED.read_text(encoding="utf-8")).values()) if EXPECTED.is_file() else []


def _bench():
    spec = importlib.util.spec_from_file_location("import_eval", ROOT / "bench" / "import_eval.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results():
    bench = _bench()
    rows = bench.evaluate(FOLDER)
    return {row["id"]: row for row in rows}, bench.summary(rows)


@pytest.mark.parametrize("page", [e["id"] for e in IDS])
@pytest.mark.parametrize("field", ["title", "date"])
def test_every_title_and_date(results, page: str, field: str):
    row = results[0][page]
    assert row["ok"][field], (row["got"][field], row["want"][field])


@pytest.mark.parametrize("field", ["author", "source"])
def test_at_least_nine_in_ten_authors_and_sources(results, field: str):
    right, total = results[1][field]
    assert right / total >= 0.9, f"{field}: {right}/{total}"

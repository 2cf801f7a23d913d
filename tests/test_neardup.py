"""Near-duplicate texts (sitegen/neardup.py): the indexed search finds exactly the pairs that
comparing all pairs finds; the build warns about them, the same after edits as in a clean
build; the importer refuses them without --force."""

from __future__ import annotations

import pickle
import shutil
import tempfile
from fractions import Fraction
from itertools import combinations
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from sitegen.config import load_config
from sitegen.engine import Engine
from sitegen.importer import ClippingInput, Overrides, import_clippings
from sitegen.neardup import MIN_WORDS, THRESHOLD, NearDuplicates, near_duplicate_pairs, shingles, similarity


def all_pairs(sets: list[frozenset[int]], threshold: Fraction) -> list[tuple[int, int, Fraction]]:
    """The plain reference: every pair compared."""
    return [
        (i, j, similarity(sets[i], sets[j]))
        for i, j in combinations(range(len(sets)), 2)
        if sets[i] and sets[j] and similarity(sets[i], sets[j]) >= threshold
    ]


# Small token alphabets make many pairs share tokens, and many pairs sit near the threshold.
SETS = st.lists(st.frozensets(st.integers(0, 30), max_size=12), max_size=14)
THRESHOLDS = st.fractions(min_value=Fraction(1, 20), max_value=1).filter(lambda t: t > 0)


@settings(max_examples=600, deadline=None)
@given(SETS, THRESHOLDS)
def test_indexed_search_finds_exactly_the_pairs_all_pairs_finds(sets, threshold):
    found = [(p.first, p.second, p.similarity) for p in near_duplicate_pairs(sets, threshold)]
    assert found == all_pairs(sets, threshold)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.frozensets(st.integers(0, 2**64 - 1), min_size=1, max_size=30), max_size=8))
def test_large_token_values_and_the_default_threshold(sets):
    # Copies and near-copies among them, so that pairs above the threshold occur.
    sets = sets + [s | {1} for s in sets[:3]]
    found = [(p.first, p.second, p.similarity) for p in near_duplicate_pairs(sets)]
    assert found == all_pairs(sets, THRESHOLD)


# --- shingles ---------------------------------------------------------------------------------

SENTENCES = [f"Sentence number {n} says something about the port and its workers today." for n in range(40)]
STORY = " ".join(SENTENCES[:12])


# Texts made of sentences from a small pool, so that edits make and break near-duplicates;
# a body of fewer than MIN_WORDS words (two sentences) is never compared.
POOL = [
    f"the {word} report on shipping lanes through the strait counted {n} ships this week."
    for n, word in enumerate("abcdefghijkl")
]
BODIES = st.lists(st.sampled_from(POOL), min_size=3, max_size=9, unique=True).map(" ".join)
LABELS = [f"content/{name}.md" for name in "pqrstuvw"]
EDITS = st.lists(
    st.dictionaries(st.sampled_from(LABELS), st.one_of(st.none(), BODIES), min_size=1, max_size=4),
    min_size=1,
    max_size=8,
)


ALWAYS_BY_THE_INDEX = 10**6  # more changes than any edit makes


def from_nothing(bodies: dict[str, str]) -> list[tuple[str, str, Fraction]]:
    """Every pair of the texts compared: (earlier label, later label, similarity)."""
    sets = {label: shingles(body) for label, body in bodies.items()}
    return [
        (first, second, similarity(sets[first], sets[second]))
        for first, second in combinations(sorted(sets), 2)
        if sets[first] and sets[second] and similarity(sets[first], sets[second]) >= THRESHOLD
    ]


def texts(bodies: dict[str, str | None]) -> dict[str, tuple[bytes, frozenset[int]] | None]:
    """What the engine gives NearDuplicates of each file: its body's digest and shingles."""
    return {label: body and (body.encode(), shingles(body)) for label, body in bodies.items()}


@settings(max_examples=600, deadline=None)
@given(EDITS, st.one_of(st.integers(1, 6), st.just(ALWAYS_BY_THE_INDEX)), st.integers(0, 8), st.booleans())
def test_pairs_kept_up_to_date_equal_pairs_found_from_nothing(edits, many, new_process_at, indexed):
    """NearDuplicates after any sequence of edits (bodies added, changed, removed) warns about
    exactly the pairs that comparing every pair of the texts finds, whether it compares only
    what changed (with every text, or through its index of the texts' prefixes, made at
    the start when `indexed` or at the first edit of more than FEW texts, and kept up to
    date since) or, from `many` changes, finds every pair afresh; and when a new
    process resumes, at the edit `new_process_at`, from what the last one kept in the build
    cache (to_plain, pickled), taking in every file as it is then."""
    near = NearDuplicates(many=many)
    if indexed:
        near.index_for_edits()
    bodies: dict[str, str] = {}
    for step, edit in enumerate(edits):
        for label, body in edit.items():
            if body is None:
                bodies.pop(label, None)
            else:
                bodies[label] = body
        if step == new_process_at:
            kept = pickle.loads(pickle.dumps(near.to_plain()))
            near = NearDuplicates(many=many)
            every = {**dict.fromkeys(edit), **bodies}
            near.resume(
                kept,
                {
                    label: None if body is None else (body.encode(), shingles(body))
                    for label, body in every.items()
                },
            )
        else:
            near.update(
                {
                    label: None if body is None else (body.encode(), shingles(body))
                    for label, body in edit.items()
                }
            )
        assert [(p.path, p.message) for p in near.problems()] == [
            (
                second,
                f"nearly the same text as {first} ({float(value):.0%} of their sentences in common); "
                "is this story there twice?",
            )
            for first, second, value in from_nothing(bodies)
        ]


def test_short_texts_have_no_shingles():
    assert shingles("One two three four five six.") == frozenset()
    assert shingles("Write the summary here: what happened, and why it matters.") == frozenset()
    assert len(STORY.split()) >= MIN_WORDS and len(shingles(STORY)) == 12


def test_case_spacing_punctuation_and_markdown_do_not_matter():
    marked = STORY.replace("port", "**Port**").replace(" says", "  says").replace("today.", "today!\n")
    assert shingles(marked) == shingles(STORY)


def test_a_changed_word_changes_one_sentence():
    changed = STORY.replace("number 3 says", "number 3 said")
    assert similarity(shingles(changed), shingles(STORY)) == Fraction(11, 13)


# --- the build ------------------------------------------------------------------------------


def article(title: str, body: str) -> str:
    return f'---\ntitle: "{title}"\ndate: 2024-05-01\nsource: "Wire"\n---\n\n{body}\n'


def near_warnings(problems) -> list[str]:
    return sorted(str(p) for p in problems if "nearly the same text" in p.message)


def test_build_warns_about_each_near_duplicate_pair_naming_the_other_file(tmp_path: Path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "a.md").write_text(article("A", STORY))
    (content / "b.md").write_text(article("B", STORY.replace("number 3 says", "number 3 said")))
    (content / "c.md").write_text(article("C", " ".join(SENTENCES[20:32])))
    config, _ = load_config(tmp_path)
    _, problems = Engine(tmp_path, use_cache=False).read_articles(config)
    assert near_warnings(problems) == [
        "content/b.md: warning: nearly the same text as content/a.md (85% of their sentences in "
        "common); is this story there twice?"
    ]


BODIES = [
    STORY,
    STORY.replace("number 3 says", "number 3 said"),
    " ".join(SENTENCES[6:18]),  # half of STORY's sentences: 6 of 18, below the threshold
    " ".join(SENTENCES[20:32]),
    " ".join(SENTENCES[20:31]),
    "A short note.",
]


class IncrementalWarnings(RuleBasedStateMachine):
    """Edits to a site; after each, the engine that saw every edit (told which files changed,
    as the preview does) reports the same near-duplicate warnings as a fresh engine."""

    def __init__(self) -> None:
        super().__init__()
        self.site = Path(tempfile.mkdtemp(prefix="sitegen-neardup-"))
        (self.site / "content").mkdir()
        self.config, _ = load_config(self.site)
        self.engine = Engine(self.site, use_cache=False)
        self.changed: set[Path] = set()

    def teardown(self) -> None:
        shutil.rmtree(self.site, ignore_errors=True)

    def write(self, number: int, body: int) -> None:
        path = self.site / "content" / f"story-{number}.md"
        path.write_text(article(f"Story {number}", BODIES[body]), encoding="utf-8")
        self.changed.add(path)

    @initialize(bodies=st.lists(st.integers(0, len(BODIES) - 1), min_size=2, max_size=5))
    def start(self, bodies: list[int]) -> None:
        for number, body in enumerate(bodies):
            self.write(number, body)
        self.engine.read_articles(self.config)
        self.changed.clear()

    @rule(number=st.integers(0, 6), body=st.integers(0, len(BODIES) - 1))
    def edit_or_add(self, number: int, body: int) -> None:
        self.write(number, body)

    @rule(number=st.integers(0, 6))
    def delete(self, number: int) -> None:
        path = self.site / "content" / f"story-{number}.md"
        if path.exists():
            path.unlink()
            self.changed.add(path)

    @invariant()
    def same_warnings_as_a_clean_read(self) -> None:
        _, incremental = self.engine.read_articles(self.config, changed=set(self.changed))
        self.changed.clear()
        _, clean = Engine(self.site, use_cache=False).read_articles(self.config)
        assert near_warnings(incremental) == near_warnings(clean)


IncrementalWarnings.TestCase.settings = settings(max_examples=25, stateful_step_count=8, deadline=None)
TestIncrementalWarnings = IncrementalWarnings.TestCase


# --- the importer -----------------------------------------------------------------------------

CLIPPING = "Port workers walk out\nBy Ana Ruiz, Reuters\nPublished May 2, 2024\n\n{body}\n"


def site_with_story(tmp_path: Path) -> Path:
    (tmp_path / "content" / "2024" / "05").mkdir(parents=True)
    (tmp_path / "content" / "2024" / "05" / "first.md").write_text(article("First", STORY))
    return tmp_path


def test_import_refuses_a_near_duplicate_naming_the_existing_file(tmp_path: Path):
    root = site_with_story(tmp_path)
    text = CLIPPING.format(body=STORY.replace("number 3 says", "number 3 said"))
    [outcome] = import_clippings(root, [ClippingInput("copy.txt", text)], Overrides())
    assert not outcome.written
    [problem] = [p for p in outcome.problems if p.is_error]
    assert str(problem) == (
        "copy.txt: nearly the same text as content/2024/05/first.md (85% of their "
        "sentences in common); nothing written (use --force to import it anyway)"
    )
    assert sorted(p.name for p in (root / "content").rglob("*.md")) == ["first.md"]


def test_import_force_imports_a_near_duplicate_with_a_warning(tmp_path: Path):
    root = site_with_story(tmp_path)
    text = CLIPPING.format(body=STORY.replace("number 3 says", "number 3 said"))
    [outcome] = import_clippings(root, [ClippingInput("copy.txt", text)], Overrides(), force=True)
    assert outcome.written and outcome.ok
    assert any("imported anyway (--force)" in p.message for p in outcome.problems)


def test_one_run_does_not_import_two_near_copies(tmp_path: Path):
    root = tmp_path
    (root / "content").mkdir()
    first = ClippingInput("one.txt", CLIPPING.format(body=STORY))
    second = ClippingInput(
        "two.txt",
        CLIPPING.replace("Port workers walk out", "Dockworkers leave the port").format(body=BODIES[1]),
    )
    outcomes = import_clippings(root, [first, second], Overrides())
    assert outcomes[0].written and not outcomes[1].written
    assert "nearly the same text as content/2024/05/port-workers-walk-out.md" in str(outcomes[1].problems[-1])


def test_an_unrelated_story_is_imported(tmp_path: Path):
    root = site_with_story(tmp_path)
    [outcome] = import_clippings(
        root, [ClippingInput("other.txt", CLIPPING.format(body=BODIES[3]))], Overrides()
    )
    assert outcome.written, [str(p) for p in outcome.problems]

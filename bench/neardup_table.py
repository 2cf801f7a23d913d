"""The similarity of pairs that are and are not the same story, to choose the near-duplicate
threshold (sitegen/neardup.py): edited copies of the sample briefing's articles, and pairs of
different articles on one story or one topic.

    python bench/neardup_table.py

Prints, for each pair, the Jaccard similarity of the sentence shingles sitegen uses, and of
five-word shingles for comparison.
"""

from __future__ import annotations

import re
import sys
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sitegen.neardup import THRESHOLD, shingles, similarity  # noqa: E402

CONTENT = ROOT / "content"


def body(name: str) -> str:
    text = next(CONTENT.rglob(f"{name}.md")).read_text(encoding="utf-8")
    return text.split("---", 2)[2].strip()


def sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+", text)


def every(text: str, step: int) -> str:
    """One word changed in every `step`-th sentence ('said' and 'says', or a word added)."""
    parts = sentences(text)
    for i in range(0, len(parts), step):
        changed = re.sub(r"\bsaid\b", "says", parts[i], count=1)
        parts[i] = changed if changed != parts[i] else parts[i].replace(" ", " also ", 1)
    return " ".join(parts)


def word_shingles(text: str, size: int = 5) -> frozenset[tuple[str, ...]]:
    words = re.findall(r"[^\W_]+", text.casefold())
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


def jaccard(first: frozenset, second: frozenset) -> Fraction:
    union = len(first | second)
    return Fraction(len(first & second), union) if union else Fraction(0)


def main() -> None:
    story = body("rotterdam-dockworkers-vote-to-strike")
    paragraphs = story.split("\n\n")
    parts = sentences(story)
    pairs = [
        ("the same story", story, story, True),
        (
            "new first paragraph",
            story,
            "Union members in the Netherlands backed a walkout.\n\n" + "\n\n".join(paragraphs[1:]),
            True,
        ),
        ("last third cut", story, " ".join(parts[: len(parts) * 2 // 3]), True),
        ("an intro and a note added", story, "From our wire desk. " + story + " Editing by J. Doe.", True),
        ("a word changed in every 4th sentence", story, every(story, 4), True),
        ("a word changed in every 2nd sentence", story, every(story, 2), True),
        ("a word changed in every sentence", story, every(story, 1), True),
        (
            "one story, two events (strike begins / ends)",
            body("rotterdam-port-strike-begins"),
            body("rotterdam-port-strike-ends"),
            False,
        ),
        (
            "one topic (Red Sea reroute / traffic low)",
            body("red-sea-shipping-reroute"),
            body("red-sea-container-traffic-low"),
            False,
        ),
        ("unrelated", story, body("japan-offshore-wind-auction"), False),
    ]
    print(f"threshold {float(THRESHOLD):.2f} on sentence shingles\n")
    print(f"{'pair':<46} {'same?':<6} {'sentences':>9} {'5 words':>8}  flagged")
    for name, first, second, same in pairs:
        by_sentence = similarity(shingles(first), shingles(second))
        by_words = jaccard(word_shingles(first), word_shingles(second))
        flagged = "yes" if by_sentence >= THRESHOLD else "no"
        answer = "yes" if same else "no"
        print(f"{name:<46} {answer:<6} {float(by_sentence):>9.2f} {float(by_words):>8.2f}  {flagged}")


if __name__ == "__main__":
    main()

"""Near-duplicate articles: the same story twice (a wire story republished by several outlets)
with a few words changed.

Two texts are near-duplicates when the Jaccard similarity of their shingle sets reaches
THRESHOLD. A text's shingles are its sentences (split after '.', '!' or '?' and at line
breaks; case folded, ASCII punctuation and Markdown marks dropped, spaces single; sentences of
fewer than MIN_SENTENCE_WORDS words left out), each hashed to 64 bits (CRC-32 and Adler-32:
the same on every run and machine). Sentences, not runs of a few words: news prose repeats
its phrases ('said in a statement on Tuesday'), so runs of five or ten words are shared by
thousands of unrelated articles and no index can skip comparing them (measured in
docs/import.md), while a sentence is nearly always one article's own, and a republished wire
story keeps most of its sentences word for word. Texts of fewer than MIN_WORDS words are not
compared: a one-line summary, or the skeleton `sitegen new` writes, says too little to be a
copy of anything.

`near_duplicate_pairs` finds every pair at or above the threshold without comparing all
pairs: prefix filtering (Chaudhuri et al. 2006; Bayardo et al. 2007). Each set is ordered
rarest shingle first; two sets with a Jaccard of t or more share a shingle among the first
|x| - ceil(t·|x|) + 1 of each, so only pairs sharing one of those are compared, exactly, in
integers. tests/test_neardup.py proves with generated sets that it finds exactly the pairs
that comparing all pairs finds.
"""

from __future__ import annotations

import string
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain, combinations
from typing import cast

from .errors import Problem, warning

THRESHOLD = Fraction(1, 2)
MIN_WORDS = 50
# Changed texts up to which an edit compares each with every text rather than make the index
# of prefixes (a tenth of a second at 10,000 texts; the preview makes it once and keeps it).
FEW = 4
MIN_SENTENCE_WORDS = 4

# Dropped before sentences are split: all ASCII punctuation but what ends a sentence.
_INNER_PUNCTUATION = bytes(c for c in string.punctuation.encode() if c not in b".!?")
_SENTENCE_ENDS = bytes.maketrans(b"!?\n", b"...")


@dataclass(frozen=True)
class Pair:
    """Two texts (their indexes in the input, first < second) and their similarity."""

    first: int
    second: int
    similarity: Fraction


def shingles(text: str) -> frozenset[int]:
    """The text's shingles: its sentences' hashes (none for a text of fewer than MIN_WORDS
    words). Each step maps a C function over a list: this is what keeps it fast at ten
    thousand articles."""
    data = text.casefold().encode("utf-8", "surrogatepass")
    if len(data.split(None, MIN_WORDS)) < MIN_WORDS:
        return frozenset()
    # One pass: what ends a sentence becomes '.', other ASCII punctuation goes.
    sentences = data.translate(_SENTENCE_ENDS, _INNER_PUNCTUATION).split(b".")
    plain = [b" ".join(words) for words in map(bytes.split, sentences) if len(words) >= MIN_SENTENCE_WORDS]
    return frozenset(
        crc << 32 | adler for crc, adler in zip(map(zlib.crc32, plain), map(zlib.adler32, plain), strict=True)
    )


def similarity(first: frozenset[int], second: frozenset[int]) -> Fraction:
    if not first or not second:
        return Fraction(0)
    overlap = len(first & second)
    return Fraction(overlap, len(first) + len(second) - overlap)


def near_duplicate_pairs(sets: Sequence[frozenset[int]], threshold: Fraction = THRESHOLD) -> list[Pair]:
    """Every pair of non-empty sets whose Jaccard similarity is at least `threshold` (0 < t <= 1),
    in the order of their indexes."""
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold {threshold} is not in (0, 1]")
    frequency = Counter(chain.from_iterable(sets))
    repeated = {token for token, count in frequency.items() if count > 1}
    holders: dict[int, list[int]] = defaultdict(list)  # token -> the sets with it in their prefix
    for index, tokens in enumerate(sets):
        # A token no other set has comes first in the order and can match nothing: only the
        # prefix's shared tokens, ordered by frequency and then value, are indexed.
        shared = tokens & repeated
        room = _prefix_length(len(tokens), threshold) - (len(tokens) - len(shared))
        if room > 0:
            for token in sorted(shared, key=lambda token: (frequency[token], token))[:room]:
                holders[token].append(index)
    candidates: set[tuple[int, int]] = set()
    for indexes in holders.values():
        candidates.update(combinations(indexes, 2))
    pairs = []
    for first, second in sorted(candidates):
        value = similarity(sets[first], sets[second])
        if value >= threshold:
            pairs.append(Pair(first, second, value))
    return pairs


def _prefix_length(size: int, threshold: Fraction) -> int:
    """|x| - ceil(t·|x|) + 1: two sets with a Jaccard of t or more share at least ceil(t·|x|)
    tokens, so one of them is among the first this many of each (in one global order)."""
    needed = -(-threshold.numerator * size // threshold.denominator)
    return size - needed + 1


class NearDuplicates:
    """The near-duplicate pairs among the site's article files, kept between builds by the
    engine and brought up to date with what changed: an edit compares only the bodies it
    changed (shingled where their files were validated) with the texts that share a
    sentence of their prefixes with them (prefix filtering again, in an order that edits do
    not change: by value), found in an index of the prefixes (or, for FEW changed texts
    and no index made yet, with every text). A pair of unchanged texts
    stays a pair, or not, as it was: their similarity depends only on them. Many changes at
    once (a first build) find every pair afresh (near_duplicate_pairs). tests/test_neardup.py
    holds both ways to finding every pair from nothing, for generated edits."""

    def __init__(self, many: int = 100, threshold: Fraction = THRESHOLD):
        self._many = many  # changed texts from which finding every pair afresh is quicker
        self._threshold = threshold
        self._texts: dict[str, tuple[bytes, frozenset[int]]] = {}  # label -> body digest, shingles
        self._pairs: dict[tuple[str, str], Fraction] = {}  # (earlier label, later label) -> similarity
        # Each shingle in a text's prefix (_prefix) -> that text's label, or the labels of the
        # texts, when several: made when an edit first asks (index_for_edits), as a build from
        # nothing has no use for it (most shingles are one text's own: an entry per shingle).
        self._holders: dict[int, str | set[str]] | None = None

    def update(self, bodies: Mapping[str, tuple[bytes, frozenset[int]] | None]) -> None:
        """Take in the files `bodies` names: label -> (body digest, the body's shingles), or
        None for a file that is gone or is no longer an article. Files it does not name are
        as they were."""
        changed: dict[str, frozenset[int] | None] = {}
        for label, body in bodies.items():
            known = self._texts.get(label)
            if body is None:
                if known is not None:
                    changed[label] = None
            elif known is None or known[0] != body[0]:
                changed[label] = body[1]
        if not changed:
            return
        holders = self._holders
        for label, tokens in changed.items():
            known = self._texts.pop(label, None)
            if known is not None and holders is not None:
                self._release(holders, label, known[1])
            if tokens is not None:
                self._texts[label] = (bodies[label][0], tokens)  # type: ignore[index]
                if holders is not None:
                    self._hold(holders, label, tokens)
        if len(changed) >= self._many:
            labels = sorted(self._texts)
            found = near_duplicate_pairs([self._texts[label][1] for label in labels], self._threshold)
            self._pairs = {(labels[p.first], labels[p.second]): p.similarity for p in found}
            self._holders = None  # made again when an edit asks
            return
        if holders is None and len(changed) > FEW:
            holders = self.index_for_edits()
        self._pairs = {pair: value for pair, value in self._pairs.items() if changed.keys().isdisjoint(pair)}
        for label, tokens in changed.items():
            if not tokens:
                continue
            others: Iterable[str]
            if holders is None:  # a few texts changed, no index (a command-line build): every text
                others = [other for other in self._texts if other != label]
            else:  # a text similar enough shares a shingle of both prefixes: only those are compared
                sharing: set[str] = set()
                for token in self._prefix(tokens):
                    held = holders.get(token)
                    if isinstance(held, str):
                        sharing.add(held)
                    elif held is not None:
                        sharing |= held
                sharing.discard(label)
                others = sharing
            for other in others:
                other_tokens = self._texts[other][1]
                if tokens.isdisjoint(other_tokens):
                    continue  # a similarity of 0, under any threshold
                value = similarity(tokens, other_tokens)
                if value >= self._threshold:
                    self._pairs[(label, other) if label < other else (other, label)] = value

    def to_plain(self) -> tuple[dict[str, bytes], list[tuple[str, str, int, int]]]:
        """What a new process resumes from (resume): each text's body digest, and the pairs
        with their similarity as a fraction."""
        digests = {label: body_digest for label, (body_digest, _) in self._texts.items()}
        pairs = sorted((a, b, value.numerator, value.denominator) for (a, b), value in self._pairs.items())
        return digests, pairs

    def resume(self, plain: object, bodies: Mapping[str, tuple[bytes, frozenset[int]] | None]) -> None:
        """Start from what an earlier process found (to_plain), then take in `bodies`, every
        file now, as update() does: a pair of texts with the bodies they had then is still
        a pair, and only the texts that changed since are compared. Raises TypeError,
        ValueError, AttributeError or ArithmeticError for plain data that is not to_plain's."""
        digests, pairs = cast(tuple[dict[str, bytes], list[tuple[str, str, int, int]]], plain)
        texts: dict[str, tuple[bytes, frozenset[int]]] = {}
        for label, body_digest in digests.items():
            body = bodies.get(label)
            if body is not None and body[0] == body_digest:
                texts[label] = body
        found = {(a, b): Fraction(numerator, denominator) for a, b, numerator, denominator in pairs}
        self._texts = texts
        self._pairs = {pair: value for pair, value in found.items() if texts.keys() >= set(pair)}
        self._holders = None
        self.update(bodies)

    def index_for_edits(self) -> dict[int, str | set[str]]:
        """The index of the texts' prefixes that edits look in, made now if there is none
        (the preview makes it after its first build, so that its first edit finds it ready:
        at 100,000 articles it takes a second or two)."""
        if self._holders is None:
            self._holders = {}
            for label, (_, tokens) in self._texts.items():
                self._hold(self._holders, label, tokens)
        return self._holders

    def _prefix(self, tokens: frozenset[int]) -> list[int]:
        """The text's first shingles in one fixed order (by value), as many as two texts with a
        Jaccard of the threshold or more share one of, among both's (_prefix_length)."""
        return sorted(tokens)[: _prefix_length(len(tokens), self._threshold)]

    def _hold(self, holders: dict[int, str | set[str]], label: str, tokens: frozenset[int]) -> None:
        for token in self._prefix(tokens):
            held = holders.get(token)
            if held is None:
                holders[token] = label
            elif isinstance(held, str):
                holders[token] = {held, label}
            else:
                held.add(label)

    def _release(self, holders: dict[int, str | set[str]], label: str, tokens: frozenset[int]) -> None:
        for token in self._prefix(tokens):
            held = holders[token]
            if isinstance(held, str):
                del holders[token]
            else:
                held.discard(label)
                if len(held) == 1:
                    holders[token] = held.pop()

    def problems(self) -> list[Problem]:
        """A warning for each pair, on the later file (by label) naming the earlier one."""
        return [
            warning(
                second,
                None,
                f"nearly the same text as {first} ({float(value):.0%} of their sentences in common); "
                "is this story there twice?",
            )
            for (first, second), value in sorted(self._pairs.items())
        ]

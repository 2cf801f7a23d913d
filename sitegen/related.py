"""Related articles: up to five for every article page, found through what articles share.

Modelled on Hugo's related content: each kind of term an article has (its stories, tags,
regions and source) is an *index* with a weight, and the weight of what two articles
share decays with the time between them. Two articles are related when they share at
least one term. They are ordered by:

1. sharing a story (articles of the same story come first, whatever their score);
2. score: the sum of the weights of the terms they share, times
   ``0.5 ** (days between them / HALF_LIFE_DAYS)`` (an article a fortnight away counts
   half as much as one of the same day);
3. the newer article first, then the slug, so the order never depends on anything else.

`related_articles` finds them through an inverted index (term -> its articles in time
order), looking only at articles within a window of time around each article that it
widens until no article outside it could rank among the best; `related_reference`
compares every pair and is what the fast one must equal (tests/test_related.py).
`find_related` finds again, after an edit, only the lists that the edit can change.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from .parallel import chunked, map_in_processes

# Weights of a shared term, by index (Hugo's defaults give tags 80 and keywords 100).
WEIGHTS: Mapping[str, int] = {"story": 100, "tags": 80, "regions": 40, "sources": 20}
HALF_LIFE_DAYS = 14.0
LIMIT = 5
PARALLEL_FROM = 2000  # fewer articles than this are quicker in this process than in a pool
_DAY = 86_400.0
_MARGIN = 1e-9
_FIRST_RING = 2 * HALF_LIFE_DAYS * _DAY  # seconds either side; each ring reaches twice as far
_UNIT = 20  # every weight but a story's is a multiple of it: what Counter counts
_NEVER = float("inf")  # float rounding: stop only when the bound is clearly below the best


@dataclass(frozen=True)
class Candidate:
    """What is known of one article, for finding related ones."""

    slug: str
    time: float  # its date as a POSIX timestamp
    terms: frozenset[tuple[str, str]]  # (index, term slug): ("tags", "energy")


def decay(seconds: float) -> float:
    return 0.5 ** (seconds / _DAY / HALF_LIFE_DAYS)


_Key = tuple[bool, float, float, str]


def _ranked(me: Candidate, other: Candidate) -> _Key:
    """The sort key of an article known to share a term with `me`."""
    key = _rank(me, other)
    assert key is not None
    return key


def _rank(me: Candidate, other: Candidate) -> _Key | None:
    """The sort key of `other` among `me`'s related articles (smallest first), or None
    when they share nothing."""
    shared = me.terms & other.terms
    if not shared:
        return None
    base = 0
    in_story = False
    for index, _ in shared:
        base += WEIGHTS[index]
        in_story = in_story or index == "story"
    score = base * decay(abs(me.time - other.time))
    return (not in_story, -score, -other.time, other.slug)


def related_reference(candidates: Sequence[Candidate], limit: int = LIMIT) -> list[tuple[int, ...]]:
    """Every pair compared: for each candidate, the positions of its related ones, best first."""
    found = []
    for i, me in enumerate(candidates):
        ranked = []
        for j, other in enumerate(candidates):
            key = _rank(me, other) if j != i else None
            if key is not None:
                ranked.append((key, j))
        found.append(tuple(j for _, j in sorted(ranked)[:limit]))
    return found


class _Postings:
    """One term's articles in time order, with their times (for bisect)."""

    __slots__ = ("positions", "times")

    def __init__(self) -> None:
        self.positions: list[int] = []
        self.times: list[float] = []


def related_articles(
    candidates: Sequence[Candidate], limit: int = LIMIT, jobs: int = 1
) -> list[tuple[int, ...]]:
    """The same as related_reference, through an inverted index; in `jobs` forked processes
    for a large site (sitegen/parallel.py)."""
    numbers = list(range(len(candidates)))
    found = _related_of(candidates, _index(candidates), numbers, limit, jobs)
    return [found[i] for i in numbers]


@dataclass(frozen=True)
class RelatedLists:
    """Each candidate's related ones (slugs, best first), with the candidates they were
    found among: what lets the next model find only the lists that an edit can change."""

    limit: int
    candidates: Mapping[str, Candidate]
    lists: Mapping[str, tuple[str, ...]]


def find_related(
    candidates: Sequence[Candidate],
    before: RelatedLists | None = None,
    limit: int = LIMIT,
    jobs: int = 1,
) -> RelatedLists:
    """Every candidate's related ones, as related_articles finds them. Given the lists
    found `before`, only the lists that an edit (articles added, removed or changed) can
    change are found again. A list is the best `limit` of the articles that share a term
    with its article, so it changes only when its own article changed, when it holds an
    article that changed or went, or when a changed or new article would rank in it (above
    its last, or anywhere in a list not yet full). An article that changed or went but was
    not in a list leaves it as it was. tests/test_related.py holds it to the plain way."""
    by_slug = {c.slug: c for c in candidates}
    index = _index(candidates)
    if before is None or before.limit != limit or len(by_slug) != len(candidates):
        numbers = list(range(len(candidates)))
        kept: dict[str, tuple[str, ...]] = {}
    else:
        numbers = _changed_lists(candidates, by_slug, index, before)
        kept = {slug: found for slug, found in before.lists.items() if slug in by_slug}
    found = _related_of(candidates, index, numbers, limit, jobs)
    kept.update((candidates[i].slug, tuple(candidates[j].slug for j in found[i])) for i in numbers)
    return RelatedLists(limit, by_slug, kept)


def _changed_lists(
    candidates: Sequence[Candidate],
    by_slug: Mapping[str, Candidate],
    index: dict[tuple[str, str], _Postings],
    before: RelatedLists,
) -> list[int]:
    """The candidates whose lists an edit since `before` can change (see find_related)."""
    changed = {
        slug
        for slug in by_slug.keys() | before.candidates.keys()
        if by_slug.get(slug) != before.candidates.get(slug)
    }
    if not changed:
        return []
    number = {c.slug: i for i, c in enumerate(candidates)}
    affected = {number[slug] for slug in changed if slug in number}
    affected.update(
        number[slug]
        for slug, found in before.lists.items()
        if slug in number and not changed.isdisjoint(found)
    )
    for slug in changed:
        new = by_slug.get(slug)
        if new is None:
            continue
        for i in {i for term in new.terms for i in index[term].positions}:
            me = candidates[i]
            if i in affected or me.slug == slug:
                continue
            listed = before.lists[me.slug]
            if len(listed) < before.limit or _ranked(me, new) < _ranked(me, by_slug[listed[-1]]):
                affected.add(i)
    return sorted(affected)


def _index(candidates: Sequence[Candidate]) -> dict[tuple[str, str], _Postings]:
    """Each term's articles, in time order."""
    index: dict[tuple[str, str], _Postings] = {}
    for i in sorted(range(len(candidates)), key=lambda i: candidates[i].time):
        for term in candidates[i].terms:
            postings = index.get(term)
            if postings is None:
                postings = index[term] = _Postings()
            postings.positions.append(i)
            postings.times.append(candidates[i].time)
    return index


def _related_of(
    candidates: Sequence[Candidate],
    index: dict[tuple[str, str], _Postings],
    numbers: list[int],
    limit: int,
    jobs: int,
) -> dict[int, tuple[int, ...]]:
    """The related ones of the candidates `numbers`, by number."""
    state = (candidates, index, limit)
    if jobs <= 1 or len(numbers) < PARALLEL_FROM:
        return dict(_related_chunk(state, numbers))
    found: dict[int, tuple[int, ...]] = {}
    for chunk in map_in_processes(state, _related_chunk, chunked(numbers, jobs * 4), jobs):
        found.update(chunk)
    return found


def _related_chunk(state: object, numbers: list[int]) -> list[tuple[int, tuple[int, ...]]]:
    """The related articles of the candidates `numbers` (perhaps in a worker process)."""
    candidates, index, limit = cast(tuple[Sequence[Candidate], dict[tuple[str, str], _Postings], int], state)
    found = []
    for i in numbers:
        me = candidates[i]
        # Articles of the same story rank first: all of them are scored.
        mates = {j for term in me.terms if term[0] == "story" for j in index[term].positions}
        mates.discard(i)
        ranked: list[tuple[_Key, int]] = [(_ranked(me, candidates[j]), j) for j in mates]
        if len(mates) < limit:
            others = [(WEIGHTS[term[0]], index[term]) for term in me.terms if term[0] != "story"]
            ranked += _nearest_best(candidates, i, others, mates, limit - len(mates))
        found.append((i, tuple(j for _, j in sorted(ranked)[:limit])))
    return found


def _nearest_best(
    candidates: Sequence[Candidate],
    i: int,
    others: list[tuple[int, _Postings]],
    mates: set[int],
    need: int,
) -> list[tuple[_Key, int]]:
    """The `need` best articles that share a term of `others` with candidate `i` and no
    story with it.

    Each term's articles are read in rings of time around `i` (up to a day away, then two,
    four, ...). Within a ring, counting how often each article appears in the terms' slices
    (Counter, in C) gives what it shares, and an article cannot score more than that at the
    ring's inner edge: only those that could beat the best so far are ranked. An article
    beyond the ring shares at most every term, further away: once the best so far beat
    that, they are the best."""
    me = candidates[i]
    # Each term's slice read so far: its postings from lefts[n] up to rights[n].
    lefts = [bisect.bisect_left(postings.times, me.time) for _, postings in others]
    rights = list(lefts)
    best_possible = sum(weight for weight, _ in others)
    best: list[tuple[_Worst, int]] = []  # a heap of the best so far, the worst on top
    inner, outer = 0.0, _FIRST_RING
    while True:
        ring: list[int] = []
        more = False
        for n, (weight, postings) in enumerate(others):
            times, left, right = postings.times, lefts[n], rights[n]
            start = bisect.bisect_left(times, me.time - outer, 0, left)
            end = bisect.bisect_right(times, me.time + outer, right)
            # Each article once per shared unit of weight: Counter then adds up the weights.
            ring += postings.positions[start:left] * (weight // _UNIT)
            ring += postings.positions[right:end] * (weight // _UNIT)
            lefts[n], rights[n] = start, end
            more = more or start > 0 or end < len(times)
        shares = Counter(ring)
        ceiling = decay(inner) * _UNIT * (1 + _MARGIN)  # the most one shared unit can score here
        worst = -best[0][0].key[1] if len(best) == need else -1.0
        for j, units in shares.most_common():  # the most shared first
            if units * ceiling < worst:
                break  # neither this one nor any after it could be among the best
            if j == i or j in mates:
                continue
            key = _rank(me, candidates[j])
            if key is None:
                continue
            if len(best) < need:
                heapq.heappush(best, (_Worst(key), j))
            elif key < best[0][0].key:
                heapq.heapreplace(best, (_Worst(key), j))
            else:
                continue
            worst = -best[0][0].key[1] if len(best) == need else -1.0
        if not more or (len(best) == need and worst > best_possible * decay(outer) * (1 + _MARGIN)):
            return [(w.key, j) for w, j in best]
        inner, outer = outer, outer * 2


class _Worst:
    """A sort key turned round, so that a heap keeps the worst of the best on top."""

    __slots__ = ("key",)

    def __init__(self, key: _Key):
        self.key = key

    def __lt__(self, other: _Worst) -> bool:
        return self.key > other.key

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
`update_related` finds again, after an edit, only the lists that the edit can change, in
the index of the last lists updated for the edit: its cost follows the edit, not the site.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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


# One term's candidates in time order (their slugs), with their times (for bisect).
_Postings = tuple[list[str], list[float]]
_Index = dict[tuple[str, str], _Postings]
_Edit = tuple[Candidate | None, Candidate | None]  # a candidate before and after (None: not there)


def related_articles(
    candidates: Sequence[Candidate], limit: int = LIMIT, jobs: int = 1
) -> list[tuple[int, ...]]:
    """The same as related_reference, through an inverted index; in `jobs` forked processes
    for a large site (sitegen/parallel.py). The candidates' slugs are unique."""
    number = {c.slug: i for i, c in enumerate(candidates)}
    found = find_related(candidates, limit=limit, jobs=jobs).lists
    return [tuple(number[slug] for slug in found[c.slug]) for c in candidates]


@dataclass(frozen=True)
class RelatedLists:
    """Each candidate's related ones (slugs, best first), with the candidates they were
    found among: what lets the next model find only the lists that an edit can change.

    The fields after `lists` only save the next update work, and are kept in memory (the
    same lists are equal whatever they hold); when absent they are made again from the
    first three (or, for `made_from`, every candidate is made again and compared)."""

    limit: int
    candidates: Mapping[str, Candidate]
    lists: Mapping[str, tuple[str, ...]]
    # What each candidate was made from, by slug (sitegen/model.py: its Article, compared by
    # identity), and with what settings (the site's configuration).
    made_from: Mapping[str, object] = field(default_factory=dict, compare=False, repr=False)
    made_with: object = field(default=None, compare=False, repr=False)
    index: _Index | None = field(default=None, compare=False, repr=False)
    # The sort key of the last of each full list: what a changed article must beat to enter.
    last_keys: Mapping[str, _Key] | None = field(default=None, compare=False, repr=False)

    def to_plain(self) -> tuple:
        """The first three fields as plain data, for the build cache (the rest is made again)."""
        candidates = {slug: (c.time, tuple(sorted(c.terms))) for slug, c in self.candidates.items()}
        return self.limit, candidates, dict(self.lists)

    @classmethod
    def from_plain(cls, data: tuple) -> RelatedLists:
        """Back from to_plain(); raises on anything else."""
        limit, candidates, lists = data
        return cls(
            int(limit),
            {
                str(slug): Candidate(str(slug), float(time), frozenset((str(i), str(t)) for i, t in terms))
                for slug, (time, terms) in candidates.items()
            },
            {str(slug): tuple(str(other) for other in found) for slug, found in lists.items()},
        )


def find_related(
    candidates: Sequence[Candidate],
    before: RelatedLists | None = None,
    limit: int = LIMIT,
    jobs: int = 1,
) -> RelatedLists:
    """Every candidate's related ones (update_related); given the lists found `before`,
    each candidate is compared with before's to know what an edit changed, for a caller
    that does not know it (the model knows: sitegen/model.py, related_lists)."""
    by_slug = {c.slug: c for c in candidates}
    return update_related(before, by_slug.keys(), by_slug, limit, jobs)


def update_related(
    before: RelatedLists | None,
    present: Collection[str],
    remade: Mapping[str, Candidate],
    limit: int = LIMIT,
    jobs: int = 1,
    made_from: Mapping[str, object] | None = None,
    made_with: object = None,
) -> RelatedLists:
    """The related ones of the candidates `present` (their slugs): those `remade` since
    `before`, the others before's own (all of them remade when there is no `before`).

    Only the lists that the edit (the remade candidates that differ from before's, the new
    ones, those no longer present) can change are found again, in the index of before
    updated for the edit. A list is the best `limit` of the candidates that share a term
    with its own, so it changes only when its own candidate changed, when it holds one that
    changed or went, or when a changed or new one would rank in it (above its last, or
    anywhere in a list not yet full). One that changed or went but was not in a list leaves
    it as it was; one that ranks in a list that holds it as well as before or better (a tag
    added) leaves its articles there, only sorted again. tests/test_related.py holds it to
    the plain way, over sequences of edits.
    `made_from` and `made_with` are kept with the lists for the caller (RelatedLists)."""
    old = before.candidates if before is not None else {}
    changed = {slug: c for slug, c in remade.items() if old.get(slug) != c}
    added = sum(slug not in old for slug in changed)
    # Each remade slug is present: the others went only when fewer are present than that.
    removed = list(old.keys() - present) if len(old) + added != len(present) else []
    candidates = dict(old)
    candidates.update(changed)
    for slug in removed:
        del candidates[slug]
    edits: list[_Edit] = [(old.get(slug), c) for slug, c in changed.items()]
    edits += [(old[slug], None) for slug in removed]
    kept = made_from if made_from is not None else {}
    if before is None or len(edits) > len(candidates) // _RENEW_FROM + _RENEW_FROM:
        # Many edits (a new site, new aliases): finding every list again is then quicker.
        index = _index(candidates.values())
        found = _related_of(candidates, index, list(candidates), limit, jobs)
        return RelatedLists(limit, candidates, _lists(found), kept, made_with, index, _last_keys(found))
    before_index = before.index if before.index is not None else _index(old.values())
    index = _updated_index(before_index, edits)
    if before.limit != limit:
        found = _related_of(candidates, index, list(candidates), limit, jobs)
        return RelatedLists(limit, candidates, _lists(found), kept, made_with, index, _last_keys(found))
    last_keys = before.last_keys
    if last_keys is None:
        last_keys = {
            slug: _ranked(old[slug], old[listed[-1]])
            for slug, listed in before.lists.items()
            if len(listed) == limit
        }
    again, reordered = _lists_to_find(before, before_index, candidates, index, edits, last_keys)
    found = _related_of(candidates, index, sorted(again), limit, jobs)
    found.update(_reordered(candidates, before.lists, reordered - again, limit))
    lists = dict(before.lists)
    new_last_keys = dict(last_keys)
    for slug in removed:
        del lists[slug]
        new_last_keys.pop(slug, None)
    lists.update(_lists(found))
    for slug, (_, last) in found.items():
        if last is None:
            new_last_keys.pop(slug, None)
        else:
            new_last_keys[slug] = last
    return RelatedLists(limit, candidates, lists, kept, made_with, index, new_last_keys)


_RENEW_FROM = 32  # edits beyond 32 and a 32nd of the candidates find every list again

# Each candidate's related ones (slugs, best first) and the key of the last of a full list.
_Found = dict[str, tuple[tuple[str, ...], _Key | None]]


def _lists(found: _Found) -> dict[str, tuple[str, ...]]:
    return {slug: listed for slug, (listed, _) in found.items()}


def _last_keys(found: _Found) -> dict[str, _Key]:
    return {slug: last for slug, (_, last) in found.items() if last is not None}


def _lists_to_find(
    before: RelatedLists,
    before_index: _Index,
    candidates: Mapping[str, Candidate],
    index: _Index,
    edits: list[_Edit],
    last_keys: Mapping[str, _Key],
) -> tuple[set[str], set[str]]:
    """The candidates whose lists the edits can change (see update_related): those to find
    again, and those whose lists keep their articles, perhaps in another order. A list that
    holds a changed candidate keeps its articles when that one ranks there as well as before
    or better and nothing else enters it: the others rank below its last as before."""
    again = {new.slug for _, new in edits if new is not None}
    reordered: set[str] = set()
    # The least score that is the last of a full list ranked by score (its last in no story
    # with it; the greatest key of a full list's last, if it is one), or None: no such list.
    worst = max(last_keys.values(), default=None)
    floor = -worst[1] if worst is not None and worst[0] else None
    for old, new in edits:
        if old is not None:
            for slug in _within_reach(before_index, old, last_keys, floor):
                if slug not in again and slug in candidates and old.slug in before.lists[slug]:
                    me = candidates[slug]
                    key = _rank(me, new) if new is not None else None
                    (reordered if key is not None and key <= _ranked(me, old) else again).add(slug)
    for _, new in edits:
        if new is not None:
            # Not changed (those are `again`): its list and its last are before's.
            for slug in _within_reach(index, new, last_keys, floor) - again:
                if new.slug in before.lists[slug]:
                    continue  # it was there: the loop above decided
                last = last_keys.get(slug)
                if last is None or _ranked(candidates[slug], new) < last:
                    again.add(slug)
    return again, reordered


def _reordered(
    candidates: Mapping[str, Candidate], lists: Mapping[str, tuple[str, ...]], slugs: set[str], limit: int
) -> _Found:
    """The lists of `slugs`, their articles as they were, sorted again."""
    found: _Found = {}
    for slug in slugs:
        me = candidates[slug]
        ranked = sorted((_ranked(me, candidates[other]), other) for other in lists[slug])
        found[slug] = (tuple(other for _, other in ranked), ranked[-1][0] if len(ranked) == limit else None)
    return found


def _within_reach(
    index: _Index, candidate: Candidate, last_keys: Mapping[str, _Key], floor: float | None
) -> set[str]:
    """The candidates of `index` whose lists can hold `candidate` or take it in (and perhaps
    some more): those in a story with it, those that share a term with it and have no full
    list (no last key), and those that share a term with it near enough in time for it to
    score `floor` there (the least score that is the last of a full list: below it, it is in
    no full list but by a story). Looking only that far keeps an edit of an article with
    large terms quick: at 10,000 articles a few hundred candidates, not thousands."""
    found = {slug for term in candidate.terms if term[0] == "story" for slug in index[term][0]}
    found |= _sharing(index, candidate) - last_keys.keys()
    others = [term for term in candidate.terms if term[0] != "story"]
    weight = sum(WEIGHTS[term[0]] for term in others)  # the most it can share but a story
    if floor is None or not others:
        return found
    # decay(reach) * weight = floor: further away than that, it scores below every last.
    reach = HALF_LIFE_DAYS * _DAY * math.log2(weight * (1 + _MARGIN) / floor) if floor > 0 else math.inf
    for term in others:
        slugs, times = index[term]
        start = bisect.bisect_left(times, candidate.time - reach)
        found.update(slugs[start : bisect.bisect_right(times, candidate.time + reach, start)])
    return found


def _sharing(index: _Index, candidate: Candidate) -> set[str]:
    """The candidates of the index that share a term with `candidate`."""
    return set().union(*(index[term][0] for term in candidate.terms))


def _index(candidates: Iterable[Candidate]) -> _Index:
    """Each term's candidates, in time order."""
    index: _Index = {}
    for candidate in sorted(candidates, key=lambda c: c.time):
        for term in candidate.terms:
            postings = index.get(term)
            if postings is None:
                postings = index[term] = ([], [])
            postings[0].append(candidate.slug)
            postings[1].append(candidate.time)
    return index


def _updated_index(index: _Index, edits: list[_Edit]) -> _Index:
    """The index after the edits, sharing with `index` the postings that they leave alone
    (`index` stays as it was: the lists before an edit may be updated more than once)."""
    updated = dict(index)
    copied: set[tuple[str, str]] = set()

    def postings_of(term: tuple[str, str]) -> _Postings:
        if term not in copied:
            slugs, times = updated.get(term, ([], []))
            updated[term] = (list(slugs), list(times))
            copied.add(term)
        return updated[term]

    for old, new in edits:
        if old is not None:
            for term in old.terms:
                slugs, times = postings_of(term)
                at = slugs.index(old.slug, bisect.bisect_left(times, old.time))
                del slugs[at], times[at]
        if new is not None:
            for term in new.terms:
                slugs, times = postings_of(term)
                at = bisect.bisect_right(times, new.time)
                slugs.insert(at, new.slug)
                times.insert(at, new.time)
    for term in copied:
        if not updated[term][0]:
            del updated[term]  # no candidate has it now
    return updated


def _related_of(
    candidates: Mapping[str, Candidate],
    index: _Index,
    slugs: list[str],
    limit: int,
    jobs: int,
) -> _Found:
    """The related ones of the candidates `slugs`."""
    state = (candidates, index, limit)
    if jobs <= 1 or len(slugs) < PARALLEL_FROM:
        return dict(_related_chunk(state, slugs))
    found: _Found = {}
    for chunk in map_in_processes(state, _related_chunk, chunked(slugs, jobs * 4), jobs):
        found.update(chunk)
    return found


def _related_chunk(state: object, slugs: list[str]) -> list[tuple[str, tuple[tuple[str, ...], _Key | None]]]:
    """The related ones of the candidates `slugs` (perhaps in a worker process)."""
    candidates, index, limit = cast(tuple[Mapping[str, Candidate], _Index, int], state)
    found = []
    for i in slugs:
        me = candidates[i]
        # Articles of the same story rank first: all of them are scored.
        mates = {j for term in me.terms if term[0] == "story" for j in index[term][0]}
        mates.discard(i)
        ranked: list[tuple[_Key, str]] = [(_ranked(me, candidates[j]), j) for j in mates]
        if len(mates) < limit:
            others = [(WEIGHTS[term[0]], index[term]) for term in me.terms if term[0] != "story"]
            ranked += _nearest_best(candidates, i, others, mates, limit - len(mates))
        best = sorted(ranked)[:limit]
        found.append((i, (tuple(j for _, j in best), best[-1][0] if len(best) == limit else None)))
    return found


def _nearest_best(
    candidates: Mapping[str, Candidate],
    i: str,
    others: list[tuple[int, _Postings]],
    mates: set[str],
    need: int,
) -> list[tuple[_Key, str]]:
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
    lefts = [bisect.bisect_left(times, me.time) for _, (_, times) in others]
    rights = list(lefts)
    best_possible = sum(weight for weight, _ in others)
    best: list[tuple[_Worst, str]] = []  # a heap of the best so far, the worst on top
    inner, outer = 0.0, _FIRST_RING
    while True:
        ring: list[str] = []
        more = False
        for n, (weight, (slugs, times)) in enumerate(others):
            left, right = lefts[n], rights[n]
            start = bisect.bisect_left(times, me.time - outer, 0, left)
            end = bisect.bisect_right(times, me.time + outer, right)
            # Each article once per shared unit of weight: Counter then adds up the weights.
            ring += slugs[start:left] * (weight // _UNIT)
            ring += slugs[right:end] * (weight // _UNIT)
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

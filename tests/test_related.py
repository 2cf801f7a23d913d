"""Related articles: the weights, the decay with time, the order, and the fast (indexed) search
against a plain comparison of every pair."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from siteutil import article, cache_bytes, make_article, write_site

import sitegen
from sitegen.config import AliasSpec, SiteConfig
from sitegen.model import RELATED_BY, Site, build_site
from sitegen.related import (
    HALF_LIFE_DAYS,
    LIMIT,
    WEIGHTS,
    Candidate,
    RelatedLists,
    decay,
    find_related,
    related_articles,
    related_reference,
    update_related,
)
from sitegen.validate import Article

DAY = 86_400.0


def candidate(slug: str, day: float, *terms: str) -> Candidate:
    """terms as 'tags:energy', 'story:grid', ..."""
    return Candidate(slug, day * DAY, frozenset(tuple(term.split(":")) for term in terms))  # type: ignore[misc]


def related_slugs(candidates: list[Candidate]) -> dict[str, list[str]]:
    found = related_articles(candidates)
    assert found == related_reference(candidates)
    return {
        c.slug: [candidates[j].slug for j in positions]
        for c, positions in zip(candidates, found, strict=True)
    }


def test_weights_rank_shared_terms():
    me = candidate("me", 0, "tags:a", "tags:b", "regions:europe", "sources:wire")
    others = [
        candidate("two-tags", 0, "tags:a", "tags:b"),  # 160
        candidate("tag-region", 0, "tags:a", "regions:europe"),  # 120
        candidate("tag", 0, "tags:b"),  # 80
        candidate("region-source", 0, "regions:europe", "sources:wire"),  # 60
        candidate("region", 0, "regions:europe"),  # 40
        candidate("source", 0, "sources:wire"),  # 20
        candidate("nothing", 0, "tags:c"),
    ]
    assert WEIGHTS == {"story": 100, "tags": 80, "regions": 40, "sources": 20}
    assert related_slugs([me, *others])["me"] == ["two-tags", "tag-region", "tag", "region-source", "region"]


def test_the_same_story_comes_first_whatever_the_score():
    me = candidate("me", 0, "story:grid", "tags:a", "tags:b", "regions:x")
    mate = candidate("mate", 400, "story:grid")  # a year away, nothing else shared
    close = candidate("close", 0, "tags:a", "tags:b", "regions:x")
    assert related_slugs([me, mate, close])["me"] == ["mate", "close"]


def test_shared_weight_decays_with_time():
    me = candidate("me", 100, "tags:a", "tags:b")
    near = candidate("near", 100 + HALF_LIFE_DAYS * 1.5, "tags:a")  # 80 * 0.35 = 28
    far_but_closer_match = candidate("far", 100 - HALF_LIFE_DAYS, "tags:a", "tags:b")  # 160 * 0.5 = 80
    farther = candidate("farther", 100 - HALF_LIFE_DAYS * 3, "tags:a", "tags:b")  # 160 * 0.125 = 20
    assert related_slugs([me, near, far_but_closer_match, farther])["me"] == ["far", "near", "farther"]
    assert decay(HALF_LIFE_DAYS * DAY) == 0.5 and decay(0) == 1.0


def test_ties_go_to_the_newer_article_then_the_slug():
    me = candidate("me", 10, "tags:a")
    tied = [
        candidate(slug, 10 + offset, "tags:a") for slug, offset in [("b", -2), ("a", -2), ("c", 2), ("d", 0)]
    ]
    # d is nearest; c and (a, b) are as far, c newer; a and b on the same day: by slug.
    assert related_slugs([me, *tied])["me"] == ["d", "c", "a", "b"]


def test_never_itself_and_at_most_five():
    same = [candidate(f"s{n}", n, "tags:a", "story:x") for n in range(9)]
    found = related_slugs(same)
    for slug, related in found.items():
        assert slug not in related and len(related) == LIMIT


SLUGS = [f"a{n:02d}" for n in range(40)]
TERMS = [
    *(("tags", t) for t in "abcdef"),
    *(("regions", r) for r in "xyz"),
    *(("sources", s) for s in "pq"),
    *(("story", s) for s in "st"),
]


# Days from a small set as often as not, so that ties (the same day, the same distance) are common.
DAYS = st.one_of(st.integers(0, 30).map(float), st.floats(0, 2000, allow_nan=False))
TERM_SETS = st.frozensets(st.sampled_from(TERMS), max_size=5)
corpora = st.lists(st.tuples(DAYS, TERM_SETS), max_size=40).map(
    lambda drawn: [Candidate(SLUGS[n], day * DAY, terms) for n, (day, terms) in enumerate(drawn)]
)


@settings(max_examples=800, deadline=None)
@given(corpora, st.integers(1, 7))
def test_the_indexed_search_equals_comparing_every_pair(candidates, limit):
    assert related_articles(candidates, limit) == related_reference(candidates, limit)


@settings(max_examples=100, deadline=None)
@given(corpora)
def test_the_order_of_the_input_does_not_change_the_lists(candidates):
    forwards = related_articles(candidates)
    backwards = related_articles(candidates[::-1])
    named = {
        c.slug: [candidates[j].slug for j in found] for c, found in zip(candidates, forwards, strict=True)
    }
    reversed_input = candidates[::-1]
    again = {
        c.slug: [reversed_input[j].slug for j in found]
        for c, found in zip(reversed_input, backwards, strict=True)
    }
    assert named == again


# An edit: each article kept, dropped or changed (a new date, new terms), and new ones added.
EDITS = st.lists(
    st.one_of(
        st.just("keep"),
        st.just("drop"),
        st.tuples(
            st.one_of(st.none(), DAYS),
            st.one_of(st.none(), st.frozensets(st.sampled_from(TERMS), max_size=5)),
        ),
    ),
    max_size=40,
)


def edited(candidates: list[Candidate], edits: list, added: list[Candidate]) -> list[Candidate]:
    after = []
    for n, c in enumerate(candidates):
        edit = edits[n] if n < len(edits) else "keep"
        if edit == "drop":
            continue
        if edit != "keep":
            day, terms = edit
            c = Candidate(c.slug, c.time if day is None else day * DAY, c.terms if terms is None else terms)
        after.append(c)
    taken = {c.slug for c in after}
    return after + [c for c in added if c.slug not in taken and c.slug not in {b.slug for b in candidates}]


def through_the_cache(lists: RelatedLists) -> RelatedLists:
    """The lists as a new process reads them back from the build cache: plain data, pickled
    and read by the cache's own unpickler (which refuses anything but plain data)."""
    from sitegen.cache import _SafeUnpickler

    return RelatedLists.from_plain(_SafeUnpickler(io.BytesIO(cache_bytes(lists.to_plain()))).load())


@settings(max_examples=600, deadline=None)
@given(corpora, EDITS, corpora, st.randoms(use_true_random=False), st.integers(1, 7), st.booleans())
def test_lists_found_again_after_an_edit_equal_lists_found_from_nothing(
    before, edits, added, order, limit, cached
):
    """find_related given the lists before an edit finds only those the edit can change:
    the same lists as finding them all, for any edit (articles dropped, added, moved in
    time, given other terms) and any order of the articles; also from the lists as the build
    cache keeps them (`cached`: what a new process starts from)."""
    added = [Candidate(c.slug.replace("a", "n"), c.time, c.terms) for c in added]
    after = edited(before, edits, added)
    order.shuffle(after)
    kept = find_related(before, limit=limit)
    if cached:
        kept = through_the_cache(kept)
        assert kept == find_related(before, limit=limit)
    again = find_related(after, kept, limit=limit)
    plain = related_reference(after, limit)
    assert dict(again.lists) == {
        c.slug: tuple(after[j].slug for j in found) for c, found in zip(after, plain, strict=True)
    }
    assert dict(again.candidates) == {c.slug: c for c in after}


class EditsInTurn(RuleBasedStateMachine):
    """Sequences of edits, each given to update_related as the model gives it (only the
    candidates made again), through the index and lists it keeps: after every step the
    lists equal those found from nothing by comparing every pair."""

    def __init__(self) -> None:
        super().__init__()
        self.candidates: dict[str, Candidate] = {}
        self.limit = LIMIT
        self.related = update_related(None, (), {}, self.limit)

    @initialize(start=corpora)
    def a_site_to_start_from(self, start):
        self.candidates = {c.slug: c for c in start}
        self.update(self.candidates)

    def update(self, remade: dict[str, Candidate]) -> None:
        self.related = update_related(self.related, self.candidates.keys(), remade, self.limit)

    def put(self, slug: str, time: float, terms: frozenset) -> None:
        self.candidates[slug] = Candidate(slug, time, terms)
        self.update({slug: self.candidates[slug]})

    @rule(slug=st.sampled_from(SLUGS), day=DAYS, terms=TERM_SETS)
    def add_or_replace(self, slug, day, terms):
        self.put(slug, day * DAY, terms)

    @precondition(lambda self: self.candidates)
    @rule(data=st.data(), terms=TERM_SETS)
    def retag(self, data, terms):
        slug = data.draw(st.sampled_from(sorted(self.candidates)))
        self.put(slug, self.candidates[slug].time, terms)

    @precondition(lambda self: self.candidates)
    @rule(data=st.data(), day=DAYS, to_another=st.booleans())
    def move_in_time(self, data, day, to_another):
        """To another day, or to the very time of another candidate."""
        slug = data.draw(st.sampled_from(sorted(self.candidates)))
        time = day * DAY
        if to_another:
            time = self.candidates[data.draw(st.sampled_from(sorted(self.candidates)))].time
        self.put(slug, time, self.candidates[slug].terms)

    @precondition(lambda self: self.candidates)
    @rule(data=st.data())
    def remove(self, data):
        del self.candidates[data.draw(st.sampled_from(sorted(self.candidates)))]
        self.update({})

    @precondition(lambda self: self.candidates)
    @rule(data=st.data())
    def make_an_equal_one_again(self, data):
        """An equal but distinct candidate (an article saved unchanged) changes nothing."""
        c = self.candidates[data.draw(st.sampled_from(sorted(self.candidates)))]
        self.candidates[c.slug] = Candidate(c.slug, c.time, frozenset(c.terms))
        self.update({c.slug: self.candidates[c.slug]})

    @rule(edits=st.lists(st.tuples(st.sampled_from(SLUGS), st.one_of(st.none(), st.tuples(DAYS, TERM_SETS)))))
    def many_at_once(self, edits):
        """Candidates added, changed and removed in one step (more than update_related
        updates one by one, at times)."""
        remade = {}
        for slug, edit in edits:
            if edit is None:
                self.candidates.pop(slug, None)
                remade.pop(slug, None)
            else:
                remade[slug] = self.candidates[slug] = Candidate(slug, edit[0] * DAY, edit[1])
        self.update(remade)

    @rule(limit=st.integers(1, 7))
    def change_the_limit(self, limit):
        self.limit = limit
        self.update({})

    @rule()
    def forget_what_was_kept_in_memory(self):
        """Lists made from plain data (as a cache would keep them): the index is made again."""
        before = self.related
        self.related = RelatedLists(before.limit, before.candidates, before.lists)
        self.update({})

    @invariant()
    def lists_equal_those_found_from_nothing(self):
        everyone = list(self.candidates.values())
        plain = related_reference(everyone, self.limit)
        assert dict(self.related.lists) == {
            c.slug: tuple(everyone[j].slug for j in found) for c, found in zip(everyone, plain, strict=True)
        }
        assert dict(self.related.candidates) == self.candidates


EditsInTurn.TestCase.settings = settings(max_examples=300, stateful_step_count=25, deadline=None)
test_lists_stay_equal_to_lists_found_from_nothing_over_sequences_of_edits = EditsInTurn.TestCase


# --- in the model -------------------------------------------------------------------------------

NAMES = {
    "tags": ["Energy", "energy", "Grid", "grid power", "Trade"],
    "regions": ["Europe", "europe", "Asia"],
    "sources": ["Wire", "wire", "Ledger"],
    "stories": ["Red Sea", "red sea", "Grid"],
}
# An alias of a tag that articles use, to a tag that some have: site.yaml's aliases.
ALIASES = (AliasSpec("tags", "grid power", "Energy"),)


@st.composite
def article_named(draw, slug: str) -> Article:
    day, hour = draw(st.integers(1, 20)), draw(st.sampled_from([0, 12]))  # equal dates are common
    names = {
        key: draw(st.lists(st.sampled_from(spelt), max_size=3, unique=True)) for key, spelt in NAMES.items()
    }
    return make_article(
        slug,
        dt.datetime(2024, 3, day, hour, tzinfo=dt.UTC),
        source=(names["sources"] or ["Wire"])[0],
        regions=tuple(names["regions"]),
        tags=tuple(names["tags"]),
        draft=draw(st.booleans()) and draw(st.booleans()),
        stories=tuple(names["stories"]),
    )


MODEL_SLUGS = [f"m{n}" for n in range(12)]


class ModelEdits(RuleBasedStateMachine):
    """Sequences of edits of articles (each a new Article object, as the engine makes for a
    saved file), each modelled with build_site given the last model: after every step its
    related lists equal a plain build_site's, and those of the articles' terms and stories as
    the model shows them (site.terms_of, site.stories) found by comparing every pair."""

    def __init__(self) -> None:
        super().__init__()
        self.config = SiteConfig()
        self.articles: dict[str, Article] = {}
        self.site: Site | None = None

    @initialize(data=st.data(), count=st.integers(0, len(MODEL_SLUGS)))
    def a_site_to_start_from(self, data, count):
        for slug in MODEL_SLUGS[:count]:
            self.articles[slug] = data.draw(article_named(slug))
        self.build()

    @rule(data=st.data(), slug=st.sampled_from(MODEL_SLUGS))
    def write_an_article(self, data, slug):
        self.articles[slug] = data.draw(article_named(slug))
        self.build()

    @precondition(lambda self: self.articles)
    @rule(data=st.data(), field=st.sampled_from(["tags", "regions", "stories", "date", "draft"]))
    def edit_one_field(self, data, field):
        slug = data.draw(st.sampled_from(sorted(self.articles)))
        drawn = data.draw(article_named(slug))
        self.articles[slug] = replace(self.articles[slug], **{field: getattr(drawn, field)})
        self.build()

    @precondition(lambda self: self.articles)
    @rule(data=st.data())
    def delete_an_article(self, data):
        del self.articles[data.draw(st.sampled_from(sorted(self.articles)))]
        self.build()

    @precondition(lambda self: self.articles)
    @rule(data=st.data())
    def save_an_article_unchanged(self, data):
        """An equal but distinct Article."""
        slug = data.draw(st.sampled_from(sorted(self.articles)))
        self.articles[slug] = replace(self.articles[slug])
        self.build()

    @rule()
    def alias_a_tag_or_not(self):
        self.config = replace(self.config, aliases=() if self.config.aliases else ALIASES)
        self.build()

    def build(self) -> None:
        listed = list(self.articles.values())
        site = build_site(self.config, listed, drafts=False, before=self.site)
        plain = build_site(self.config, listed, drafts=False)
        assert site.related is not None and plain.related is not None
        assert dict(site.related.lists) == dict(plain.related.lists)
        stories_of: dict[str, set[tuple[str, str]]] = {a.slug: set() for a in plain.articles}
        for story in plain.stories:
            for member in story.articles:
                stories_of[member.slug].add(("story", story.slug))
        shown = [
            Candidate(
                a.slug,
                a.date.timestamp(),
                frozenset(
                    {(key, term.slug) for key in RELATED_BY for term in plain.terms_of(a, key)}
                    | stories_of[a.slug]
                ),
            )
            for a in plain.articles
        ]
        found = related_reference(shown)
        assert dict(site.related.lists) == {
            c.slug: tuple(shown[j].slug for j in positions) for c, positions in zip(shown, found, strict=True)
        }
        self.site = site


ModelEdits.TestCase.settings = settings(max_examples=120, stateful_step_count=15, deadline=None)
test_the_model_s_related_lists_after_edits_equal_a_plain_model_s = ModelEdits.TestCase


# --- on the article pages ------------------------------------------------------------------------


def related_on(out: Path, slug: str) -> list[str]:
    html = (out / "articles" / slug / "index.html").read_text(encoding="utf-8")
    if 'class="related"' not in html:
        return []
    section = html[html.index('class="related"') : html.index("</section>", html.index('class="related"'))]
    return re.findall(r'<li><a href="/articles/([^/]+)/">', section)


def test_article_pages_list_related_articles_and_an_edit_rerenders_only_changed_lists(tmp_path):
    site = write_site(
        tmp_path / "site",
        {
            "content/a.md": article(title="A", date="2024-03-01", tags="[energy]", region="Asia"),
            "content/b.md": article(title="B", date="2024-03-02", tags="[energy]", region="Europe"),
            "content/c.md": article(
                title="C", date="2024-03-03", tags="[trade]", region="Africa", source="X"
            ),
            "content/d.md": article(
                title="D", date="2024-03-04", tags="[trade]", region="Oceania", source="Y"
            ),
        },
    )
    out = tmp_path / "out"
    sitegen.build(site, out, jobs=1)
    # Each shares a tag with one other and the source (Meridian Wire) with a and b.
    assert related_on(out, "a") == ["b"]
    assert related_on(out, "c") == ["d"]
    # B's title shows on A's page (related), and on A's and C's (their older and newer links).
    (site / "content/b.md").write_text(
        article(title="B2", date="2024-03-02", tags="[energy]", region="Europe")
    )
    result = sitegen.build(site, out, jobs=1)
    rendered = {path for path in result.rendered_paths if path.startswith("articles/")}
    assert rendered == {"articles/a/index.html", "articles/b/index.html", "articles/c/index.html"}
    # D moves to energy: a, b, c and d's lists change.
    (site / "content/d.md").write_text(
        article(title="D", date="2024-03-04", tags="[energy]", region="Oceania", source="Y")
    )
    result = sitegen.build(site, out, jobs=1)
    assert related_on(out, "a") == ["b", "d"]  # b shares the source too, and is nearer
    assert related_on(out, "c") == []
    rendered = {path for path in result.rendered_paths if path.startswith("articles/")}
    assert {"articles/a/index.html", "articles/b/index.html", "articles/c/index.html"} <= rendered


def test_worker_processes_find_the_same_lists():
    """A large site's lists are found in forked processes: the same as in this one."""
    import random

    from sitegen.related import PARALLEL_FROM

    chance = random.Random(11)
    candidates = [
        Candidate(
            f"a{n}",
            chance.uniform(0, 700) * DAY,
            frozenset(chance.sample(TERMS, chance.randint(0, 4))),
        )
        for n in range(PARALLEL_FROM + 500)
    ]
    assert related_articles(candidates, jobs=2) == related_articles(candidates, jobs=1)

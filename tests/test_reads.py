"""What a page reads while it renders (sitegen/render/reads.py), path by path, and the
dependency graph's plain form (sitegen/deps.py)."""

from __future__ import annotations

from array import array
from pathlib import Path

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from siteutil import article, write_site

from sitegen.build import load_site
from sitegen.deps import DependencyGraph
from sitegen.render.reads import WHOLE_SITE, Key, Recorder, TrackingEnvironment, identity


@pytest.fixture()
def site(tmp_path: Path):
    files = {
        "content/a.md": article(title="Alpha", tags="[energy, trade]", date="2024-03-01"),
        "content/b.md": article(title="Beta", tags="[energy]", date="2024-03-02"),
    }
    return load_site(write_site(tmp_path / "site", files)).site


def reads_of(source: str, templates: dict[str, str] | None = None, **variables) -> set[Key]:
    recorder = Recorder()
    env = TrackingEnvironment(recorder, loader=jinja2.DictLoader({"page.html": source, **(templates or {})}))
    with recorder.recording() as reads:
        env.get_template("page.html").render(**variables)
    return reads


def test_attributes_and_subscripts_of_an_article_are_recorded(site):
    a = site.articles[0]
    reads = reads_of("{{ a.title }}{{ a['summary'] }}{{ a.tags | join(',') }}", a=a)
    assert {
        ("article", a.slug, "title"),
        ("article", a.slug, "summary"),
        ("article", a.slug, "tags"),
    } <= reads


def test_filters_read_through_the_same_lookups(site):
    reads = reads_of(
        "{{ site.articles | map(attribute='title') | join }}"
        "{{ site.articles | sort(attribute='date') | length }}"
        "{{ site.articles | selectattr('draft') | list | length }}"
        "{% for g in site.articles | groupby('source') %}{{ g.grouper }}{% endfor %}",
        site=site,
    )
    assert ("site", "articles") in reads
    for a in site.articles:
        assert {
            ("article", a.slug, "title"),
            ("article", a.slug, "date"),
            ("article", a.slug, "draft"),
        } <= reads
        assert ("article", a.slug, "source") in reads


def test_terms_of_term_and_what_a_term_holds(site):
    a = site.articles[0]
    reads = reads_of(
        "{% for t in site.terms_of(a, 'tags') %}{{ t.name }}{{ t['articles'] | length }}{% endfor %}"
        "{{ site.term('tags', 'Energy').name }}{{ site.taxonomies['tags'] | attr('terms') | length }}",
        site=site,
        a=a,
    )
    assert ("site", "terms_of", a.slug, "tags") in reads
    assert ("site", "term", "tags", "Energy") in reads
    assert ("term", "tags", "energy", "name") in reads and ("term", "tags", "energy", "articles") in reads
    assert ("site", "taxonomies") in reads and ("taxonomy", "tags", "terms") in reads


def test_templates_loaded_by_include_import_extends_and_a_list_are_recorded(site):
    templates = {
        "base.html": "{% block body %}{% endblock %}",
        "part.html": "part",
        "macros.html": "{% macro m(x) %}{{ x.title }}{% endmacro %}",
    }
    source = (
        '{% extends "base.html" %}{% block body %}{% include "part.html" %}'
        '{% from "macros.html" import m %}{{ m(a) }}{% include ["missing.html", "part.html"] %}{% endblock %}'
    )
    reads = reads_of(source, templates, a=site.articles[0])
    names = {key[1] for key in reads if key[0] == "template"}
    assert {"base.html", "part.html", "macros.html", "missing.html"} <= names
    assert ("article", site.articles[0].slug, "title") in reads  # read inside the macro


def test_printing_a_whole_object_or_an_undocumented_field_of_site_depends_on_all_of_it(site):
    a = site.articles[0]
    assert ("article", a.slug, "@repr") in reads_of("{{ a }}", a=a)
    assert WHOLE_SITE in reads_of("{{ site.pages | length }}", site=site)


def test_identity_names_model_objects_not_their_contents(site):
    a, b = site.articles
    assert identity((a, b)) == ("articles", a.slug, b.slug)
    assert identity({"x": a}) == (("x", ("article", a.slug)),)
    assert identity(site.taxonomies["tags"]) == ("taxonomy", "tags")


KEYS = st.tuples(st.sampled_from(["article", "term", "site", "template", "card"]), st.text(max_size=8))


@settings(max_examples=200, deadline=None)
@given(
    keys=st.lists(KEYS, unique=True, max_size=30),
    pages=st.dictionaries(
        st.text(max_size=10), st.tuples(st.binary(max_size=4), st.lists(st.integers(0, 29))), max_size=8
    ),
)
def test_the_graph_comes_back_from_its_plain_form_as_it_was(keys, pages):
    graph = DependencyGraph(
        keys=list(keys),
        values=[bytes([i % 256]) for i in range(len(keys))],
        articles={"a": (b"front", b"body")},
        article_keys={("a", "front"): array("I", range(len(keys)))},
        other_keys=array("I", range(len(keys))),
        pages={
            path: (shape, array("I", sorted(i for i in ids if i < len(keys))))
            for path, (shape, ids) in pages.items()
        },
        cards={0: array("I", [0])} if keys else {},
    )
    again = DependencyGraph.from_plain(graph.to_plain())
    assert (again.keys, again.values, again.articles) == (graph.keys, graph.values, graph.articles)
    assert again.article_keys == graph.article_keys and again.other_keys == graph.other_keys
    assert again.pages == graph.pages and again.cards == graph.cards

# ruff: noqa: E501 - each template snippet is one line, as a theme author would write it
"""Incremental builds never show a stale page, whatever a theme reads and however the site is edited.

A hypothesis state machine writes a small site and a theme whose templates are drawn from
the documented theme API (README, "Themes": attributes, subscripts, loops over `site`,
filters, macros, includes, `card()`, `site.scheduled()`, `status_badges()`), then edits
the site step by step. After every step an incremental build (with the build cache) must
give the same bytes as a clean build into a fresh folder, and a build after an edit to one article's body must have rendered
only pages that show that body.

Black box: it uses only `sitegen.build` and the `BuildResult` it returns. A second machine,
`InMemoryBuilds`, runs the same steps through one `sitegen.engine.Engine` kept between
builds, told which files changed as the preview's watcher tells it, writing in place as
the preview does: its shortcuts (what changed since its last build, who read what) must
give the same bytes too.
Both machines build with a clock of their own (the build's `now`), which a step moves (or
turns back): an article's scheduled date or its `expires:` passing between two builds must
give the pages a clean build at that time gives, with no file changed. The in-memory machine
builds with `future` on, as the preview does (scheduled articles published, with a badge on
their pages and cards); the other turns `future` on and off between builds.
`SITEGEN_STATEFUL_EXAMPLES=500` runs it longer (see docs/testing.md).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    multiple,
    precondition,
    rule,
)
from PIL import Image
from siteutil import article

from sitegen import SiteError, build
from sitegen.engine import BuildResult, Engine

# --- Template snippets ---------------------------------------------------------------------
#
# Each snippet needs some template variables (beyond the globals every template gets:
# `site`, `config`, `url`, `absolute_url` and the filters) and may use a feature that must
# not call itself: `card()` and `headline_items()` (their templates render them), the included partial, the
# macro file. A template draws only snippets whose variables it has.


@dataclass(frozen=True)
class Snippet:
    text: str
    needs: frozenset[str] = frozenset()  # template variables it reads
    uses: frozenset[str] = frozenset()  # "card", "headline", "include", "macros": what it calls


def snippet(text: str, needs: str = "", uses: str = "") -> Snippet:
    return Snippet(text, frozenset(needs.split()), frozenset(uses.split()))


MACROS = '{% import "partials/macros.html" as m %}'

SNIPPETS = [
    # The globals: configuration, links, and the whole site.
    snippet("{{ config.title }}"),
    snippet("{% for tx in config.taxonomies %}[{{ tx.name }}:{{ tx.title }}]{% endfor %}"),
    snippet("{{ url('tags/') }} {{ absolute_url('feed.xml') }}"),
    # Static files: a theme's (fingerprinted: their names follow their bytes) and the site's.
    snippet("<link href=\"{{ asset('css/style.css') }}\"><link href=\"{{ asset('css/site.css') }}\">"),
    snippet("{{ asset('img/dot.svg') }} {{ asset('notes.txt') }}"),
    snippet('<aside>{% for a in site.articles[:3] %}<a href="{{ url(a) }}">{{ a.title }}</a>{% endfor %}</aside>'),
    snippet("{{ site.articles | length }} articles"),
    snippet("{{ site.articles | map(attribute='title') | join(' / ') }}"),
    snippet("{% if site.articles %}{{ (site.articles | sort(attribute='date') | first).title }}{% endif %}"),
    snippet("{{ site.articles | selectattr('regions') | map(attribute='slug') | join(',') }}"),
    snippet("{% for source, group in site.articles | groupby('source') %}{{ source }}={{ group | length }};{% endfor %}"),
    snippet("{% for tx in site.taxonomies.values() %}{{ tx.title }}={{ tx.terms | length }};{% endfor %}"),
    snippet("{% set t = site.term('tags', 'energy') %}{% if t %}{{ t.name }}:{{ t.articles | length }}{% endif %}"),
    snippet("{% set t = site.term('tags', 'trade') %}{% if t %}{{ t['articles'] | map(attribute='title') | join(',') }}{% endif %}"),
    snippet("{% for tx in site.taxonomies.values() %}{% for t in tx.terms %}{{ t.name }}{{ t | attr('articles') | length }} {% endfor %}{% endfor %}"),
    snippet("{% if site.articles %}{{ site.articles[0]['title'] }}{% endif %}"),
    snippet("{{ site.articles | selectattr('tags') | list | length }}"),
    snippet(MACROS + "{{ m.overview(site) }}", uses="macros"),
    # An article: in the card, on its page, in the macros given one.
    snippet("{{ article.title }}", "article"),
    snippet("{{ article['summary'] }}", "article"),
    snippet("{{ article.date | date }} {{ article.date | date('iso') }}", "article"),
    snippet("{{ article.tags | join(', ') }}", "article"),
    snippet("{{ article['regions'] | length }}", "article"),
    snippet("{{ article.slug }} {{ article.source }} {{ article.draft }} {{ article.has_time }}", "article"),
    snippet("{% for k, v in article.terms | dictsort %}{{ k }}={{ v | join('+') }}{% endfor %}", "article"),
    snippet('{% for t in site.terms_of(article, "tags") %}<a href="{{ url(t) }}">{{ t.name }}</a>{% endfor %}', "article"),
    snippet('{% for t in site.terms_of(article, "tags") %}{{ t.name }}({{ t.articles | length }}){% endfor %}', "article"),
    snippet("{% for t in site.terms_of(article, 'regions') %}{{ t['articles'] | map(attribute='title') | join('|') }}{% endfor %}", "article"),
    snippet("{% for tx in config.taxonomies %}{% for t in site.terms_of(article, tx.name) %}{{ tx.name }}/{{ t.name }}={{ t | attr('articles') | length }} {% endfor %}{% endfor %}", "article"),
    snippet("{% for t in site.terms_of(article, 'people') %}{{ t.name }}{% endfor %}", "article"),
    snippet("{% for t in site.terms_of(article, 'tags') %}{{ (t.articles | first).title }}{% endfor %}", "article"),
    snippet(MACROS + "{{ m.show(article) }}", "article", "macros"),
    snippet("{{ card(article, level=4) }}", "article", "card"),
    snippet("<ol>{{ headline_items([article]) }}</ol>", "article", "headline"),
    snippet("{% if site.scheduled(article) %}ahead{% endif %}", "article"),
    snippet("{{ article.title }}{{ status_badges(article) }}", "article"),
    # An article page's neighbours.
    snippet("{% if older %}{{ older.title }}{% endif %}{% if newer %}{{ newer.title }}{% endif %}", "older newer"),
    snippet("{% if older %}{{ card(older) }}{% endif %}", "older", "card"),
    snippet("{% if newer %}{% for t in site.terms_of(newer, 'tags') %}{{ t.name }}{{ t.articles | length }}{% endfor %}{% endif %}", "newer"),
    snippet(MACROS + "{% if older %}{{ m.show(older) }}{% endif %}", "older", "macros"),
    # The page itself, and the partial every page may include.
    snippet("{{ page.url_path }}", "page"),
    snippet('{% include "partials/extra.html" %}', "page", "include"),
    # A listing's articles and its paginator.
    snippet("{{ articles | map(attribute='title') | join(', ') }}", "articles"),
    snippet("{{ articles | length }}", "articles"),
    snippet("{% for a in articles %}{% for t in site.terms_of(a, 'tags') %}{{ t.name }}{% endfor %}{% endfor %}", "articles"),
    snippet("{% for a in articles | sort(attribute='title') %}{{ a.title }}{% endfor %}", "articles"),
    snippet("{% for a in articles %}{{ a.title }}={{ site.scheduled(a) }} {% endfor %}", "articles"),
    snippet(MACROS + "{% for a in articles %}{{ m.show(a) }}{% endfor %}", "articles", "macros"),
    snippet("{{ paginator.number }}/{{ paginator.count }}{% if paginator.next_path %} {{ url(paginator.next_path) }}{% endif %}", "paginator"),
    # A term and its taxonomy.
    snippet("{{ term.name }} {{ url(term) }}", "term"),
    snippet("{{ term.articles | length }}", "term"),
    snippet("{{ term['articles'] | map(attribute='title') | join(',') }}", "term"),
    snippet("{{ (term.articles | sort(attribute='date') | last).title }}", "term"),
    snippet(MACROS + "{{ m.term_info(term) }}", "term", "macros"),
    snippet("{{ taxonomy.title }}", "taxonomy"),
    snippet("{{ taxonomy.terms | length }} terms", "taxonomy"),
    snippet('{% for t in taxonomy.terms %}<a href="{{ url(t) }}">{{ t.name }}</a> {{ t.articles | length }}{% endfor %}', "taxonomy"),
    snippet("{{ taxonomy['terms'] | map(attribute='name') | join(', ') }}", "taxonomy"),
    snippet(MACROS + "{% for t in taxonomy.terms %}{{ m.term_info(t) }}{% endfor %}", "taxonomy", "macros"),
    # The timeline.
    snippet("{{ year.year }} {{ year.count }} {{ url(year) }}", "year"),
    snippet("{{ year.months | length }} months", "year"),
    snippet("{% for mo in year.months %}{{ mo.month | month_name }}:{{ mo.articles | length }} {% endfor %}", "year"),
    snippet("{% for mo in year.months %}<ol>{{ headline_items(mo.articles) }}</ol>{% endfor %}", "year", "headline"),
    snippet("{{ month.articles | length }} {{ url(month) }}", "month"),
    snippet("{% for day, items in month.articles | groupby('date.day') %}{{ day }}:{{ items | map(attribute='title') | join(',') }} {% endfor %}", "month"),
    snippet("{% for y in years %}{{ y.year }}={{ y.count }} {% endfor %}", "years"),
    snippet("{% for y in years %}{{ y.months | length }} {% endfor %}", "years"),
    snippet("{% for y in years %}{% for mo in y.months %}{{ mo.month }}/{{ mo.articles | length }} {% endfor %}{% endfor %}", "years"),
    # Stories: the whole list, a story's page, an article's place in its stories, related articles.
    snippet("{% for s in site.stories %}{{ s.title }}={{ s.articles | length }} {% endfor %}"),
    snippet("{% for s in stories %}{{ s.title }}:{{ s.status }}:{{ s.count }}:{{ s.latest.title }} {% endfor %}", "stories"),
    snippet("{% for s in developing %}{{ s.title }} {{ s.latest.date | date }} {{ url(s) }}{% endfor %}", "developing"),
    snippet("{{ story.title }} {{ story.status }} {{ story.summary }} {{ story.background }} {{ story.first.title }}", "story"),
    snippet("{% for m in months %}{{ m.month }}{{ m.collapsed }}{% for d in m.days %}{{ d.date }}:{{ d.articles | map(attribute='title') | join(',') }} {% endfor %}{% endfor %}", "months"),
    snippet("{% for w in weeks %}{{ w.start }}={{ w.count }} {% endfor %}/{{ peak }}", "weeks peak"),
    snippet("{% for p in in_stories %}{{ p.story.title }} {{ p.number }}/{{ p.count }}{% if p.previous %}<{{ p.previous.title }}{% endif %}{% if p.next %}>{{ p.next.title }}{% endif %} {% endfor %}", "in_stories"),
    snippet("{% for a in related %}{{ a.title }};{% endfor %}", "related"),
    # Editions: the whole list, the archive, one edition, its neighbours, an article's editions.
    snippet("{% for e in site.editions %}{{ e.title }}={{ e.count }} {% endfor %}"),
    snippet("{% for e in editions %}{{ e.title }} {{ e.date | date }} {{ e.summary }} {{ e.count }} {{ url(e) }}{% endfor %}", "editions"),
    snippet("{{ edition.title }} {{ edition.note }}{% for s in edition.sections %}[{{ s.title }}]{% for i in s.items %}{{ i.article.title }}:{{ i.note }};{% endfor %}{% endfor %}", "edition"),
    snippet("{% for i in edition.items %}{{ card(i.article) }}{% endfor %}", "edition", "card"),
    snippet("{% if older %}<{{ older.title }}{% endif %}{% if newer %}>{{ newer.title }}{% endif %}", "older newer"),
    snippet("{% for e in in_editions %}{{ e.title }} {{ url(e) }} {% endfor %}", "in_editions"),
    snippet("{{ edition.note_absolute }} {{ unsubscribe }} {{ absolute_url(edition) }}", "edition unsubscribe"),
]  # fmt: skip

PAGE_TEMPLATES = {
    # template: (its variables as README.md lists them, the part every version of it has)
    "index.html": ("articles paginator developing", "<link href=\"{{ asset('css/site.css') }}\"><h1>{{ config.title }}</h1>{% for a in articles %}{{ card(a) }}{% endfor %}"),
    "article.html": ("article body older newer in_stories related in_editions", "<h1>{{ article.title }}</h1>{{ body }}"),
    "term.html": ("taxonomy term articles paginator", "<link href=\"{{ asset('css/site.css') }}\"><h1>{{ term.name }}</h1>{% for a in articles %}{{ card(a) }}{% endfor %}"),
    "terms.html": ("taxonomy", "<h1>{{ taxonomy.title }}</h1>"),
    "month.html": ("year month", "<h1>{{ month.month | month_name }} {{ month.year }}</h1>{% for a in month.articles %}{{ card(a, level=3) }}{% endfor %}"),
    "year.html": ("year", "<h1>{{ year.year }}</h1>"),
    "timeline.html": ("years", "<h1>Timeline</h1>"),
    "stories.html": ("stories", "<h1>Stories</h1>{% for s in stories %}{{ s.title }} {% endfor %}"),
    "story.html": ("story months weeks peak", "<h1>{{ story.title }}</h1>{% for a in story.articles %}{{ a.title }} {% endfor %}"),
    "editions.html": ("editions paginator", "<h1>Editions</h1>{% for e in editions %}{{ e.title }} {% endfor %}"),
    "edition.html": ("edition older newer", "<h1>{{ edition.title }}</h1>{% for i in edition.items %}{{ i.article.title }} {% endfor %}"),
    "email/edition.html": ("edition unsubscribe", "<style>h1 { color: red } @media (prefers-color-scheme: dark) { h1 { color: white } }</style><h1>{{ edition.title }}</h1>{% for i in edition.items %}{{ i.article.title }}: {{ i.note }} {% endfor %}"),
    "email/edition.txt": ("edition unsubscribe", "{{ edition.title }}\n{% for i in edition.items %}{{ i.article.title }} {{ absolute_url(i.article) }}\n{% endfor %}"),
}  # fmt: skip
CARD = "partials/card.html"
HEADLINE = "partials/headline_item.html"
EXTRA = "partials/extra.html"  # the partial pages {% include %}
MACRO_FILE = "partials/macros.html"  # the macros pages {% import %}
MACRO_PARAMETERS = {"show": "article", "term_info": "term", "overview": ""}  # macro: its parameter


def pool(variables: str, excluded_uses: str) -> list[Snippet]:
    have = frozenset(variables.split())
    return [s for s in SNIPPETS if s.needs <= have and not s.uses & frozenset(excluded_uses.split())]


def snippets_for(variables: str, excluded_uses: str = "") -> st.SearchStrategy[list[Snippet]]:
    """One or two snippets a template with these variables may hold, most often ones that read
    the template's own variables (a term's articles, a year's months): those a dependency
    tracker must follow through the page's data, and a template that also reads the whole
    site would hide a mistake there."""
    candidates = pool(variables, excluded_uses)
    own = [s for s in candidates if s.needs - {"page"}]
    return st.lists(st.sampled_from(own * 3 + candidates), min_size=1, max_size=2)


def page_template(name: str) -> st.SearchStrategy[str]:
    variables, core = PAGE_TEMPLATES[name]

    def write(extends: bool, drawn: list[Snippet]) -> str:
        content = core + "".join(f"\n<p>{s.text}</p>" for s in drawn)
        if extends:  # through the default theme's base: navigation, page, config
            return '{% extends "default/base.html" %}{% block content %}' + content + "{% endblock %}\n"
        return content + "\n"

    return st.tuples(st.booleans(), snippets_for(variables + " page")).map(lambda drawn: write(*drawn))


def card_template() -> st.SearchStrategy[str]:
    # A card sees only `article`, `level` and the globals (README), and must not call card().
    def write(drawn: list[Snippet]) -> str:
        inner = "".join(f"<p>{s.text}</p>" for s in drawn)
        return f'<article><h{{{{ level }}}}><a href="{{{{ url(article) }}}}">{{{{ article.title }}}}</a></h{{{{ level }}}}>{inner}</article>\n'

    return snippets_for("article", "card include").map(write)


def headline_template() -> st.SearchStrategy[str]:
    # A headline sees only `article` and the globals; it calls neither card() (which may
    # show headlines) nor headline_items().
    def write(drawn: list[Snippet]) -> str:
        inner = "".join(f"<span>{s.text}</span>" for s in drawn)
        return f'<li><a href="{{{{ url(article) }}}}">{{{{ article.title }}}}</a>{inner}</li>\n'

    return snippets_for("article", "card headline include").map(write)


def extra_template() -> st.SearchStrategy[str]:
    # Included by pages of every kind: the globals and `page` only, and not itself.
    return snippets_for("page", "include").map(
        lambda drawn: "".join(f"<div>{s.text}</div>" for s in drawn) + "\n"
    )


def macro_template() -> st.SearchStrategy[str]:
    # Imported without context: a macro sees its parameter and the globals; it calls no
    # card() (cards import the macros) and includes nothing that reads `page`.
    def write(show: list[Snippet], term_info: list[Snippet], overview: list[Snippet]) -> str:
        bodies = {"show": show, "term_info": term_info, "overview": overview}
        return "".join(
            f"{{% macro {name}({MACRO_PARAMETERS[name] or 'site'}) %}}"
            + "".join(f"<span>{s.text}</span>" for s in bodies[name])
            + "{% endmacro %}\n"
            for name in MACRO_PARAMETERS
        )

    excluded = "card headline include macros"
    drawn = st.tuples(
        snippets_for("article", excluded), snippets_for("term", excluded), snippets_for("", excluded)
    )
    return drawn.map(lambda bodies: write(*bodies))


OVERRIDABLE = [*PAGE_TEMPLATES, CARD, HEADLINE]


def template_strategy(name: str) -> st.SearchStrategy[str]:
    if name == CARD:
        return card_template()
    if name == HEADLINE:
        return headline_template()
    if name == EXTRA:
        return extra_template()
    if name == MACRO_FILE:
        return macro_template()
    return page_template(name)


@st.composite
def theme(draw: st.DrawFn) -> dict[str, str]:
    """Some of the page templates, the card and the headline overridden, and always the partial
    and the macros."""
    overridden = draw(
        st.lists(st.sampled_from(OVERRIDABLE), min_size=1, max_size=len(OVERRIDABLE), unique=True)
    )
    return {name: draw(template_strategy(name)) for name in [*overridden, EXTRA, MACRO_FILE]}


# --- Sites ---------------------------------------------------------------------------------

IMAGES = (1, 2)  # static/images/p1.png, p2.png
TITLES = ["Port strike ends", "Grid deal signed", "Talks stall", "Harvest record", "Vote delayed"]
DATES = ["2023-12-30", "2024-01-05", "2024-01-05T08:00:00", "2024-01-20", "2024-02-03T10:00:00", "2024-03-15"]
TAGS = ["energy", "trade", "Sanctions", "sanctions", "climate"]
REGIONS = ["Europe", "East Asia"]
PEOPLE = ["Ana Lima", "Jonas Berg"]
STORIES = ["Grid crisis", "grid Crisis", "Port strike"]  # two spellings of one story
STORY_FILES = ["grid-crisis", "port-strike", "orphan"]  # the last is a story no article names
EDITION_FILES = ["2024-01-10", "2024-03-01-extra", "2024-03-20"]
NOTES = ["", "Why it matters.", "Read this first."]
SOURCES = ["Meridian Wire", "Harbour Broadcasting"]
EXPIRIES = [None, None, "2024-03-20", "2024-04-10T12:00:00"]  # each after every date of DATES
# The build's clock: before, between and after the articles' dates and expiries.
CLOCKS = [
    dt.datetime(2023, 12, 1, tzinfo=dt.UTC),
    dt.datetime(2024, 1, 5, 8, 0, tzinfo=dt.UTC),
    dt.datetime(2024, 1, 10, tzinfo=dt.UTC),
    dt.datetime(2024, 2, 3, 10, 0, tzinfo=dt.UTC),
    dt.datetime(2024, 3, 25, tzinfo=dt.UTC),
    dt.datetime(2024, 6, 1, tzinfo=dt.UTC),
]
TAXONOMIES = ["", "taxonomies: [tags, regions, sources, people]\n", "taxonomies: [tags, regions]\n"]


@dataclass(frozen=True)
class Story:
    """One article file as the test wrote it. `number` is its marker: the word `bodymark<number>z`
    is in its body and nowhere else, so a page shows its body exactly when it holds the word."""

    number: int
    file: str  # under content/
    title: str
    date: str
    source: str
    tags: tuple[str, ...]
    regions: tuple[str, ...]
    people: tuple[str, ...]
    stories: tuple[str, ...] = ()
    draft: bool = False
    slug: str | None = None
    expires: str | None = None
    lead: int = 0  # versions of the first paragraph (the summary) and of the rest of the body
    rest: int = 0
    image: int = 0  # the number of its `image:` (static/images/p<n>.png), 0 for none
    picture: int = 0  # the image its body shows, the same way

    @property
    def marker(self) -> str:
        return f"bodymark{self.number}z"

    def text(self) -> str:
        extra: dict[str, object] = {
            "tags": "[" + ", ".join(self.tags) + "]",
            "region": "[" + ", ".join(self.regions) + "]",
            "people": "[" + ", ".join(self.people) + "]",
        }
        if self.stories:
            extra["story"] = "[" + ", ".join(self.stories) + "]"
        if self.draft:
            extra["draft"] = "true"
        if self.slug:
            extra["slug"] = self.slug
        if self.expires:
            extra["expires"] = self.expires
        if self.image:
            extra["image"] = f"/images/p{self.image}.png"
            extra["image_alt"] = "Lead image"
        body = (
            f"Lead paragraph {self.lead} of story {self.number}.\n\nThe rest, {self.marker}, version {self.rest}, "
            "[trade](/tags/trade/)."  # a link into the site: under the base path, or relative
        )
        if self.picture:
            body += f"\n\n![Picture {self.picture}](/images/p{self.picture}.png)"
        return article(title=self.title, date=self.date, source=self.source, body=body, **extra)


def subset(names: list[str]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(names), max_size=2, unique=True).map(tuple)


def story_strategy(number: int) -> st.SearchStrategy[Story]:
    return st.builds(
        Story,
        number=st.just(number),
        file=st.just(f"2024/story-{number}.md"),
        title=st.sampled_from(TITLES),
        date=st.sampled_from(DATES),
        source=st.sampled_from(SOURCES),
        tags=subset(TAGS),
        regions=subset(REGIONS),
        people=subset(PEOPLE),
        stories=subset(STORIES),
        draft=st.booleans().map(lambda b: b and number % 3 == 2),  # now and then a draft
        expires=st.sampled_from(EXPIRIES),
    )


# Spellings merged into a term (an alias's articles move to it, its old page becomes a redirect),
# and an old address kept.
ALIASES = [
    "",
    "aliases: {tags: {energy: [climate]}}\n",
    "aliases: {tags: {trade: [Sanctions, energy]}, regions: {Europe: [East Asia]}}\nredirects: {/old/: /tags/trade/}\n",
]


def site_yaml(
    title: str, per_page: int, taxonomies: str, aliases: str = "", relative: bool = False, cards: bool = False
) -> str:
    return (
        f'title: "{title}"\nbase_url: "https://example.org/news/"\nsearch: false\nper_page: {per_page}\nfeed_limit: 4\n'
        f"relative_urls: {'true' if relative else 'false'}\nsocial_cards: {'true' if cards else 'false'}\n"
        f"{taxonomies}{aliases}"
    )


SITE_YAML = st.builds(
    site_yaml,
    st.sampled_from(["Briefing", "Morning Brief"]),
    st.integers(2, 3),
    st.sampled_from(TAXONOMIES),
    st.sampled_from(ALIASES),
    st.booleans(),
    st.booleans(),
)
STYLESHEETS = [
    "",
    "h1 { color: red }\n",
    ".dot { background: url(../img/dot.svg) }\n",
    "@import 'extra.css';\n",
]
DOTS = ["<svg/>", "<svg><circle r='1'/></svg>"]


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".sitegen-output"
    }


def differences(built: dict[str, bytes], clean: dict[str, bytes]) -> str:
    """Which files differ between the incremental and the clean build, with the first differing bytes."""
    lines = []
    for path in sorted(built.keys() | clean.keys()):
        mine, theirs = built.get(path), clean.get(path)
        if mine == theirs:
            continue
        if mine is None or theirs is None:
            lines.append(f"{path}: {'missing from' if mine is None else 'only in'} the incremental build")
            continue
        at = next(
            (i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
            min(len(mine), len(theirs)),
        )
        lines.append(
            f"{path}: incremental {mine[max(0, at - 60) : at + 80]!r}\n    clean {theirs[max(0, at - 60) : at + 80]!r}"
        )
    return "\n".join(lines)


def examples() -> int:
    return int(os.environ.get("SITEGEN_STATEFUL_EXAMPLES", "40"))


class IncrementalBuilds(RuleBasedStateMachine):
    """A site, its theme and its output; every rule edits the site and then checks the build."""

    stories = Bundle("stories")  # numbers of the articles that exist
    future = False  # publish articles dated after the clock (as the preview does)
    future_fixed = False  # the preview's Engine always publishes them

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="sitegen-deps-"))
        self.site = self.root / "site"
        self.out = self.root / "out"
        self.previous_cache = os.environ.get("SITEGEN_CACHE_DIR")
        os.environ["SITEGEN_CACHE_DIR"] = str(self.root / "cache")  # a cache of this run's own
        self.by_number: dict[int, Story] = {}
        self.next_number = 0
        self.builds = 0
        self.changed: set[Path] = set()  # the files changed since the last build
        self.now = CLOCKS[-1]  # the builds' clock

    def touch(self, path: Path) -> None:
        self.changed.add(path)

    def teardown(self) -> None:
        if self.previous_cache is None:
            os.environ.pop("SITEGEN_CACHE_DIR", None)
        else:
            os.environ["SITEGEN_CACHE_DIR"] = self.previous_cache
        shutil.rmtree(self.root, ignore_errors=True)

    # -- writing the site

    def write(self, relative: str, text: str) -> None:
        path = self.site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.touch(path)

    def draw_image(self, number: int, version: int) -> None:
        """static/images/p<number>.png, a small PNG whose size and colour follow `version`."""
        path = self.site / "static" / "images" / f"p{number}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (120 + 30 * version, 60 + 10 * number), (40 * version, 90, 60 * number)).save(
            path, "PNG"
        )
        self.touch(path)

    def save(self, story: Story) -> None:
        self.by_number[story.number] = story
        self.write(f"content/{story.file}", story.text())

    def change(self, number: int, **fields: object) -> Story:
        story = replace(self.by_number[number], **fields)
        self.save(story)
        return story

    def build(self) -> BuildResult:
        return build(self.site, self.out, jobs=1, now=self.now, future=self.future)

    def check(self):
        """Build incrementally and cleanly; both outputs must be the same bytes. An edit that
        makes the site wrong (an edition naming an article that is gone) fails both builds
        with the same problems, and the next build after the fix is checked as any other."""
        try:
            result = self.build()
        except SiteError as exc:
            result, failure = None, exc
        self.changed = set()
        clean_out = self.root / f"clean-{self.builds}"
        self.builds += 1
        try:
            build(self.site, clean_out, use_cache=False, jobs=1, now=self.now, future=self.future)
        except SiteError as exc:
            assert result is None, f"only the clean build failed: {exc}"
            assert sorted(map(str, failure.problems)) == sorted(map(str, exc.problems))
            shutil.rmtree(clean_out, ignore_errors=True)
            return None, None
        assert result is not None, f"only the incremental build failed: {failure}"
        clean = tree(clean_out)
        shutil.rmtree(clean_out)
        stale = differences(tree(self.out), clean)
        assert not stale, "the incremental build differs from a clean build:\n" + stale
        return result, clean

    # -- the site as it starts

    @initialize(
        target=stories,
        count=st.integers(3, 8),
        config=SITE_YAML,
        templates=theme(),
        data=st.data(),
        clock=st.sampled_from(CLOCKS),
    )
    def start(
        self, count: int, config: str, templates: dict[str, str], data: st.DataObject, clock: dt.datetime
    ):
        self.now = clock
        self.write("site.yaml", config)
        for name, text in templates.items():
            self.write(f"themes/default/templates/{name}", text)
        self.write("static/notes.txt", "notes\n")
        self.write("themes/default/static/css/site.css", STYLESHEETS[2])
        self.write("themes/default/static/css/extra.css", "p { margin: 0 }\n")
        self.write("themes/default/static/img/dot.svg", DOTS[0])
        for number in IMAGES:
            self.draw_image(number, 0)
        for _ in range(count):
            self.save(data.draw(story_strategy(self.new_number())))
        self.check()
        return multiple(*self.by_number)

    def new_number(self) -> int:
        self.next_number += 1
        return self.next_number

    # -- edits to an article

    @rule(number=stories)
    def edit_body(self, number: int):
        """The body past its first paragraph: what the article page and the full-text feed show."""
        story = self.change(number, rest=self.by_number[number].rest + 1)
        result, clean = self.check()
        if result is None or clean is None:
            return  # an edition names an article this edit left out: both builds failed alike
        showing = {path for path, data in clean.items() if story.marker.encode() in data}
        assert set(result.rendered_paths) <= showing, (
            f"a body edit to {story.file} rendered pages that do not show its body: "
            f"{sorted(set(result.rendered_paths) - showing)}"
        )
        if not story.draft and self.published(story):
            assert result.rendered_paths, f"a body edit to {story.file} rendered nothing"

    def published(self, story: Story) -> bool:
        """Has its page (not held back: due by the clock, or the build publishes the future)?"""
        due = dt.datetime.fromisoformat(story.date).replace(tzinfo=dt.UTC)  # the site's timezone is UTC
        return self.future or due <= self.now

    @rule(number=stories)
    def edit_lead(self, number: int):
        """The first paragraph, which is also the summary listings show."""
        self.change(number, lead=self.by_number[number].lead + 1)
        self.check()

    @rule(number=stories, title=st.sampled_from(TITLES))
    def edit_title(self, number: int, title: str):
        self.change(number, title=title)
        self.check()

    @rule(number=stories, tags=subset(TAGS))
    def edit_tags(self, number: int, tags: tuple[str, ...]):
        self.change(number, tags=tags)
        self.check()

    @rule(number=stories, regions=subset(REGIONS))
    def edit_regions(self, number: int, regions: tuple[str, ...]):
        self.change(number, regions=regions)
        self.check()

    @rule(number=stories, people=subset(PEOPLE))
    def edit_people(self, number: int, people: tuple[str, ...]):
        self.change(number, people=people)
        self.check()

    @rule(number=stories, names=subset(STORIES))
    def edit_story(self, number: int, names: tuple[str, ...]):
        self.change(number, stories=names)
        self.check()

    @rule(
        name=st.sampled_from(STORY_FILES),
        status=st.sampled_from(["developing", "concluded"]),
        title=st.sampled_from(["", "The grid crisis"]),
        background=st.sampled_from(["", "Some *background*.", "Other background."]),
    )
    def write_story_file(self, name: str, status: str, title: str, background: str):
        title_line = f"title: {title}\n" if title else ""
        self.write(f"content/stories/{name}.md", f"---\n{title_line}status: {status}\n---\n\n{background}\n")
        self.check()

    @rule(name=st.sampled_from(STORY_FILES))
    def delete_story_file(self, name: str):
        (self.site / "content" / "stories" / f"{name}.md").unlink(missing_ok=True)
        self.check()

    @rule(
        name=st.sampled_from(EDITION_FILES),
        kind=st.sampled_from(["articles", "sections", "select"]),
        data=st.data(),
    )
    def write_edition_file(self, name: str, kind: str, data: st.DataObject):
        """An edition of the articles published now (some of them, with notes), or of a rule."""
        published = sorted(
            (story.slug or Path(story.file).stem) for story in self.by_number.values() if not story.draft
        )
        picks = data.draw(st.lists(st.sampled_from(published), max_size=3) if published else st.just([]))
        items = [f"  - {{article: {slug}, note: '{data.draw(st.sampled_from(NOTES))}'}}" for slug in picks]
        if kind == "articles":
            chosen = "articles:\n" + ("\n".join(items) or "  []")
        elif kind == "sections":
            half = len(items) // 2
            chosen = "sections:\n" + "".join(
                f"  - title: {title}\n    articles:\n"
                + ("\n".join("  " * 2 + item for item in part) or "      []")
                + "\n"
                for title, part in (("First", items[:half]), ("Second", items[half:]))
            )
        else:
            rule = data.draw(
                st.sampled_from(
                    ["{since: 3650d}", "{since: 60d, group: region}", "{since: 2024-01-01, limit: 2}"]
                )
            )
            chosen = f"select: {rule}"
        note = data.draw(st.sampled_from(["", "The editor's *note*."]))
        front = data.draw(
            st.sampled_from(
                ["", "title: Monday brief\n", "summary: Three picks.\n", "date: 2024-03-21T07:00:00\n"]
            )
        )
        self.write(f"content/editions/{name}.md", f"---\n{front}{chosen}\n---\n\n{note}\n")
        self.check()

    @rule(name=st.sampled_from(EDITION_FILES))
    def delete_edition_file(self, name: str):
        (self.site / "content" / "editions" / f"{name}.md").unlink(missing_ok=True)
        self.touch(self.site / "content" / "editions" / f"{name}.md")
        self.check()

    @rule(number=stories, source=st.sampled_from(SOURCES))
    def edit_source(self, number: int, source: str):
        self.change(number, source=source)
        self.check()

    @rule(number=stories, date=st.sampled_from(DATES))
    def edit_date(self, number: int, date: str):
        self.change(number, date=date)
        self.check()

    @rule(number=stories, expires=st.sampled_from(EXPIRIES))
    def edit_expires(self, number: int, expires: str | None):
        self.change(number, expires=expires)
        self.check()

    @rule(clock=st.sampled_from(CLOCKS))
    def time_passes(self, clock: dt.datetime):
        """The clock moves (or is turned back), no file changes: articles come due or expire."""
        self.now = clock
        self.check()

    @precondition(lambda self: not self.future_fixed)
    @rule(future=st.booleans())
    def build_with_future(self, future: bool):
        """`sitegen build --future`, or not: the articles dated after the clock come in,
        with a badge on their pages and cards, or leave."""
        self.future = future
        self.check()

    @rule(number=stories, draft=st.booleans())
    def edit_draft(self, number: int, draft: bool):
        self.change(number, draft=draft)
        self.check()

    @rule(number=stories, custom=st.booleans())
    def edit_slug(self, number: int, custom: bool):
        """A `slug:` line of the article's own (unique to it), or none: the file name's slug."""
        self.change(number, slug=f"custom-{number}-{self.builds}" if custom else None)
        self.check()

    @rule(number=stories)
    def rename(self, number: int):
        story = self.by_number[number]
        new_file = f"{self.builds % 2 + 2023}/renamed-{number}-{self.builds}.md"
        (self.site / "content" / new_file).parent.mkdir(parents=True, exist_ok=True)
        (self.site / "content" / story.file).rename(self.site / "content" / new_file)
        self.touch(self.site / "content" / story.file)
        self.touch(self.site / "content" / new_file)
        self.by_number[number] = replace(story, file=new_file)
        self.check()

    @rule(target=stories, data=st.data())
    def add(self, data: st.DataObject):
        story = data.draw(story_strategy(self.new_number()))
        self.save(story)
        self.check()
        return story.number

    @rule(number=consumes(stories))
    def delete(self, number: int):
        path = self.site / "content" / self.by_number.pop(number).file
        path.unlink()
        self.touch(path)
        self.check()

    # -- images

    @rule(number=stories, image=st.sampled_from((0, *IMAGES)), picture=st.sampled_from((0, *IMAGES)))
    def edit_images(self, number: int, image: int, picture: int):
        """The article's lead image and the image in its body (0: none)."""
        self.change(number, image=image, picture=picture)
        self.check()

    @rule(number=st.sampled_from(IMAGES), version=st.integers(0, 3))
    def redraw_image(self, number: int, version: int):
        """An image file changed: every page that shows it, with its new size and name."""
        self.draw_image(number, version)
        self.check()

    @rule(number=st.sampled_from(IMAGES))
    def remove_image(self, number: int):
        """An image file removed: an error while a published article shows it; then the
        articles drop it, and the site builds again; then it is back, for later rules."""
        path = self.site / "static" / "images" / f"p{number}.png"
        path.unlink()
        self.touch(path)
        users = [s for s in self.by_number.values() if number in (s.image, s.picture)]
        if any(not s.draft for s in users):
            with pytest.raises(SiteError) as failed:
                self.build()
            assert any(f"static/images/p{number}.png does not exist" in str(p) for p in failed.value.problems)
        for story in users:
            self.change(
                story.number,
                image=0 if story.image == number else story.image,
                picture=0 if story.picture == number else story.picture,
            )
        self.check()
        self.draw_image(number, 0)

    @rule(number=stories, redraw=st.booleans())
    def move_image_folder(self, number: int, redraw: bool):
        """static/images/ moved away whole and back (a file watcher reports the folder only,
        not the files in it), perhaps with an image redrawn while it was away, while an
        article shows one: an error while it is away, then its pages show the image as it is."""
        self.change(number, image=1, draft=False)
        self.check()
        folder = self.site / "static" / "images"
        away = self.site / "static" / "images-away"
        folder.rename(away)
        self.touch(folder)
        self.touch(away)
        with pytest.raises(SiteError) as failed:
            self.build()
        assert any("static/images/p1.png does not exist" in str(p) for p in failed.value.problems)
        if redraw:
            version = 1 + self.builds % 3
            Image.new("RGB", (90 + 30 * version, 70), (40 * version, 90, 60)).save(away / "p1.png", "PNG")
        away.rename(folder)
        self.touch(folder)
        self.touch(away)
        self.check()

    # -- edits to the configuration, the theme and the static files

    @rule(config=SITE_YAML)
    def edit_site_yaml(self, config: str):
        self.write("site.yaml", config)
        self.check()

    @rule(data=st.data())
    def edit_template(self, data: st.DataObject):
        """Another version of a page template or the card, or the default theme's again."""
        name = data.draw(st.sampled_from(OVERRIDABLE), label="template")
        path = self.site / "themes" / "default" / "templates" / name
        if path.exists() and data.draw(st.booleans(), label="delete"):
            path.unlink()
            self.touch(path)
        else:
            self.write(f"themes/default/templates/{name}", data.draw(template_strategy(name), label="text"))
        self.check()

    @rule(text=extra_template())
    def edit_partial(self, text: str):
        self.write(f"themes/default/templates/{EXTRA}", text)
        self.check()

    @rule(text=macro_template())
    def edit_macros(self, text: str):
        self.write(f"themes/default/templates/{MACRO_FILE}", text)
        self.check()

    @rule(
        name=st.sampled_from(["notes.txt", "img/logo.txt", "about.txt"]),
        text=st.sampled_from(["", "a", "b\n"]),
    )
    def write_static(self, name: str, text: str):
        self.write(f"static/{name}", text)
        self.check()

    @rule(name=st.sampled_from(["notes.txt", "img/logo.txt", "about.txt"]))
    def delete_static(self, name: str):
        (self.site / "static" / name).unlink(missing_ok=True)
        self.touch(self.site / "static" / name)
        self.check()

    @rule(text=st.sampled_from(STYLESHEETS))
    def edit_stylesheet(self, text: str):
        """The theme's stylesheet: a new name for it, on every page that links it."""
        self.write("themes/default/static/css/site.css", text)
        self.check()

    @rule(text=st.sampled_from(DOTS))
    def edit_image(self, text: str):
        """An image the stylesheet may link: new names for both, when it does."""
        self.write("themes/default/static/img/dot.svg", text)
        self.check()


IncrementalBuilds.TestCase.settings = settings(
    max_examples=examples(),
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
test_incremental_builds_equal_clean_builds = IncrementalBuilds.TestCase


class InMemoryBuilds(IncrementalBuilds):
    """The same, through one Engine kept between builds, as `sitegen serve` keeps it (and with
    scheduled articles published, as it does)."""

    future = True
    future_fixed = True

    def __init__(self) -> None:
        super().__init__()
        self.engine: Engine | None = None

    def build(self) -> BuildResult:
        if self.engine is None:
            self.engine = Engine(self.site, jobs=1, future=self.future)
            return self.engine.build(self.out, in_place=True, now=self.now)
        return self.engine.build(self.out, changed=self.changed, in_place=True, now=self.now)


InMemoryBuilds.TestCase.settings = IncrementalBuilds.TestCase.settings
test_in_memory_builds_equal_clean_builds = InMemoryBuilds.TestCase


# --- What the state machine found, as examples that run every time --------------------------


def one_edit(tmp_path: Path, templates: dict[str, str], before: list[str], after: list[str]):
    """Build a site of articles `before` with `templates`, write `after` over them, build again
    with the cache and cleanly; return the incremental build's result, its files, the clean files."""
    site = tmp_path / "site"
    for name, text in templates.items():
        (site / "themes/default/templates" / name).parent.mkdir(parents=True, exist_ok=True)
        (site / "themes/default/templates" / name).write_text(text)
    (site / "site.yaml").write_text(site_yaml("Briefing", 2, ""))
    (site / "content").mkdir()
    for texts in (before, after):
        for number, text in enumerate(texts):
            (site / "content" / f"story-{number}.md").write_text(text)
        result = build(site, tmp_path / "out", jobs=1)
    build(site, tmp_path / "clean", use_cache=False, jobs=1)
    return result, tree(tmp_path / "out"), tree(tmp_path / "clean")


def dated(*dates: str, tags: str = "[energy]") -> list[str]:
    return [article(title=f"Story {i}", date=date, tags=tags) for i, date in enumerate(dates)]


STALE_COUNTS = {
    # How many terms a taxonomy has, read as a count only: a new tag changes it.
    "terms": (
        {"terms.html": "{{ taxonomy.terms | length }} terms\n"},
        dated("2024-01-05", "2024-02-05"),
        [*dated("2024-01-05"), article(title="Story 1", date="2024-02-05", tags="[energy, trade]")],
    ),
    # How many months a year has, read as a count only: an article moved to a month of its
    # own (the year's count stays) changes it on the timeline and on the other months' pages.
    "timeline months": (
        {"timeline.html": "{% for y in years %}{{ y.months | length }} {% endfor %}\n"},
        dated("2024-01-05", "2024-01-20", "2024-02-05"),
        dated("2024-01-05", "2024-03-20", "2024-02-05"),
    ),
    "month's year": (
        {"month.html": "{{ year.months | length }} months\n"},
        dated("2024-01-05", "2024-01-20", "2024-02-05"),
        dated("2024-01-05", "2024-03-20", "2024-02-05"),
    ),
}


@pytest.mark.parametrize("case", STALE_COUNTS)
def test_a_count_read_from_a_pages_own_data_is_never_stale(tmp_path: Path, case: str):
    templates, before, after = STALE_COUNTS[case]
    _, built, clean = one_edit(tmp_path, templates, before, after)
    stale = differences(built, clean)
    assert not stale, stale


@pytest.mark.parametrize(
    "sidebar",
    [
        '{% for a in site.articles[:3] %}<a href="{{ url(a) }}">{{ a.title }}</a>{% endfor %}',
        "{% set t = site.term('tags', 'energy') %}{{ t.articles | map(attribute='title') | join(',') }}",
    ],
)
def test_a_body_edit_renders_only_the_pages_that_show_the_body(tmp_path: Path, sidebar: str):
    """A sidebar that lists titles from `site` shows no body: a body edit leaves its pages alone."""
    templates = {"term.html": "<h1>{{ term.name }}</h1><aside>" + sidebar + "</aside>\n"}
    before = dated("2024-01-05", "2024-01-20", "2024-02-05")
    after = [*before[:2], before[2] + "\nA second paragraph, bodymark9z.\n"]  # not in the summary
    result, built, clean = one_edit(tmp_path, templates, before, after)
    assert built == clean
    showing = {path for path, data in clean.items() if b"bodymark9z" in data}
    assert showing == {"articles/story-2/index.html", "feed.xml"}
    assert set(result.rendered_paths) == showing


@pytest.mark.parametrize("in_memory", [True, False])
def test_an_article_that_expires_leaves_the_edition_cards_that_named_it(tmp_path: Path, in_memory: bool):
    """Found by the state machine: an edition names an article that then expires. Its page
    stays, so the edition still shows its card, but an expired article is in no list and has
    no terms: the card loses its source and tags. Its front matter did not change, and the
    card was kept as it was."""
    site = tmp_path / "site"
    (site / "content" / "editions").mkdir(parents=True)
    (site / "site.yaml").write_text(
        "title: T\nbase_url: https://example.org/\nsearch: false\nsocial_cards: false\n"
    )
    for number, extra in ((1, ""), (2, "expires: 2024-03-20\n")):
        (site / "content" / f"story-{number}.md").write_text(
            f"---\ntitle: Story {number}\ndate: 2023-12-30\nsource: Meridian Wire\ntags: [trade]\n{extra}---\n"
            f"Body {number}.\n"
        )
    (site / "content" / "editions" / "2024-01-10.md").write_text(
        "---\narticles:\n  - {article: story-2, note: Why}\n  - {article: story-1, note: Why not}\n---\n"
    )
    out = tmp_path / "out"
    before, after = (dt.datetime(2024, month, 1, tzinfo=dt.UTC) for month in (2, 4))
    engine = Engine(site, jobs=1)
    engine.build(out, in_place=in_memory, now=before)
    if in_memory:
        engine.build(out, in_place=True, changed=set(), now=after)
    else:
        build(site, out, jobs=1, now=after)
    build(site, tmp_path / "clean", use_cache=False, jobs=1, now=after)
    page = "editions/2024-01-10/index.html"
    shown = (out / page).read_text()
    assert shown == (tmp_path / "clean" / page).read_text()
    assert shown.count('class="source"') == 1  # story-1's card only

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from siteutil import REPO, article, snapshot

from sitegen.config import SiteConfig
from sitegen.model import build_site
from sitegen.render import CompiledTemplates, Renderer
from sitegen.render.theme import find_theme
from sitegen.validate import Article

SITE = {
    "content/2024/10/port-strike-ends.md": article(tags="[shipping]"),
    "content/2024/11/budget-vote.md": article(title="Budget vote", date="2024-11-02"),
}
DEFAULT_TEMPLATES = REPO / "themes" / "default" / "templates"


def read(site, url_path):
    return (site / "output" / url_path / "index.html").read_text(encoding="utf-8")


def fingerprinted(folder, stem, suffix):
    """The one file of `folder` that is `<stem>.<10 hex digits><suffix>`, a theme asset's copy."""
    found = [
        p
        for p in folder.iterdir()
        if re.fullmatch(rf"{re.escape(stem)}\.[0-9a-f]{{10}}{re.escape(suffix)}", p.name)
    ]
    assert len(found) == 1, sorted(p.name for p in folder.iterdir())
    return found[0]


def test_a_site_template_replaces_the_default(make_site, cli):
    site = make_site(
        {
            **SITE,
            "themes/default/templates/article.html": (
                '{% extends "base.html" %}{% block content %}<p class="mine">{{ article.title }}</p>'
                "{% endblock %}"
            ),
        }
    )
    result = cli("build", "--site", site)
    assert result.code == 0, result.err
    html = read(site, "articles/budget-vote/")
    assert '<p class="mine">Budget vote</p>' in html
    assert 'class="article-header"' not in html
    assert 'class="masthead' in html  # the default base.html is still used
    assert 'class="mine"' not in read(site, "")  # other pages keep the default templates
    # the site's theme folder has no static/: the default theme's css is still copied
    assert fingerprinted(site / "output" / "css", "style", ".css").is_file()


def test_a_site_theme_falls_back_to_the_default_for_missing_templates(make_site, cli):
    site = make_site(
        {
            **SITE,
            "site.yaml": "title: Mine\nbase_url: https://example.org/\ntheme: mine\n",
            "themes/mine/templates/index.html": (
                '{% extends "base.html" %}{% block content %}<ol id="mine">'
                "{% for a in articles %}<li>{{ a.title }}</li>{% endfor %}</ol>{% endblock %}"
            ),
            "themes/mine/static/css/extra.css": "body { color: teal }",
        }
    )
    result = cli("build", "--site", site)
    assert result.code == 0, result.err
    assert '<ol id="mine"><li>Budget vote</li><li>Port strike ends</li></ol>' in read(site, "")
    assert 'class="article-header"' in read(site, "articles/budget-vote/")  # the default's article.html
    # a theme's own static files are its assets, fingerprinted too
    assert fingerprinted(site / "output" / "css", "extra", ".css").read_text() == "body { color: teal }"
    assert fingerprinted(site / "output" / "css", "style", ".css").is_file()


def test_a_template_can_extend_the_default_version(make_site, cli):
    site = make_site(
        {
            **SITE,
            "themes/default/templates/base.html": (
                '{% extends "default/base.html" %}'
                '{% block head %}<link rel="stylesheet" href="{{ url(\'css/extra.css\') }}">{% endblock %}'
            ),
            "static/css/extra.css": "main { max-width: 40rem }",
        }
    )
    result = cli("build", "--site", site, "--base-url", "https://example.org/b/")
    assert result.code == 0, result.err
    for url_path in ("", "articles/budget-vote/", "tags/", "timeline/2024/11/"):
        html = read(site, url_path)
        assert '<link rel="stylesheet" href="/b/css/extra.css">' in html
        assert 'class="masthead' in html


def test_template_variables(make_site, cli):
    site = make_site(
        {
            **SITE,
            "content/2024/11/budget-vote.md": article(
                title="Budget vote", date="2024-11-02T14:05", desk="Politics", region="Europe"
            ),
            "themes/default/templates/article.html": (
                "{{ article.meta.get('desk') }}|{{ article.date | date }}|{{ article.date | date('short') }}|"
                "{{ article.date | date('time') }}|{{ article.date | date('iso') }}|{{ page.url_path }}|"
                "{{ url(article) }}|{{ absolute_url(article) }}|{{ older.title if older else '-' }}|"
                "{{ site.terms_of(article, 'regions') | map(attribute='name') | join(',') }}|"
                "{{ config.title }}|{{ 11 | month_name }}"
            ),
        }
    )
    assert cli("build", "--site", site).code == 0
    assert read(site, "articles/budget-vote/") == (
        "Politics|2 November 2024|2 Nov 2024|14:05|2024-11-02T14:05:00+00:00|articles/budget-vote/|"
        "/articles/budget-vote/|https://example.org/articles/budget-vote/|Port strike ends|Europe|"
        "Test Briefing|November"
    )


def test_a_template_syntax_error_names_the_file_and_line(make_site, cli):
    site = make_site(SITE)
    assert cli("build", "--site", site).code == 0
    before = snapshot(site / "output")
    template = site / "themes/default/templates/term.html"
    template.parent.mkdir(parents=True)
    template.write_text('{% extends "base.html" %}\n{% block content %}\n{% for x in %}\n{% endblock %}\n')
    result = cli("build", "--site", site)
    assert result.code == 1
    assert "themes/default/templates/term.html:3: template error:" in result.err
    assert "Traceback" not in result.err
    assert snapshot(site / "output") == before


def test_an_undefined_variable_names_the_file_and_line(make_site, cli_subprocess, cli):
    site = make_site(SITE)
    assert cli("build", "--site", site).code == 0
    before = snapshot(site / "output")
    template = site / "themes/default/templates/year.html"
    template.parent.mkdir(parents=True)
    template.write_text(
        '{% extends "base.html" %}\n{% block content %}\n\n{{ no_such_thing }}\n{% endblock %}\n'
    )
    result = cli_subprocess("build", "--site", site)
    assert result.code == 1
    assert "themes/default/templates/year.html:4:" in result.err
    assert "no_such_thing" in result.err
    assert "Traceback" not in result.err
    assert snapshot(site / "output") == before


def test_the_default_theme_is_what_the_issue_asks_for(make_site, cli):
    site = make_site({**SITE, "site.yaml": "title: Brief\nlanguage: fr\nbase_url: https://example.org/\n"})
    assert cli("build", "--site", site).code == 0
    html = read(site, "articles/budget-vote/")
    assert '<html lang="fr">' in html
    assert '<a class="skip-link" href="#main">' in html and 'id="main"' in html
    # The navigation in the site's language (themes/default/i18n/fr.yaml).
    for label in ("À la une", "Chronologie", "Mots-clés", "Régions", "Sources"):
        assert f">{label}</a>" in html
    assert html.count("<h1") == 1
    css = (DEFAULT_TEMPLATES.parent / "static" / "css" / "style.css").read_text()
    assert "prefers-color-scheme: dark" in css
    assert "@media print" in css


# --- Cards: rendered once per build, shown on every listing -----------------------------------

NOW = dt.datetime(2024, 12, 3, 12, tzinfo=dt.UTC)  # the build's clock


@st.composite
def listed_articles(draw: st.DrawFn) -> list[Article]:
    """A few articles around the build's clock (some scheduled, some drafts), sharing tags."""
    found = []
    for number in range(draw(st.integers(1, 6))):
        date = NOW + dt.timedelta(hours=draw(st.integers(-72, 72)))
        regions = draw(st.lists(st.sampled_from(["Europe", "Asia"]), max_size=1))
        tags = draw(st.lists(st.sampled_from(["energy", "trade"]), min_size=1, max_size=2, unique=True))
        found.append(
            Article(
                slug=f"a{number}", title=f"Story {number}", date=date, has_time=True, source="Wire",
                source_url=None, regions=tuple(regions), tags=tuple(tags), summary="",
                summary_from_body=True, author=None, image=None, image_caption=None, updated=None,
                draft=draw(st.booleans()), path=f"content/a{number}.md",
            ).with_digest()
        )  # fmt: skip
    return found


@pytest.fixture(scope="module")
def default_theme(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("cards")
    theme, _ = find_theme(folder, "default")
    assert theme is not None
    return folder, theme, CompiledTemplates()


@settings(max_examples=200, deadline=None)
@given(articles=listed_articles(), future=st.booleans(), relative=st.booleans())
def test_a_card_rendered_once_is_what_each_listing_would_render(default_theme, articles, future, relative):
    """card() renders an article's card once and shows it on every listing (at each depth,
    with relative_urls): each listing page must be the bytes a renderer that rendered that
    page alone gives. A scheduled article's card has the scheduled badge, a draft's the draft
    badge, the others neither."""
    folder, theme, compiled = default_theme
    config = SiteConfig(
        base_url="https://example.org/news/", search=False, relative_urls=relative, per_page=2
    )
    site = build_site(config, articles, drafts=True, now=NOW, future=future)
    listings = [page for page in site.pages if page.template in ("index.html", "term.html", "month.html")]
    shared = Renderer(site, theme, folder, compiled)
    for page in listings:
        alone = Renderer(site, theme, folder, compiled, shared.strings)
        assert shared.render(page).data == alone.render(page).data, page.url_path
    for shown in site.articles:
        card = shared.card_for_page(shown, "")[1]
        assert ('class="badge badge-scheduled"' in card) == (future and shown.date > NOW)
        assert (">Draft</span>" in card) == shown.draft

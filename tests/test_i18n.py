"""The site in its own language: the theme's strings (themes/default/i18n), plural forms,
a site's overrides, the English fallback, right-to-left languages, Babel's dates and numbers,
and pages rendered again when a string changes."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import babel
import pytest
import yaml
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape
from siteutil import REPO, article

from sitegen.engine import Engine
from sitegen.errors import SiteError
from sitegen.i18n import PLURAL_CATEGORIES, Strings, load_strings
from sitegen.render.theme import builtin_themes_dir

I18N = REPO / "themes" / "default" / "i18n"
SHIPPED = sorted(p.stem for p in I18N.glob("*.yaml"))
THEME = (builtin_themes_dir() / "default",)
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def shipped(language: str) -> dict[str, object]:
    return yaml.safe_load((I18N / f"{language}.yaml").read_text(encoding="utf-8"))


def texts_of(value: object) -> list[str]:
    return list(value.values()) if isinstance(value, dict) else [value]  # type: ignore[arg-type]


def test_the_issue_s_languages_are_shipped():
    assert {"en", "fr", "de", "es", "uk"} <= set(SHIPPED)


@pytest.mark.parametrize("language", SHIPPED)
def test_every_language_has_every_key_of_en_yaml_and_no_other(language):
    english, translated = shipped("en"), shipped(language)
    assert sorted(translated) == sorted(english)
    for key, text in english.items():
        # Plural forms where English has them, one text where English has one.
        assert isinstance(translated[key], dict) == isinstance(text, dict), key
        # The same places to fill: a translation that drops {n} would show no count.
        wanted = {name for t in texts_of(text) for name in PLACEHOLDER.findall(t)}
        for form in texts_of(translated[key]):
            assert set(PLACEHOLDER.findall(form)) == wanted, (key, form)


@pytest.mark.parametrize("language", SHIPPED)
def test_every_plural_string_has_the_forms_babel_s_rules_give(language):
    needed = set(babel.Locale.parse(language).plural_form.tags) | {"other"}
    for key, text in shipped(language).items():
        if isinstance(text, dict):
            assert set(text) <= set(PLURAL_CATEGORIES), key
            assert needed <= set(text), (key, needed - set(text))


def test_ukrainian_counts_take_their_three_forms(tmp_path):
    strings, problems = load_strings(tmp_path, THEME, "uk")
    assert problems == []
    shown = {
        n: str(strings.translate("count.articles", n=n)) for n in (1, 2, 4, 5, 11, 21, 22, 25, 101, 1000)
    }
    assert shown[1] == "1 стаття" and shown[21] == "21 стаття" and shown[101] == "101 стаття"
    assert shown[2] == "2 статті" and shown[4] == "4 статті" and shown[22] == "22 статті"
    assert shown[5] == "5 статей" and shown[11] == "11 статей" and shown[25] == "25 статей"
    assert shown[1000] == "1\xa0000 статей"  # the count formatted by Babel for uk


def test_english_counts_and_numbers(tmp_path):
    strings, _ = load_strings(tmp_path, THEME, "en")
    assert str(strings.translate("count.articles", n=1)) == "1 article"
    assert str(strings.translate("count.articles", n=0)) == "0 articles"
    assert str(strings.translate("count.articles", n=12345)) == "12,345 articles"
    de, _ = load_strings(tmp_path, THEME, "de")
    assert de.number(12345) == "12.345"


def test_dates_follow_the_language(tmp_path):
    moment = dt.datetime(2024, 12, 3, 14, 5)
    expected = {
        "en": ("3 December 2024", "3 Dec 2024", "December 2024"),
        "fr": ("3 décembre 2024", "3 déc. 2024", "Décembre 2024"),
        "de": ("3. Dezember 2024", "3. Dez. 2024", "Dezember 2024"),
        "es": ("3 de diciembre de 2024", "3 dic 2024", "Diciembre de 2024"),
        "uk": ("3 грудня 2024 р.", "3 груд. 2024 р.", "Грудень 2024 р."),  # noqa: RUF001 (Cyrillic)
    }
    for language, (long, short, month) in expected.items():
        strings, _ = load_strings(tmp_path, THEME, language)
        assert strings.date(moment) == long, language
        assert strings.date(moment, "short") == short, language
        assert strings.month_year(2024, 12) == month, language
        assert strings.date(moment, "time") == "14:05"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["en", "fr", "de", "es", "uk"]),
    st.lists(
        st.tuples(
            st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
            st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=-11, minutes=-30))]),
            st.sampled_from(["long", "short"]),
        ),
        min_size=1,
        max_size=30,
    ),
)
def test_each_day_formatted_once_is_what_babel_formats_every_time(language, moments):
    """Strings.date keeps each day's text (a year's page shows thousands of dates): the same
    as Babel formatting every moment, naive or in any time zone, in any order."""
    from babel.dates import format_date

    strings, _ = load_strings(Path("/nonexistent"), THEME, language)
    for naive, zone, style in moments:
        moment = naive.replace(tzinfo=zone)
        expected = format_date(moment, strings.text(f"date.{style}"), locale=strings.locale)
        assert strings.date(moment, style) == expected


def test_a_value_put_in_a_string_is_escaped_and_a_string_cannot_add_markup(tmp_path):
    site = tmp_path / "site"
    (site / "i18n").mkdir(parents=True)
    (site / "i18n" / "en.yaml").write_text('term.follow: "<b>Follow</b> {term}"\n', encoding="utf-8")
    strings, _ = load_strings(site, THEME, "en")
    assert str(strings.translate("term.follow", term="<i>")) == "&lt;b&gt;Follow&lt;/b&gt; &lt;i&gt;"


# translate() fills a string in with str.format on escaped parts, and remembers numbers and
# plural categories: the same as Markup.format and Babel every time.
_FIELD_TEXT = st.text(alphabet=st.sampled_from("ab <>&'\"{}é→"), max_size=12)


@st.composite
def _string_and_values(draw):
    names = draw(st.lists(st.sampled_from(["title", "link", "date"]), max_size=3, unique=True))
    pieces = [draw(_FIELD_TEXT).replace("{", "{{").replace("}", "}}") for _ in range(len(names) + 1)]
    text = pieces[0] + "".join(f"{{{name}}}{piece}" for name, piece in zip(names, pieces[1:], strict=True))
    values = {
        name: draw(st.one_of(_FIELD_TEXT, _FIELD_TEXT.map(lambda t: Markup(f"<a>{escape(t)}</a>"))))
        for name in names
    }
    return text, values


@settings(max_examples=400, deadline=None)
@given(_string_and_values())
def test_translate_is_markup_format(case):
    text, values = case
    strings = Strings("en", babel.Locale.parse("en"), {"key": text})
    assert strings.translate("key", **values) == Markup(escape(text)).format(**values)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SHIPPED), st.lists(st.integers(min_value=-(10**7), max_value=10**7), max_size=6))
def test_remembered_numbers_and_plural_forms_are_babel_s(language, counts):
    locale = babel.Locale.parse(language)
    forms = {category: f"{category}:{{n}}" for category in ("one", "few", "many", "other")}
    strings = Strings(language, locale, {"key": forms})
    for n in [*counts, *counts]:  # asked twice: the second answer is the remembered one
        category = locale.plural_form(abs(n))
        expected = f"{category if category in forms else 'other'}:{format_decimal(n, locale=locale)}"
        assert str(strings.translate("key", n=n)) == expected


def test_a_missing_key_is_a_key_error_naming_it(tmp_path):
    strings, _ = load_strings(tmp_path, THEME, "en")
    with pytest.raises(KeyError, match=r"no theme string 'nav\.nowhere'"):
        strings.text("nav.nowhere")


# Whole sites ------------------------------------------------------------------------


def small_site(tmp_path: Path, language: str, files: dict[str, str] | None = None) -> Path:
    site = tmp_path / "site"
    contents = {
        "site.yaml": (
            f'title: "Brief"\nbase_url: "https://example.org/"\nlanguage: "{language}"\nsearch: false\n'
        ),
        "content/2024/12/port-strike.md": article(tags="[shipping]", date="2024-12-03T14:05:00+01:00"),
        "content/2024/11/budget.md": article(title="Budget vote", date="2024-11-02"),
        **(files or {}),
    }
    for relative, text in contents.items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return site


def page(site: Path, url_path: str) -> str:
    return (site / "output" / url_path / "index.html").read_text(encoding="utf-8")


def test_a_site_override_replaces_a_theme_string_and_an_unknown_key_is_a_warning(tmp_path):
    site = small_site(
        tmp_path,
        "fr",
        {"i18n/fr.yaml": "# ours\nnav.latest: Dernières nouvelles\nnav.latset: typo\n"},
    )
    result = Engine(site, use_cache=False).build()
    assert ">Dernières nouvelles</a>" in page(site, "")
    warned = [p for p in result.warnings if p.path == "i18n/fr.yaml"]
    assert [(p.line, p.is_error) for p in warned] == [(3, False)]
    assert "'nav.latset' is not one of the theme's strings" in warned[0].message


def test_bad_yaml_in_a_site_s_strings_is_an_error_with_its_line(tmp_path):
    site = small_site(
        tmp_path, "fr", {"i18n/fr.yaml": "nav.latest: Dernières\nnav.stories: Dossiers: en cours\n"}
    )
    with pytest.raises(SiteError) as raised:
        Engine(site, use_cache=False).build()
    errors = [p for p in raised.value.problems if p.is_error]
    assert [(p.path, p.line) for p in errors] == [("i18n/fr.yaml", 2)]
    assert "invalid YAML" in errors[0].message
    assert not (site / "output").exists()


def test_an_override_of_a_plural_string_must_have_plural_forms(tmp_path):
    site = small_site(tmp_path, "fr", {"i18n/fr.yaml": "count.articles: articles\n"})
    with pytest.raises(SiteError) as raised:
        Engine(site, use_cache=False).build()
    (problem,) = [p for p in raised.value.problems if p.is_error]
    assert (problem.path, problem.line) == ("i18n/fr.yaml", 1)
    assert "plural" in problem.message


def test_an_override_with_a_name_the_theme_does_not_fill_in_is_an_error(tmp_path):
    site = small_site(
        tmp_path,
        "en",
        {"i18n/en.yaml": "term.follow: 'Follow {name}'\nnav.latest: 'New {'\nolder: 'Older {{n}}'\n"},
    )
    with pytest.raises(SiteError) as raised:
        Engine(site, use_cache=False).build()
    errors = sorted((p.line, p.message) for p in raised.value.problems if p.is_error)
    assert [line for line, _ in errors] == [1, 2]  # line 3's braces are written as braces
    assert "{name} is not filled in by the theme (this string has {term})" in errors[0][1]
    assert "a lone { or }" in errors[1][1]


def test_a_language_without_translation_falls_back_to_english_with_one_warning(tmp_path):
    site = small_site(tmp_path, "it")
    result = Engine(site, use_cache=False).build()
    fallback = [p for p in result.warnings if "no strings in this language" in p.message]
    assert len(fallback) == 1 and fallback[0].path == "site.yaml"
    home = page(site, "")
    assert ">Latest</a>" in home
    assert "3 dicembre 2024" in home  # Italian dates all the same, from Babel's own formats
    assert "Dicembre 2024" in page(site, "timeline")
    # A second build says it once again, not twice.
    again = Engine(site, use_cache=False).build()
    assert len([p for p in again.warnings if "no strings in this language" in p.message]) == 1


def test_a_site_may_translate_a_language_the_theme_does_not_ship(tmp_path):
    site = small_site(tmp_path, "it", {"i18n/it.yaml": "nav.latest: Ultime notizie\n"})
    result = Engine(site, use_cache=False).build()
    assert ">Ultime notizie</a>" in page(site, "")
    assert not [p for p in result.warnings if p.path == "i18n/it.yaml"]


@pytest.mark.parametrize(
    ("language", "direction"), [("ar", "rtl"), ("he", "rtl"), ("fa", "rtl"), ("fr", None)]
)
def test_right_to_left_languages_get_dir_rtl(tmp_path, language, direction):
    site = small_site(tmp_path, language)
    Engine(site, use_cache=False).build()
    for url_path in ("", "articles/port-strike", "timeline", "tags"):
        opening = re.search(r"<html[^>]*>", page(site, url_path)).group(0)
        if direction:
            assert f'dir="{direction}"' in opening and f'lang="{language}"' in opening
        else:
            assert "dir=" not in opening


def test_a_template_asking_for_a_string_that_does_not_exist_names_the_template_line(tmp_path):
    site = small_site(
        tmp_path,
        "en",
        {
            "themes/default/templates/404.html": (
                '{% extends "default/404.html" %}\n{% block title %}{{ t("nope") }}{% endblock %}\n'
            )
        },
    )
    with pytest.raises(SiteError) as raised:
        Engine(site, use_cache=False).build()
    (problem,) = [p for p in raised.value.problems if p.is_error]
    assert problem.path == "themes/default/templates/404.html" and problem.line == 2
    assert "nope" in problem.message


# Incremental builds ---------------------------------------------------------------


def test_editing_the_site_s_strings_renders_again_the_pages_that_show_them(tmp_path):
    site = small_site(tmp_path, "fr", {"i18n/fr.yaml": "article.related: Voir aussi\n"})
    engine = Engine(site)
    engine.build()
    assert ">Dossiers</a>" in page(site, "")
    (site / "i18n" / "fr.yaml").write_text("nav.stories: Sujets\n", encoding="utf-8")
    result = engine.build(changed=[site / "i18n" / "fr.yaml"])
    assert ">Sujets</a>" in page(site, "")
    assert ">Sujets</a>" in page(site, "articles/port-strike")
    # The same as a clean build of the site as it is now.
    clean = tmp_path / "clean"
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns("output"))
    Engine(clean, use_cache=False).build()
    for url_path in ("", "articles/port-strike", "tags/shipping", "timeline/2024/12"):
        assert page(site, url_path) == page(clean, url_path)
    assert result.rendered > 0
    # And a new Engine (a new process) with the build cache sees an edit too.
    (site / "i18n" / "fr.yaml").write_text("nav.stories: Histoires\n", encoding="utf-8")
    Engine(site).build()
    assert ">Histoires</a>" in page(site, "articles/port-strike")


def test_a_string_edit_renders_only_the_pages_that_read_it(tmp_path):
    site = small_site(tmp_path, "fr", {"i18n/fr.yaml": "# nothing yet\n"})
    engine = Engine(site)
    first = engine.build()
    (site / "i18n" / "fr.yaml").write_text(
        "moved.title: Parti\nnot_found.intro: Rien ici.\n", encoding="utf-8"
    )
    second = engine.build(changed=[site / "i18n" / "fr.yaml"])
    assert "Rien ici." in (site / "output" / "404.html").read_text(encoding="utf-8")
    assert second.rendered == 1 < first.rendered  # only the 404 page shows that string


def test_changing_the_language_renders_every_date_again(tmp_path):
    site = small_site(tmp_path, "en")
    engine = Engine(site)
    engine.build()
    assert "3 December 2024" in page(site, "articles/port-strike")
    config = site / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace('"en"', '"de"'), encoding="utf-8")
    engine.build(changed=[config])
    assert "3. Dezember 2024" in page(site, "articles/port-strike")
    assert "3. Dezember 2024" in page(site, "")
    assert "Dezember 2024" in page(site, "timeline")


# No English left -------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes outside <script>, <style> and hidden
    elements, and the attributes read aloud or shown (aria-label, title, placeholder, alt)."""

    VOID: ClassVar = {
        "meta",
        "link",
        "input",
        "img",
        "br",
        "hr",
        "source",
        "area",
        "base",
        "col",
        "embed",
        "wbr",
    }

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._stack: list[bool] = []  # per open element: is it hidden?

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        hidden = (
            (self._stack and self._stack[-1])
            or tag in ("script", "style")
            or "hidden" in attributes
            or "article-body" in (attributes.get("class") or "").split()  # the article's own words
        )
        if not hidden:
            self.texts += [
                attributes[a] or "" for a in ("aria-label", "title", "placeholder", "alt") if a in attributes
            ]
        if tag not in self.VOID:
            self._stack.append(bool(hidden))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if not (self._stack and self._stack[-1]) and data.strip():
            self.texts.append(data.strip())


def visible_texts(markup: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(markup)
    return [html.unescape(text) for text in parser.texts]


def english_pieces(language: str) -> set[str]:
    """The words of en.yaml a page in `language` must not show: each string's text between
    its {placeholders}, unless the language's own text has it too ("Sources" in French)."""
    english, translated = shipped("en"), shipped(language)
    pieces = set()
    for key, text in english.items():
        if key.startswith("date."):
            continue  # Babel patterns, not words
        theirs = " ".join(texts_of(translated[key]))
        for form in texts_of(text):
            for piece in PLACEHOLDER.split(form)[::2]:
                piece = piece.strip(" .,:;()\u2013\u2190\u2192")  # and the dash and arrows
                if re.search(r"[A-Za-z]{2}", piece) and piece not in theirs:
                    pieces.add(piece)
    return pieces


def shows_piece(text: str, piece: str) -> bool:
    """Does a text node show the UI piece: all of it, or as the start or end of it (the
    rest being a value put in)? A one-word piece ("of" of "Page {number} of {count}") only
    beside a number, as the theme puts it: the articles' own words are English."""
    if text == piece:
        return True
    escaped = re.escape(piece)
    if " " not in piece:
        return bool(re.search(rf"(^|\d )({escaped})( \d|$)", text)) and bool(re.search(r"\d", text))
    return bool(re.match(rf"{escaped}(?![A-Za-z])", text) or re.search(rf"(?<![A-Za-z]){escaped}$", text))


@pytest.mark.slow
@pytest.mark.parametrize("language", [lang for lang in SHIPPED if lang != "en"])
def test_no_english_left_on_the_sample_site_s_pages(tmp_path, language):
    site = tmp_path / "sample"
    for name in ("content", "static"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, site / name)
    config = (REPO / "site.yaml").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^language:.*$", f'language: "{language}"', config)
    (site / "site.yaml").write_text(config + "search: false\n", encoding="utf-8")
    Engine(site, use_cache=False).build()
    pieces = english_pieces(language)
    assert len(pieces) > 60  # the test looks for the theme's words, not for nothing
    pages = sorted((site / "output").rglob("*.html"))
    assert len(pages) > 50
    left = {}
    for path in pages:
        for text in visible_texts(path.read_text(encoding="utf-8")):
            found = [p for p in pieces if shows_piece(text, p)]
            if found:
                left.setdefault(str(path.relative_to(site / "output")), []).append((text, found))
    assert left == {}

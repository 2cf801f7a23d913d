# ruff: noqa: RUF001 - the letters are what these tests are about
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.slugs import (
    ARTICLE_SLUG,
    MAX_SLUG_BYTES,
    _ascii_latin,
    _ascii_latin_by_character,
    _capped,
    _general_slug,
    name_key,
    slugify,
)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Ukraine", "ukraine"),
        ("ukraine", "ukraine"),
        ("São Paulo", "sao-paulo"),
        ("são-paulo", "sao-paulo"),
        ("Côte d\u2019Ivoire, 2024!", "cote-d-ivoire-2024"),
        ("Côte d'Ivoire", "cote-d-ivoire"),
        ("Україна", "україна"),
        ("Ї", "ї"),  # the diaeresis of a Cyrillic letter is part of it
        ("東京", "東京"),
        ("  climate   finance  ", "climate-finance"),
        ("port_strike", "port-strike"),
        ("Zürich--Basel", "zurich-basel"),
        ("EU/US trade", "eu-us-trade"),
        ("../etc", "etc"),
        # '+' and '#' after a letter or digit are spelled out; elsewhere they separate words.
        ("C++", "c-plus-plus"),
        ("C#", "c-sharp"),
        ("C", "c"),
        ("F#", "f-sharp"),
        ("#MeToo", "metoo"),
        ("A + B", "a-b"),
        # Every Latin letter in ASCII.
        ("Łódź", "lodz"),
        ("Øresund", "oresund"),
        ("Œuvre", "oeuvre"),
        ("Đà Nẵng", "da-nang"),
        ("Þingvellir", "thingvellir"),
        ("Straße", "strasse"),
        ("Æsir", "aesir"),
        ("Diyarbakır", "diyarbakir"),
        ("q\u0303x", "qx"),  # a Latin letter with a separate combining mark
        ("\uff34okyo", "tokyo"),  # full-width letters are their ASCII selves
        # Combining marks of other scripts belong to their letter: one word, not three.
        ("हिन्दी", "हिन्दी"),
        ("हिन्दी भाषा", "हिन्दी-भाषा"),
        ("தமிழ்", "தமிழ்"),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_different_names_get_different_slugs():
    """C++, C# and C were one tag, 'C'; in `tags: [C++, C]` the second was dropped."""
    assert len({slugify(n) for n in ("C++", "C#", "C")}) == 3


@pytest.mark.parametrize("name", ["", "!!!", " - ", "...", "#", "+"])
def test_slugify_without_letters_is_empty(name):
    assert slugify(name) == ""


LATIN_LETTERS = [
    chr(cp)
    for cp in range(sys.maxunicode + 1)
    if unicodedata.category(chr(cp)).startswith("L") and unicodedata.name(chr(cp), "").startswith("LATIN")
]


def test_every_latin_letter_is_folded_to_ascii():
    """The README's rule, for every Unicode letter whose name says it is Latin."""
    assert len(LATIN_LETTERS) > 1000
    not_ascii = [c for c in LATIN_LETTERS if not slugify(f"a{c}b").isascii()]
    assert not_ascii == []
    # Nearly all of them are a letter in ASCII, not dropped (a few, such as the glottal stop,
    # are apostrophes in ASCII and so separate words).
    kept = [c for c in LATIN_LETTERS if slugify(c)]
    assert len(kept) > len(LATIN_LETTERS) - 30


@pytest.mark.parametrize("name", ["Україна", "Ελλάδα", "東京", "서울", "مصر", "ישראל", "हिन्दी"])
def test_other_scripts_stay_as_they_are(name):
    assert slugify(name) == name.casefold()


def test_long_names_fit_a_file_name_and_stay_apart():
    """90 Chinese characters (270 bytes) made a folder name the file system refused."""
    long_a, long_b = "中" * 90, "中" * 89 + "文"
    slug_a, slug_b = slugify(long_a), slugify(long_b)
    assert len(slug_a.encode()) <= MAX_SLUG_BYTES and len(slug_b.encode()) <= MAX_SLUG_BYTES
    assert slug_a != slug_b
    assert slug_a.startswith("中" * 30)
    assert len(slugify("a" * 300).encode()) == MAX_SLUG_BYTES
    assert slugify("a" * MAX_SLUG_BYTES) == "a" * MAX_SLUG_BYTES  # short enough: unchanged


def test_a_long_slug_is_not_cut_between_a_letter_and_its_marks():
    word = "हिन्दी" * 20
    slug = slugify(word)
    head = slug.rsplit("-", 1)[0]
    assert not unicodedata.category(word[len(head)]).startswith("M")
    assert len(slug.encode()) <= MAX_SLUG_BYTES


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=150))
def test_ascii_fast_path_is_the_general_rule(text):
    assert slugify(text) == _capped(_general_slug(text))


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_is_latin_in_ascii_as_it_is(text):
    assert _ascii_latin(text) == _ascii_latin_by_character(text) == text


@settings(max_examples=1500, deadline=None)
@given(st.text(max_size=200))
def test_any_slug_is_a_safe_path_segment(text):
    slug = slugify(text)
    assert len(slug.encode("utf-8")) <= MAX_SLUG_BYTES
    assert "/" not in slug and "\\" not in slug and slug not in (".", "..")
    assert slug == slug.strip("-") and "--" not in slug
    assert slugify(slug) == slug  # a slug is its own slug


@pytest.mark.parametrize(
    ("a", "b"),
    [("São Paulo", "sao paulo"), ("Côte d\u2019Ivoire", "cote d'ivoire"), ("port strike", "Port-Strike")],
)
def test_same_name(a, b):
    assert slugify(a) == slugify(b) and name_key(a) == name_key(b)


@pytest.mark.parametrize(("a", "b"), [("C++", "C plus plus"), ("EU/US", "EU US"), ("AT&T", "AT-T")])
def test_different_names_with_one_slug(a, b):
    assert slugify(a) == slugify(b) and name_key(a) != name_key(b)


@pytest.mark.parametrize("slug", ["port-strike", "a", "2024-12-03", "g7"])
def test_article_slug_accepts(slug):
    assert ARTICLE_SLUG.match(slug)


@pytest.mark.parametrize(
    "slug", ["Port-Strike", "port--strike", "-port", "port-", "a/b", "..", "a b", "são", "port_strike", ""]
)
def test_article_slug_rejects(slug):
    assert not ARTICLE_SLUG.match(slug)


def test_site_keeps_c_plus_plus_and_c_apart(tmp_path):
    from siteutil import article, write_site

    from sitegen import load_site

    site = write_site(
        tmp_path,
        {"content/a.md": article(tags="[C++, C]"), "content/b.md": article(title="Second", tags="[C#]")},
    )
    loaded = load_site(site)
    tags = {t.slug: t.name for t in loaded.site.taxonomies["tags"].terms}
    assert tags == {"c-plus-plus": "C++", "c": "C", "c-sharp": "C#"}
    assert not loaded.warnings


def test_build_warns_when_different_names_share_a_slug(tmp_path):
    from siteutil import article, write_site

    from sitegen import load_site

    site = write_site(
        tmp_path,
        {
            "content/a.md": article(tags="[C++, São Paulo]"),
            "content/b.md": article(title="Second", tags="[C plus plus, sao paulo]"),
        },
    )
    warnings = [str(p) for p in load_site(site).warnings]
    assert len(warnings) == 1, warnings  # São Paulo and sao paulo are one name
    [message] = warnings
    assert message.startswith("content/b.md: warning:")
    assert "'C plus plus'" in message and "'C++'" in message and "content/a.md" in message
    assert "/tags/c-plus-plus/" in message


def test_a_build_with_a_name_of_90_chinese_characters(tmp_path):
    """A tag of 90 Chinese characters (270 bytes) made a folder name the file system refused."""
    from siteutil import article, write_site

    from sitegen import build

    long_name = "中" * 90
    site = write_site(tmp_path / "site", {"content/a.md": article(tags=f"[{long_name}, {long_name[:-1]}文]")})
    build(site, tmp_path / "out")
    folders = [p.name for p in (tmp_path / "out" / "tags").iterdir() if p.is_dir()]
    assert len(folders) == 2 and all(len(name.encode()) <= MAX_SLUG_BYTES for name in folders)


def test_one_article_with_two_names_for_one_slug_is_warned(tmp_path):
    from siteutil import article, write_site

    from sitegen import load_site

    site = write_site(tmp_path, {"content/a.md": article(tags="[C++, C plus plus, c++]")})
    loaded = load_site(site)
    assert [t.name for t in loaded.site.taxonomies["tags"].terms] == ["C++"]
    [message] = [str(p) for p in loaded.warnings]
    assert message.startswith("content/a.md:") and "'C plus plus' and 'C++'" in message

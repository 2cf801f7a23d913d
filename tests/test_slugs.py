import pytest

from sitegen.slugs import ARTICLE_SLUG, slugify


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
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


@pytest.mark.parametrize("name", ["", "!!!", " - ", "..."])
def test_slugify_without_letters_is_empty(name):
    assert slugify(name) == ""


@pytest.mark.parametrize("slug", ["port-strike", "a", "2024-12-03", "g7"])
def test_article_slug_accepts(slug):
    assert ARTICLE_SLUG.match(slug)


@pytest.mark.parametrize(
    "slug", ["Port-Strike", "port--strike", "-port", "port-", "a/b", "..", "a b", "são", "port_strike", ""]
)
def test_article_slug_rejects(slug):
    assert not ARTICLE_SLUG.match(slug)
